"""Loading reference and demo data; each loader is idempotent (it adds what is missing)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models.commitments import Commitment
from portal.models.coverage import Indicator, SiteKind
from portal.models.finance import Agreement
from portal.models.milestones import Milestone, MilestoneStatus
from portal.models.organizations import City, Organization, OrganizationKind
from portal.models.plans import Action, Domain, Plan
from portal.models.raci import RaciAssignment, RaciRole
from portal.models.reminders import OutboxMessage
from portal.models.tenders import Tender, TenderStage
from portal.models.types import utcnow
from portal.models.users import Role, RoleAssignment, User
from portal.services import accounts, commitments, coverage, finance, milestones, plans, tenders


def load_reference() -> dict[str, int]:
    from seeds import reference

    added = {"cities": 0, "organizations": 0}
    cities = {c.slug: c for c in db.session.scalars(sa.select(City))}
    for row in reference.CITIES:
        if row["slug"] not in cities:
            cities[row["slug"]] = City(**row)
            db.session.add(cities[row["slug"]])
            added["cities"] += 1
    existing = set(db.session.scalars(sa.select(Organization.short_name)))
    for short_name, name, kind, city_slug in reference.ORGANIZATIONS:
        if short_name not in existing:
            db.session.add(
                Organization(
                    short_name=short_name,
                    name=name,
                    kind=kind,
                    city=cities[city_slug] if city_slug else None,
                )
            )
            added["organizations"] += 1
    db.session.flush()
    return added


def load_demo(today: date | None = None) -> dict[str, int]:
    from seeds import demo

    added = load_reference()
    added["users"] = 0
    cities = {c.slug: c.id for c in db.session.scalars(sa.select(City))}
    organizations = {o.short_name: o.id for o in db.session.scalars(sa.select(Organization))}
    existing = set(db.session.scalars(sa.select(User.email)))
    for email, full_name, organization, roles in demo.USERS:
        if email in existing:
            continue
        accounts.create_user(
            None,
            email=email,
            full_name=full_name,
            organization_id=organizations[organization],
            password=demo.DEMO_PASSWORD,
            grants=[accounts.RoleGrant(role, cities[c] if c else None) for role, c in roles],
        )
        added["users"] += 1
    db.session.flush()
    if today is not None:
        added.update(load_plans(today))
        added["commitments"] = load_commitments(today)
        added["agreements"] = load_finance(today)
        added["tenders"] = load_tenders(today)
        added.update(load_coverage(today))
        _read_what_is_old(today)
    return added


def _read_what_is_old(today: date) -> None:
    """The demo's people have read the notifications of more than two weeks ago; what
    happened since is new to them."""
    cutoff = datetime.combine(today - timedelta(days=14), time.min, tzinfo=UTC)
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.read_at.is_(None), OutboxMessage.created_at < cutoff)
        .values(read_at=OutboxMessage.created_at)
        .execution_options(synchronize_session=False)
    )


# The workflow steps that lead to each state, run through the real rules so that the demo's
# history and audit trail are those people would have left.
PATH_TO = {
    MilestoneStatus.PLANNED: [],
    MilestoneStatus.IN_PROGRESS: ["start"],
    MilestoneStatus.SUBMITTED: ["start", "submit"],
    MilestoneStatus.APPROVED_LOCALLY: ["start", "submit", "approve_local"],
    MilestoneStatus.APPROVED: ["start", "submit", "approve_local", "approve_central"],
    MilestoneStatus.RETURNED: ["start", "submit", "return_local"],
    MilestoneStatus.CANCELLED: ["cancel"],
}
COMMENTS = {
    "submit": "Livrable déposé sur l'espace partagé du programme.",
    "return_local": "Il manque les annexes techniques ; merci de compléter.",
    "cancel": "Action redéfinie lors du comité de pilotage.",
    "approve_central": "Validé par le ministère.",
}


def load_plans(today: date) -> dict[str, int]:
    """Believable plans for the pilot cities: actions over every domain and horizon, with
    milestones in every state of the approval workflow (some late). Idempotent per city."""
    from seeds import plans as data

    added = {"domains": 0, "plans": 0, "actions": 0, "milestones": 0}
    domains = {d.code: d for d in db.session.scalars(sa.select(Domain))}
    for code, name, position in data.DOMAINS:
        if code not in domains:
            domains[code] = Domain(code=code, name=name, position=position)
            db.session.add(domains[code])
            added["domains"] += 1
    db.session.flush()
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    by_city_kind = {(o.city_id, o.kind): o for o in organizations.values() if o.city_id}
    existing_plans = {p.city_id for p in db.session.scalars(sa.select(Plan))}
    people = _people_by_role()
    if Role.SECRETARIAT not in people:
        return added
    for city_index, (slug, (title, status, prefix)) in enumerate(data.CITY_PLANS.items()):
        city = db.session.scalar(sa.select(City).where(City.slug == slug))
        if city is None or city.id in existing_plans:
            continue
        plan = Plan(city=city, title=title, start_date=today - timedelta(days=90))
        db.session.add(plan)
        added["plans"] += 1
        leads = {
            "utility": by_city_kind[(city.id, OrganizationKind.UTILITY)],
            "agency": by_city_kind[(city.id, OrganizationKind.URBAN_AGENCY)],
            "commune": by_city_kind[(city.id, OrganizationKind.COMMUNE)],
        }
        targets: list[tuple[Milestone, MilestoneStatus]] = []
        for index, (suffix, a_title, domain, lead, budget, start, end) in enumerate(data.ACTIONS):
            shift = 15 * city_index  # the cities do not move in lockstep
            start_day = today + timedelta(days=start + shift)
            end_day = today + timedelta(days=end + shift)
            pattern = data.STATE_PATTERNS[(index + 2 * city_index) % len(data.STATE_PATTERNS)]
            action = Action(
                plan=plan,
                code=f"{prefix}-{suffix}",
                title=a_title,
                domain=domains[domain],
                lead_organization=leads.get(lead) or organizations[lead],
                budget=Decimal(budget),
                planned_start=start_day,
                planned_end=end_day,
                horizon=plans.horizon_for(plan.start_date, end_day),
            )
            db.session.add(action)
            db.session.flush()
            added["actions"] += 1
            previous = None
            for step, (m_title, deliverable, offset) in enumerate(data.MILESTONE_STEPS):
                due = start_day + timedelta(days=offset + 7 * step)
                state = MilestoneStatus(pattern[step])
                # Nothing far in the future has begun yet.
                if due > today + timedelta(days=60) and state is not MilestoneStatus.CANCELLED:
                    state = MilestoneStatus.PLANNED
                milestone = milestones.create_milestone(
                    people[Role.SECRETARIAT],
                    action,
                    title=f"{m_title} — {a_title[:60]}",
                    deliverable=deliverable,
                    responsible_organization_id=action.lead_organization_id,
                    planned_start=due - timedelta(days=40),
                    due_date=due,
                    predecessor_ids=[previous.id] if previous is not None else [],
                    now=_moment(today, -120),
                )
                targets.append((milestone, state))
                added["milestones"] += 1
                previous = milestone
        _raci_examples(plan, leads, organizations)
        # Steps run in due-date order, so a milestone starts only after what it depends on.
        for milestone, state in sorted(targets, key=lambda t: (t[0].due_date, t[0].id)):
            _walk(milestone, state, people, city, today)
        if status == "adopted":
            db.session.flush()
            plans.adopt_plan(people[Role.SECRETARIAT], plan, today=today - timedelta(days=80))
            _replan_examples(city, today, people)
    db.session.flush()
    return added


def _raci_examples(plan: Plan, leads: dict, organizations: dict) -> None:
    """Each action: its lead realises (R), the commune answers for it (A), the urban agency
    is consulted, the ministry informed; the telecom actions also consult the operators."""
    ministry = organizations["DUAT"]
    for action in plan.actions:
        letters = {
            action.lead_organization_id: RaciRole.RESPONSIBLE,
            leads["agency"].id: RaciRole.CONSULTED,
            ministry.id: RaciRole.INFORMED,
        }
        # The commune answers for the plan's actions, unless it realises one itself.
        if leads["commune"].id != action.lead_organization_id:
            letters[leads["commune"].id] = RaciRole.ACCOUNTABLE
        else:
            letters[leads["agency"].id] = RaciRole.ACCOUNTABLE
        if action.domain.code == "infrastructures":
            for operator in ("IAM", "Orange", "inwi"):
                letters.setdefault(organizations[operator].id, RaciRole.CONSULTED)
        db.session.add_all(
            RaciAssignment(action_id=action.id, organization_id=org_id, role=role)
            for org_id, role in letters.items()
        )


def _people_by_role() -> dict:
    people = {}
    for assignment in db.session.scalars(
        sa.select(RoleAssignment).join(RoleAssignment.user).where(User.active.is_(True))
    ):
        people.setdefault(assignment.role, assignment.user)
        if assignment.role is Role.LOCAL_DECISION_MAKER:
            people[(Role.LOCAL_DECISION_MAKER, assignment.city_id)] = assignment.user
        if assignment.role is Role.CONTRIBUTOR:
            people[(Role.CONTRIBUTOR, assignment.user.organization_id)] = assignment.user
    return people


def _moment(today: date, days: int) -> datetime:
    # Never later than now: what the demo tells has happened already.
    return min(datetime.combine(today + timedelta(days=days), time(9, 30), tzinfo=UTC), utcnow())


def _walk(milestone: Milestone, state: MilestoneStatus, people: dict, city, today) -> None:
    secretariat = people[Role.SECRETARIAT]
    deliverer = people.get((Role.CONTRIBUTOR, milestone.responsible_organization_id), secretariat)
    actors = {
        "start": deliverer,
        "submit": deliverer,
        "approve_local": people.get((Role.LOCAL_DECISION_MAKER, city.id)),
        "return_local": people.get((Role.LOCAL_DECISION_MAKER, city.id)),
        "approve_central": people.get(Role.CENTRAL_DECISION_MAKER),
        "cancel": secretariat,
    }
    steps = PATH_TO[state]
    for number, name in enumerate(steps):
        actor = actors[name]
        if actor is None:
            return
        # Spread the steps over the weeks before today, oldest first.
        when = _moment(today, -7 * (len(steps) - number) - 1)
        milestones.apply_transition(
            actor, milestone, name, comment=COMMENTS.get(name, ""), now=when
        )


def _replan_examples(city: City, today: date, people: dict) -> None:
    """Two adopted milestones slipped by an accepted change request; one request pending."""
    secretariat, central = people[Role.SECRETARIAT], people.get(Role.CENTRAL_DECISION_MAKER)
    open_ones = db.session.scalars(
        sa.select(Milestone)
        .where(
            Milestone.city_id == city.id,
            Milestone.status.in_([MilestoneStatus.IN_PROGRESS, MilestoneStatus.PLANNED]),
        )
        .order_by(Milestone.due_date)
    ).all()
    for number, milestone in enumerate(open_ones[:4]):
        request = milestones.update_milestone(
            secretariat,
            milestone,
            expected_version=milestone.version,
            title=milestone.title,
            description=milestone.description,
            deliverable=milestone.deliverable,
            responsible_organization_id=milestone.responsible_organization_id,
            due_date=milestone.due_date + timedelta(days=30 + 15 * number),
            planned_start=milestone.planned_start,
            predecessor_ids=[p.id for p in milestone.predecessors],
            change_reason="Livraison des équipements retardée par le fournisseur.",
            now=_moment(today, -20),
        )
        db.session.flush()
        # The last one stays pending, for the ministry to decide in the demo.
        if central is not None and number < 3:
            milestones.decide_change_request(
                central, request, accept=True, comment="Report accordé.", now=_moment(today, -10)
            )


# (organisation: "utility" or an operator's short name, title, indicator, unit, baseline,
#  target, due in days from today, [(value, measured days ago, validated?)])
COMMITMENTS = [
    (
        "utility",
        "Fourreaux mutualisés ouverts aux opérateurs",
        "Fourreaux partagés",
        "km",
        "0",
        "25",
        200,
        [("6", 60, True), ("11", 20, False)],
    ),
    (
        "utility",
        "Foyers raccordés au réseau intelligent",
        "Foyers couverts",
        "foyers",
        "0",
        "12000",
        -21,
        [("7400", 40, True)],
    ),
    (
        "IAM",
        "Fibre optique dans la médina",
        "Fibre posée",
        "km",
        "0",
        "40",
        120,
        [("14", 45, True), ("22", 10, False)],
    ),
    (
        "Orange",
        "Sites Wi-Fi publics allumés",
        "Sites allumés",
        "sites",
        "0",
        "30",
        30,
        [("30", 5, True)],
    ),
    (
        "inwi",
        "Pylônes partagés avec les autres opérateurs",
        "Pylônes partagés",
        "pylônes",
        "0",
        "12",
        300,
        [],
    ),
]


def load_commitments(today: date) -> int:
    """Believable commitments for each city's utility and the operators, with their progress:
    some validated, some waiting for the city, one late, one met."""
    people = _people_by_role()
    secretariat = people.get(Role.SECRETARIAT)
    if secretariat is None or db.session.scalar(sa.select(sa.func.count(Commitment.id))):
        return 0
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    added = 0
    for city in db.session.scalars(sa.select(City).order_by(City.name)):
        utility = db.session.scalar(
            sa.select(Organization).where(
                Organization.city_id == city.id, Organization.kind == OrganizationKind.UTILITY
            )
        )
        local = people.get((Role.LOCAL_DECISION_MAKER, city.id))
        for who, title, indicator, unit, baseline, target, due, updates in COMMITMENTS:
            organization = utility if who == "utility" else organizations[who]
            declarer = people.get((Role.CONTRIBUTOR, organization.id), secretariat)
            pending = local is None or (city.slug == "agadir" and who == "inwi")
            commitment = commitments.create_commitment(
                declarer,
                organization_id=organization.id,
                city_id=city.id,
                action_id=None,
                title=f"{title} — {city.name}",
                indicator=indicator,
                unit=unit,
                baseline=baseline,
                target=target,
                due_date=today + timedelta(days=due),
                now=_moment(today, -3 if pending else -75),
            )
            added += 1
            if pending:
                continue  # left proposed, for the city to accept in the demo
            commitments.change_status(
                local, commitment, "accept", today=today, now=_moment(today, -70)
            )
            for value, days_ago, validated in updates:
                update = commitments.declare_update(
                    declarer,
                    commitment,
                    value=value,
                    measured_on=today - timedelta(days=days_ago),
                    note="Relevé de chantier.",
                    today=today,
                    now=_moment(today, min(1 - days_ago, 0)),
                )
                db.session.flush()
                if validated:
                    commitments.decide_update(
                        local, update, accept=True, now=_moment(today, min(3 - days_ago, 0))
                    )
    db.session.flush()
    return added


# Per city: (name, kind, owner, capacity, unit, capital cost, yearly operating cost,
# basis, [(organisation, weight)], months before today of the first installment)
SHARED_ASSETS = [
    (
        "Réseau de fourreaux de la régie — axes principaux",
        "duct",
        "utility",
        "42",
        "km",
        "12600000.00",
        "480000.00",
        "percent",
        [("utility", "40"), ("IAM", "20"), ("Orange", "20"), ("inwi", "20")],
        10,
    ),
    (
        "Pylône mutualisé — zone d'activités",
        "tower",
        "IAM",
        "6",
        "emplacements d'antennes",
        "1850000.00",
        "96000.00",
        "units",
        [("IAM", "3"), ("Orange", "2"), ("inwi", "1")],
        -1,
    ),
]


# The cities' networks differ in size; so do their costs.
CITY_SCALE = {"marrakech": Decimal("1"), "fes": Decimal("0.8"), "agadir": Decimal("0.65")}


def load_finance(today: date) -> int:
    """Shared assets with their keys and generated agreements, a co-financing agreement per
    city, and installments paid, due, overdue, disputed and awaiting receipt, all recorded
    through the real rules (so the audit trail is the one people would leave)."""
    people = _people_by_role()
    secretariat = people.get(Role.SECRETARIAT)
    if secretariat is None or db.session.scalar(sa.select(sa.func.count(Agreement.id))):
        return 0
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    ministry = organizations["DUAT"]
    for city in db.session.scalars(sa.select(City).order_by(City.name)):
        by_kind = {o.kind: o for o in organizations.values() if o.city_id == city.id}
        named = {**organizations, "utility": by_kind[OrganizationKind.UTILITY]}
        scale = CITY_SCALE.get(city.slug, Decimal(1))
        for (
            name,
            kind,
            owner,
            capacity,
            unit,
            capital,
            operating,
            basis,
            key,
            months_ago,
        ) in SHARED_ASSETS:
            asset = finance.save_asset(
                secretariat,
                None,
                city_id=city.id,
                owner_id=named[owner].id,
                kind=kind,
                name=f"{name} ({city.name})",
                description="",
                capacity=capacity,
                capacity_unit=unit,
                capital_cost=(Decimal(capital) * scale).quantize(Decimal("0.01")),
                yearly_operating_cost=(Decimal(operating) * scale).quantize(Decimal("0.01")),
            )
            db.session.flush()
            finance.set_key(
                secretariat,
                asset,
                basis=basis,
                lines=[(named[who].id, weight) for who, weight in key],
                on_existing=None,
                today=today,
                expected_version=asset.version,
            )
            db.session.flush()
            generated = finance.generate_agreements(
                secretariat,
                asset,
                start_date=finance.add_months(today.replace(day=15), -months_ago),
                frequency="quarterly",
                count=8,
                operating_years=2 if months_ago > 0 else 0,
                today=today,
                expected_version=asset.version,
            )
            if months_ago <= 0:
                continue  # left as drafts for the secretariat to review and sign
            for agreement in generated.agreements:
                _sign_and_settle(agreement, people, secretariat, today)
        commune = by_kind[OrganizationKind.COMMUNE]
        cofinancing, _dropped = finance.save_agreement(
            secretariat,
            None,
            city_id=city.id,
            payer_id=ministry.id,
            payee_id=commune.id,
            purpose="cofinancing",
            title=f"Cofinancement du portail de services numériques — {city.name}",
            action_id=None,
            asset_id=None,
            total="2500000.00",
            start_date=finance.add_months(today, -14),
        )
        db.session.flush()
        finance.generate_schedule(
            secretariat,
            cofinancing,
            frequency="yearly",
            count=3,
            first_due=finance.add_months(today, -13),
            expected_version=cofinancing.version,
        )
        db.session.flush()
        _sign_and_settle(cofinancing, people, secretariat, today)
    db.session.flush()
    return db.session.scalar(sa.select(sa.func.count(Agreement.id)))


def _sign_and_settle(agreement: Agreement, people: dict, secretariat: User, today: date) -> None:
    """Sign, then settle the past installments: most paid and confirmed, the latest past one
    left overdue, one disputed, one paid but awaiting the payee's confirmation."""
    signed_on = min(agreement.start_date, today)
    finance.sign(
        secretariat,
        agreement,
        signed_on=signed_on,
        convention_reference=f"CONV-{agreement.city_id}-{agreement.id:04d}",
        today=today,
        expected_version=agreement.version,
        now=_moment(signed_on, 0),
    )
    db.session.flush()
    payer = people.get((Role.CONTRIBUTOR, agreement.payer_id), secretariat)
    payee = people.get((Role.CONTRIBUTOR, agreement.payee_id), secretariat)

    def act(actor, installment, name, when: date, **details):
        db.session.flush()  # the version read below is the stored one, as in a form
        finance.act_on_installment(
            actor,
            installment,
            name,
            today=today,
            expected_version=installment.version,
            now=_moment(min(when, today), 0),
            **details,
        )

    past = [i for i in agreement.installments if i.due_date < today]
    for index, installment in enumerate(past):
        reference = f"{agreement.id:04d}-{index + 1:02d}"
        invoiced = installment.due_date - timedelta(days=20)
        act(payee, installment, "invoice", invoiced, reference=f"FAC-{reference}", day=invoiced)
        if index == len(past) - 1:
            continue  # invoiced, not paid: overdue
        if index == 1 and agreement.id % 3 == 0:
            act(
                payer,
                installment,
                "dispute",
                installment.due_date,
                reason="Montant contesté : usage réel inférieur.",
            )
            continue
        due = installment.due_date
        act(payer, installment, "pay", due, reference=f"VIR-{reference}", day=due)
        if index < len(past) - 2:
            act(payee, installment, "confirm", due + timedelta(days=6))
    db.session.flush()


