"""Planning deadline reminders: for a day, every reminder due, written to the outbox once.

Each domain plugs its deadlines in with one `Source`: a query of open items (id, city, due
date, title, deliverer organisations) run once per planning, whatever the number of items.
A reminder goes to the deliverers' contributors before the deadline and every N days once
late; after a set number of days late it climbs to the city's local decision-makers, then to
the central ones. The outbox key (kind, item, recipient, occurrence) is unique: planning a day
twice, or in two processes at once, writes nothing more.

Over 600 lines on purpose: the sources, the recipients, the escalation and the rules' editing
are one schedule, read together when a reminder surprises someone.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.dialects import postgresql, sqlite

from portal import authz
from portal.authz import Permission
from portal.clock import local_date
from portal.extensions import db
from portal.models.commitments import OPEN_COMMITMENTS, Commitment
from portal.models.finance import UNPAID, Agreement, AgreementStatus, Installment
from portal.models.governance import ActionStatus, Body, FollowUpAction, Meeting
from portal.models.milestones import (
    DELIVERY_STATUSES,
    ChangeRequest,
    Milestone,
    MilestoneStatus,
)
from portal.models.raci import RaciAssignment, RaciRole
from portal.models.reminders import (
    DEADLINE_KINDS,
    OutboxMessage,
    OutboxStatus,
    PlannedDay,
    ReminderKind,
    ReminderMute,
    ReminderRule,
)
from portal.models.tenders import (
    CommitteeMember,
    CommitteeRole,
    Declaration,
    Tender,
    TenderStage,
)
from portal.models.types import utcnow
from portal.models.users import Role, RoleAssignment, User
from portal.services import audit
from portal.services.errors import InvalidInput, NotAllowed, ensure_current
from portal.services.tasks import plans as milestone_tasks

CATCH_UP_DAYS = 62  # after a longer outage, older days are not planned again
K = ReminderKind
# What waits on someone rather than falls due: its deadline is the days allowed to act.
WAITING_KINDS = frozenset({K.APPROVAL_WAITING, K.CHANGE_REQUEST_WAITING})
ESCALATIONS = ("escalation-local", "escalation-central")


@dataclass(frozen=True)
class Item:
    item_type: str
    item_id: int
    city_id: int | None
    due_date: date
    organizations: tuple[int, ...] = ()  # whose contributors are reminded
    users: tuple[int, ...] = ()  # people reminded by name: approvers, committee members


@dataclass
class People:
    contributors: dict[int, list[int]]  # organisation -> active contributors
    local: dict[int, list[int]]  # city -> active local decision-makers
    central: list[int]
    active: set[int]
    secretariat: dict[int | None, list[int]]  # city (None: programme-wide) -> active members


@dataclass(frozen=True)
class Context:
    rule: ReminderRule
    people: People


@dataclass(frozen=True)
class Source:
    kind: ReminderKind
    items: Callable[[date, Context], list[Item]]  # open items due by the given horizon


def _milestones(horizon: date, context: Context) -> list[Item]:
    # With the deliverer: planned, in progress or returned (a submitted one awaits a decision).
    rows = db.session.execute(
        sa.select(
            Milestone.id,
            Milestone.city_id,
            Milestone.due_date,
            Milestone.responsible_organization_id,
            Milestone.action_id,
        ).where(Milestone.status.in_(DELIVERY_STATUSES), Milestone.due_date <= horizon)
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


def _approvals(horizon: date, context: Context) -> list[Item]:
    """A submitted milestone waits for the city's local decision-makers, one approved locally
    for the central ones; the clock starts when it entered that status (the same clock as
    the task lists')."""
    since = milestone_tasks.waiting_since()
    rows = db.session.execute(
        sa.select(
            Milestone.id,
            Milestone.city_id,
            Milestone.status,
            sa.func.coalesce(since.c.since, Milestone.updated_at).label("since"),
        )
        .outerjoin(since, since.c.milestone_id == Milestone.id)
        .where(Milestone.status.in_(milestone_tasks.WAITING_FOR_DECISION))
    ).all()
    allowed = timedelta(days=context.rule.respond_within_days)
    items = []
    for row in rows:
        due = local_date(row.since) + allowed
        if due > horizon:
            continue
        approvers = (
            context.people.local.get(row.city_id, [])
            if row.status is MilestoneStatus.SUBMITTED
            else context.people.central
        )
        items.append(Item("milestone", row.id, row.city_id, due, users=tuple(approvers)))
    return items


def _change_requests(horizon: date, context: Context) -> list[Item]:
    """A pending request to move a deadline waits for the central decision-makers."""
    rows = db.session.execute(
        sa.select(ChangeRequest.id, ChangeRequest.requested_at, Milestone.city_id)
        .join(Milestone, ChangeRequest.milestone_id == Milestone.id)
        .where(milestone_tasks.change_request_pending())
    ).all()
    allowed = timedelta(days=context.rule.respond_within_days)
    items = []
    for row in rows:
        due = local_date(row.requested_at) + allowed
        if due <= horizon:
            deciders = tuple(context.people.central)
            items.append(Item("change_request", row.id, row.city_id, due, users=deciders))
    return items


def _commitments(horizon: date, context: Context) -> list[Item]:
    rows = db.session.execute(
        sa.select(
            Commitment.id, Commitment.city_id, Commitment.due_date, Commitment.organization_id
        ).where(
            Commitment.status.in_(OPEN_COMMITMENTS),
            Commitment.due_date <= horizon,
        )
    ).all()
    return [Item("commitment", r.id, r.city_id, r.due_date, (r.organization_id,)) for r in rows]


def _installments(horizon: date, context: Context) -> list[Item]:
    rows = db.session.execute(
        sa.select(Installment.id, Agreement.city_id, Installment.due_date, Agreement.payer_id)
        .join(Agreement, Installment.agreement_id == Agreement.id)
        .where(
            Agreement.status == AgreementStatus.SIGNED,
            Installment.status.in_(UNPAID),
            Installment.due_date <= horizon,
        )
    ).all()
    return [Item("installment", r.id, r.city_id, r.due_date, (r.payer_id,)) for r in rows]


def _tender_submissions(horizon: date, context: Context) -> list[Item]:
    """A published tender's submission deadline, to its committee (not the recused) and the
    secretariat that runs it; if it is still open once passed, the secretariat is reminded
    to close it."""
    rows = db.session.execute(
        sa.select(
            Tender.id,
            Tender.city_id,
            Tender.submission_deadline,
            CommitteeMember.user_id,
            CommitteeMember.declaration,
        )
        .outerjoin(CommitteeMember, CommitteeMember.tender_id == Tender.id)
        .where(Tender.stage == TenderStage.PUBLISHED, Tender.submission_deadline.is_not(None))
        .order_by(Tender.id, CommitteeMember.id)
    ).all()
    found: dict[tuple, list[int]] = {}
    for row in rows:
        due = local_date(row.submission_deadline)
        if due > horizon:
            continue
        users = found.setdefault((row.id, row.city_id, due), [])
        if row.user_id is not None and row.declaration is not Declaration.CONFLICT:
            users.append(row.user_id)
    items = []
    for (tender_id, city_id, due), members in found.items():
        managers = context.people.secretariat.get(None, []) + (
            context.people.secretariat.get(city_id, []) if city_id is not None else []
        )
        items.append(Item("tender", tender_id, city_id, due, users=tuple(members + managers)))
    return items


EVALUATION_STAGES = (
    TenderStage.SUBMISSIONS_CLOSED,
    TenderStage.ADMINISTRATIVE_CHECK,
    TenderStage.TECHNICAL_EVALUATION,
    TenderStage.TECHNICAL_LOCKED,
    TenderStage.FINANCIAL_OPENING,
    TenderStage.FINANCIAL_EVALUATION,
    TenderStage.RANKING,
)
SCORING_ROLES = (CommitteeRole.PRESIDENT, CommitteeRole.RAPPORTEUR, CommitteeRole.MEMBER)
SCORING_STAGES = (
    TenderStage.SUBMISSIONS_CLOSED,
    TenderStage.ADMINISTRATIVE_CHECK,
    TenderStage.TECHNICAL_EVALUATION,
)


def _tender_evaluations(horizon: date, context: Context) -> list[Item]:
    """Until the technical scores are locked, the members who have not handed theirs in;
    after that, the chair, who carries the evaluation to the award proposal."""
    rows = db.session.execute(
        sa.select(
            Tender.id,
            Tender.city_id,
            Tender.evaluation_due,
            Tender.stage,
            CommitteeMember.user_id,
            CommitteeMember.role,
            CommitteeMember.declaration,
            CommitteeMember.scores_submitted_at,
        )
        .join(CommitteeMember, CommitteeMember.tender_id == Tender.id)
        .where(Tender.stage.in_(EVALUATION_STAGES), Tender.evaluation_due <= horizon)
        .order_by(Tender.id, CommitteeMember.id)
    ).all()
    found: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        key = (row.id, row.city_id, row.evaluation_due)
        found.setdefault(key, [])
        if row.declaration is Declaration.CONFLICT or row.role not in SCORING_ROLES:
            continue
        if row.stage in SCORING_STAGES:
            if row.scores_submitted_at is None:
                found[key].append(row.user_id)
        elif row.role is CommitteeRole.PRESIDENT:
            found[key].append(row.user_id)
    return [
        Item("tender", tender_id, city_id, due, users=tuple(users))
        for (tender_id, city_id, due), users in found.items()
    ]


def _tender_declarations(horizon: date, context: Context) -> list[Item]:
    """A committee member who has not declared (no) conflict of interest sees no bid: due by
    the opening session (or the submission deadline when no session is set)."""
    closed = (TenderStage.AWARDED, TenderStage.UNSUCCESSFUL, TenderStage.CANCELLED)
    open_stages = [stage for stage in TenderStage if stage not in closed]
    rows = db.session.execute(
        sa.select(
            Tender.id,
            Tender.city_id,
            sa.func.coalesce(Tender.opening_session, Tender.submission_deadline).label("due"),
            CommitteeMember.user_id,
        )
        .join(CommitteeMember, CommitteeMember.tender_id == Tender.id)
        .where(
            Tender.stage.in_(open_stages),
            CommitteeMember.declaration.is_(None),
            sa.func.coalesce(Tender.opening_session, Tender.submission_deadline).is_not(None),
        )
        .order_by(Tender.id, CommitteeMember.id)
    ).all()
    found: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        due = local_date(row.due)
        if due <= horizon:
            found[(row.id, row.city_id, due)].append(row.user_id)
    return [
        Item("tender", tender_id, city_id, due, users=tuple(users))
        for (tender_id, city_id, due), users in found.items()
    ]


# One line per kind of deadline: a domain plugs its deadlines in here.
def _follow_up_actions(horizon: date, context: Context) -> list[Item]:
    """An open follow-up action: the person named, else the people of its organisation
    whose role acts on follow-up (the task list's rule)."""
    rows = db.session.execute(
        sa.select(
            FollowUpAction.id,
            Body.city_id,
            FollowUpAction.due_on,
            FollowUpAction.owner_organization_id,
            FollowUpAction.owner_user_id,
        )
        .join(Meeting, Meeting.id == FollowUpAction.meeting_id)
        .join(Body, Body.id == Meeting.body_id)
        .where(FollowUpAction.status == ActionStatus.OPEN, FollowUpAction.due_on <= horizon)
    ).all()
    unnamed = {row.owner_organization_id for row in rows if row.owner_user_id is None}
    acting: dict[int, list[int]] = defaultdict(list)
    if unnamed:
        for user_id, organization_id in db.session.execute(
            sa.select(User.id, User.organization_id)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                User.active.is_(True),
                User.organization_id.in_(unnamed),
                RoleAssignment.role.in_(authz.roles_with(Permission.GOVERNANCE_FOLLOW_UP)),
            )
            .distinct()
        ):
            acting[organization_id].append(user_id)
    return [
        Item(
            "follow_up",
            row.id,
            row.city_id,
            row.due_on,
            users=(row.owner_user_id,)
            if row.owner_user_id is not None
            else tuple(sorted(acting[row.owner_organization_id])),
        )
        for row in rows
    ]


