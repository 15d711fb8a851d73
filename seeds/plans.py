"""Demo plans: per city, actions across domains and horizons, each with its milestones.

Dates are offsets (in days) from the day the demo is loaded, so that some milestones are
late and others upcoming whenever the demo runs.
"""

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models.milestones import Milestone, MilestoneStatus
from portal.models.organizations import City, Organization, OrganizationKind
from portal.models.plans import Action, Domain, Plan
from portal.models.raci import RaciAssignment, RaciRole
from portal.models.users import Role
from portal.services import milestones, plans
from seeds.people import moment, people_by_role

# (code, name, position, name in English, name in Arabic)
DOMAINS = [
    ("sante", "Santé", 1, "Health", "الصحة"),
    ("emploi", "Emploi", 2, "Employment", "التشغيل"),
    ("education", "Éducation", 3, "Education", "التعليم"),
    ("tourisme", "Tourisme", 4, "Tourism", "السياحة"),
    ("activite-economique", "Activité économique", 5, "Economic activity", "النشاط الاقتصادي"),
    ("e-administration", "E-administration", 6, "E-government", "الإدارة الإلكترونية"),
    (
        "infrastructures",
        "Infrastructures numériques",
        7,
        "Digital infrastructure",
        "البنيات التحتية الرقمية",
    ),
    ("mobilite", "Mobilité", 8, "Mobility", "التنقل"),
]

# (code suffix, title, domain code, lead: "utility" | "agency" | "commune" | operator short
#  name, budget MAD, start offset days, end offset days)
ACTIONS = [
    (
        "01",
        "Fibre optique mutualisée dans les fourreaux existants",
        "infrastructures",
        "utility",
        "18500000.00",
        -200,
        300,
    ),
    (
        "02",
        "Wi-Fi public dans les places et jardins",
        "infrastructures",
        "IAM",
        "6200000.00",
        -120,
        240,
    ),
    (
        "03",
        "Guichet numérique unique des autorisations d'urbanisme",
        "e-administration",
        "agency",
        "4800000.00",
        -150,
        700,
    ),
    (
        "04",
        "Télé-consultation dans les centres de santé de quartier",
        "sante",
        "commune",
        "3900000.00",
        -60,
        900,
    ),
    (
        "05",
        "Espaces publics numériques pour l'emploi des jeunes",
        "emploi",
        "commune",
        "2750000.00",
        -30,
        500,
    ),
    (
        "06",
        "Écoles connectées et ressources pédagogiques",
        "education",
        "Orange",
        "5100000.00",
        30,
        1300,
    ),
    (
        "07",
        "Parcours touristique numérique de la médina",
        "tourisme",
        "agency",
        "2300000.00",
        -90,
        400,
    ),
    ("08", "Information voyageurs en temps réel", "mobilite", "commune", "7400000.00", 60, 1500),
]

# (title, deliverable, due offset from the action start in days)
MILESTONE_STEPS = [
    ("Diagnostic de l'existant", "Rapport de diagnostic", 45),
    ("Cahier des charges validé", "Cahier des charges", 110),
    ("Attribution du marché", "Procès-verbal d'attribution", 180),
    ("Mise en service de la première tranche", "Procès-verbal de réception", 260),
]

# The states of an action's four milestones, in order; actions take these in turn (the
# start shifts per city), so each city shows a different mix.
STATE_PATTERNS = [
    ["approved", "approved", "approved_locally", "in_progress"],
    ["approved", "submitted", "planned", "planned"],
    ["approved", "approved", "approved", "submitted"],
    ["in_progress", "planned", "planned", "planned"],
    ["approved_locally", "in_progress", "planned", "planned"],
    ["approved", "returned", "planned", "planned"],
    ["submitted", "in_progress", "planned", "planned"],
    ["approved", "approved", "in_progress", "cancelled"],
    ["approved", "in_progress", "planned", "planned"],
]

CITY_PLANS = {
    "marrakech": ("SDTN de Marrakech 2026-2030", "adopted", "MRK"),
    "fes": ("SDTN de Fès 2026-2030", "adopted", "FES"),
    "agadir": ("SDTN d'Agadir 2026-2030", "draft", "AGA"),
}


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

    added = {"domains": 0, "plans": 0, "actions": 0, "milestones": 0}
    domains = {d.code: d for d in db.session.scalars(sa.select(Domain))}
    for code, name, position, name_en, name_ar in DOMAINS:
        if code not in domains:
            domains[code] = Domain(
                code=code, name=name, position=position, name_en=name_en, name_ar=name_ar
            )
            db.session.add(domains[code])
            added["domains"] += 1
    db.session.flush()
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    by_city_kind = {(o.city_id, o.kind): o for o in organizations.values() if o.city_id}
    existing_plans = {p.city_id for p in db.session.scalars(sa.select(Plan))}
    people = people_by_role()
    if Role.SECRETARIAT not in people:
        return added
    for city_index, (slug, (title, status, prefix)) in enumerate(CITY_PLANS.items()):
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
        for index, (suffix, a_title, domain, lead, budget, start, end) in enumerate(ACTIONS):
            shift = 15 * city_index  # the cities do not move in lockstep
            start_day = today + timedelta(days=start + shift)
            end_day = today + timedelta(days=end + shift)
            pattern = STATE_PATTERNS[(index + 2 * city_index) % len(STATE_PATTERNS)]
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
            for step, (m_title, deliverable, offset) in enumerate(MILESTONE_STEPS):
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
                    now=moment(today, -120),
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
        when = moment(today, -7 * (len(steps) - number) - 1)
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
            now=moment(today, -20),
        )
        db.session.flush()
        # The last one stays pending, for the ministry to decide in the demo.
        if central is not None and number < 3:
            milestones.decide_change_request(
                central, request, accept=True, comment="Report accordé.", now=moment(today, -10)
            )


# (organisation: "utility" or an operator's short name, title, indicator, unit, baseline,
#  target, due in days from today, [(value, measured days ago, validated?)])
