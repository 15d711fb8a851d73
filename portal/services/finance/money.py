"""The ledger's constants and arithmetic: amounts split to the cent, schedules' dates, labels."""

import calendar
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_DOWN, Decimal

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from portal import labels
from portal.models.finance import (
    OPEN_INSTALLMENTS,
    AgreementStatus,
    CostKind,
    InstallmentStatus,
)
from portal.services import inputs
from portal.services.errors import (
    InvalidInput,
)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e12")  # what a MONEY column holds (14 digits, 2 decimals)
HUNDRED = Decimal("100")
MAX_INSTALLMENTS = 240  # twenty years of monthly payments

A = AgreementStatus
I = InstallmentStatus  # noqa: E741
OPEN = OPEN_INSTALLMENTS

PURPOSE_LABELS = labels.AGREEMENT_PURPOSE_LABELS
AGREEMENT_LABELS = labels.AGREEMENT_STATUS_LABELS
INSTALLMENT_LABELS = labels.INSTALLMENT_STATUS_LABELS
ASSET_LABELS = labels.ASSET_KIND_LABELS
COST_LABELS = labels.COST_KIND_LABELS
FREQUENCIES = {"monthly": 1, "quarterly": 3, "yearly": 12}
FREQUENCY_LABELS = labels.FREQUENCY_LABELS
# Stored text, in the programme's working language whoever generates it (read by everyone).
GENERATED_TITLES = {CostKind.CAPITAL: "Investissement", CostKind.OPERATING: "Exploitation"}
REGENERATED_REASON = "Clé de répartition modifiée : convention régénérée."
STALE = _l("Cette fiche a été modifiée par quelqu'un d'autre entre-temps. Rechargez-la.")


def money(value) -> str:
    """An amount for a message, written the way the person's language writes numbers."""
    return f"{format_decimal(value, format='#,##0.00')} MAD"


def _cents(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value())


def split_equal(total: Decimal, count: int) -> list[Decimal]:
    """`count` equal parts rounded down to the cent; the remainder goes on the last one."""
    if count < 1:
        raise ValueError("count must be positive")
    cents = _cents(total)
    part = cents // count
    parts = [part] * count
    parts[-1] += cents - part * count
    return [Decimal(p) * CENT for p in parts]


def split_by_weights(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Shares of `total` in proportion to `weights`, to the cent, adding up to `total`.

    Largest remainder: each share is first rounded down, then the cents left over go one by
    one to the largest remainders (ties to the earlier line), so no share moves by more
    than a cent and the order of the key only breaks exact ties.
    """
    if not weights or any(w <= 0 for w in weights):
        raise ValueError("weights must be positive")
    cents = _cents(total)
    weight_sum = sum(weights)
    exact = [Decimal(cents) * w / weight_sum for w in weights]
    floors = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    left = cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) * CENT for f in floors]


def percentages(weights: Sequence[Decimal]) -> list[Decimal]:
    """Weights (percentages or usage units) as percentages adding up to exactly 100.00."""
    return split_by_weights(HUNDRED, weights) if weights else []


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def schedule_dates(first_due: date, frequency: str, count: int) -> list[date]:
    step = FREQUENCIES[frequency]
    return [add_months(first_due, step * k) for k in range(count)]


def parse_positive_amount(value, field: str) -> Decimal:
    amount = inputs.amount(value, field)
    if amount <= 0:
        raise InvalidInput(_l("Le montant doit être supérieur à zéro."), field=field)
    return amount
