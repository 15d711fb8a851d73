"""The ledger's lists: agreements, installments and shared assets, filtered by criteria."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.models.finance import (
    OPEN_INSTALLMENTS,
    UNPAID,
    Agreement,
    AgreementPurpose,
    AgreementStatus,
    AssetKind,
    Installment,
    SharedAsset,
)
from portal.models.users import User
from portal.services.finance.access import visible_filter
from portal.services.finance.money import A, I

# "À venir": the installments due within this many days.
UPCOMING_DAYS = 90


@dataclass(frozen=True)
class AgreementCriteria:
    """What the agreements list is filtered by; `valid` is False when the filters were not."""

    city_id: int | None = None
    organization_id: int | None = None  # as payer or as payee
    status: AgreementStatus | None = None
    purpose: AgreementPurpose | None = None
    valid: bool = True


def agreements_query(criteria: AgreementCriteria, user: User):
    """The agreements `user` may see that match `criteria`, by city, newest first."""
    query = (
        sa.select(Agreement)
        .where(visible_filter(user))
        .options(
            joinedload(Agreement.payer), joinedload(Agreement.payee), joinedload(Agreement.city)
        )
    )
    if not criteria.valid:
        return query.where(sa.false())
    if criteria.city_id is not None:
        query = query.where(Agreement.city_id == criteria.city_id)
    if criteria.organization_id is not None:
        query = query.where(_party(criteria.organization_id))
    if criteria.status is not None:
        query = query.where(Agreement.status == criteria.status)
    if criteria.purpose is not None:
        query = query.where(Agreement.purpose == criteria.purpose)
    return query.order_by(Agreement.city_id, Agreement.start_date.desc(), Agreement.id)


def _party(organization_id: int):
    return sa.or_(Agreement.payer_id == organization_id, Agreement.payee_id == organization_id)


@dataclass(frozen=True)
class InstallmentCriteria:
    """Which installments: `when` is upcoming, overdue, open, receipt, disputed or all."""

    when: str = "open"
    city_id: int | None = None
    organization_id: int | None = None
    valid: bool = True


def installments_query(criteria: InstallmentCriteria, user: User, today: date):
    """The installments of the signed or ended agreements `user` may see, soonest due first."""
    query = (
        sa.select(Installment)
        .join(Installment.agreement)
        .where(visible_filter(user), Agreement.status != A.DRAFT)
        .options(
            joinedload(Installment.agreement).joinedload(Agreement.payer),
            joinedload(Installment.agreement).joinedload(Agreement.payee),
            joinedload(Installment.agreement).joinedload(Agreement.city),
        )
    )
    if not criteria.valid:
        return query.where(sa.false())
    when = criteria.when
    if when == "upcoming":
        query = query.where(
            Installment.status.in_(UNPAID),
            Installment.due_date >= today,
            Installment.due_date <= today + timedelta(days=UPCOMING_DAYS),
        )
    elif when == "overdue":
        query = query.where(Installment.is_overdue(today))
    elif when == "open":
        query = query.where(Installment.status.in_(OPEN_INSTALLMENTS))
    elif when == "receipt":
        query = query.where(Installment.status == I.PAID, Installment.received_at.is_(None))
    elif when == "disputed":
        query = query.where(Installment.status == I.DISPUTED)
    if criteria.city_id:
        query = query.where(Agreement.city_id == criteria.city_id)
    if criteria.organization_id:
        query = query.where(_party(criteria.organization_id))
    return query.order_by(Installment.due_date, Installment.id)


@dataclass(frozen=True)
class AssetCriteria:
    city_id: int | None = None
    kind: AssetKind | None = None
    valid: bool = True


def assets_query(criteria: AssetCriteria, user: User):
    """The shared assets `user` may see that match `criteria`, by city and name."""
    query = (
        sa.select(SharedAsset)
        .where(visible_filter(user, SharedAsset))
        .options(joinedload(SharedAsset.owner), joinedload(SharedAsset.city))
    )
    if not criteria.valid:
        return query.where(sa.false())
    if criteria.city_id is not None:
        query = query.where(SharedAsset.city_id == criteria.city_id)
    if criteria.kind is not None:
        query = query.where(SharedAsset.kind == criteria.kind)
    return query.order_by(SharedAsset.city_id, SharedAsset.name)
