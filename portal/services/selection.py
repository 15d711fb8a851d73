"""Selection against formal criteria: the formulas that turn scores and prices into a ranking.

One engine for the portal's tenders, for `flask tenders simulate` and for the choice of public
digital spaces and connected zones. Pure functions on `Decimal`.

Criteria grids (tenders and sites alike): eliminatory conditions (met or not) and scored
criteria whose maximum points add up to 100, typed one per line ("! label", "label | points",
"- label | points" for a sub-criterion where sub-criteria are allowed). A candidate scored by
several people gets, per criterion, the mean of their points; its score is the sum of these
means, rounded as published; failing one eliminatory condition puts it out of the ranking.

Tenders:

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

from collections.abc import Iterable
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
    # Compared, not abs(): a huge exponent would overflow the decimal context.
    if not number.is_finite() or not Decimal("-1e13") < number < Decimal("1e13"):
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


# --- Criteria grids -----------------------------------------------------------------------


@dataclass
class CriterionInput:
    label: str
    kind: str  # "eliminatory" | "technical" (scored)
    max_points: object = None
    children: list["CriterionInput"] = field(default_factory=list)


@dataclass(frozen=True)
class GridRow:
    label: str
    eliminatory: bool
    points: Decimal | None
    children: tuple[tuple[str, Decimal], ...] = ()


def _label(value, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_l("Chaque critère a un libellé."), field="criteria")
    if len(text) > limit:
        raise InvalidInput(
            _l("Un libellé de critère compte au plus %(n)d caractères.", n=limit),
            field="criteria",
        )
    return text


def criterion_points(value, label) -> Decimal:
    """A criterion's maximum points: positive, at most two decimals."""
    try:
        points = parse_decimal(str(value or "").replace(",", "."), "criteria")
    except InvalidInput:
        points = None
    if points is None or points <= 0 or points != points.quantize(MONEY_PLACES):
        raise InvalidInput(
            _l("« %(label)s » : un maximum de points positif est requis.", label=label or "?"),
            field="criteria",
        )
    return points


def check_grid(
    criteria: list[CriterionInput],
    *,
    label_limit: int,
    scored_name=None,
    allow_children: bool = True,
) -> list[GridRow]:
    """The grid as it will be stored, eliminatory conditions first; refused when it cannot
    rank anything: no scored criterion, points that are not positive, sub-criteria that do
    not add up to their criterion, or scored criteria that do not add up to 100."""
    if any(c.kind not in ("technical", "eliminatory") for c in criteria):
        raise InvalidInput(_l("Type de critère inconnu."), field="criteria")
    scored = [c for c in criteria if c.kind == "technical"]
    if not scored:
        raise InvalidInput(
            _l("Au moins un %(name)s.", name=scored_name or _l("critère technique")),
            field="criteria",
        )
    if not allow_children and any(c.children for c in criteria):
        raise InvalidInput(_l("Ces critères n'ont pas de sous-critères."), field="criteria")
    rows = [
        GridRow(_label(c.label, label_limit), True, None)
        for c in criteria
        if c.kind == "eliminatory"
    ]
    total = Decimal(0)
    for criterion in scored:
        label = _label(criterion.label, label_limit)
        points = criterion_points(criterion.max_points, label)
        total += points
        children = tuple(
            (_label(child.label, label_limit), criterion_points(child.max_points, child.label))
            for child in criterion.children
        )
        child_total = sum((p for _, p in children), Decimal(0))
        if children and child_total != points:
            raise InvalidInput(
                _l(
                    "« %(label)s » : ses sous-critères totalisent %(sum)s points sur %(max)s.",
                    label=label,
                    sum=f"{child_total:f}",
                    max=f"{points:f}",
                ),
                field="criteria",
            )
        rows.append(GridRow(label, False, points, children))
    # Criteria are told apart by their label; sub-criteria only among their siblings.
    groups = [[r.label for r in rows]] + [[label for label, _ in r.children] for r in rows]
    if any(len(set(group)) != len(group) for group in groups):
        raise InvalidInput(_l("Deux critères portent le même libellé."), field="criteria")
    if total != HUNDRED:
        raise InvalidInput(
            _l(
                "Les critères notés totalisent %(total)s points : il en faut 100.",
                total=f"{total:f}",
            ),
            field="criteria",
        )
    return rows