def load_tenders(today: date) -> int:
    """The plans study, awarded after the whole procedure, and the medina's public Wi-Fi in
    technical evaluation: every step through the real rules, dated in the past."""
    from seeds import tenders as data

    people = _people_by_role()
    secretariat = people.get(Role.SECRETARIAT)
    central = people.get(Role.CENTRAL_DECISION_MAKER)
    evaluators = db.session.scalars(
        sa.select(User)
        .join(RoleAssignment)
        .where(RoleAssignment.role == Role.EVALUATOR)
        .order_by(User.id)
    ).all()
    if (
        secretariat is None
        or len(evaluators) < 2
        or db.session.scalar(sa.select(sa.func.count(Tender.id)))
    ):
        return 0
    chair, member = evaluators[:2]
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    bidders = {
        u.organization_id: u
        for u in db.session.scalars(
            sa.select(User).join(RoleAssignment).where(RoleAssignment.role == Role.CONTRIBUTOR)
        )
    }

    def moment(days: int, hour: int = 10) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=UTC)

    def prepared(reference, title, city_id, category, estimate, criteria, method, start, lots=None):
        tender = tenders.save_tender(
            secretariat,
            None,
            reference=reference,
            title=title,
            city_id=city_id,
            action_id=None,
            category=category,
            procedure="open_call",
            estimate=estimate,
            publication_date=today + timedelta(days=start),
            submission_deadline=moment(start + 30, 12),
            opening_session=moment(start + 31),
            evaluation_due=today + timedelta(days=start + 60),
            now=moment(start - 5),
        )
        db.session.flush()
        tenders.save_lots(
            secretariat, tender, lots or [(title, estimate)], expected_version=tender.version
        )
        db.session.flush()
        tenders.save_specification(
            secretariat,
            tender,
            criteria=tenders.parse_criteria(criteria),
            expected_version=tender.version,
            **method,
        )
        db.session.flush()
        tenders.set_committee(
            secretariat,
            tender,
            [(chair.id, "president"), (member.id, "member")],
            expected_version=tender.version,
            now=moment(start - 4),
        )
        db.session.flush()
        return tender

    def move(actor, tender, stage, days, **extra):
        db.session.flush()
        tenders.advance(
            actor,
            tender,
            TenderStage(stage),
            now=moment(days),
            expected_version=tender.version,
            **extra,
        )
        db.session.flush()

    weighted = {
        "method": "weighted",
        "technical_weight": "0.8",
        "financial_weight": "0.2",
        "technical_threshold": "70",
        "normalization": "raw",
        "decimals": 2,
    }
    study = prepared(
        "AO-SDTN-2026-01",
        "Étude des schémas directeurs de transformation numérique des villes pilotes",
        None,
        "studies",
        "4500000.00",
        data.STUDY_CRITERIA,
        weighted,
        -120,
    )
    move(secretariat, study, "published", -120)
    lot = study.lots[0]
    for index, (name, price, _ok, _marks) in enumerate(data.STUDY_BIDS):
        bidder = organizations[name]
        tenders.submit_bid(
            bidders[bidder.id], lot, bidder_id=bidder.id, price=price, now=moment(-95 + index)
        )
    move(secretariat, study, "submissions_closed", -89, note="Quatre offres reçues.")
    move(secretariat, study, "administrative_check", -88)
    checks = tenders.eliminatory_criteria(study)
    for bid, (_name, _price, ok, _marks) in zip(lot.bids, data.STUDY_BIDS, strict=True):
        results = {c.id: (True, "") for c in checks}
        if not ok:
            results[checks[1].id] = (False, "Caution provisoire absente du dossier.")
        db.session.flush()
        tenders.check_bid(secretariat, bid, results=results, expected_version=bid.version)
    move(secretariat, study, "technical_evaluation", -87)
    for person in (chair, member):
        tenders.declare(person, study, conflict=False, now=moment(-87, 11))
    leaves = tenders.leaf_criteria(study)
    for seat, person in enumerate((chair, member)):
        for bid, (_name, _price, _ok, marks) in zip(lot.bids, data.STUDY_BIDS, strict=True):
            if marks is None:
                continue
            for criterion, points in zip(leaves, marks[seat], strict=True):
                tenders.record_score(
                    person,
                    bid,
                    criterion,
                    points=str(points),
                    justification="Appréciation motivée au procès-verbal de la séance.",
                )
        db.session.flush()
        tenders.submit_scores(person, study, now=moment(-80 + seat))
    move(chair, study, "technical_locked", -78)
    present = [m.id for m in study.members]
    move(chair, study, "financial_opening", -76, present=present, note="Séance publique.")
    move(chair, study, "financial_evaluation", -76)
    move(chair, study, "ranking", -75)
    move(chair, study, "award_proposed", -74)
    move(central, study, "awarded", -70, note="Attribution approuvée par le ministère.")

    wifi = prepared(
        "AO-MAR-2026-02",
        "Déploiement du Wi-Fi public de la médina de Marrakech",
        db.session.scalar(sa.select(City.id).where(City.slug == "marrakech")),
        "works",
        "2800000.00",
        data.WIFI_CRITERIA,
        {
            "method": "reference_price",
            "technical_threshold": "60",
            "normalization": "raw",
            "decimals": 2,
            "technical_weight": None,
            "financial_weight": None,
        },
        -40,
    )
    move(secretariat, wifi, "published", -40)
    for index, (name, price) in enumerate(data.WIFI_BIDS):
        bidder = organizations[name]
        tenders.submit_bid(
            bidders[bidder.id],
            wifi.lots[0],
            bidder_id=bidder.id,
            price=price,
            now=moment(-15 + index),
        )
    move(secretariat, wifi, "submissions_closed", -9)
    move(secretariat, wifi, "administrative_check", -8)
    checks = tenders.eliminatory_criteria(wifi)
    for bid in wifi.lots[0].bids:
        db.session.flush()
        tenders.check_bid(
            secretariat,
            bid,
            results={c.id: (True, "") for c in checks},
            expected_version=bid.version,
        )
    move(secretariat, wifi, "technical_evaluation", -7)
    # The chair has declared and is scoring; the member has yet to declare.
    tenders.declare(chair, wifi, conflict=False, now=moment(-7, 11))

    # Agadir's services platform, open to offers until a week from now; one offer in so far.
    platform = prepared(
        "AO-AGA-2026-03",
        "Plateforme de services numériques de la commune d'Agadir",
        db.session.scalar(sa.select(City.id).where(City.slug == "agadir")),
        "services",
        "3200000.00",
        data.PLATFORM_CRITERIA,
        weighted,
        -23,
        lots=data.PLATFORM_LOTS,
    )
    move(secretariat, platform, "published", -23)
    for name, lot_number, price, days in data.PLATFORM_BIDS:
        bidder = organizations[name]
        lot = next(lot for lot in platform.lots if lot.number == lot_number)
        tenders.submit_bid(
            bidders[bidder.id], lot, bidder_id=bidder.id, price=price, now=moment(days)
        )
    db.session.flush()
    return 3


