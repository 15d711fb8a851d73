"""The bodies that steer the plan and their members; who reads and who runs them."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import authz
from portal.authz import Permission
from portal.extensions import db
from portal.models.governance import (
    Body,
    BodyKind,
    BodyMember,
    Meeting,
    MeetingStatus,
    MemberRole,
)
from portal.models.organizations import City
from portal.models.types import utcnow
from portal.models.users import User
from portal.services import audit, inputs, notifications
from portal.services.errors import InvalidInput, NotAllowed, ensure_current

STALE = _l("Cette instance a été modifiée par quelqu'un d'autre entre-temps.")
MAX_QUORUM = 100


def may_manage(user: User) -> bool:
    return authz.can(user, Permission.GOVERNANCE_MANAGE)


def role_in(user: User, body: Body) -> MemberRole | None:
    return next((m.role for m in body.members if m.user_id == user.id), None)


def may_run(user: User, body: Body) -> bool:
    """The body's secretary, or the secretariat: schedules its meetings, builds the agenda."""
    return may_manage(user) or role_in(user, body) is MemberRole.SECRETARY


def is_member(user: User, body: Body) -> bool:
    return role_in(user, body) is not None


def _require_manager(actor: User) -> None:
    if not may_manage(actor):
        raise NotAllowed(_l("Les instances sont définies par le secrétariat."))


def _number(value, field: str, *, low: int, high: int, required: bool = True) -> int | None:
    written = str(value if value is not None else "").strip()
    if not written and not required:
        return None
    if not written.isdigit() or not low <= int(written) <= high:
        raise InvalidInput(
            _l("Un nombre entier de %(low)d à %(high)d.", low=low, high=high), field=field
        )
    return int(written)


def save_body(
    actor: User,
    body: Body | None,
    *,
    kind,
    name,
    name_en="",
    name_ar="",
    city_id=None,
    description="",
    quorum,
    meets_every_months=None,
    expected_version=None,
) -> Body:
    """A body defined or changed. A steering committee is a city's, the national committee
    the programme's; a working group either. One steering committee per city, one national
    committee."""
    _require_manager(actor)
    if body is not None:
        ensure_current(body, expected_version, STALE)
    try:
        chosen = BodyKind(kind)
    except ValueError:
        raise InvalidInput(_l("Valeur inconnue."), field="kind") from None
    city = db.session.get(City, int(city_id)) if str(city_id or "").isdigit() else None
    if str(city_id or "") not in ("", "0") and city is None:
        raise InvalidInput(_l("Valeur inconnue."), field="city_id")
    if chosen is BodyKind.STEERING and city is None:
        raise InvalidInput(_l("Un comité de pilotage est celui d'une ville."), field="city_id")
    if chosen is BodyKind.NATIONAL and city is not None:
        raise InvalidInput(_l("Le comité national est celui du programme."), field="city_id")
    if chosen is not BodyKind.WORKING_GROUP:
        twin = sa.select(Body.id).where(
            Body.kind == chosen,
            Body.city_id == city.id if city else Body.city_id.is_(None),
        )
        if body is not None:
            twin = twin.where(Body.id != body.id)
        if db.session.scalar(twin.limit(1)) is not None:
            raise InvalidInput(_l("Cette instance existe déjà."), field="kind")
    title = inputs.text(name, "name", limit=200)
    same_name = sa.select(Body.id).where(Body.name == title)
    if body is not None:
        same_name = same_name.where(Body.id != body.id)
    if db.session.scalar(same_name.limit(1)) is not None:
        raise InvalidInput(_l("Une autre instance porte déjà ce nom."), field="name")
    values = {
        "kind": chosen,
        "name": title,
        "name_en": inputs.text(name_en, "name_en", required=False, limit=200),
        "name_ar": inputs.text(name_ar, "name_ar", required=False, limit=200),
        "city_id": city.id if city else None,
        "description": inputs.text(description, "description", required=False, limit=5000),
        "quorum": _number(quorum, "quorum", low=1, high=MAX_QUORUM),
        "meets_every_months": _number(
            meets_every_months, "meets_every_months", low=1, high=12, required=False
        ),
    }
    if body is None:
        body = Body(**values)
        db.session.add(body)
        audit.record(actor, "governance.body_created", obj=body, details={"name": title})
        return body
    for key, value in values.items():
        setattr(body, key, value)
    audit.record(actor, "governance.body_updated", obj=body)
    return body


def set_member(actor: User, body: Body, *, user_id, role) -> BodyMember:
    """A person of the portal in the body, with their role in it (changed if already in).
    A body has one chair."""
    _require_manager(actor)
    person = db.session.get(User, int(user_id)) if str(user_id or "").isdigit() else None
    if person is None or not person.active:
        raise InvalidInput(_l("Choisissez une personne active du portail."), field="user_id")
    try:
        chosen = MemberRole(role)
    except ValueError:
        raise InvalidInput(_l("Valeur inconnue."), field="role") from None
    if chosen is MemberRole.CHAIR and any(
        m.role is MemberRole.CHAIR and m.user_id != person.id for m in body.members
    ):
        raise InvalidInput(_l("Cette instance a déjà un président."), field="role")
    member = next((m for m in body.members if m.user_id == person.id), None)
    if member is None:
        member = BodyMember(user=person, role=chosen)
        body.members.append(member)
        # A newcomer is invited to the meetings already scheduled.
        for meeting in _upcoming(body):
            notifications.meeting_invitation(actor, meeting, to=[person.id])
    else:
        member.role = chosen
    audit.record(
        actor,
        "governance.member_set",
        obj=body,
        details={"user": person.email, "role": chosen.value},
    )
    return member


def remove_member(actor: User, body: Body, member_id: int) -> None:
    _require_manager(actor)
    member = next((m for m in body.members if m.id == member_id), None)
    if member is None:
        raise InvalidInput(_l("Cette personne n'est pas membre de l'instance."), field="member")
    body.members.remove(member)
    audit.record(actor, "governance.member_removed", obj=body, details={"user": member.user.email})
    # Their calendar drops the meetings already scheduled.
    for meeting in _upcoming(body):
        notifications.meeting_invitation(actor, meeting, to=[member.user_id], removed=True)


def _upcoming(body: Body):
    return db.session.scalars(
        sa.select(Meeting).where(
            Meeting.body_id == body.id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > utcnow(),
        )
    ).all()