def parse_grid(text: str) -> list[CriterionInput]:
    """One criterion per line: "! label" is eliminatory, "label | points" is scored, and
    "- label | points" a sub-criterion of the scored criterion above it."""
    criteria: list[CriterionInput] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("!"):
            criteria.append(CriterionInput(label=line[1:].strip(), kind="eliminatory"))
            continue
        child = line.startswith("-")
        label, _bar, points = line.lstrip("-").rpartition("|")
        if not _bar:
            raise InvalidInput(
                _l("Ligne %(n)d : « libellé | points » attendu.", n=number), field="criteria"
            )
        item = CriterionInput(label=label.strip(), kind="technical", max_points=points.strip())
        if child:
            parent = criteria[-1] if criteria and criteria[-1].kind == "technical" else None
            if parent is None:
                raise InvalidInput(
                    _l("Ligne %(n)d : un sous-critère suit un critère noté.", n=number),
                    field="criteria",
                )
            parent.children.append(item)
        else:
            criteria.append(item)
    return criteria


def grid_text(rows: Iterable[tuple[str, bool, Decimal | None, int]]) -> str:
    """(label, eliminatory, points, depth) rows back to the typed form."""
    lines = []
    for label, eliminatory, points, depth in rows:
        if eliminatory:
            lines.append(f"! {label}")
        else:
            lines.append(f"{'- ' if depth else ''}{label} | {points:f}")
    return "\n".join(lines)


# --- Ranking candidates scored on a grid ------------------------------------------------------

ELIMINATED = "eliminated"
UNSCORED = "unscored"


@dataclass(frozen=True)
class GridCriterion:
    key: object
    label: str
    eliminatory: bool
    max_points: Decimal | None = None


@dataclass(frozen=True)
class Answer:
    """One scorer on one criterion: points on a scored one, met or not on an eliminatory one."""

    criterion: object
    points: Decimal | None = None
    passed: bool | None = None
    reason: str = ""


@dataclass
class CandidateResult:
    key: object
    status: str  # RANKED, ELIMINATED or UNSCORED
    scorers: int = 0
    breakdown: dict = field(default_factory=dict)  # criterion key -> mean points, published
    total: Decimal | None = None
    failed: list[tuple[str, str]] = field(default_factory=list)  # (criterion label, reason)
    rank: int | None = None


def _points_on(sheet: list[Answer], key) -> Decimal:
    found = (a.points for a in sheet if a.criterion == key and a.points is not None)
    return next(found, Decimal(0))


def rank_candidates(
    criteria: list[GridCriterion],
    candidates: list[tuple[object, list[list[Answer]]]],
    *,
    decimals: int = 2,
) -> list[CandidateResult]:
    """Candidates in ranking order: ranked (highest score first, equal scores share a rank),
    then eliminated, then those nobody has scored yet. Each candidate comes with the scorers'
    answer lists; a scorer's missing answer on a scored criterion counts as 0 points, and
    one "not met" on an eliminatory condition eliminates."""
    scored = [c for c in criteria if not c.eliminatory]
    gates = [c for c in criteria if c.eliminatory]
    results = []
    for key, sheets in candidates:
        result = CandidateResult(key, UNSCORED, scorers=len(sheets))
        results.append(result)
        if not sheets:
            continue
        for criterion in scored:
            points = [_points_on(sheet, criterion.key) for sheet in sheets]
            mean = sum(points, Decimal(0)) / len(points)
            result.breakdown[criterion.key] = round_published(mean, decimals)
        result.total = round_published(sum(result.breakdown.values(), Decimal(0)), decimals)
        for criterion in gates:
            for sheet in sheets:
                answer = next((a for a in sheet if a.criterion == criterion.key), None)
                if answer is not None and answer.passed is False:
                    result.failed.append((criterion.label, answer.reason))
        result.status = ELIMINATED if result.failed else RANKED
    ranked = sorted((r for r in results if r.status == RANKED), key=lambda r: -r.total)
    rank = 1
    for group in _group(ranked, lambda r: r.total):
        for result in group:
            result.rank = rank
        rank += len(group)
    eliminated = sorted((r for r in results if r.status == ELIMINATED), key=lambda r: -r.total)
    return ranked + eliminated + [r for r in results if r.status == UNSCORED]
