"""The figures of the ledger: per organisation, per city, per agreement, and who owes whom."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models.finance import (
    Agreement,
    Installment,
    InstallmentStatus,
)
from portal.models.users import User
from portal.services.finance.access import visible_filter
from portal.services.finance.money import CENT, A, I


@dataclass
class Figures:
    committed: Decimal = Decimal("0.00")
    invoiced: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")
    overdue: Decimal = Decimal("0.00")
    disputed: Decimal = Decimal("0.00")
    # Waived by the secretariat on a signed agreement: no longer committed nor due.
    cancelled: Decimal = Decimal("0.00")

    @property
    def outstanding(self) -> Decimal:
        return self.committed - self.paid

    def add(self, status: InstallmentStatus, amount: Decimal, *, invoiced: bool, overdue: bool):
        if status is I.CANCELLED:
            self.cancelled += amount
            return
        self.committed += amount
        if invoiced:
            self.invoiced += amount
        if status is I.PAID:
            self.paid += amount
        elif status is I.DISPUTED:
            self.disputed += amount
        elif overdue:
            self.overdue += amount


@dataclass
class Balances:
    """Every figure of the ledger in one reading: per organisation (what it owes and what it
    is owed), per city, in total, and the net who-owes-whom matrix."""

    payable: dict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))
    receivable: dict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))
    by_city: dict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))
    total: Figures = field(default_factory=Figures)
    # (payer, payee) -> outstanding, before netting
    owed: dict[tuple[int, int], Decimal] = field(
        default_factory=lambda: defaultdict(lambda: Decimal("0.00"))
    )

    def net_matrix(self) -> dict[tuple[int, int], Decimal]:
        """(debtor, creditor) -> net amount, only where the debtor owes more than it is owed."""
        net = {}
        for (payer, payee), amount in self.owed.items():
            back = self.owed.get((payee, payer), Decimal("0.00"))
            if amount - back > 0:
                net[(payer, payee)] = amount - back
        return net

    def organizations(self) -> list[int]:
        return sorted(set(self.payable) | set(self.receivable))


def balances(user: User, *, today: date, city_id: int | None = None) -> Balances:
    """One grouped query, whatever the number of agreements and installments."""
    cents = sa.func.sum(sa.func.round(Installment.amount * 100))
    invoiced = Installment.invoiced_on.is_not(None)
    overdue = Installment.is_overdue(today)
    query = (
        sa.select(
            Agreement.city_id,
            Agreement.payer_id,
            Agreement.payee_id,
            Installment.status,
            invoiced.label("invoiced"),
            overdue.label("overdue"),
            cents.label("cents"),
        )
        .join(Installment, Installment.agreement_id == Agreement.id)
        .where(
            visible_filter(user),
            Agreement.status != A.DRAFT,
            Installment.status != I.CANCELLED,
        )
        .group_by(
            Agreement.city_id,
            Agreement.payer_id,
            Agreement.payee_id,
            Installment.status,
            invoiced,
            overdue,
        )
    )
    if city_id is not None:
        query = query.where(Agreement.city_id == city_id)
    result = Balances()
    for row in db.session.execute(query):
        amount = Decimal(int(row.cents)) * CENT
        status = row.status
        flags = {"invoiced": bool(row.invoiced), "overdue": bool(row.overdue)}
        for figures in (
            result.payable[row.payer_id],
            result.receivable[row.payee_id],
            result.by_city[row.city_id],
            result.total,
        ):
            figures.add(status, amount, **flags)
        if status is not I.PAID:
            result.owed[(row.payer_id, row.payee_id)] += amount
    return result


def agreement_figures(agreements: Sequence[Agreement], today: date) -> dict[int, Figures]:
    """Figures per agreement for a page of agreements, in one query."""
    ids = [a.id for a in agreements]
    figures: dict[int, Figures] = {i: Figures() for i in ids}
    if not ids:
        return figures
    rows = db.session.execute(
        sa.select(
            Installment.agreement_id,
            Installment.status,
            Installment.amount,
            Installment.invoiced_on,
            Installment.is_overdue(today),
        ).where(Installment.agreement_id.in_(ids))
    )
    for agreement_id, status, amount, invoiced_on, overdue in rows:
        figures[agreement_id].add(
            status, amount, invoiced=invoiced_on is not None, overdue=bool(overdue)
        )
    return figures
