"""Provider selection: the formulas that turn scores and prices into a ranking.

One engine for the portal and for `flask tenders simulate`. Pure functions on `Decimal`:

- technical scores are normalised (as scored, or relative to the best admissible one) and
  rounded to the published number of decimals (half up); every later figure is computed from
  the published ones, so that anyone can redo the minutes' arithmetic with a pencil;
- a bid that is not admissible, or whose technical score as scored is below the threshold,
  is out: its price never enters any formula (not even as the lowest price);
- weighted (quality and cost, QCBS): financial = 100 x lowest qualified price / price,
  combined = wt x technical + wf x financial; highest combined first, then highest technical,
  then lowest price (bids equal on all three share a rank; the earlier received is proposed);
- lowest price among the qualified bids (ties: highest technical first);
- reference price (Moroccan practice): a price more than `excessive_above` % above the
  estimate is excessive; more than `abnormal_below` % below it (20 % for works, 25 % for
  supplies and services; studies have neither band) is abnormally low unless the committee
  accepted its justification; reference = (estimate + mean of the retained prices) / 2; the
  retained bid closest to it from below (equal counts as below) wins, else the closest from
  above.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from portal.services.errors import InvalidInput

METHODS = ("weighted", "lowest_price", "reference_price")
CATEGORIES = ("works", "supplies", "services", "studies")
NORMALIZATIONS = ("raw", "relative_to_best")
HUNDRED = Decimal(100)
MONEY_PLACES = Decimal("0.01")

# Statuses of a bid in the result.
RANKED = "ranked"
NOT_ADMISSIBLE = "not_admissible"
BELOW_THRESHOLD = "below_threshold"
ABNORMALLY_LOW = "abnormally_low"
EXCESSIVE = "excessive"


@dataclass(frozen=True)
class Method:
    method: str
    category: str
    estimate: Decimal | None = None
    technical_weight: Decimal | None = None
    financial_weight: Decimal | None = None
    technical_threshold: Decimal | None = None
    normalization: str = "raw"
    decimals: int = 2
    excessive_above: Decimal = Decimal(20)  # percent above the estimate
    abnormal_below_works: Decimal = Decimal(20)  # percent below, works
    abnormal_below_other: Decimal = Decimal(25)  # percent below, supplies and services

    def abnormal_below(self) -> Decimal | None:
        if self.category == "studies":
            return None
        return self.abnormal_below_works if self.category == "works" else self.abnormal_below_other


@dataclass(frozen=True)
class Bid:
    bidder: str
    technical_score: Decimal | None = None
    price: Decimal | None = None
    admissible: bool = True
    justification_accepted: bool = False


@dataclass
class BidResult:
    bidder: str
    status: str
    technical_score: Decimal | None = None
    financial_score: Decimal | None = None
    combined_score: Decimal | None = None
    rank: int | None = None


@dataclass
class Result:
    outcome: str  # "awarded" | "unsuccessful"
    winner: str | None
    reference_price: Decimal | None
    bids: list[BidResult] = field(default_factory=list)
    decimals: int = 2


def round_published(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def validate(method: Method, bids: list[Bid]) -> None:
    """Refuse what no formula can use, with a message saying what to fix."""
    if method.method not in METHODS:
        raise InvalidInput(_l("Méthode inconnue."), field="method")
    if method.category not in CATEGORIES:
        raise InvalidInput(_l("Catégorie inconnue."), field="category")
    if method.normalization not in NORMALIZATIONS:
        raise InvalidInput(_l("Normalisation inconnue."), field="technical_normalization")
    if not 0 <= method.decimals <= 6:
        raise InvalidInput(_l("Entre 0 et 6 décimales."), field="decimals")
    if method.method == "weighted":
        weights = (method.technical_weight, method.financial_weight)
        if None in weights or any(w < 0 for w in weights) or sum(weights) != 1:
            raise InvalidInput(
                _l("Les pondérations technique et financière doivent totaliser 1."),
                field="technical_weight",
            )
    if method.method == "reference_price" and (method.estimate is None or method.estimate <= 0):
        raise InvalidInput(
            _l("La méthode du prix de référence demande l'estimation."), field="estimate"
        )
    if method.estimate is not None and method.estimate <= 0:
        raise InvalidInput(_l("L'estimation doit être positive."), field="estimate")
    if method.technical_threshold is not None and not 0 <= method.technical_threshold <= 100:
        raise InvalidInput(_l("Le seuil technique est entre 0 et 100."), field="threshold")
    for percent in (
        method.excessive_above,
        method.abnormal_below_works,
        method.abnormal_below_other,
    ):
        if not 0 <= percent < 100:
            raise InvalidInput(_l("Les seuils d'offre sont des pourcentages."), field="bands")
    names = [b.bidder for b in bids]
    if len(set(names)) != len(names) or any(not n for n in names):
        raise InvalidInput(_l("Chaque soumissionnaire a un nom, une seule fois."), field="bids")
    needs_technical = method.method == "weighted" or method.technical_threshold is not None
    for bid in bids:
        if bid.price is not None and bid.price <= 0:
            raise InvalidInput(
                _l("%(bidder)s : le prix doit être positif.", bidder=bid.bidder), field="bids"
            )
        if not bid.admissible:
            continue
        if bid.price is None:
            raise InvalidInput(_l("%(bidder)s : prix manquant.", bidder=bid.bidder), field="bids")
        if bid.technical_score is None and (
            needs_technical or method.normalization == "relative_to_best"
        ):
            raise InvalidInput(
                _l("%(bidder)s : note technique manquante.", bidder=bid.bidder), field="bids"
            )
        if bid.technical_score is not None and bid.technical_score < 0:
            raise InvalidInput(
                _l("%(bidder)s : la note technique est positive.", bidder=bid.bidder),
                field="bids",
            )


def evaluate(method: Method, bids: list[Bid]) -> Result:
    validate(method, bids)
    places = method.decimals
    results = {b.bidder: BidResult(b.bidder, NOT_ADMISSIBLE) for b in bids}
    admissible = [b for b in bids if b.admissible]

    technical: dict[str, Decimal] = {}
    scored = [b for b in admissible if b.technical_score is not None]
    best = max((b.technical_score for b in scored), default=None)
    for bid in scored:
        score = bid.technical_score
        if method.normalization == "relative_to_best":
            score = score / best * HUNDRED if best else Decimal(0)
        technical[bid.bidder] = round_published(score, places)
        results[bid.bidder].technical_score = technical[bid.bidder]

    # The threshold is a floor on quality as scored: normalised to the best, the best bid
    # would always reach 100 and pass, however poor.
    qualified = []
    for bid in admissible:
        threshold = method.technical_threshold
        raw = bid.technical_score
        if threshold is not None and round_published(raw, places) < threshold:
            results[bid.bidder].status = BELOW_THRESHOLD
        else:
            qualified.append(bid)

    reference = None
    if method.method == "weighted":
        order = _weighted(method, qualified, technical, results)
    elif method.method == "lowest_price":
        key = lambda b: _key_lp(b, technical)  # noqa: E731
        order = _group(sorted(qualified, key=key), key)
    else:
        order, reference = _reference(method, qualified, results)

    rank = 1
    for group in order:
        for bid in group:
            results[bid.bidder].status = RANKED
            results[bid.bidder].rank = rank
        rank += len(group)
    winner = order[0][0].bidder if order else None
    return Result(
        outcome="awarded" if winner else "unsuccessful",
        winner=winner,
        reference_price=reference,
        bids=[results[b.bidder] for b in bids],
        decimals=places,
    )


def _key_lp(bid: Bid, technical: dict) -> tuple:
    return (bid.price, -technical.get(bid.bidder, Decimal(0)))


def _group(ordered: list[Bid], key) -> list[list[Bid]]:
    """Consecutive bids with the same key share a rank (the first of them is listed first)."""
    groups: list[list[Bid]] = []
    for bid in ordered:
        if groups and key(groups[-1][0]) == key(bid):
            groups[-1].append(bid)
        else:
            groups.append([bid])
    return groups


def _weighted(method, qualified, technical, results) -> list[list[Bid]]:
    if not qualified:
        return []
    places = method.decimals
    lowest = min(b.price for b in qualified)
    combined = {}
    for bid in qualified:
        financial = round_published(HUNDRED * lowest / bid.price, places)
        score = round_published(
            method.technical_weight * technical[bid.bidder] + method.financial_weight * financial,
            places,
        )
        combined[bid.bidder] = score
        results[bid.bidder].financial_score = financial
        results[bid.bidder].combined_score = score
    # Equal combined scores: the better technical score, then the lower price.
    key = lambda b: (-combined[b.bidder], -technical[b.bidder], b.price)  # noqa: E731
    return _group(sorted(qualified, key=key), key)


def _reference(method, qualified, results) -> tuple[list[list[Bid]], Decimal | None]:
    estimate = method.estimate
    retained = []
    low_band = method.abnormal_below()
    banded = method.category != "studies"  # studies have neither band
    for bid in qualified:
        if banded and bid.price > estimate * (1 + method.excessive_above / HUNDRED):
            results[bid.bidder].status = EXCESSIVE
        elif (
            low_band is not None
            and bid.price < estimate * (1 - low_band / HUNDRED)
            and not bid.justification_accepted
        ):
            results[bid.bidder].status = ABNORMALLY_LOW
        else:
            retained.append(bid)
    if not retained:
        return [], None
    mean = sum((b.price for b in retained), Decimal(0)) / len(retained)
    reference = ((estimate + mean) / 2).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)
    below = sorted((b for b in retained if b.price <= reference), key=lambda b: -b.price)
    above = sorted((b for b in retained if b.price > reference), key=lambda b: b.price)
    key = lambda b: b.price  # noqa: E731
    return _group(below, key) + _group(above, key), reference


# --- Reading the simulation's JSON -----------------------------------------------------------


def parse_decimal(value, field_name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _l("« %(field)s » n'est pas un nombre.", field=field_name), field=field_name
        ) from None
    if not number.is_finite() or abs(number) >= Decimal("1e13"):
        raise InvalidInput(
            _l("« %(field)s » n'est pas un nombre raisonnable.", field=field_name),
            field=field_name,
        )
    return number


def from_json(data: dict) -> tuple[Method, list[Bid]]:
    if not isinstance(data, dict) or not isinstance(data.get("bids"), list):
        raise InvalidInput(_l("Il faut un objet JSON avec une liste « bids »."), field="bids")
    decimals = data.get("decimals", 2)
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise InvalidInput(_l("Entre 0 et 6 décimales."), field="decimals")
    bands = {}
    for key in ("excessive_above", "abnormal_below_works", "abnormal_below_other"):
        if data.get(key) is not None:
            bands[key] = parse_decimal(data[key], key)
    method = Method(
        method=str(data.get("method", "")),
        category=str(data.get("category", "")),
        estimate=parse_decimal(data.get("estimate"), "estimate"),
        technical_weight=parse_decimal(data.get("technical_weight"), "technical_weight"),
        financial_weight=parse_decimal(data.get("financial_weight"), "financial_weight"),
        technical_threshold=parse_decimal(data.get("technical_threshold"), "technical_threshold"),
        normalization=str(data.get("technical_normalization", "raw")),
        decimals=decimals,
        **bands,
    )
    bids = []
    for row in data["bids"]:
        if not isinstance(row, dict):
            raise InvalidInput(_l("Chaque offre est un objet JSON."), field="bids")
        bids.append(
            Bid(
                bidder=str(row.get("bidder", "")).strip(),
                technical_score=parse_decimal(row.get("technical_score"), "technical_score"),
                price=parse_decimal(row.get("price"), "price"),
                admissible=row.get("admissible", True) is not False,
                justification_accepted=row.get("justification_accepted", False) is True,
            )
        )
    return method, bids


def to_json(result: Result) -> dict:
    def text(value: Decimal | None, places: int) -> str | None:
        return None if value is None else f"{round_published(value, places):f}"

    return {
        "outcome": result.outcome,
        "winner": result.winner,
        "reference_price": text(result.reference_price, 2),
        "bids": [
            {
                "bidder": b.bidder,
                "status": b.status,
                "technical_score": text(b.technical_score, result.decimals),
                "financial_score": text(b.financial_score, result.decimals),
                "combined_score": text(b.combined_score, result.decimals),
                "rank": b.rank,
            }
            for b in result.bids
        ],
    }
