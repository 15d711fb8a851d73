"""Who sees and who acts in the ledger: the privacy rule of agreements, assets and their keys."""

import sqlalchemy as sa

from portal import authz
from portal.authz import Permission
from portal.models.finance import (
    Agreement,
    AssetShare,
    SharedAsset,
)
from portal.models.users import User


def visible_filter(user: User, model=Agreement):
    """The agreements (or assets) `user` may see: all of their city scope for the ministry,
    the secretariat and the cities' decision-makers; their own organisation's otherwise."""
    if not authz.can(user, Permission.FINANCE_VIEW):
        return sa.false()
    scope = authz.city_scope(user, Permission.FINANCE_OVERSEE)
    if scope.all_cities:
        return sa.true()
    clauses = []
    if scope.city_ids:
        clauses.append(model.city_id.in_(scope.city_ids))
    if user.organization_id is not None:
        if model is Agreement:
            clauses += [
                Agreement.payer_id == user.organization_id,
                Agreement.payee_id == user.organization_id,
            ]
        else:
            sharer = sa.select(AssetShare.id).where(
                AssetShare.asset_id == SharedAsset.id,
                AssetShare.organization_id == user.organization_id,
            )
            clauses += [SharedAsset.owner_id == user.organization_id, sa.exists(sharer)]
    return sa.or_(*clauses) if clauses else sa.false()


def reads_every_ledger(user: User) -> bool:
    """Whether `user` reads every city's agreements; pages that gather events from all of
    them (the audit trail, the outbox) show the others that money moved, not the details."""
    return authz.city_scope(user, Permission.FINANCE_OVERSEE).all_cities


def private_audit_prefixes(user: User) -> tuple[str, ...]:
    """Audit event kinds whose details (amounts, references) `user` may not read: the trail
    shows that money moved, not how much, to those outside the ledger's audience."""
    return () if reads_every_ledger(user) else ("finance.",)


def may_see(user: User, agreement: Agreement) -> bool:
    if not authz.can(user, Permission.FINANCE_VIEW):
        return False
    if authz.can(user, Permission.FINANCE_OVERSEE, city_id=agreement.city_id):
        return True
    return user.organization_id in (agreement.payer_id, agreement.payee_id)


def may_see_asset(user: User, asset: SharedAsset) -> bool:
    if not authz.can(user, Permission.FINANCE_VIEW):
        return False
    if authz.can(user, Permission.FINANCE_OVERSEE, city_id=asset.city_id):
        return True
    organization_id = user.organization_id
    return organization_id == asset.owner_id or any(
        share.organization_id == organization_id for share in asset.shares
    )


def key_lines_shown(user: User, asset: SharedAsset) -> set[int]:
    """The organisations whose share of `asset` this reader sees in figures: all of them
    for those who read the city's agreements and for the owner (party to each sharer's
    agreement); a sharer, its own line only (the others' are their agreements)."""
    organizations = {share.organization_id for share in asset.shares}
    if authz.can(user, Permission.FINANCE_OVERSEE, city_id=asset.city_id):
        return organizations
    if user.organization_id == asset.owner_id:
        return organizations
    return organizations & {user.organization_id}


def may_manage(user: User, city_id: int | None) -> bool:
    return authz.can(user, Permission.FINANCE_MANAGE, city_id=city_id)


def sides(user: User, agreement: Agreement) -> set[str]:
    """The sides ("payer", "payee") of the agreement that `user` acts for."""
    result = set()
    for side, organization_id in (("payer", agreement.payer_id), ("payee", agreement.payee_id)):
        if user.organization_id == organization_id and authz.can(
            user,
            Permission.FINANCE_SETTLE,
            city_id=agreement.city_id,
            organization_id=organization_id,
        ):
            result.add(side)
    return result
