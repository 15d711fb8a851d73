"""Benchmarks: page timings and SQL query counts at 1x and 10x data.

    make bench                       # SQLite in a temporary folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench make bench

Two checks per page: the number of SQL queries is the same at both sizes (no N+1), and the
median time at 10x stays within 1.5x of the time at 1x. The exit code is 1 when one fails.
"""

import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from portal.models import (
    Action,
    Agreement,
    AgreementPurpose,
    AgreementStatus,
    Assessment,
    AssessmentAnswer,
    AssetKind,
    AuditEvent,
    Bid,
    ChangeRequest,
    ChangeRequestStatus,
    City,
    CommitteeMember,
    CommitteeRole,
    CriteriaSet,
    Declaration,
    Domain,
    EventKind,
    FinancialMethod,
    Horizon,
    Installment,
    InstallmentStatus,
    KeyBasis,
    Lot,
    Milestone,
    MilestoneEvent,
    MilestoneStatus,
    Normalization,
    Organization,
    Plan,
    Procedure,
    Role,
    RoleAssignment,
    SharedAsset,
    Site,
    SiteKind,
    SiteStatus,
    Tender,
    TenderCategory,
    TenderStage,
    User,
)
from portal.models.types import utcnow
from portal.services import accounts
from seeds import coverage as coverage_seed
from seeds import demo

RUNS = 15
PASSWORD = "bench-password-123"
ACTIONS_PER_CITY = 40
# Per size: accounts, milestones per action (3 cities x 40 actions x n), and agreements
# per city (each with 12 installments).
SIZES = {"1x": (500, 10, 50), "10x": (5000, 100, 500)}
TENDERS_PER_AGREEMENTS = 5  # a tender (one lot, four bids) for every five agreements
INSTALLMENTS_PER_AGREEMENT = 12
TIME_RATIO_LIMIT = 1.5
# A city's scenarios compared: ten of them, with this many lines each at each size (the
# issue's case is the 10x one, 200 lines each).
SCENARIOS_PER_CITY = 10
LINES_PER_AGREEMENTS = 2 / 5
# "Well under the city plan page's time": at most three quarters of it.
SCENARIOS_BEFORE_PLAN = 0.75
TODAY = date(2026, 11, 25)


# A substring search reads every name, the ledger's balances sum every installment, and the
# overdue list counts and sorts every overdue one (there are ten times more at 10x): their
# time grows with the data by nature; only their query count is held constant.
# The ranking scores every site of its city and kind, and the map draws every site of its
# filters (up to its cap): they read all of them by nature too.
# A person's task list and the home page count and sort every task of that person (a central
# decision-maker has ten times more at 10x); the navigation's count, on every page, stops at
# 100 and is held to time as well.
COUNT_ONLY = {
    "users search",
    "finance balances",
    "installments, overdue",
    "sites ranking",
    "sites map",
    # Evaluating every line of every scenario is the page's work: it grows with the lines.
    # Checked instead against the city plan page's time (`SCENARIOS_BEFORE_PLAN`).
    "scenarios compared",
    "home",
    "tasks (À faire)",
    "tasks, one kind",
    # The steering report sums every milestone, installment and expectation of its city: it
    # is held to its query count and to REPORT_LIMIT_MS at 10x.
    "steering report",
}
REPORT_LIMIT_MS = 1000


def pages(ids: dict) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("users list", "/admin/users"),
        ("users search", "/admin/users?q=personne%2042"),
        ("audit log", "/admin/audit?action=login"),
        ("programme", "/programme"),
        ("city plan", "/cities/marrakech"),
        ("milestones, filtered", f"/milestones?city={ids['city']}&status=in_progress&sort=-due"),
        ("milestones, late", "/milestones?late=y"),
        ("milestone page", f"/milestones/{ids['milestone']}"),
        ("timeline", "/cities/marrakech/timeline"),
        ("tasks (À faire)", "/tasks"),
        ("tasks, one kind", "/tasks?kind=milestone_approve_central"),
        ("RACI, city", "/cities/marrakech/raci"),
        ("commitments", "/commitments"),
        ("organisation page", "/organizations/1/profile"),
        ("finance balances", "/finance"),
        ("agreements", "/finance/agreements"),
        ("installments, overdue", "/finance/installments?when=overdue"),
        ("agreement page", f"/finance/agreements/{ids.get('agreement', 0)}"),
        ("shared assets", "/finance/assets"),
        ("tenders", "/tenders"),
        ("tender page", f"/tenders/{ids.get('tender', 0)}"),
        ("coverage programme", "/coverage"),
        ("coverage, city", "/coverage/cities/marrakech"),
        ("sites list", "/coverage/sites?city=marrakech"),
        ("sites map", "/coverage/map?city=fes"),
        ("site page", f"/coverage/sites/{ids.get('site', 0)}"),
        ("sites ranking", "/coverage/cities/marrakech/ranking/digital_space"),
        ("scenarios compared", "/scenarios/cities/marrakech"),
        ("scenario page", f"/scenarios/{ids.get('scenario', 0)}"),
        ("expectations matrix", "/diagnostic/cities/marrakech/matrix"),
        ("expectations list", "/diagnostic/cities/marrakech/expectations"),
        ("public consultation", f"/consultation/{ids.get('consultation', 0)}"),
        ("governance body", f"/governance/bodies/{ids.get('body', 0)}"),
        ("meeting page", f"/governance/meetings/{ids.get('meeting', 0)}"),
        ("decisions register", "/governance/decisions"),
        ("steering report", "/governance/report?city=marrakech&start=2026-08-27&end=2026-11-25"),
    ]


