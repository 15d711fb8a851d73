"""A body's meetings: scheduled by its secretary (or the secretariat) in Morocco's time, with
an agenda proposed from what waits in the body's scope (the task list's own definitions,
so that the agenda and the people's lists never disagree), free items, and its order."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from portal.extensions import db
from portal.models.governance import (
    AgendaItem,
    Body,
    BodyKind,
    Meeting,
    MeetingStatus,
)
from portal.models.users import User
from portal.services import audit, inputs, notifications
from portal.services import tasks as task_lists
from portal.services.dates import check_day
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)
from portal.services.governance.bodies import is_member, may_manage, may_run
from portal.services.tasks import At, Task

STALE = _l("Cette réunion a été modifiée par quelqu'un d'autre entre-temps.")
MAX_ITEMS = 60

# What a body's agenda proposes, by the task kind that defines it: (kind, late only, how the
# agenda names it). A city's steering committee takes what waits on the city; the national
# committee what waits on the ministry, in every city; a working group what is late in its
# scope.
LATE_MILESTONE = ("milestone_deliver", True, _l("Jalon en retard"))
CHANGE_REQUEST = ("change_request_decide", False, _l("Report d'échéance à trancher"))
DISPUTE = ("installment_dispute", False, _l("Échéance contestée"))
AWARD = ("tender_award", False, _l("Attribution à décider"))
SITE = ("site_decide", False, _l("Site à retenir ou écarter"))
LATE_COMMITMENT = ("commitment_late", False, _l("Engagement en retard"))
PROPOSED = {
    BodyKind.STEERING: (
        ("milestone_approve_local", False, _l("Jalon à approuver (niveau local)")),
        LATE_MILESTONE,
        CHANGE_REQUEST,
        LATE_COMMITMENT,
        ("installment_pay", True, _l("Échéance impayée")),
        DISPUTE,
        AWARD,
        SITE,
        ("scenario_endorse", False, _l("Scénario à avaliser")),
    ),
    BodyKind.NATIONAL: (
        ("milestone_approve_central", False, _l("Jalon à approuver (niveau central)")),
        CHANGE_REQUEST,
        DISPUTE,
        AWARD,
        SITE,
        ("scenario_approve", False, _l("Scénario à approuver")),
        LATE_MILESTONE,
    ),
    BodyKind.WORKING_GROUP: (LATE_MILESTONE, LATE_COMMITMENT),
}
AGENDA_LABELS = {name: label for kinds in PROPOSED.values() for name, _late, label in kinds}
# Of each kind, the most pressing ones (the rest are in the task list).
PER_KIND = 15


def may_read(user: User, meeting: Meeting) -> bool:
    """A meeting is its body's business, and everyone's once published."""
    return meeting.published or may_manage(user) or is_member(user, meeting.body)


def _runner(actor: User, body: Body) -> None:
    if not may_run(actor, body):
        raise NotAllowed(
            _l("Seul le secrétaire de l'instance, ou le secrétariat, prépare ses réunions.")
        )


def _instant(day: date, moment: time) -> datetime:
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def save_meeting(
    actor: User,
    meeting: Meeting | None,
    *,
    body: Body,
    day: date | None,
    starts: time | None,
    ends: time | None,
    place="",
    video_link="",
    published=False,
    expected_version=None,
) -> Meeting:
    """A meeting scheduled or moved; times are Morocco's. A change of time or place counts as
    a new version of the invitation (its SEQUENCE)."""
    if meeting is not None:
        ensure_current(meeting, expected_version, STALE)
        body = meeting.body
        if meeting.status is not MeetingStatus.SCHEDULED:
            raise TransitionNotAllowed(_l("Une réunion tenue ou annulée ne change plus."))
    _runner(actor, body)
    if day is None:
        raise InvalidInput(inputs.REQUIRED, field="day")
    check_day(day, "day")
    if starts is None:
        raise InvalidInput(inputs.REQUIRED, field="starts")
    if ends is None:
        raise InvalidInput(inputs.REQUIRED, field="ends")
    if ends <= starts:
        raise InvalidInput(_l("La fin suit le début."), field="ends")
    link = inputs.text(video_link, "video_link", required=False, limit=500)
    if link and not link.startswith("https://"):
        raise InvalidInput(_l("Un lien https:// complet."), field="video_link")
    values = {
        "starts_at": _instant(day, starts),
        "ends_at": _instant(day, ends),
        "place": inputs.text(place, "place", required=False, limit=300),
        "video_link": link,
        "published": bool(published),
    }
    if not values["place"] and not link:
        raise InvalidInput(_l("Indiquez un lieu ou un lien de visioconférence."), field="place")
    if meeting is None:
        meeting = Meeting(body=body, **values)
        db.session.add(meeting)
        db.session.flush()  # the invitations name it
        audit.record(
            actor,
            "governance.meeting_scheduled",
            obj=meeting,
            details={"starts_at": values["starts_at"].isoformat()},
        )
        notifications.meeting_invitation(actor, meeting)
        return meeting
    moved = any(
        getattr(meeting, key) != values[key]
        for key in ("starts_at", "ends_at", "place", "video_link")
    )
    for key, value in values.items():
        setattr(meeting, key, value)
    if moved:
        meeting.sequence += 1
        notifications.meeting_invitation(actor, meeting)
    audit.record(actor, "governance.meeting_updated", obj=meeting, details={"moved": moved})
    return meeting


def cancel(actor: User, meeting: Meeting, *, expected_version=None) -> None:
    ensure_current(meeting, expected_version, STALE)
    _runner(actor, meeting.body)
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise TransitionNotAllowed(_l("Une réunion tenue ou annulée ne change plus."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    audit.record(actor, "governance.meeting_cancelled", obj=meeting)
    notifications.meeting_invitation(actor, meeting)


# --- The agenda --------------------------------------------------------------------------------


@dataclass
class Proposal:
    task: Task

    @property
    def key(self) -> str:
        return f"{self.task.kind.name}:{self.task.item_id}"

    @property
    def label(self):
        return AGENDA_LABELS[self.task.kind.name]


def proposals(meeting: Meeting, at: At) -> list[Proposal]:
    """What waits in the body's scope and is not on the agenda yet: one query for every kind,
    the most pressing first within each."""
    body = meeting.body
    branches = []
    for name, late_only, _label in PROPOSED[body.kind]:
        kind = task_lists.BY_NAME[name]
        source = kind.source(at).subquery()
        query = sa.select(source)
        if body.city_id is not None:
            query = query.where(source.c.city_id == body.city_id)
        if late_only:
            query = query.where(source.c.due_on < at.today)
        branches.append(
            query.add_columns(
                sa.cast(sa.literal(name), sa.String).label("kind"),
                sa.cast(sa.literal(task_lists.RANK[name]), sa.Integer).label("rank"),
            )
        )
    union = sa.union_all(*branches).subquery("waiting")
    position = (
        sa.func.row_number()
        .over(
            partition_by=union.c.kind,
            order_by=(
                sa.nulls_last(union.c.due_on.asc()),
                sa.nulls_last(union.c.since_at.asc()),
                union.c.item_id,
            ),
        )
        .label("position")
    )
    ranked = sa.select(union, position).subquery()
    rows = db.session.execute(
        sa.select(ranked)
        .where(ranked.c.position <= PER_KIND)
        .order_by(ranked.c.rank, ranked.c.position)
    ).all()
    taken = {(item.source, item.object_id) for item in meeting.items if item.source}
    return [
        Proposal(task)
        for task in task_lists.to_tasks(rows, at)
        if (task.kind.name, task.item_id) not in taken
    ]


def _editable(actor: User, meeting: Meeting, expected_version) -> None:
    ensure_current(meeting, expected_version, STALE)
    _runner(actor, meeting.body)
    # The agenda is part of the meeting: a change to it makes a form loaded before stale.
    flag_modified(meeting, "place")
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise TransitionNotAllowed(
            _l("L'ordre du jour d'une réunion tenue ou annulée ne change plus.")
        )


def _room(meeting: Meeting, more: int) -> None:
    if len(meeting.items) + more > MAX_ITEMS:
        raise InvalidInput(_l("Au plus %(n)d points à l'ordre du jour.", n=MAX_ITEMS), field="keys")


def add_proposed(actor: User, meeting: Meeting, keys, at: At, *, expected_version=None) -> int:
    """The chosen proposals put on the agenda, each linked to its object; a proposal that no
    longer waits (decided meanwhile) is refused rather than added."""
    _editable(actor, meeting, expected_version)
    wanted = [str(k) for k in keys or []]
    if not wanted:
        raise InvalidInput(_l("Choisissez au moins un point."), field="keys")
    offered = {p.key: p for p in proposals(meeting, at)}
    missing = [k for k in wanted if k not in offered]
    if missing:
        raise InvalidInput(_l("Un point proposé n'attend plus : rechargez la page."), field="keys")
    _room(meeting, len(wanted))
    for key in wanted:
        task = offered[key].task
        meeting.items.append(
            AgendaItem(
                position=len(meeting.items) + 1,
                title=(task.title or "")[:300],
                source=task.kind.name,
                object_id=task.item_id,
                link_id=task.link_id,
                city_id=task.city_id,
            )
        )
    audit.record(actor, "governance.agenda_changed", obj=meeting, details={"added": wanted})
    return len(wanted)


def add_free(actor: User, meeting: Meeting, *, title, note="", expected_version=None) -> AgendaItem:
    _editable(actor, meeting, expected_version)
    _room(meeting, 1)
    item = AgendaItem(
        position=len(meeting.items) + 1,
        title=inputs.text(title, "title", limit=300),
        note=inputs.text(note, "note", required=False, limit=5000),
    )
    meeting.items.append(item)
    audit.record(actor, "governance.agenda_changed", obj=meeting, details={"added": [item.title]})
    return item


def move(actor: User, meeting: Meeting, item_id: int, step: int, *, expected_version=None) -> None:
    """An item one place up (step -1) or down (+1)."""
    _editable(actor, meeting, expected_version)
    items = list(meeting.items)
    index = next((i for i, item in enumerate(items) if item.id == item_id), None)
    if index is None:
        raise InvalidInput(_l("Ce point n'est pas à l'ordre du jour."), field="item")
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items, start=1):
        item.position = position


def remove(actor: User, meeting: Meeting, item_id: int, *, expected_version=None) -> None:
    _editable(actor, meeting, expected_version)
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        raise InvalidInput(_l("Ce point n'est pas à l'ordre du jour."), field="item")
    meeting.items.remove(item)
    for position, kept in enumerate(meeting.items, start=1):
        kept.position = position
    audit.record(actor, "governance.agenda_changed", obj=meeting, details={"removed": [item.title]})
