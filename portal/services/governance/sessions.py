"""What happens at and after a meeting: who came (apologies before, the secretary's record
after, the quorum of voting members), what each agenda item came to (information, a
decision, or a follow-up action with its owner and date), and the actions' follow-up."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import authz
from portal.authz import Permission
from portal.extensions import db
from portal.models.governance import (
    VOTING,
    ActionStatus,
    Attendance,
    FollowUpAction,
    Meeting,
    MeetingStatus,
    MinutesStatus,
    Outcome,
    Presence,
)
from portal.models.organizations import Organization
from portal.models.types import utcnow
from portal.models.users import User
from portal.services import audit, inputs
from portal.services.dates import check_day
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)
from portal.services.governance import transitions
from portal.services.governance.bodies import may_run, role_in
from portal.services.governance.meetings import STALE, _runner

ADOPTED = _l("Le procès-verbal de cette réunion est adopté : il ne change plus.")
ACTION_STALE = _l("Cette action a été modifiée par quelqu'un d'autre entre-temps.")


@dataclass(frozen=True)
class Quorum:
    present: int  # voting members present
    required: int

    @property
    def reached(self) -> bool:
        return self.present >= self.required


def roles_at(meeting: Meeting) -> dict:
    """Each member's role at the meeting: as recorded with the attendance, else today's."""
    roles = {m.user_id: m.role for m in meeting.body.members}
    roles.update(
        db.session.execute(
            sa.select(Attendance.user_id, Attendance.role).where(
                Attendance.meeting_id == meeting.id, Attendance.role.is_not(None)
            )
        ).all()
    )
    return roles


def quorum(meeting: Meeting, attendance: dict[int, Presence], roles=None) -> Quorum:
    """Voting members present; once held, with the roles they had at the meeting."""
    if roles is None:
        roles = (
            roles_at(meeting)
            if meeting.status is MeetingStatus.HELD
            else {m.user_id: m.role for m in meeting.body.members}
        )
    voting = {uid for uid, role in roles.items() if role in VOTING}
    present = sum(1 for uid, p in attendance.items() if p is Presence.PRESENT and uid in voting)
    return Quorum(present, meeting.body.quorum)


def attendance_of(meeting: Meeting) -> dict[int, Presence]:
    return dict(
        db.session.execute(
            sa.select(Attendance.user_id, Attendance.presence).where(
                Attendance.meeting_id == meeting.id
            )
        ).all()
    )


def send_apologies(actor: User, meeting: Meeting, *, now: datetime) -> None:
    """A member who will not come says so before the meeting."""
    if role_in(actor, meeting.body) is None:
        raise NotAllowed(_l("Seuls les membres de l'instance s'excusent."))
    if meeting.status is not MeetingStatus.SCHEDULED or meeting.starts_at <= now:
        raise TransitionNotAllowed(_l("La réunion a commencé ou n'a plus lieu."))
    found = db.session.get(Attendance, (meeting.id, actor.id))
    role = role_in(actor, meeting.body)
    if found is None:
        db.session.add(
            Attendance(
                meeting_id=meeting.id, user_id=actor.id, presence=Presence.APOLOGISED, role=role
            )
        )
    else:
        found.presence, found.role = Presence.APOLOGISED, role
    audit.record(actor, "governance.apologies_sent", obj=meeting)


def record_attendance(
    actor: User, meeting: Meeting, presences: dict, *, now: datetime, expected_version=None
) -> Quorum:
    """Every member's presence once the meeting has begun; the meeting is then held."""
    ensure_current(meeting, expected_version, STALE)
    _runner(actor, meeting.body)
    if meeting.status is MeetingStatus.CANCELLED:
        raise TransitionNotAllowed(_l("Cette réunion est annulée."))
    if meeting.starts_at > now:
        raise TransitionNotAllowed(_l("La présence se relève une fois la réunion commencée."))
    if meeting.minutes_status is MinutesStatus.ADOPTED:
        raise TransitionNotAllowed(ADOPTED)
    if any(item.carried_out for item in meeting.items):
        raise TransitionNotAllowed(
            _l(
                "Une décision de cette réunion a été exécutée sur son objet : la présence qui "
                "fondait son quorum ne change plus."
            )
        )
    roles = {m.user_id: m.role for m in meeting.body.members}
    members = set(roles)
    chosen = {}
    for user_id in members:
        value = presences.get(user_id) or presences.get(str(user_id))
        try:
            chosen[user_id] = Presence(value)
        except ValueError:
            raise InvalidInput(
                _l("Indiquez la présence de chaque membre."), field="attendance"
            ) from None
    known = {
        a.user_id: a
        for a in db.session.scalars(
            sa.select(Attendance).where(Attendance.meeting_id == meeting.id)
        )
    }
    for user_id, presence in chosen.items():
        if user_id in known:
            known[user_id].presence, known[user_id].role = presence, roles[user_id]
        else:
            db.session.add(
                Attendance(
                    meeting_id=meeting.id, user_id=user_id, presence=presence, role=roles[user_id]
                )
            )
    meeting.status = MeetingStatus.HELD
    found = quorum(meeting, chosen, roles)
    audit.record(
        actor,
        "governance.attendance_recorded",
        obj=meeting,
        details={"present": found.present, "quorum": found.required},
    )
    return found


