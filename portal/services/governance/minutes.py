"""A held meeting's minutes (procès-verbal): the secretary drafts them, circulates them to the
members for comments for a set number of days, then the chair adopts them and they are
frozen. What they say is one record (who came, each item and what came of it, the actions,
the secretary's account, the erratum to the previous minutes), built from the meeting while
it is a draft and stored at adoption, so that the adopted minutes never change, in any
language."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal import clock
from portal.extensions import db
from portal.models.governance import (
    VOTING,
    FollowUpAction,
    Meeting,
    MeetingStatus,
    MemberRole,
    MinutesComment,
    MinutesStatus,
)
from portal.models.users import User
from portal.services import audit, inputs, notifications
from portal.services.errors import InvalidInput, NotAllowed, TransitionNotAllowed, ensure_current
from portal.services.governance.bodies import role_in
from portal.services.governance.meetings import STALE, _runner
from portal.services.governance.sessions import ADOPTED, attendance_of, quorum, roles_at

MAX_DAYS = 30


def _editable(actor: User, meeting: Meeting, expected_version) -> None:
    ensure_current(meeting, expected_version, STALE)
    _runner(actor, meeting.body)
    if meeting.status is not MeetingStatus.HELD:
        raise TransitionNotAllowed(_l("Le procès-verbal se rédige une fois la réunion tenue."))
    if meeting.minutes_status is MinutesStatus.ADOPTED:
        raise TransitionNotAllowed(ADOPTED)


def previous(meeting: Meeting) -> Meeting | None:
    """The body's meeting held before this one: the one an erratum corrects."""
    return db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.body_id == meeting.body_id,
            Meeting.status == MeetingStatus.HELD,
            Meeting.starts_at < meeting.starts_at,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    ).first()


def save(actor: User, meeting: Meeting, *, text, erratum="", expected_version=None) -> None:
    """The secretary's draft; amended while it circulates, in answer to the comments."""
    _editable(actor, meeting, expected_version)
    words = inputs.text(text, "minutes_text", limit=50_000)
    correction = inputs.text(erratum, "erratum", required=False, limit=10_000)
    if correction and previous(meeting) is None:
        raise InvalidInput(
            _l("Aucune réunion précédente de cette instance : pas d'erratum à noter."),
            field="erratum",
        )
    meeting.minutes_text = words
    meeting.erratum = correction
    if meeting.minutes_status is None:
        meeting.minutes_status = MinutesStatus.DRAFT
    audit.record(actor, "governance.minutes_saved", obj=meeting)


def circulate(actor: User, meeting: Meeting, *, days, now: datetime, expected_version=None):
    """Sent to the members, who comment until the day set."""
    _editable(actor, meeting, expected_version)
    if meeting.minutes_status is not MinutesStatus.DRAFT:
        raise TransitionNotAllowed(
            _l("Seul un projet de procès-verbal rédigé se diffuse pour remarques.")
        )
    try:
        count = int(days)
    except (TypeError, ValueError):
        raise InvalidInput(inputs.REQUIRED, field="days") from None
    if not 1 <= count <= MAX_DAYS:
        raise InvalidInput(_l("Entre 1 et %(n)d jours.", n=MAX_DAYS), field="days")
    meeting.minutes_status = MinutesStatus.CIRCULATED
    meeting.comments_until = clock.local_date(now) + timedelta(days=count)
    audit.record(
        actor,
        "governance.minutes_circulated",
        obj=meeting,
        details={"until": meeting.comments_until.isoformat()},
    )
    notifications.minutes_circulated(actor, meeting, now=now)


def comment(actor: User, meeting: Meeting, *, text, now: datetime) -> MinutesComment:
    if role_in(actor, meeting.body) is None:
        raise NotAllowed(_l("Seuls les membres de l'instance font des remarques."))
    if (
        meeting.minutes_status is not MinutesStatus.CIRCULATED
        or clock.local_date(now) > meeting.comments_until
    ):
        raise TransitionNotAllowed(_l("Le procès-verbal n'est pas ouvert aux remarques."))
    found = MinutesComment(
        meeting_id=meeting.id,
        user_id=actor.id,
        text=inputs.text(text, "comment", limit=5000),
        created_at=now,
    )
    db.session.add(found)
    audit.record(actor, "governance.minutes_commented", obj=meeting)
    return found


