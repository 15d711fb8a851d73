"""The RACI matrix: one letter per organisation and action, with the matrix's rules."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import authz, labels
from portal.authz import Permission
from portal.extensions import db
from portal.models.organizations import Organization
from portal.models.plans import Action
from portal.models.raci import RaciAssignment, RaciRole
from portal.models.users import User
from portal.services import audit
from portal.services.errors import InvalidInput, NotAllowed

ROLE_LABELS = labels.RACI_ROLE_LABELS


def organizations_for(city_id: int) -> list[Organization]:
    """Who can hold a letter in a city's matrix: its own organisations and national ones."""
    return db.session.scalars(
        sa.select(Organization)
        .where(sa.or_(Organization.city_id == city_id, Organization.city_id.is_(None)))
        .order_by(Organization.city_id.is_(None), Organization.kind, Organization.short_name)
    ).all()


def letters_of(action_id: int) -> dict[int, RaciRole]:
    return dict(
        db.session.execute(
            sa.select(RaciAssignment.organization_id, RaciAssignment.role).where(
                RaciAssignment.action_id == action_id
            )
        ).all()
    )


def gaps(letters) -> list:
    """What keeps an action's row from being complete: exactly one A, at least one R."""
    roles = list(letters)
    missing = []
    if roles.count(RaciRole.ACCOUNTABLE) != 1:
        missing.append(_l("il faut un organisme qui rend compte (A)"))
    if RaciRole.RESPONSIBLE not in roles:
        missing.append(_l("il faut au moins un organisme qui réalise (R)"))
    return missing


def toggle(actor: User, action: Action, organization_id: int, role: RaciRole) -> RaciRole | None:
    """Click on a cell: give the organisation this letter, or take it back if it had it.

    Returns the organisation's letter afterwards."""
    city_id = action.plan.city_id
    if not authz.can(actor, Permission.RACI_EDIT, city_id=city_id):
        raise NotAllowed(_l("Vous ne pouvez pas modifier la matrice RACI de cette ville."))
    organization = db.session.get(Organization, organization_id)
    if organization is None or organization.city_id not in (None, city_id):
        raise InvalidInput(_l("Cet organisme ne participe pas au plan de cette ville."))
    cell = db.session.scalar(
        sa.select(RaciAssignment).where(
            RaciAssignment.action_id == action.id,
            RaciAssignment.organization_id == organization_id,
        )
    )
    before = cell.role if cell is not None else None
    after = None if before is role else role
    losing_r = before is RaciRole.RESPONSIBLE and after is not RaciRole.RESPONSIBLE
    if losing_r and _responsibles(action.id) == 1:
        # Said in terms of the letter clicked: giving A or C takes the R away too.
        raise InvalidInput(
            _l(
                "%(org)s est le seul organisme qui réalise (R) : désignez-en un autre "
                "avant de lui retirer le R.",
                org=organization.short_name,
            )
            if after is None
            else _l(
                "Donner le %(letter)s à %(org)s lui retirerait le R, et c'est le seul organisme "
                "qui réalise (R) : désignez d'abord un autre organisme qui réalise.",
                letter=role.value,
                org=organization.short_name,
            )
        )
    if after is RaciRole.ACCOUNTABLE:
        holder = db.session.scalar(
            sa.select(Organization.short_name)
            .join(RaciAssignment, RaciAssignment.organization_id == Organization.id)
            .where(
                RaciAssignment.action_id == action.id,
                RaciAssignment.role == RaciRole.ACCOUNTABLE,
                RaciAssignment.organization_id != organization_id,
            )
        )
        if holder is not None:
            raise InvalidInput(
                _l(
                    "Une action n'a qu'un organisme qui rend compte (A) : c'est déjà "
                    "%(holder)s. Retirez-lui le A d'abord.",
                    holder=holder,
                )
            )
    if after is None:
        db.session.delete(cell)
    elif cell is None:
        db.session.add(
            RaciAssignment(action_id=action.id, organization_id=organization_id, role=after)
        )
    else:
        cell.role = after
    audit.record(
        actor,
        "raci.changed",
        obj=action,
        details={
            "organization_id": organization_id,
            "before": before.value if before else None,
            "after": after.value if after else None,
        },
    )
    return after


def _responsibles(action_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RaciAssignment)
        .where(
            RaciAssignment.action_id == action_id,
            RaciAssignment.role == RaciRole.RESPONSIBLE,
        )
    )