def load_coverage(today: date) -> dict[str, int]:
    """The diagnostic's indicators with each city's baseline, target and measurements, and
    candidate sites taken through assessment, decision, deployment and opening by the real
    rules, dated in the past."""
    from seeds import coverage as data

    added = {"indicators": 0, "coverage_targets": 0, "sites": 0}
    people = _people_by_role()
    secretariat = people.get(Role.SECRETARIAT)
    evaluators = db.session.scalars(
        sa.select(User)
        .join(RoleAssignment)
        .where(RoleAssignment.role == Role.EVALUATOR)
        .order_by(User.id)
    ).all()
    domains = {d.code: d.id for d in db.session.scalars(sa.select(Domain))}
    if (
        secretariat is None
        or len(evaluators) < 2
        or db.session.scalar(sa.select(sa.func.count(Indicator.id)))
        or any(code not in domains for *_, code, _better in data.INDICATORS)
    ):
        return added
    indicators = {}
    for position, (code, name, unit, domain, better) in enumerate(data.INDICATORS):
        indicators[code] = coverage.save_indicator(
            secretariat,
            None,
            code=code,
            name=name,
            unit=unit,
            domain_id=domains[domain],
            higher_is_better=better,
            position=position,
        )
        added["indicators"] += 1
    cities = {c.slug: c for c in db.session.scalars(sa.select(City))}
    baseline_day = date(today.year - 2, 1, 15)
    target_day = date(today.year + 4, 12, 31)
    for slug, plan in data.TARGETS.items():
        city = cities.get(slug)
        if city is None:
            continue
        rows = [(code, "", *values) for code, values in plan["values"].items()]
        rows += list(plan["districts"])
        for number, (code, district, baseline, goal) in enumerate(rows):
            target = coverage.save_target(
                secretariat,
                None,
                indicator_id=indicators[code].id,
                city_id=city.id,
                district=district,
                baseline_value=baseline,
                baseline_date=baseline_day,
                target_value=goal,
                target_date=target_day,
            )
            added["coverage_targets"] += 1
            start, end = Decimal(baseline), Decimal(goal)
            # Two measurements a year apart, the latest `pace` of the way along.
            for days_ago, share in ((420, plan["pace"] / 2), (45, plan["pace"])):
                value = start + (end - start) * Decimal(str(share))
                coverage.record_measurement(
                    secretariat,
                    target,
                    value=value.quantize(Decimal("0.1")),
                    measured_on=today - timedelta(days=days_ago),
                    source=data.SOURCES[number % len(data.SOURCES)],
                    today=today,
                )
    for slug, (hosts, sites) in data.SITES.items():
        city = cities.get(slug)
        local = people.get((Role.LOCAL_DECISION_MAKER, city.id)) if city else None
        if city is None or local is None:
            continue
        added["sites"] += _coverage_sites(
            city, hosts, sites, data, secretariat, local, evaluators[:2], today
        )
    db.session.flush()
    return added


