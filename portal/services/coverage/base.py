"""Coverage's constants and labels, and reading coordinates and counts from forms."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from portal import labels
from portal.models.coverage import (
    SiteStatus,
)
from portal.services.errors import (
    InvalidInput,
)

STALE = _l("Cette fiche a été modifiée par quelqu'un d'autre entre-temps. Rechargez-la.")

# Morocco's extent, southern provinces included (WGS 84).
LATITUDE_RANGE = (Decimal("20.5"), Decimal("36.0"))
LONGITUDE_RANGE = (Decimal("-17.5"), Decimal("-0.9"))
COORDINATE_PLACES = Decimal("0.000001")

# Who moves a site from one status to the next. Proposed -> assessed happens by itself with
# the first assessment.
DECISIONS = {
    (SiteStatus.PROPOSED, SiteStatus.REJECTED),
    (SiteStatus.ASSESSED, SiteStatus.SELECTED),
    (SiteStatus.ASSESSED, SiteStatus.REJECTED),
    (SiteStatus.SELECTED, SiteStatus.REJECTED),
}
DEPLOYMENT = {
    (SiteStatus.SELECTED, SiteStatus.IN_DEPLOYMENT),
    (SiteStatus.IN_DEPLOYMENT, SiteStatus.OPEN),
    (SiteStatus.OPEN, SiteStatus.CLOSED),
}
FROZEN = frozenset({SiteStatus.REJECTED, SiteStatus.CLOSED})
# The figures of a place that is being fitted out or is open.
WITH_FIGURES = frozenset({SiteStatus.IN_DEPLOYMENT, SiteStatus.OPEN})


STATUS_LABELS = labels.SITE_STATUS_LABELS
KIND_LABELS = labels.SITE_KIND_LABELS
MOVE_LABELS = labels.SITE_MOVE_LABELS
PROGRESS_LABELS = labels.SITE_PROGRESS_LABELS


def parse_coordinate(value, field: str) -> Decimal:
    """A latitude or longitude in decimal degrees inside Morocco; GPS precision beyond six
    decimals (10 cm) is rounded away."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    low, high = LATITUDE_RANGE if field == "latitude" else LONGITUDE_RANGE
    try:
        number = Decimal(text) if text else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise InvalidInput(
            _l("Des degrés décimaux sont attendus, par exemple 31.6295."), field=field
        )
    if not low <= number <= high:
        raise InvalidInput(
            _l(
                "Hors du Maroc : entre %(low)s et %(high)s.",
                low=f"{low:f}",
                high=f"{high:f}",
            ),
            field=field,
        )
    return number.quantize(COORDINATE_PLACES, rounding=ROUND_HALF_UP)


def _count(value, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_l("Un nombre entier est attendu."), field=field) from None
    if not 0 <= number <= 1_000_000:
        raise InvalidInput(_l("Un nombre entre 0 et 1 000 000."), field=field)
    return number