def record_outcome(
    actor: User,
    meeting: Meeting,
    item_id: int,
    *,
    outcome,
    text,
    owner_organization_id=None,
    owner_user_id=None,
    due_on: date | None = None,
    carry_out: str = "",
    now: datetime | None = None,
    expected_version=None,
) -> None:
    """What an item came to. A decision needs the quorum, and may carry out the object's own
    transition (by its own rules, for the person recording it); an action goes to the list
    of follow-up actions, where its owner closes it."""
    ensure_current(meeting, expected_version, STALE)
    _runner(actor, meeting.body)
    if meeting.status is not MeetingStatus.HELD:
        raise TransitionNotAllowed(_l("Les suites se notent une fois la présence relevée."))
    if meeting.minutes_status is MinutesStatus.ADOPTED:
        raise TransitionNotAllowed(ADOPTED)
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        raise InvalidInput(_l("Ce point n'est pas à l'ordre du jour."), field="outcome")
    try:
        chosen = Outcome(outcome)
    except ValueError:
        raise InvalidInput(_l("Valeur inconnue."), field="outcome") from None
    if item.outcome is Outcome.ACTION:
        raise TransitionNotAllowed(
            _l("Ce point a donné une action de suivi : elle se clôt dans la liste des actions.")
        )
    if item.carried_out:
        raise TransitionNotAllowed(
            _l("La décision de ce point a été exécutée sur son objet : elle ne change plus.")
        )
    words = inputs.text(text, "text", limit=5000)
    if chosen is Outcome.DECISION and not quorum(meeting, attendance_of(meeting)).reached:
        raise InvalidInput(
            _l("Le quorum n'est pas atteint : l'instance ne peut pas décider."), field="outcome"
        )
    carry_out = str(carry_out or "")
    if carry_out and chosen is not Outcome.DECISION:
        raise InvalidInput(
            _l("Seule une décision s'exécute sur l'objet du point."), field="carry_out"
        )
    if carry_out:
        transitions.carry_out(actor, meeting, item, carry_out, text=words, now=now or utcnow())
        item.carried_out = carry_out
    if chosen is Outcome.ACTION:
        organization = (
            db.session.get(Organization, int(owner_organization_id))
            if str(owner_organization_id or "").isdigit()
            else None
        )
        if organization is None:
            raise InvalidInput(inputs.REQUIRED, field="owner_organization_id")
        person = None
        if str(owner_user_id or "") not in ("", "0"):
            person = db.session.get(User, int(owner_user_id))
            if person is None or person.organization_id != organization.id or not person.active:
                raise InvalidInput(
                    _l("Cette personne n'est pas de cet organisme."), field="owner_user_id"
                )
            if not authz.can(person, Permission.GOVERNANCE_FOLLOW_UP):
                raise InvalidInput(
                    _l("Le rôle de cette personne ne fait que lire : nommez-en une autre."),
                    field="owner_user_id",
                )
        if due_on is None:
            raise InvalidInput(inputs.REQUIRED, field="due_on")
        check_day(due_on, "due_on")
        db.session.add(
            FollowUpAction(
                meeting_id=meeting.id,
                item_id=item.id,
                title=words[:300],
                owner_organization_id=organization.id,
                owner_user_id=person.id if person else None,
                due_on=due_on,
            )
        )
    item.outcome = chosen
    item.outcome_text = words
    audit.record(
        actor,
        "governance.outcome_recorded",
        obj=meeting,
        details={
            "item": item.title[:200],
            "outcome": chosen.value,
            **({"carried_out": carry_out} if carry_out else {}),
        },
    )


def may_close(user: User, action: FollowUpAction) -> bool:
    """Its owner (the person named, else anyone of the organisation whose role acts), or the
    body's secretary."""
    if may_run(user, action.meeting.body):
        return True
    if not authz.can(user, Permission.GOVERNANCE_FOLLOW_UP):
        return False
    if action.owner_user_id is not None:
        return action.owner_user_id == user.id
    return user.organization_id == action.owner_organization_id


def close_action(
    actor: User, action: FollowUpAction, *, status, note="", now: datetime, expected_version=None
) -> None:
    """Done (by its owner, or the body's secretary) or cancelled (by the secretary)."""
    ensure_current(action, expected_version, ACTION_STALE)
    try:
        chosen = ActionStatus(status)
    except ValueError:
        raise InvalidInput(_l("Valeur inconnue."), field="status") from None
    if chosen is ActionStatus.OPEN:
        raise InvalidInput(_l("Valeur inconnue."), field="status")
    if not may_close(actor, action) or (
        chosen is ActionStatus.CANCELLED and not may_run(actor, action.meeting.body)
    ):
        raise NotAllowed(_l("Cette action revient à son responsable."))
    if action.status is not ActionStatus.OPEN:
        raise TransitionNotAllowed(_l("Cette action est déjà close."))
    action.status = chosen
    action.done_note = inputs.text(
        note, "note", required=chosen is ActionStatus.CANCELLED, limit=2000
    )
    action.closed_at = now
    audit.record(actor, "governance.action_closed", obj=action, details={"status": chosen.value})
