"""Planning deadline reminders: for a day, every reminder due, written to the outbox once.

Each domain plugs its deadlines in with one `Source`: a query of open items (id, city, due
date, title, deliverer organisations) run once per planning, whatever the number of items.
A reminder goes to the deliverers' contributors before the deadline and every N days once
late; after a set number of days late it climbs to the city's local decision-makers, then to
the central ones. The outbox key (kind, item, recipient, occurrence) is unique: planning a day
twice, or in two processes at once, writes nothing more.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models.commitments import Commitment, CommitmentStatus
from portal.models.finance import Agreement, AgreementStatus, Installment, InstallmentStatus
from portal.models.milestones import Milestone, MilestoneStatus
from portal.models.raci import RaciAssignment, RaciRole
from portal.models.reminders import OutboxMessage, PlannedDay, ReminderKind, ReminderRule
from portal.models.users import Role, RoleAssignment, User

CATCH_UP_DAYS = 62  # after a longer outage, older days are not planned again
K = ReminderKind


@dataclass(frozen=True)
class Item:
    item_type: str
    item_id: int
    city_id: int | None
    due_date: date
    organizations: tuple[int, ...]  # whose contributors deliver it


@dataclass(frozen=True)
class Source:
    kind: ReminderKind
    items: Callable[[date], list[Item]]  # open items due by the given horizon


def _milestones(horizon: date) -> list[Item]:
    # With the deliverer: planned, in progress or returned (a submitted one awaits a decision).
    rows = db.session.execute(
        sa.select(
            Milestone.id,
            Milestone.city_id,
            Milestone.due_date,
            Milestone.responsible_organization_id,
            Milestone.action_id,
        ).where(
            Milestone.status.in_(
                [MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS, MilestoneStatus.RETURNED]
            ),
            Milestone.due_date <= horizon,
        )
    ).all()
    # The Responsible and Accountable organisations of each action's RACI row.
    raci: dict[int, set[int]] = defaultdict(set)
    for action_id, organization_id in db.session.execute(
        sa.select(RaciAssignment.action_id, RaciAssignment.organization_id).where(
            RaciAssignment.role.in_([RaciRole.RESPONSIBLE, RaciRole.ACCOUNTABLE])
        )
    ):
        raci[action_id].add(organization_id)
    return [
        Item(
            "milestone",
            row.id,
            row.city_id,
            row.due_date,
            tuple(sorted({row.responsible_organization_id, *raci[row.action_id]})),
        )
        for row in rows
    ]


def _commitments(horizon: date) -> list[Item]:
    rows = db.session.execute(
        sa.select(
            Commitment.id, Commitment.city_id, Commitment.due_date, Commitment.organization_id
        ).where(
            Commitment.status.in_([CommitmentStatus.ACCEPTED, CommitmentStatus.IN_PROGRESS]),
            Commitment.due_date <= horizon,
        )
    ).all()
    return [Item("commitment", r.id, r.city_id, r.due_date, (r.organization_id,)) for r in rows]


def _installments(horizon: date) -> list[Item]:
    rows = db.session.execute(
        sa.select(Installment.id, Agreement.city_id, Installment.due_date, Agreement.payer_id)
        .join(Agreement, Installment.agreement_id == Agreement.id)
        .where(
            Agreement.status == AgreementStatus.SIGNED,
            Installment.status.in_([InstallmentStatus.PLANNED, InstallmentStatus.INVOICED]),
            Installment.due_date <= horizon,
        )
    ).all()
    return [Item("installment", r.id, r.city_id, r.due_date, (r.payer_id,)) for r in rows]


SOURCES = (
    Source(K.MILESTONE_DUE, _milestones),
    Source(K.COMMITMENT_DUE, _commitments),
    Source(K.INSTALLMENT_DUE, _installments),
)


def ensure_rules() -> dict[ReminderKind, ReminderRule]:
    """Every kind has a rule; missing ones get the defaults (30, 7 and 1 days; weekly; the
    city after 7 days late, the ministry after 21). Safe when two planners start at once."""
    _insert_ignoring_duplicates(
        ReminderRule,
        [
            {
                "kind": kind,
                "lead_days": "30,7,1",
                "overdue_every_days": 7,
                "escalate_local_after": 7,
                "escalate_central_after": 21,
                "active": True,
                "version": 1,
            }
            for kind in ReminderKind
        ],
        "kind",
    )
    return {r.kind: r for r in db.session.scalars(sa.select(ReminderRule))}


def occurrences(rule: ReminderRule, due: date, day: date) -> list[str]:
    """Which reminders an item due on `due` gets on `day` under `rule`."""
    before = (due - day).days
    found = []
    if before >= 0 and before in rule.leads:
        found.append(f"lead-{before}")
    late = -before
    if late > 0:
        if rule.overdue_every_days and late % rule.overdue_every_days == 0:
            found.append(f"overdue-{late}")
        if rule.escalate_local_after and late == rule.escalate_local_after:
            found.append("escalation-local")
        if rule.escalate_central_after and late == rule.escalate_central_after:
            found.append("escalation-central")
    return found


@dataclass
class People:
    contributors: dict[int, list[int]]  # organisation -> active contributors
    local: dict[int, list[int]]  # city -> active local decision-makers
    central: list[int]


def _people() -> People:
    contributors: dict[int, list[int]] = defaultdict(list)
    local: dict[int, list[int]] = defaultdict(list)
    central: list[int] = []
    rows = db.session.execute(
        sa.select(User.id, User.organization_id, RoleAssignment.role, RoleAssignment.city_id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.active.is_(True))  # a deactivated account is never written to
        .order_by(User.id)
    )
    for user_id, organization_id, role, city_id in rows:
        if role is Role.CONTRIBUTOR and organization_id is not None:
            contributors[organization_id].append(user_id)
        elif role is Role.LOCAL_DECISION_MAKER and city_id is not None:
            local[city_id].append(user_id)
        elif role is Role.CENTRAL_DECISION_MAKER:
            central.append(user_id)
    return People(contributors, local, central)


def plan_day(day: date, *, rules=None, people=None) -> list[dict]:
    """The outbox rows for `day`: computed, not written."""
    rules = rules or ensure_rules()
    people = people or _people()
    rows = []
    for source in SOURCES:
        rule = rules[source.kind]
        if not rule.active:
            continue
        horizon = day + timedelta(days=max(rule.leads, default=0))
        for item in source.items(horizon):
            for occurrence in occurrences(rule, item.due_date, day):
                if occurrence == "escalation-local":
                    recipients = people.local.get(item.city_id, [])
                elif occurrence == "escalation-central":
                    recipients = people.central
                else:
                    recipients = sorted(
                        {u for org in item.organizations for u in people.contributors.get(org, [])}
                    )
                for recipient in recipients:
                    rows.append(
                        {
                            "key": f"{source.kind.value}:{item.item_type}:{item.item_id}:"
                            f"{recipient}:{occurrence}",
                            "recipient_id": recipient,
                            "kind": source.kind,
                            "item_type": item.item_type,
                            "item_id": item.item_id,
                            "occurrence": occurrence,
                            "due_date": item.due_date,
                            "planned_for": day,
                        }
                    )
    return rows


def _insert_ignoring_duplicates(model, rows: list[dict], key: str) -> None:
    """One statement; a row whose key exists already is skipped, not an error (two planners
    at once, or the same day planned twice)."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).on_conflict_do_nothing(index_elements=[key])
    db.session.execute(statement, rows)


@dataclass
class Report:
    days: list[date]
    planned: int  # reminders due over those days
    written: int  # of which new in the outbox
    rows: list[dict]


def run(today: date, *, dry_run: bool = False) -> Report:
    """Plan every day from the one after the last planned up to `today` (a catch-up after
    downtime), or `today` alone on a first run. A dry run writes nothing."""
    rules = ensure_rules()
    people = _people()
    last = db.session.scalar(sa.select(sa.func.max(PlannedDay.day)))
    first = today if last is None else last + timedelta(days=1)
    first = max(first, today - timedelta(days=CATCH_UP_DAYS))
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    if not days:
        days = [today]  # planned already: run it again, it adds nothing
    all_rows = []
    before = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    for day in days:
        rows = plan_day(day, rules=rules, people=people)
        all_rows.extend(rows)
        if dry_run:
            continue
        _insert_ignoring_duplicates(OutboxMessage, rows, "key")
        _insert_ignoring_duplicates(PlannedDay, [{"day": day, "messages": len(rows)}], "day")
    if dry_run:
        db.session.rollback()
        return Report(days=days, planned=len(all_rows), written=0, rows=all_rows)
    written = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) - before
    return Report(days=days, planned=len(all_rows), written=written, rows=all_rows)