def _coverage_sites(city, hosts, sites, data, secretariat, local, evaluators, today) -> int:
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    action = db.session.scalar(
        sa.select(Action)
        .join(Plan)
        .join(Domain, Action.domain_id == Domain.id)
        .where(Plan.city_id == city.id, Domain.code == "infrastructures")
        .order_by(Action.code)
        .limit(1)
    )
    milestone_ids = (
        db.session.scalars(
            sa.select(Milestone.id)
            .where(Milestone.action_id == action.id)
            .order_by(Milestone.due_date)
            .limit(1)
        ).all()
        if action
        else []
    )
    for kind, text in (
        (SiteKind.DIGITAL_SPACE, data.EPN_CRITERIA),
        (SiteKind.CONNECTED_ZONE, data.ZONE_CRITERIA),
    ):
        coverage.save_criteria(secretariat, city, kind, text)
    db.session.flush()
    created = 0
    for kind in SiteKind:
        rows = [row for row in sites if row[0] == kind.value]
        grid = coverage.criteria_set(city.id, kind).criteria
        for index, (_kind, name, district, lat, lng, cost) in enumerate(rows):
            chosen = index in data.DECISIONS["selected"]
            site = coverage.save_site(
                secretariat,
                None,
                city_id=city.id,
                district=district,
                kind=kind.value,
                name=name,
                address=f"{district}, {city.name}",
                latitude=lat,
                longitude=lng,
                host_organization_id=organizations[hosts[index % 2]].id,
                estimated_cost=cost,
                action_id=action.id if action and chosen else None,
                milestone_ids=milestone_ids if chosen else (),
                today=today - timedelta(days=150),
            )
            created += 1
            if index - len(rows) in data.DECISIONS["unassessed"]:
                continue
            db.session.flush()
            # Earlier sites in the list are the stronger ones; each assessor sees it a little
            # differently. The rejected one lacks its premises.
            quality = Decimal("0.92") - Decimal("0.07") * index
            for number, assessor in enumerate(evaluators):
                answers = {}
                for criterion in grid:
                    if criterion.eliminatory:
                        failed = (
                            index in data.DECISIONS["rejected"]
                            and number == 0
                            and criterion.position == 0
                        )
                        answers[criterion.id] = coverage.AnswerInput(
                            passed=not failed,
                            reason="Local non raccordé : travaux lourds à prévoir"
                            if failed
                            else "",
                        )
                        continue
                    nudge = Decimal("0.04") * (1 if (number + criterion.position) % 2 else -1)
                    share = min(max(quality + nudge, Decimal(0)), Decimal(1))
                    points = (criterion.weight * share * 2).quantize(Decimal(1)) / 2
                    answers[criterion.id] = coverage.AnswerInput(points=str(points))
                coverage.save_assessment(
                    assessor,
                    site,
                    answers,
                    comment="Visite sur place effectuée." if number == 0 else "",
                    today=today - timedelta(days=120 - number),
                    now=_moment(today, number - 120),
                )
            db.session.flush()
            _coverage_decisions(site, index, data, secretariat, local, today)
    return created


