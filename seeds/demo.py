"""Demo accounts: one per role, and a local decision-maker per pilot city."""

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models.organizations import City, Organization
from portal.models.reminders import OutboxMessage
from portal.models.users import Role, User
from portal.services import accounts
from portal.services.seeding import load_reference
from seeds.commitments import load_commitments
from seeds.consultations import load_consultations
from seeds.coverage import load_coverage
from seeds.diagnostic import load_diagnostic, load_expectations, load_infrastructure
from seeds.finance import load_finance
from seeds.governance import load_governance
from seeds.plans import load_plans
from seeds.scenarios import load_scenarios
from seeds.tenders import load_tenders

# Documented in the README; `make run` prints it with the accounts.
DEMO_PASSWORD = "sdtn-demo-2026"  # noqa: S105 (a published demo password)

# (email, full name, organisation short name, [(role, city slug or None)])
USERS = [
    ("admin@sdtn.demo", "Amina Berrada", "DUAT", [(Role.ADMIN, None)]),
    ("central@sdtn.demo", "Youssef El Idrissi", "DUAT", [(Role.CENTRAL_DECISION_MAKER, None)]),
    (
        "local.marrakech@sdtn.demo",
        "Khadija Ouazzani",
        "CU Marrakech",
        [(Role.LOCAL_DECISION_MAKER, "marrakech")],
    ),
    ("local.fes@sdtn.demo", "Omar Benjelloun", "CU Fès", [(Role.LOCAL_DECISION_MAKER, "fes")]),
    (
        "local.agadir@sdtn.demo",
        "Fatima Zahra Amrani",
        "CU Agadir",
        [(Role.LOCAL_DECISION_MAKER, "agadir")],
    ),
    ("contributeur@sdtn.demo", "Hicham Tazi", "RADEEMA", [(Role.CONTRIBUTOR, None)]),
    ("radeef@sdtn.demo", "Meryem Fassi", "RADEEF", [(Role.CONTRIBUTOR, None)]),
    ("ramsa@sdtn.demo", "Said Oubaha", "RAMSA", [(Role.CONTRIBUTOR, None)]),
    ("iam@sdtn.demo", "Karim Bennani", "IAM", [(Role.CONTRIBUTOR, None)]),
    ("orange@sdtn.demo", "Sofia Kettani", "Orange", [(Role.CONTRIBUTOR, None)]),
    ("inwi@sdtn.demo", "Anas Sqalli", "inwi", [(Role.CONTRIBUTOR, None)]),
    ("secretariat@sdtn.demo", "Salma Chraibi", "DUAT", [(Role.SECRETARIAT, None)]),
    ("evaluateur@sdtn.demo", "Rachid Alaoui", "DUAT", [(Role.EVALUATOR, None)]),
    ("evaluatrice@sdtn.demo", "Leila Mansouri", "AUM", [(Role.EVALUATOR, None)]),
    # The providers that bid in the demo's tenders.
    ("adc@sdtn.demo", "Youssef Berrechid", "ADC", [(Role.CONTRIBUTOR, None)]),
    ("rsn@sdtn.demo", "Imane Ait Lahcen", "RSN", [(Role.CONTRIBUTOR, None)]),
    ("mcs@sdtn.demo", "Driss Kabbaj", "MCS", [(Role.CONTRIBUTOR, None)]),
    ("mul@sdtn.demo", "Sara Benkirane", "MUL", [(Role.CONTRIBUTOR, None)]),
    ("observateur@sdtn.demo", "Nadia Lahlou", "ANRT", [(Role.OBSERVER, None)]),
]


def load_demo(today: date | None = None) -> dict[str, int]:

    added = load_reference()
    added["users"] = 0
    cities = {c.slug: c.id for c in db.session.scalars(sa.select(City))}
    organizations = {o.short_name: o.id for o in db.session.scalars(sa.select(Organization))}
    existing = set(db.session.scalars(sa.select(User.email)))
    for email, full_name, organization, roles in USERS:
        if email in existing:
            continue
        accounts.create_user(
            None,
            email=email,
            full_name=full_name,
            organization_id=organizations[organization],
            password=DEMO_PASSWORD,
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
        added["scenarios"] = load_scenarios(today)
        added["digital_services"] = load_diagnostic(today)
        added["expectations"] = load_expectations()
        added["infrastructure"] = load_infrastructure()
        added["consultation_expectations"] = load_consultations(today)
        added["governance_bodies"] = load_governance(today)
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