def may_adopt(user: User, meeting: Meeting) -> bool:
    return role_in(user, meeting.body) is MemberRole.CHAIR


def open_for_comments(meeting: Meeting, today: date) -> bool:
    return meeting.minutes_status is MinutesStatus.CIRCULATED and today <= meeting.comments_until


def adopt(actor: User, meeting: Meeting, *, now: datetime, expected_version=None) -> None:
    """By the chair, once the comments' time is over; the record is frozen from then on."""
    ensure_current(meeting, expected_version, STALE)
    if not may_adopt(actor, meeting):
        raise NotAllowed(_l("Le président de l'instance adopte le procès-verbal."))
    if meeting.minutes_status is MinutesStatus.ADOPTED:
        raise TransitionNotAllowed(ADOPTED)
    if meeting.minutes_status is not MinutesStatus.CIRCULATED:
        raise TransitionNotAllowed(
            _l("Le procès-verbal s'adopte après sa diffusion aux membres pour remarques.")
        )
    if open_for_comments(meeting, clock.local_date(now)):
        raise TransitionNotAllowed(
            _l(
                "Les membres ont jusqu'au %(day)s pour leurs remarques : adoptez-le ensuite.",
                day=format_date(meeting.comments_until),
            )
        )
    meeting.minutes_status = MinutesStatus.ADOPTED
    meeting.adopted_at = now
    meeting.adopted_by_id = actor.id
    meeting.minutes_record = record(meeting, adopted_by=actor, adopted_at=now)
    audit.record(actor, "governance.minutes_adopted", obj=meeting)


def record(meeting: Meeting, *, adopted_by: User | None = None, adopted_at=None) -> dict:
    """What the minutes say, as plain values (names, enum values, ISO dates): the page and
    the PDF render it in the reader's language."""
    if meeting.minutes_record is not None:
        return meeting.minutes_record
    attendance = attendance_of(meeting)
    roles = roles_at(meeting)
    found = quorum(meeting, attendance, roles)
    actions = db.session.scalars(
        sa.select(FollowUpAction)
        .where(FollowUpAction.meeting_id == meeting.id)
        .options(
            joinedload(FollowUpAction.owner_organization), joinedload(FollowUpAction.owner_user)
        )
        .order_by(FollowUpAction.id)
    ).all()
    # Who was there as the attendance recorded them, whoever has joined or left since.
    people = db.session.scalars(
        sa.select(User).where(User.id.in_(list(attendance))).options(joinedload(User.organization))
    ).all()
    order = list(MemberRole)
    people = sorted(
        people, key=lambda u: (order.index(roles[u.id]) if u.id in roles else 9, u.full_name)
    )
    before = previous(meeting) if meeting.erratum else None
    body = meeting.body
    return {
        "body": {"fr": body.name, "en": body.name_en, "ar": body.name_ar},
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "place": meeting.place,
        "video_link": meeting.video_link,
        "members": [
            {
                "name": person.full_name,
                "organization": person.organization.short_name if person.organization else "",
                "role": roles[person.id].value if person.id in roles else "",
                "presence": attendance[person.id].value,
                "voting": roles.get(person.id) in VOTING,
            }
            for person in people
        ],
        "quorum": {"present": found.present, "required": found.required},
        "items": [
            {
                "position": item.position,
                "title": item.title,
                "note": item.note,
                "source": item.source,
                "outcome": item.outcome.value if item.outcome else "",
                "outcome_text": item.outcome_text,
                "carried_out": item.carried_out,
            }
            for item in meeting.items
        ],
        "actions": [
            {
                "title": a.title,
                "organization": a.owner_organization.short_name,
                "person": a.owner_user.full_name if a.owner_user else "",
                "due_on": a.due_on.isoformat(),
            }
            for a in actions
        ],
        "text": meeting.minutes_text,
        "erratum": meeting.erratum,
        "erratum_of": before.starts_at.isoformat() if before else "",
        "adopted_at": adopted_at.isoformat() if adopted_at else "",
        "adopted_by": adopted_by.full_name if adopted_by else "",
    }


def comments(meeting: Meeting) -> list[MinutesComment]:
    return list(
        db.session.scalars(
            sa.select(MinutesComment)
            .where(MinutesComment.meeting_id == meeting.id)
            .options(joinedload(MinutesComment.user))
            .order_by(MinutesComment.created_at, MinutesComment.id)
        )
    )