def _coverage_decisions(site, index, data, secretariat, local, today) -> None:
    def step(actor, status, days_ago, note=""):
        coverage.move(
            actor,
            site,
            status,
            note=note,
            on_date=today - timedelta(days=days_ago),
            today=today,
            expected_version=site.version,
            now=_moment(today, -days_ago),
        )
        db.session.flush()

    if index in data.DECISIONS["rejected"]:
        step(local, "rejected", 90, "Local non raccordé ; coût de mise à niveau hors enveloppe.")
        return
    if index not in data.DECISIONS["selected"]:
        return
    step(local, "selected", 90, f"Classé n° {index + 1} ; retenu dans l'enveloppe de l'action.")
    if index not in data.DECISIONS["opened"] + data.DECISIONS["in_deployment"]:
        return
    step(secretariat, "in_deployment", 70)
    digital = site.kind is SiteKind.DIGITAL_SPACE
    coverage.record_figures(
        secretariat,
        site,
        seats=16 if digital else None,
        wifi_capacity=None if digital else 250,
        weekly_users=None,
        figures_on=today - timedelta(days=60),
        today=today,
        expected_version=site.version,
    )
    db.session.flush()
    if index not in data.DECISIONS["opened"]:
        return
    step(secretariat, "open", 30)
    coverage.record_figures(
        secretariat,
        site,
        seats=site.seats,
        wifi_capacity=site.wifi_capacity,
        weekly_users=340 if digital else 2100,
        figures_on=today - timedelta(days=3),
        today=today,
        expected_version=site.version,
    )
    db.session.flush()


def is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
