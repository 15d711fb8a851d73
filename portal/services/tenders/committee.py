"""The evaluation committee and its members' declarations of interest."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from portal.extensions import db
from portal.models.tenders import (
    SCORING_ROLES,
    CommitteeMember,
    CommitteeRole,
    Declaration,
    Tender,
)
from portal.models.types import utcnow
from portal.models.users import Role, User
from portal.services import audit, notifications
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)
from portal.services.tenders.access import _require_manage, committee_open, membership
from portal.services.tenders.base import FINAL, STALE
from portal.services.tenders.specification import _enum


def set_committee(
    actor: User,
    tender: Tender,
    members: list[tuple[int, str]],
    *,
    expected_version,
    now: datetime | None = None,
):
    """Name the committee (before the bids are examined): one president, evaluators only."""
    _require_manage(actor, tender)
    ensure_current(tender, expected_version, STALE)
    # Members may be added (to replace a recused one) until the technical result is locked;
    # the lock then waits for their scores too.
    if not committee_open(tender):
        raise TransitionNotAllowed(
            _l("La commission ne change plus une fois le résultat technique arrêté.")
        )
    chosen: dict[int, CommitteeRole] = {}
    for user_id, role in members:
        if not user_id:
            continue
        user = db.session.get(User, user_id)
        if (
            user is None
            or not user.active
            or not any(a.role is Role.EVALUATOR for a in user.role_assignments)
        ):
            raise InvalidInput(
                _l("Les membres de la commission sont choisis parmi les évaluateurs."),
                field="members",
            )
        if user_id in chosen:
            raise InvalidInput(_l("Une personne figure deux fois."), field="members")
        chosen[user_id] = _enum(CommitteeRole, role, "members")
    roles = list(chosen.values())
    if roles.count(CommitteeRole.PRESIDENT) != 1:
        raise InvalidInput(_l("La commission a un président, et un seul."), field="members")
    if sum(r in SCORING_ROLES for r in roles) < 2:
        raise InvalidInput(
            _l("Il faut au moins deux membres qui notent (président compris)."), field="members"
        )
    kept = {m.user_id: m for m in tender.members}
    for user_id, member in kept.items():
        if user_id in chosen:
            continue
        if member.declaration is not None:
            # A declaration stays on record: a recused member cannot be removed and re-added
            # to declare again.
            raise InvalidInput(
                _l(
                    "%(name)s a signé sa déclaration : il reste membre de la commission.",
                    name=member.user.full_name,
                ),
                field="members",
            )
        tender.members.remove(member)
    for user_id, role in chosen.items():
        if user_id in kept:
            kept[user_id].role = role
        else:
            tender.members.append(CommitteeMember(user_id=user_id, role=role))
    flag_modified(tender, "title")
    audit.record(
        actor,
        "tender.committee_set",
        obj=tender,
        details={"members": [[u, r.value] for u, r in chosen.items()]},
    )
    notifications.committee_appointed(actor, tender, set(chosen) - set(kept), now=now)


def declare(actor: User, tender: Tender, *, conflict: bool, note: str = "", now=None) -> None:
    member = membership(actor, tender)
    if member is None:
        raise NotAllowed(_l("Vous n'êtes pas membre de cette commission."))
    if member.declaration is not None:
        raise TransitionNotAllowed(_l("Votre déclaration est déjà enregistrée."))
    if tender.stage in FINAL:
        raise TransitionNotAllowed(_l("La procédure est close."))
    note = (note or "").strip()
    if conflict and not note:
        raise InvalidInput(_l("Décrivez le conflit d'intérêts."), field="note")
    member.declaration = Declaration.CONFLICT if conflict else Declaration.NO_CONFLICT
    member.declaration_note = note
    member.declared_at = now or utcnow()
    audit.record(
        actor,
        "tender.declaration",
        obj=tender,
        details={"member": member.id, "conflict": conflict, "note": note},
    )