@contextmanager
def counting_queries(engine):
    count = [0]

    def before(*args, **kwargs):
        count[0] += 1

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield count
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def build(app, users: int, per_action: int, agreements: int) -> dict:
    with app.test_request_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        demo.load_demo()
        db.session.commit()
        _people(users)
        ids = _programme(per_action)
        ids.update(_ledger(agreements))
        ids.update(_tenders(agreements * 3 // TENDERS_PER_AGREEMENTS))
        ids.update(_coverage(agreements // 2))
        ids.update(_scenarios(int(agreements * LINES_PER_AGREEMENTS)))
        ids.update(_expectations(agreements))
        ids.update(_consultation(agreements))
        ids.update(_governance(agreements // 5))
        return ids


def _people(size: int) -> None:
    org_ids = list(db.session.scalars(sa.select(Organization.id)))
    password_hash = accounts.hash_password(PASSWORD)
    now = utcnow()
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"personne{i}@bench.example",
                "full_name": f"Personne {i}",
                "organization_id": org_ids[i % len(org_ids)],
                "password_hash": password_hash,
                "preferred_language": "fr",
                "active": i % 17 != 0,
                "failed_login_count": 0,
                "session_token": f"bench-{i}",
                "created_at": now,
                "version": 1,
            }
            for i in range(size)
        ],
    )
    ids = db.session.scalars(sa.select(User.id).where(User.email.like("%@bench.example"))).all()

    # Mostly observers: an organisation has tens of contributors, not hundreds, and the
    # programme a handful of central decision-makers and secretariat members.
    def role_of(uid: int) -> Role:
        if uid % 500 == 0:
            return Role.CENTRAL_DECISION_MAKER
        if uid % 500 == 250:
            return Role.SECRETARIAT
        return {1: Role.CONTRIBUTOR, 2: Role.EVALUATOR, 3: Role.ADMIN}.get(uid % 20, Role.OBSERVER)

    db.session.execute(
        sa.insert(RoleAssignment),
        [{"user_id": uid, "role": role_of(uid), "city_id": None} for uid in ids],
    )
    db.session.execute(
        sa.insert(AuditEvent),
        [
            {
                "occurred_at": now,
                "actor_id": uid,
                "actor_label": f"personne{uid}@bench.example",
                "action": "login.success" if uid % 3 else "user.updated",
                "object_type": "users",
                "object_id": uid,
                "details": {},
            }
            for uid in ids
            for _ in range(3)
        ],
    )
    db.session.commit()


def _programme(per_action: int) -> dict:
    domains = [Domain(code=f"bench-{i}", name=f"Domaine {i}", position=i) for i in range(8)]
    db.session.add_all(domains)
    db.session.flush()
    statuses = list(MilestoneStatus)
    horizons = list(Horizon)
    ids = {}
    for city in db.session.scalars(sa.select(City).order_by(City.id)):
        lead = db.session.scalars(sa.select(Organization).where(Organization.city_id == city.id))
        lead_id = lead.first().id
        plan = Plan(city_id=city.id, title=f"SDTN {city.name}", start_date=date(2026, 1, 1))
        db.session.add(plan)
        db.session.flush()
        db.session.execute(
            sa.insert(Action),
            [
                {
                    "plan_id": plan.id,
                    "code": f"A{i:03d}",
                    "title": f"Action {i}",
                    "description": "",
                    "domain_id": domains[i % len(domains)].id,
                    "horizon": horizons[i % len(horizons)],
                    "lead_organization_id": lead_id,
                    "budget": Decimal("1000000.00"),
                    "planned_start": date(2026, 1, 1),
                    "planned_end": date(2027, 12, 31),
                    "version": 1,
                }
                for i in range(ACTIONS_PER_CITY)
            ],
        )
        horizon_of = dict(
            db.session.execute(
                sa.select(Action.id, Action.horizon).where(Action.plan_id == plan.id)
            ).all()
        )
        action_ids = list(horizon_of)
        now = utcnow()
        rows = []
        for a, action_id in enumerate(action_ids):
            for m in range(per_action):
                due = TODAY + timedelta(days=(a * 7 + m * 3) % 700 - 200)
                rows.append(
                    {
                        "city_id": city.id,
                        "action_id": action_id,
                        "horizon": horizon_of[action_id],
                        "title": f"Jalon {a}-{m}",
                        "description": "",
                        "deliverable": "",
                        "responsible_organization_id": lead_id,
                        "planned_start": due - timedelta(days=30),
                        "due_date": due,
                        "baseline_due_date": due - timedelta(days=(m % 3) * 10),
                        "status": statuses[(a + m) % len(statuses)],
                        "completion_note": "",
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                )
        db.session.execute(sa.insert(Milestone), rows)
        ids.setdefault("city", city.id)
    ids["milestone"] = db.session.scalar(sa.select(sa.func.min(Milestone.id)))
    _waiting_decisions(now)
    db.session.commit()
    ids["milestones"] = db.session.scalar(sa.select(sa.func.count()).select_from(Milestone))
    return ids


def _waiting_decisions(now) -> None:
    """What waits on a decision-maker: the submission of every submitted or locally approved
    milestone, and a pending change request on one open milestone in twenty."""
    requester = db.session.scalar(sa.select(sa.func.min(User.id)))
    waiting = db.session.execute(
        sa.select(Milestone.id, Milestone.status, Milestone.due_date).where(
            Milestone.status.in_(
                [
                    MilestoneStatus.SUBMITTED,
                    MilestoneStatus.APPROVED_LOCALLY,
                    MilestoneStatus.IN_PROGRESS,
                ]
            )
        )
    ).all()
    events, requests = [], []
    for n, (milestone_id, status, due) in enumerate(waiting):
        if status is MilestoneStatus.IN_PROGRESS:
            if n % 20 == 0:
                requests.append(
                    {
                        "milestone_id": milestone_id,
                        "requested_by_id": requester,
                        "requested_at": now - timedelta(days=n % 15),
                        "current_due_date": due,
                        "proposed_due_date": due + timedelta(days=30),
                        "reason": "Retard du fournisseur",
                        "status": ChangeRequestStatus.PENDING,
                        "decision_comment": "",
                        "version": 1,
                    }
                )
            continue
        events.append(
            {
                "milestone_id": milestone_id,
                "occurred_at": now - timedelta(days=n % 30),
                "kind": EventKind.TRANSITION,
                "to_status": status,
                "comment": "",
                "details": {},
            }
        )
    db.session.execute(sa.insert(MilestoneEvent), events)
    db.session.execute(sa.insert(ChangeRequest), requests)


def _ledger(per_city: int) -> dict:
    """Agreements between each city's organisations and the operators, a year of monthly
    installments each, in every state; and a shared asset per ten agreements."""
    operators = db.session.scalars(
        sa.select(Organization.id).where(Organization.city_id.is_(None))
    ).all()
    statuses = list(InstallmentStatus)
    now = utcnow()
    for city in db.session.scalars(sa.select(City).order_by(City.id)):
        locals_ = db.session.scalars(
            sa.select(Organization.id).where(Organization.city_id == city.id)
        ).all()
        db.session.execute(
            sa.insert(SharedAsset),
            [
                {
                    "city_id": city.id,
                    "owner_id": locals_[i % len(locals_)],
                    "kind": AssetKind.DUCT,
                    "name": f"Fourreaux {i}",
                    "description": "",
                    "capacity": Decimal("10.00"),
                    "capacity_unit": "km",
                    "capital_cost": Decimal("1000000.00"),
                    "yearly_operating_cost": Decimal("12000.00"),
                    "key_basis": KeyBasis.PERCENT,
                    "created_at": now,
                    "version": 1,
                }
                for i in range(max(per_city // 10, 1))
            ],
        )
        db.session.execute(
            sa.insert(Agreement),
            [
                {
                    "city_id": city.id,
                    "payer_id": operators[i % len(operators)],
                    "payee_id": locals_[i % len(locals_)],
                    "purpose": AgreementPurpose.USAGE_FEE,
                    "title": f"Redevance {city.slug} {i}",
                    "total_amount": Decimal("12000.12"),  # 12 x 1000.01
                    "start_date": date(2026, 1, 1),
                    "convention_reference": f"CONV-{i}",
                    "status": AgreementStatus.SIGNED if i % 5 else AgreementStatus.DRAFT,
                    "termination_reason": "",
                    "created_at": now,
                    "version": 1,
                }
                for i in range(per_city)
            ],
        )
    rows = []
    for n, agreement_id in enumerate(db.session.scalars(sa.select(Agreement.id))):
        for k in range(INSTALLMENTS_PER_AGREEMENT):
            status = statuses[(n + k) % len(statuses)]
            rows.append(
                {
                    "agreement_id": agreement_id,
                    "due_date": TODAY + timedelta(days=30 * k - 180),
                    "amount": Decimal("1000.01"),
                    "status": status,
                    "invoice_reference": "F" if status is not InstallmentStatus.PLANNED else "",
                    "invoiced_on": TODAY if status is not InstallmentStatus.PLANNED else None,
                    "payment_reference": "",
                    "dispute_reason": "",
                    "cancel_reason": "",
                    "version": 1,
                }
            )
    db.session.execute(sa.insert(Installment), rows)
    db.session.commit()
    return {
        "agreement": db.session.scalar(
            sa.select(sa.func.min(Agreement.id)).where(Agreement.status == AgreementStatus.SIGNED)
        ),
        "installments": len(rows),
    }


def _coverage(per_kind: int) -> dict:
    """Indicators with targets and measurements, and per city and kind `per_kind` candidate
    sites, each assessed by two assessors on the city's published criteria."""
    from seeds import coverage as data

    known = set(db.session.scalars(sa.select(Domain.code)))
    for number, code in enumerate({row[3] for row in data.INDICATORS} - known):
        db.session.add(Domain(code=code, name=f"Domaine {code}", position=100 + number))
    db.session.flush()
    coverage_seed.load_coverage(TODAY)
    db.session.commit()
    cities = db.session.scalars(sa.select(City)).all()
    hosts = {
        c.id: db.session.scalar(sa.select(Organization.id).where(Organization.city_id == c.id))
        for c in cities
    }
    assessors = db.session.scalars(
        sa.select(User.id).join(RoleAssignment).where(RoleAssignment.role == Role.EVALUATOR)
    ).all()[:2]
    statuses = list(SiteStatus)
    rows = [
        {
            "city_id": city.id,
            "district": f"Quartier {i % 12}",
            "kind": kind,
            "name": f"Site {kind.value} {i:05d}",
            "address": city.name,
            "latitude": Decimal("31.6") + Decimal(i % 97) / 1000,
            "longitude": Decimal("-8.0") + Decimal(i % 89) / 1000,
            "host_organization_id": hosts[city.id],
            "estimated_cost": Decimal("500000.00"),
            "status": statuses[i % 3],  # proposed, assessed, selected
            "status_since": TODAY,
            "decision_note": "",
            "eliminated": False,
            "created_at": utcnow(),
            "version": 1,
        }
        for city in cities
        for kind in SiteKind
        for i in range(per_kind)
    ]
    db.session.execute(sa.insert(Site), rows)
    sites = db.session.execute(
        sa.select(Site.id, Site.city_id, Site.kind).where(Site.name.like("Site %"))
    ).all()
    grids = {(g.city_id, g.kind): g.criteria for g in db.session.scalars(sa.select(CriteriaSet))}
    now = utcnow()
    assessments = [
        {"site_id": sid, "assessor_id": who, "comment": "", "updated_at": now, "version": 1}
        for sid, _city, _kind in sites
        for who in assessors
    ]
    db.session.execute(sa.insert(Assessment), assessments)
    kinds = {sid: (city, kind) for sid, city, kind in sites}
    answers = []
    for aid, sid in db.session.execute(
        sa.select(Assessment.id, Assessment.site_id).where(Assessment.site_id.in_(list(kinds)))
    ):
        for criterion in grids[kinds[sid]]:
            answers.append(
                {
                    "assessment_id": aid,
                    "criterion_id": criterion.id,
                    "points": None if criterion.eliminatory else criterion.weight * (sid % 10) / 10,
                    "passed": True if criterion.eliminatory else None,
                    "reason": "",
                }
            )
    db.session.execute(sa.insert(AssessmentAnswer), answers)
    # Every criterion got weight x (id mod 10) / 10 points: the score the service would keep.
    db.session.execute(
        sa.update(Site),
        [{"id": sid, "score": Decimal(10 * (sid % 10)), "version": 1} for sid in kinds],
    )
    db.session.commit()
    return {"site": sites[0][0], "sites": len(sites)}


def _scenarios(lines: int) -> dict:
    """Ten scenarios of Marrakech, each with three parties and `lines` cash-flow lines of
    every kind over twenty years."""
    from portal.models import (
        InvestmentModel,
        LineKind,
        Scenario,
        ScenarioLine,
        ScenarioParty,
        ScenarioStatus,
        TransferKind,
    )

    city = db.session.scalar(sa.select(City).where(City.slug == "marrakech"))
    kinds = list(LineKind)
    first = None
    for number in range(SCENARIOS_PER_CITY):
        parties = [
            ScenarioParty(name=name, position=i)
            for i, name in enumerate(("Commune", "Opérateur", "SDL"))
        ]
        scenario = Scenario(
            city_id=city.id,
            name=f"Scénario {number:02d}",
            investment_model=list(InvestmentModel)[number % len(InvestmentModel)],
            horizon_years=20,
            discount_rate=Decimal("0.06"),
            status=ScenarioStatus.DRAFT if number else ScenarioStatus.APPROVED,
            parties=parties,
        )
        for i in range(lines):
            kind = kinds[i % len(kinds)]
            transfer = kind is LineKind.TRANSFER
            scenario.lines.append(
                ScenarioLine(
                    position=i,
                    label=f"Ligne {i:04d}",
                    kind=kind,
                    transfer_kind=TransferKind.RENTAL_FEE if transfer else None,
                    party=None if transfer else parties[i % 3],
                    source=parties[(i + 1) % 3] if transfer else None,
                    target=parties[(i + 2) % 3] if transfer else None,
                    start_year=i % 5,
                    end_year=10 + i % 11,
                    amount=Decimal(100000 + 37 * i),
                    growth=Decimal("0.02"),
                )
            )
        db.session.add(scenario)
        db.session.flush()
        first = first or scenario.id
    db.session.commit()
    return {"scenario": first, "scenario_lines": lines}


def _expectations(count: int) -> dict:
    """Marrakech's plan brought to 60 actions, and `count` expectations of its territories
    (50 at 1x, 500 at 10x, the issue's case), two in three answered by an action."""
    from portal.models import Expectation, ExpectationSource, ExpectationStatus
    from portal.models.diagnostic import expectation_actions

    city = db.session.scalar(sa.select(City).where(City.slug == "marrakech"))
    plan = db.session.scalar(sa.select(Plan).where(Plan.city_id == city.id))
    domains = db.session.scalars(sa.select(Domain.id).order_by(Domain.id)).all()
    lead = db.session.scalar(sa.select(Organization.id).where(Organization.city_id == city.id))
    present = db.session.scalar(
        sa.select(sa.func.count(Action.id)).where(Action.plan_id == plan.id)
    )
    db.session.execute(
        sa.insert(Action),
        [
            {
                "plan_id": plan.id,
                "code": f"B{i:03d}",
                "title": f"Action B{i}",
                "description": "",
                "domain_id": domains[i % len(domains)],
                "horizon": Horizon.MEDIUM,
                "lead_organization_id": lead,
                "budget": Decimal("500000.00"),
                "planned_start": date(2026, 1, 1),
                "planned_end": date(2028, 12, 31),
                "version": 1,
            }
            for i in range(max(60 - present, 0))
        ],
    )
    actions = db.session.scalars(sa.select(Action.id).where(Action.plan_id == plan.id)).all()
    db.session.execute(
        sa.insert(Expectation),
        [
            {
                "city_id": city.id,
                "domain_id": domains[i % len(domains)],
                "district": f"Quartier {i % 12}",
                "text": f"Attente numéro {i:04d} des habitants",
                "source": ExpectationSource.WORKSHOP,
                "organization_id": None,
                "workshop": "Atelier",
                "importance": 1 + i % 5,
                "population": 1000 * (i % 50),
                "feasibility": 1 + i % 4,
                "priority": (1 + i % 5) * (1 + i % 4),
                "status": ExpectationStatus.QUALIFIED,
                "rejection_reason": "",
                "created_at": utcnow(),
                "version": 1,
            }
            for i in range(count)
        ],
    )
    expectation_ids = db.session.scalars(
        sa.select(Expectation.id).where(Expectation.city_id == city.id)
    ).all()
    db.session.execute(
        sa.insert(expectation_actions),
        [
            {"expectation_id": e, "action_id": actions[e % len(actions)]}
            for e in expectation_ids
            if e % 3
        ],
    )
    db.session.commit()
    return {"expectations": len(expectation_ids)}


def _consultation(count: int) -> dict:
    """An open consultation in Fès with `count` published expectations (50 at 1x, 500 at 10x),
    each supported by up to a dozen browsers."""
    from portal.models import (
        Consultation,
        ConsultationSupport,
        Expectation,
        ExpectationSource,
        ExpectationStatus,
    )

    fes = db.session.scalar(sa.select(City).where(City.slug == "fes"))
    consultation = Consultation(
        city_id=fes.id,
        title="Le numérique que vous attendez à Fès",
        districts=["Agdal", "Fès-Médina", "Saïs"],
        opens_on=TODAY - timedelta(days=10),
        closes_on=TODAY + timedelta(days=20),
    )
    db.session.add(consultation)
    db.session.flush()
    domains = db.session.scalars(sa.select(Domain.id).order_by(Domain.id)).all()
    now = utcnow()
    db.session.execute(
        sa.insert(Expectation),
        [
            {
                "city_id": consultation.city_id,
                "domain_id": domains[i % len(domains)],
                "district": consultation.districts[i % len(consultation.districts)],
                "text": f"Attente d'habitant numéro {i:04d}, publiée après modération",
                "source": ExpectationSource.CONSULTATION,
                "consultation_id": consultation.id,
                "importance": 1 + i % 5,
                "population": 1000 * (i % 50),
                "status": ExpectationStatus.SUBMITTED,
                "published_at": now,
                "rejection_reason": "",
                "workshop": "",
                "created_at": now,
                "version": 1,
            }
            for i in range(count)
        ],
    )
    ids = db.session.scalars(
        sa.select(Expectation.id)
        .where(Expectation.consultation_id == consultation.id, Expectation.created_at == now)
        .order_by(Expectation.id)
    ).all()
    db.session.execute(
        sa.insert(ConsultationSupport),
        [
            {
                "expectation_id": ids[i],
                "browser_key": f"{i:06d}{n:06d}",
                "email_key": None,
                "created_at": now,
            }
            for i in range(count)
            for n in range(i % 13)
        ],
    )
    db.session.commit()
    return {"consultation": consultation.id}


def _governance(count: int) -> dict:
    """Marrakech's steering committee, chaired by the bench's central decision-maker, with
    `count` meetings (10 at 1x, 100 at 10x) of eight agenda items each, two of them
    decisions (the register's 20 and 200)."""
    from portal.models import (
        AgendaItem,
        Body,
        BodyKind,
        BodyMember,
        Meeting,
        MemberRole,
        Outcome,
    )

    city = db.session.scalar(sa.select(City).where(City.slug == "marrakech"))
    chair = db.session.scalar(sa.select(User).where(User.email == "central@sdtn.demo"))
    members = db.session.scalars(sa.select(User.id).where(User.id != chair.id).limit(12)).all()
    body = Body(
        kind=BodyKind.STEERING, name="Comité de pilotage de Marrakech", city_id=city.id, quorum=3
    )
    body.members = [BodyMember(user_id=chair.id, role=MemberRole.CHAIR)] + [
        BodyMember(user_id=m, role=MemberRole.MEMBER) for m in members
    ]
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    meetings = [
        Meeting(
            body=body,
            starts_at=start + timedelta(days=7 * i),
            ends_at=start + timedelta(days=7 * i, hours=2),
            place="Wilaya",
            items=[
                AgendaItem(
                    position=n + 1,
                    title=f"Point {n + 1}",
                    outcome=Outcome.DECISION if n < 2 else None,
                    outcome_text=f"Décision {i}-{n}" if n < 2 else "",
                )
                for n in range(8)
            ],
        )
        for i in range(count)
    ]
    db.session.add(body)
    db.session.add_all(meetings)
    db.session.commit()
    return {"body": body.id, "meeting": meetings[-1].id}


def _tenders(count: int) -> dict:
    """Published tenders, each with one lot and four sealed bids from the providers."""
    bidders = db.session.scalars(
        sa.select(Organization.id).where(Organization.city_id.is_(None))
    ).all()[:4]
    now = utcnow()
    db.session.execute(
        sa.insert(Tender),
        [
            {
                "reference": f"AO-BENCH-{i:05d}",
                "title": f"Appel d'offres {i}",
                "category": TenderCategory.SERVICES,
                "procedure": Procedure.OPEN_CALL,
                "estimate": Decimal("1000000.00"),
                "submission_deadline": now + timedelta(days=30),
                "stage": TenderStage.PUBLISHED,
                "cancel_reason": "",
                "method": FinancialMethod.WEIGHTED,
                "normalization": Normalization.RAW,
                "decimals": 2,
                "excessive_above": Decimal("20"),
                "abnormal_below_works": Decimal("20"),
                "abnormal_below_other": Decimal("25"),
                "spread_limit": Decimal("20"),
                "created_at": now,
                "version": 1,
            }
            for i in range(count)
        ],
    )
    tender_ids = db.session.scalars(sa.select(Tender.id).order_by(Tender.id)).all()
    db.session.execute(
        sa.insert(Lot),
        [
            {"tender_id": t, "number": 1, "title": "Lot unique", "estimate": Decimal("1e6")}
            for t in tender_ids
        ],
    )
    lots = db.session.scalars(sa.select(Lot.id).order_by(Lot.id)).all()
    db.session.execute(
        sa.insert(Bid),
        [
            {
                "lot_id": lot,
                "bidder_id": bidder,
                "received_at": now,
                "late": False,
                "inadmissibility_reason": "",
                "sealed_price": Decimal("900000.00"),
                "justification": "",
                "award_proposed": False,
                "version": 1,
            }
            for lot in lots
            for bidder in bidders
        ],
    )
    # Half of them under evaluation, with a committee that has not all scored or declared.
    evaluators = db.session.scalars(sa.select(User.id).order_by(User.id).limit(3)).all()
    evaluating = tender_ids[::2]
    db.session.execute(
        sa.update(Tender)
        .where(Tender.id.in_(evaluating))
        .values(stage=TenderStage.TECHNICAL_EVALUATION, evaluation_due=TODAY + timedelta(days=7))
    )
    db.session.execute(
        sa.insert(CommitteeMember),
        [
            {
                "tender_id": tender_id,
                "user_id": user_id,
                "role": (CommitteeRole.PRESIDENT, CommitteeRole.MEMBER, CommitteeRole.MEMBER)[k],
                "declaration": None if (tender_id + k) % 3 == 0 else Declaration.NO_CONFLICT,
                "declaration_note": "",
                "version": 1,
            }
            for tender_id in tender_ids
            for k, user_id in enumerate(evaluators)
        ],
    )
    db.session.commit()
    return {"tender": tender_ids[0]}


def measure(app, ids: dict) -> dict[str, tuple[int, float]]:
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "central@sdtn.demo", "password": "sdtn-demo-2026"}
    )
    assert response.status_code == 302, "demo account could not sign in"
    admin = app.test_client()
    admin.post("/login", data={"email": "admin@sdtn.demo", "password": "sdtn-demo-2026"})
    visitor = app.test_client()
    secretariat = app.test_client()
    secretariat.post(
        "/login", data={"email": "secretariat@sdtn.demo", "password": "sdtn-demo-2026"}
    )
    with app.app_context():
        engine = db.engine
    results = {}
    for name, url in pages(ids):
        who = admin if url.startswith("/admin") else client
        if url.startswith("/consultation/"):
            who = visitor  # residents have no account
        if url.startswith("/governance/report"):
            who = secretariat  # the secretariat draws up reports
        who.get(url)  # warm caches and compiled statements
        with counting_queries(engine) as count:
            response = who.get(url)
            assert response.status_code == 200, (url, response.status_code)
            queries = count[0]
        timings = []
        for _ in range(RUNS):
            start = time.perf_counter()
            who.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        results[name] = (queries, statistics.median(timings))
    return results


PLANNING_LIMIT_MS = 2000
# The navigation's count of tasks is computed on every page: it must stay cheap.
COUNT_LIMIT_MS = 10


def measure_task_counts(app) -> dict[str, tuple[int, float, int]]:
    """The navigation's count for the people with the most to do: (queries, median
    milliseconds, tasks counted)."""
    from portal.services import tasks

    found = {}
    with app.test_request_context():
        engine = db.engine
        at = tasks.At(TODAY, utcnow())
        for email in ("central@sdtn.demo", "secretariat@sdtn.demo", "local.marrakech@sdtn.demo"):
            user = db.session.scalar(sa.select(User).where(User.email == email))
            tasks.count(user, at)  # warm the compiled statement
            with counting_queries(engine) as count:
                number = tasks.count(user, at)
                queries = count[0]
            timings = []
            for _ in range(RUNS):
                start = time.perf_counter()
                tasks.count(user, at)
                timings.append((time.perf_counter() - start) * 1000)
            found[email] = (queries, statistics.median(timings), number)
    return found


def measure_planning(app) -> tuple[int, float, int]:
    """One planning of the day's reminders over the whole programme, outbox writes included:
    (queries, milliseconds, reminders planned)."""
    from portal.services import reminders

    with app.app_context():
        engine = db.engine
        with counting_queries(engine) as count:
            start = time.perf_counter()
            report = reminders.run(TODAY)
            db.session.commit()
            elapsed = (time.perf_counter() - start) * 1000
        return count[0], elapsed, report.planned


def main() -> int:
    import time_machine

    results, counts, installments, planning, task_counts, lines = {}, {}, {}, {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp, time_machine.travel(TODAY, tick=True):
        for label, (users, per_action, agreements) in SIZES.items():
            url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench-{label}.sqlite3"
            app = create_app(
                {
                    "INSTANCE_PATH": tmp,
                    "SQLALCHEMY_DATABASE_URI": url,
                    "SECRET_KEY": "bench",
                    "WTF_CSRF_ENABLED": False,
                }
            )
            ids = build(app, users, per_action, agreements)
            counts[label] = ids["milestones"]
            installments[label] = ids["installments"]
            lines[label] = ids["scenario_lines"]
            results[label] = measure(app, ids)
            task_counts[label] = measure_task_counts(app)
            planning[label] = measure_planning(app)
            with app.app_context():
                db.engine.dispose()
    print(
        f"milestones: {counts['1x']} (1x) and {counts['10x']} (10x); "
        f"accounts: {SIZES['1x'][0]} and {SIZES['10x'][0]}; "
        f"installments: {installments['1x']} and {installments['10x']}"
    )
    print(f"{'page':<24}{'queries 1x':>12}{'10x':>6}{'ms 1x':>10}{'ms 10x':>10}{'ratio':>8}")
    failures = []
    for name, _url in pages({"city": 0, "milestone": 0}):
        (q1, t1), (q10, t10) = results["1x"][name], results["10x"][name]
        ratio = t10 / t1
        print(f"{name:<24}{q1:>12}{q10:>6}{t1:>10.1f}{t10:>10.1f}{ratio:>8.2f}")
        if q1 != q10:
            failures.append(f"{name}: {q1} queries at 1x, {q10} at 10x")
        if ratio > TIME_RATIO_LIMIT and name not in COUNT_ONLY:
            failures.append(f"{name}: {ratio:.2f}x slower at 10x")
    report = results["10x"]["steering report"][1]
    if report > REPORT_LIMIT_MS:
        failures.append(f"steering report: {report:.0f} ms at 10x (limit {REPORT_LIMIT_MS})")
    compared, plan = results["10x"]["scenarios compared"][1], results["10x"]["city plan"][1]
    print(
        f"scenarios compared at 10x: {compared:.1f} ms for {SCENARIOS_PER_CITY} scenarios of "
        f"{lines['10x']} lines (city plan page: {plan:.1f} ms)"
    )
    if compared > plan * SCENARIOS_BEFORE_PLAN:
        failures.append(
            f"scenarios compared: {compared:.0f} ms, over {SCENARIOS_BEFORE_PLAN}x the city plan's"
        )
    (p1, pt1, n1), (p10, pt10, n10) = planning["1x"], planning["10x"]
    print(
        f"{'reminder planning':<24}{p1:>12}{p10:>6}{pt1:>10.1f}{pt10:>10.1f}"
        f"{pt10 / pt1:>8.2f}  ({n1} and {n10} reminders)"
    )
    if p1 != p10:
        failures.append(f"reminder planning: {p1} queries at 1x, {p10} at 10x")
    if pt10 > PLANNING_LIMIT_MS:
        failures.append(f"reminder planning: {pt10:.0f} ms at 10x (limit {PLANNING_LIMIT_MS})")
    for email, (c1, ct1, n1) in task_counts["1x"].items():
        c10, ct10, n10 = task_counts["10x"][email]
        label = f"task count, {email.split('@')[0]}"
        print(
            f"{label:<24}{c1:>12}{c10:>6}{ct1:>10.1f}{ct10:>10.1f}{ct10 / ct1:>8.2f}"
            f"  ({n1} and {n10} tasks)"
        )
        if c1 != c10 or c1 != 1:
            failures.append(f"{label}: {c1} queries at 1x, {c10} at 10x (one expected)")
        if ct10 > COUNT_LIMIT_MS or ct10 / ct1 > TIME_RATIO_LIMIT:
            failures.append(f"{label}: {ct10:.1f} ms at 10x, {ct10 / ct1:.2f}x its 1x time")
    for failure in failures:
        print("FAIL", failure)
    print("ok" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