SOURCES = (
    Source(K.MILESTONE_DUE, _milestones),
    Source(K.APPROVAL_WAITING, _approvals),
    Source(K.CHANGE_REQUEST_WAITING, _change_requests),
    Source(K.COMMITMENT_DUE, _commitments),
    Source(K.INSTALLMENT_DUE, _installments),
    Source(K.TENDER_SUBMISSION, _tender_submissions),
    Source(K.TENDER_EVALUATION, _tender_evaluations),
    Source(K.TENDER_DECLARATION, _tender_declarations),
    Source(K.FOLLOW_UP_DUE, _follow_up_actions),
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
            for kind in DEADLINE_KINDS
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


def _people() -> People:
    contributors: dict[int, list[int]] = defaultdict(list)
    local: dict[int, list[int]] = defaultdict(list)
    central: list[int] = []
    active: set[int] = set()
    secretariat: dict[int | None, list[int]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(User.id, User.organization_id, RoleAssignment.role, RoleAssignment.city_id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.active.is_(True))  # a deactivated account is never written to
        .order_by(User.id)
    )
    for user_id, organization_id, role, city_id in rows:
        active.add(user_id)
        if role is Role.CONTRIBUTOR and organization_id is not None:
            contributors[organization_id].append(user_id)
        elif role is Role.LOCAL_DECISION_MAKER and city_id is not None:
            local[city_id].append(user_id)
        elif role is Role.CENTRAL_DECISION_MAKER:
            central.append(user_id)
        elif role is Role.SECRETARIAT:
            secretariat[city_id].append(user_id)
    return People(contributors, local, central, active, secretariat)


def outbox_key(kind: ReminderKind, item: Item, recipient: int, occurrence: str) -> str:
    # With the due date: a deadline that moves (or an approval that waits again) is
    # reminded again rather than taken for one already reminded.
    return (
        f"{kind.value}:{item.item_type}:{item.item_id}:{recipient}:{occurrence}:"
        f"{item.due_date.isoformat()}"
    )


def _recipients(occurrence: str, item: Item, people: People) -> list[int]:
    if occurrence == "escalation-local":
        return people.local.get(item.city_id, [])
    if occurrence == "escalation-central":
        return people.central
    return sorted(
        {u for org in item.organizations for u in people.contributors.get(org, [])}
        | {u for u in item.users if u in people.active}
    )


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
        for item in source.items(horizon, Context(rule, people)):
            started = item.due_date - timedelta(days=rule.respond_within_days)
            if source.kind in WAITING_KINDS and day < started:
                continue  # a catch-up day before it started waiting
            found = occurrences(rule, item.due_date, day)
            if not found:
                continue
            targets = {occurrence: _recipients(occurrence, item, people) for occurrence in found}
            # Someone alerted by an escalation that day does not also get the plain repeat.
            escalated = {u for o in ESCALATIONS for u in targets.get(o, ())}
            for occurrence, recipients in targets.items():
                for recipient in recipients:
                    if occurrence not in ESCALATIONS and recipient in escalated:
                        continue
                    rows.append(
                        {
                            "key": outbox_key(source.kind, item, recipient, occurrence),
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
    dialect = db.session.get_bind().dialect
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    # Tens of thousands of rows a day at the programme's scale, with few distinct values in
    # most columns (kinds, dates): each value goes through its column's type once rather
    # than once per row, and untyped columns hand the results to the driver as they are.
    names = list(rows[0])
    columns = model.__table__.c
    process = {
        name: columns[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    }
    converted: dict[tuple, object] = {}

    def bound(name, value):
        if process[name] is None or value is None:
            return value
        if (name, value) not in converted:
            converted[name, value] = process[name](value)
        return converted[name, value]

    table = sa.table(model.__tablename__, *(sa.column(name) for name in names))
    statement = insert(table).on_conflict_do_nothing(index_elements=[key])
    db.session.connection().execute(
        statement, [{name: bound(name, row[name]) for name in names} for row in rows]
    )


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
        # Every column given: no per-row default to compute.
        common = {
            "created_at": utcnow(),
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "last_error": "",
            "next_attempt_at": None,
            "sent_at": None,
            "read_at": None,
            "claim": None,
        }
        _insert_ignoring_duplicates(OutboxMessage, [{**row, **common} for row in rows], "key")
        _insert_ignoring_duplicates(
            PlannedDay, [{"day": day, "messages": len(rows), "planned_at": utcnow()}], "day"
        )
    if dry_run:
        db.session.rollback()
        return Report(days=days, planned=len(all_rows), written=0, rows=all_rows)
    written = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) - before
    return Report(days=days, planned=len(all_rows), written=written, rows=all_rows)


# --- The administrator's settings ------------------------------------------------------------

MAX_DAYS = 365


def _days(value, field: str, *, required: bool, minimum: int = 0) -> int | None:
    if value in (None, ""):
        if required:
            raise InvalidInput(_l("Indiquez un nombre de jours."), field=field)
        return None
    if not isinstance(value, int) or not minimum <= value <= MAX_DAYS:
        raise InvalidInput(
            _l("Un nombre de jours entre %(low)s et %(high)s.", low=minimum, high=MAX_DAYS),
            field=field,
        )
    return value


def parse_leads(text: str) -> str:
    """ "30, 7, 1" -> "30,7,1": whole days before the deadline, each once, largest first."""
    days = set()
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"[0-9]{1,3}", part) or int(part) > MAX_DAYS:
            raise InvalidInput(
                _l(
                    "« %(value)s » n'est pas un nombre de jours entre 0 et %(high)s.",
                    value=part[:20],
                    high=MAX_DAYS,
                ),
                field="lead_days",
            )
        days.add(int(part))
    if len(days) > 10:
        raise InvalidInput(_l("Dix rappels avant l'échéance au plus."), field="lead_days")
    return ",".join(str(d) for d in sorted(days, reverse=True))


def update_rule(
    actor: User,
    rule: ReminderRule,
    *,
    expected_version: int | None,
    lead_days: str,
    overdue_every_days: int | None,
    escalate_local_after: int | None,
    escalate_central_after: int | None,
    respond_within_days: int | None,
    active: bool,
) -> None:
    if not authz.can(actor, Permission.REMINDERS_CONFIGURE):
        raise NotAllowed(_l("Seul un administrateur règle les rappels."))
    ensure_current(
        rule, expected_version, _l("Cette règle a été modifiée par quelqu'un d'autre entre-temps.")
    )
    values = {
        "lead_days": parse_leads(lead_days),
        "overdue_every_days": _days(overdue_every_days, "overdue_every_days", required=True),
        "escalate_local_after": _days(
            escalate_local_after, "escalate_local_after", required=False, minimum=1
        ),
        "escalate_central_after": _days(
            escalate_central_after, "escalate_central_after", required=False, minimum=1
        ),
        "respond_within_days": rule.respond_within_days,
        "active": bool(active),
    }
    if rule.kind in WAITING_KINDS:
        values["respond_within_days"] = _days(
            respond_within_days, "respond_within_days", required=True, minimum=1
        )
    local, central = values["escalate_local_after"], values["escalate_central_after"]
    if local is not None and central is not None and central <= local:
        raise InvalidInput(
            _l("Le ministère est saisi après la ville : un délai plus long, donc."),
            field="escalate_central_after",
        )
    changed = {
        name: [getattr(rule, name), value]
        for name, value in values.items()
        if getattr(rule, name) != value
    }
    for name, value in values.items():
        setattr(rule, name, value)
    if changed:
        audit.record(actor, "reminder_rule.updated", obj=rule, details=changed)


def set_preferences(user: User, *, digest: bool, muted: list[str]) -> None:
    """A person's own choice: each reminder by e-mail or a daily digest, and the kinds not to
    e-mail (they stay in the notification centre; escalations are always e-mailed)."""
    try:
        kinds = {ReminderKind(value) for value in muted}
    except ValueError:
        raise InvalidInput(_l("Type de rappel inconnu."), field="muted") from None
    current = muted_kinds(user)
    gone = current - kinds
    if gone:
        db.session.execute(
            sa.delete(ReminderMute).where(
                ReminderMute.user_id == user.id, ReminderMute.kind.in_(gone)
            )
        )
    for kind in sorted(kinds - current, key=lambda k: k.value):
        db.session.add(ReminderMute(user_id=user.id, kind=kind))
    user.mail_digest = bool(digest)


def muted_kinds(user: User) -> set[ReminderKind]:
    mutes = sa.select(ReminderMute.kind).where(ReminderMute.user_id == user.id)
    return set(db.session.scalars(mutes))


# --- One-click unsubscribe (RFC 8058) ----------------------------------------------------------

_UNSUBSCRIBE_SALT = "unsubscribe"


def unsubscribe_token(user: User, kinds) -> str:
    """The secret part of an e-mail's unsubscribe address: this person, these kinds."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)
    return serializer.dumps({"u": user.id, "k": sorted({kind.value for kind in kinds})})


def read_unsubscribe_token(token: str) -> tuple[User, set[ReminderKind]] | None:
    """The person and kinds a token names, or None for a token this portal did not sign."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)
    try:
        data = serializer.loads(token)
        kinds = {ReminderKind(value) for value in data["k"]}
        user = db.session.get(User, int(data["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return (user, kinds) if user is not None and user.active else None


def mute(user: User, kinds: set[ReminderKind]) -> None:
    """Stop e-mailing these kinds to this person (kept in their notification centre)."""
    set_preferences(
        user,
        digest=user.mail_digest,
        muted=[kind.value for kind in muted_kinds(user) | kinds],
    )
