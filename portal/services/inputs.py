"""What a service reads from a person's form, checked one way everywhere: text, amounts,
quantities and measured values. Each refusal is an InvalidInput on its field."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from portal.services.errors import InvalidInput

REQUIRED = _l("Ce champ est obligatoire.")
# Above any amount or count of the programme, and below what a decimal can quantize.
BOUND = Decimal("1e12")
CENT = Decimal("0.01")
SPACES = (" ", "\u00a0", "\u202f")  # as people type them, and as French figures are printed


def text(value, field: str, *, required: bool = True, limit: int | None = None) -> str:
    result = (value or "").strip()
    if required and not result:
        raise InvalidInput(REQUIRED, field=field)
    if limit is not None and len(result) > limit:
        raise InvalidInput(_l("Au plus %(n)d caractères.", n=limit), field=field)
    return result


def names(values, model) -> dict:
    """The English and Arabic names (and units) a form gives for reference data: optional,
    trimmed, no longer than the model's column (`name_en` has the length of `name`)."""
    result = {}
    for field, value in dict(values or {}).items():
        column = model.__table__.columns[field]
        result[field] = text(value, field, required=False, limit=column.type.length)
    return result


@dataclass(frozen=True)
class Wording:
    """What each kind of number says when it is refused."""

    invalid: object
    negative: object | None  # None: negative numbers are allowed
    too_big: object
    too_precise: object


AMOUNT = Wording(
    invalid=_l("Montant invalide."),
    negative=_l("Le montant doit être positif ou nul."),
    too_big=_l("Montant trop élevé."),
    too_precise=_l("Le montant a au plus deux décimales."),
)
QUANTITY = Wording(
    invalid=_l("Valeur numérique invalide."),
    negative=_l("La valeur doit être positive et raisonnable."),
    too_big=_l("La valeur doit être positive et raisonnable."),
    too_precise=_l("La valeur a au plus deux décimales."),
)
MEASURE = Wording(
    invalid=_l("Ce n'est pas un nombre."),
    negative=None,
    too_big=_l("Ce n'est pas un nombre raisonnable."),
    too_precise=_l("Deux décimales au plus."),
)


def _plain(written: str) -> str:
    """A number as people write it, with a decimal point and no grouping: French and Arabic
    (Morocco) group with spaces or points and mark decimals with a comma (1.234.567,50),
    English groups with commas (1,234,567.50). With both marks, the last one is the decimal
    one; one mark repeated groups thousands; a single one marks decimals. Anything else is
    left as written, to be refused."""
    marks = [c for c in written if c in ",."]
    if len(set(marks)) == 2:
        decimal_mark = marks[-1]
        whole, _, fraction = written.rpartition(decimal_mark)
        grouping = "," if decimal_mark == "." else "."
        if re.fullmatch(rf"-?\d{{1,3}}(\{grouping}\d{{3}})+", whole):
            return whole.replace(grouping, "") + "." + fraction
        return written
    if len(marks) > 1:
        if re.fullmatch(rf"-?\d{{1,3}}(\{marks[0]}\d{{3}})+", written):
            return written.replace(marks[0], "")
        return written
    return written.replace(",", ".")


def decimal(value, field: str, wording: Wording, *, required: bool = False) -> Decimal:
    """A number with at most two decimals, written with a comma or a point, grouped with
    spaces, points or commas as the person's language writes it (see `_plain`)."""
    written = str(value if value is not None else "").strip()
    for space in SPACES:
        written = written.replace(space, "")
    written = _plain(written)
    if required and not written:
        raise InvalidInput(REQUIRED, field=field)
    try:
        number = Decimal(written)
    except (InvalidOperation, ValueError):
        raise InvalidInput(wording.invalid, field=field) from None
    if not number.is_finite():
        raise InvalidInput(wording.invalid, field=field)
    if wording.negative is not None and number < 0:
        raise InvalidInput(wording.negative, field=field)
    # Compared, not abs(): a huge exponent would overflow the decimal context.
    if not -BOUND < number < BOUND:
        raise InvalidInput(wording.too_big, field=field)
    if number != number.quantize(CENT):
        raise InvalidInput(wording.too_precise, field=field)
    return number.quantize(CENT)


def amount(value, field: str = "budget") -> Decimal:
    """An amount in MAD, never negative."""
    return decimal(value, field, AMOUNT)


def quantity(value, field: str) -> Decimal:
    """A count or a quantity committed or delivered, never negative."""
    return decimal(value, field, QUANTITY)


def measure(value, field: str) -> Decimal:
    """A measured or target value of an indicator: required, negative allowed."""
    return decimal(value, field, MEASURE, required=True)


PERCENT = Wording(
    invalid=_l("Ce n'est pas un pourcentage."),
    negative=None,
    too_big=_l("Ce n'est pas un pourcentage raisonnable."),
    too_precise=_l("Deux décimales au plus."),
)


def percent(value, field: str, *, low: Decimal, high: Decimal) -> Decimal:
    """A percentage typed as people write it (6 or 6,5), between `low` and `high`, returned
    as a fraction (0.065)."""
    number = decimal(value, field, PERCENT, required=True)
    if not low <= number <= high:
        raise InvalidInput(
            _l("Un pourcentage entre %(low)s et %(high)s.", low=f"{low:f}", high=f"{high:f}"),
            field=field,
        )
    return number / 100
