"""The business model of a scenario: every party's yearly cash flows and what they add up to.

Pure functions on `Decimal`; the pages, the exports and `flask scenarios evaluate` use them.

- A line runs from its start year to its end year (cut at the horizon); its amount in year y
  is amount x (1 + growth)^(y - start), rounded half up to the cent, as an invoice would be.
  Every later figure adds up cents, so that the project's flows are exactly the parties' sum,
  in which transfers cancel.
- Capex and opex are paid by their party, revenue and subsidies (from outside the parties)
  received by it; a transfer is paid by one party to another.
- For each party and for the project (every party together): the yearly net flows, their
  running sum, the NPV (sum of net_y / (1 + r)^y, to the cent), the IRR (only when the nets
  change sign exactly once: one rate then solves it), the payback year (the first from which
  the running sum stays >= 0 to the horizon; 0 when it is never negative; none when it ends
  negative), the same on the discounted running sum, and the peak funding need (the deepest
  running position, as a positive amount).
"""

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from itertools import pairwise

from flask_babel import lazy_gettext as _l

from portal.services.errors import InvalidInput

KINDS = ("capex", "opex", "revenue", "subsidy", "transfer")
PAID = frozenset({"capex", "opex"})  # by their party
RECEIVED = frozenset({"revenue", "subsidy"})  # by their party
CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
MAX_HORIZON = 50
# Amounts up to a thousand billion dirhams: far beyond any city's network, within reason.
MAX_AMOUNT = Decimal("1e12")
ZERO = Decimal(0)
PRECISION = 50


@dataclass(frozen=True)
class Line:
    label: str
    kind: str
    amount: Decimal
    start_year: int = 0
    end_year: int | None = None  # None: the start year only
    growth: Decimal = ZERO
    party: str = ""  # capex, opex: who pays; revenue, subsidy: who receives
    source: str = ""  # transfers: who pays
    target: str = ""  # transfers: who receives
    # Moves with demand (take-up): revenue, and the rental and IRU fees operators pay.
    demand: bool = False

    @property
    def last_year(self) -> int:
        return self.start_year if self.end_year is None else self.end_year

    def parties(self) -> tuple[str, ...]:
        return (self.source, self.target) if self.kind == "transfer" else (self.party,)


@dataclass(frozen=True)
class Model:
    discount_rate: Decimal
    horizon: int
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Position:
    """One party's figures, or the project's."""

    net: tuple[Decimal, ...]
    cumulative: tuple[Decimal, ...]
    npv: Decimal
    irr: Decimal | None
    payback_year: int | None
    discounted_payback_year: int | None
    peak_funding: Decimal


@dataclass(frozen=True)
class Evaluation:
    years: tuple[int, ...]
    parties: dict[str, Position]
    project: Position
    # The project's capex and opex by year: what its coverage costs.
    costs: tuple[Decimal, ...] = ()


def _refused(message, number: int | None = None, line: Line | None = None):
    if number is None:
        return InvalidInput(message, field="lines")
    label = line.label if line is not None and line.label else ""
    return InvalidInput(
        _l("Ligne %(n)d « %(label)s » : %(message)s", n=number, label=label, message=message)
        if label
        else _l("Ligne %(n)d : %(message)s", n=number, message=message),
        field="lines",
    )


def check(model: Model) -> None:
    """Refuse a model no evaluation can use, saying which line and why."""
    if not 1 <= model.horizon <= MAX_HORIZON:
        raise InvalidInput(
            _l("L'horizon compte de 1 à %(max)d ans.", max=MAX_HORIZON), field="horizon_years"
        )
    if not ZERO <= model.discount_rate < 1:
        raise InvalidInput(
            _l("Le taux d'actualisation est compris entre 0 et 1 (0,06 pour 6 %)."),
            field="discount_rate",
        )
    for number, line in enumerate(model.lines, start=1):
        if line.kind not in KINDS:
            raise _refused(
                _l(
                    "nature « %(kind)s » inconnue (capex, opex, revenue, subsidy ou transfer).",
                    kind=line.kind,
                ),
                number,
                line,
            )
        if not ZERO <= line.amount < MAX_AMOUNT:
            raise _refused(_l("le montant est positif ou nul."), number, line)
        if not Decimal(-1) < line.growth <= 1:
            raise _refused(
                _l("la croissance annuelle est comprise entre -1 et 1 (0,02 pour 2 %)."),
                number,
                line,
            )
        if line.kind == "transfer":
            if not line.source or not line.target:
                raise _refused(_l("un transfert va d'une partie à une autre."), number, line)
            if line.source == line.target:
                raise _refused(_l("un transfert va d'une partie à une autre."), number, line)
        elif not line.party:
            raise _refused(_l("la partie qui paie ou reçoit manque."), number, line)
        if not 0 <= line.start_year <= model.horizon:
            raise _refused(
                _l("l'année de début est comprise entre 0 et %(h)d.", h=model.horizon),
                number,
                line,
            )
        if line.last_year < line.start_year:
            raise _refused(_l("l'année de fin précède l'année de début."), number, line)


def _cents(line: Line, horizon: int) -> list[int]:
    """The line's amount in each year 0..horizon in cents, rounded half up, computed on
    integers: amount = M x 10^e and 1 + growth = P x 10^f, so that the amount k years in is
    M x P^k x 10^(e + f k), exactly (Decimal powers would round, and cost more)."""
    cents = [0] * (horizon + 1)
    e = line.amount.as_tuple().exponent
    f = (1 + line.growth).as_tuple().exponent
    factor = int((1 + line.growth).scaleb(-f))
    # The amount in cents k years in is numerator / denominator, both integers.
    numerator = int(line.amount.scaleb(-e)) * 10 ** max(e + 2, 0)
    denominator = 10 ** max(-(e + 2), 0)
    step = 10**-f
    for year in range(line.start_year, min(line.last_year, horizon) + 1):
        cents[year] = (2 * numerator + denominator) // (2 * denominator)
        numerator *= factor
        denominator *= step
    return cents


def _money_of(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def yearly(line: Line, horizon: int) -> list[Decimal]:
    """The line's amount in each year 0..horizon (zero outside its years), to the cent."""
    return [_money_of(c) for c in _cents(line, horizon)]


def parties(model: Model) -> list[str]:
    """The parties named in the lines, in the order they first appear."""
    return list(dict.fromkeys(name for line in model.lines for name in line.parties()))


def _flows(model: Model) -> tuple[dict[str, list[int]], list[int]]:
    """Each party's yearly net flows (received minus paid) in cents, and the project's
    costs (capex and opex) by year."""
    nets = {name: [0] * (model.horizon + 1) for name in parties(model)}
    costs = [0] * (model.horizon + 1)
    for line in model.lines:
        amounts = _cents(line, model.horizon)
        if line.kind == "transfer":
            signed = ((line.source, -1), (line.target, 1))
        else:
            signed = ((line.party, -1 if line.kind in PAID else 1),)
            if line.kind in PAID:
                costs = [a + b for a, b in zip(costs, amounts, strict=True)]
        for name, sign in signed:
            nets[name] = [a + sign * b for a, b in zip(nets[name], amounts, strict=True)]
    return nets, costs


def flows(model: Model) -> dict[str, list[Decimal]]:
    """Each party's yearly net flows (received minus paid), to the cent."""
    nets, _costs = _flows(model)
    return {name: [_money_of(c) for c in row] for name, row in nets.items()}


def _discounted(net, rate: Decimal) -> list[Decimal]:
    with localcontext() as context:
        context.prec = PRECISION
        base = 1 + rate
        return [value / base**year for year, value in enumerate(net)]


def npv(net, rate: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = PRECISION
        total = sum(_discounted(net, rate), ZERO)
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def _sign_changes(net) -> int:
    signs = [value > 0 for value in net if value]
    return sum(1 for a, b in pairwise(signs) if a != b)


def irr(net) -> Decimal | None:
    """The rate at which the nets' NPV is zero, to four decimals; only when they change sign
    exactly once (the rate is then unique), else None."""
    if _sign_changes(net) != 1:
        return None
    with localcontext() as context:
        context.prec = PRECISION

        def value(rate: Decimal) -> Decimal:
            base = 1 + rate
            return sum((v / base**year for year, v in enumerate(net) if v), ZERO)

        # Near -100 % the last flows weigh most; at high rates, the first ones: their signs
        # differ, so the root lies between.
        low, high = Decimal("-0.999999"), Decimal(1)
        low_sign = value(low) > 0
        while (value(high) > 0) == low_sign:
            if high > Decimal("1e6"):
                return None
            high *= 4
        while high - low > Decimal("1e-10"):
            middle = (low + high) / 2
            if (value(middle) > 0) == low_sign:
                low = middle
            else:
                high = middle
        return ((low + high) / 2).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _payback(running) -> int | None:
    """The first year from which the running position stays >= 0 to the horizon."""
    if running[-1] < 0:
        return None
    negative = [year for year, value in enumerate(running) if value < 0]
    return negative[-1] + 1 if negative else 0


def _running(values) -> list[Decimal]:
    total, out = ZERO, []
    with localcontext() as context:
        context.prec = PRECISION
        for value in values:
            total += value
            out.append(total)
    return out


def position(net: list[Decimal], rate: Decimal) -> Position:
    cumulative = _running(net)
    deepest = min(cumulative, default=ZERO)
    return Position(
        net=tuple(net),
        cumulative=tuple(cumulative),
        npv=npv(net, rate),
        irr=irr(net),
        payback_year=_payback(cumulative),
        discounted_payback_year=_payback(_running(_discounted(net, rate))),
        peak_funding=-deepest if deepest < 0 else ZERO.quantize(CENT),
    )


def evaluate(model: Model) -> Evaluation:
    check(model)
    cents, costs = _flows(model)
    project = [sum(column) for column in zip(*cents.values(), strict=True)] or [0] * (
        model.horizon + 1
    )
    return Evaluation(
        years=tuple(range(model.horizon + 1)),
        parties={
            name: position([_money_of(c) for c in net], model.discount_rate)
            for name, net in cents.items()
        },
        project=position([_money_of(c) for c in project], model.discount_rate),
        costs=tuple(_money_of(c) for c in costs),
    )


# --- Sensitivity ------------------------------------------------------------------------------


def scaled(model: Model, chosen, factor: Decimal) -> Model:
    """The model with the lines `chosen(line)` picks multiplied by `factor`."""
    return replace(
        model,
        lines=tuple(
            replace(line, amount=line.amount * factor) if chosen(line) else line
            for line in model.lines
        ),
    )


def npvs(model: Model) -> dict[str | None, Decimal]:
    """Each party's NPV, and the project's (under None): the figures a sensitivity moves."""
    nets = flows(model)
    found = {name: npv(net, model.discount_rate) for name, net in nets.items()}
    found[None] = sum(found.values(), ZERO)
    return found


# --- The command's JSON -----------------------------------------------------------------------


def _decimal(value, field: str, number: int | None = None) -> Decimal:
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        result = None
    if result is None or not result.is_finite() or isinstance(value, bool):
        message = _l("« %(field)s » n'est pas un nombre.", field=field)
        raise _refused(message, number) if number else InvalidInput(message, field=field)
    return result


def _year(value, field: str, number: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _refused(_l("« %(field)s » est une année entière.", field=field), number)
    return value


def from_json(data) -> Model:
    if not isinstance(data, dict) or not isinstance(data.get("lines"), list):
        raise InvalidInput(_l("Il faut un objet JSON avec une liste « lines »."), field="lines")
    horizon = data.get("horizon_years")
    if not isinstance(horizon, int) or isinstance(horizon, bool):
        raise InvalidInput(
            _l("L'horizon compte de 1 à %(max)d ans.", max=MAX_HORIZON), field="horizon_years"
        )
    lines = []
    for number, row in enumerate(data["lines"], start=1):
        if not isinstance(row, dict):
            raise _refused(_l("chaque ligne est un objet JSON."), number)
        start = _year(row.get("start_year", 0), "start_year", number)
        end = row.get("end_year")
        lines.append(
            Line(
                label=str(row.get("label") or "").strip(),
                kind=str(row.get("kind") or ""),
                amount=_decimal(row.get("amount"), "amount", number),
                start_year=start,
                end_year=None if end is None else _year(end, "end_year", number),
                growth=_decimal(row.get("growth") or 0, "growth", number),
                party=str(row.get("party") or "").strip(),
                source=str(row.get("from") or "").strip(),
                target=str(row.get("to") or "").strip(),
            )
        )
    return Model(
        discount_rate=_decimal(data.get("discount_rate"), "discount_rate"),
        horizon=horizon,
        lines=tuple(lines),
    )


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def position_json(found: Position) -> dict:
    return {
        "net": [_money(v) for v in found.net],
        "cumulative": [_money(v) for v in found.cumulative],
        "npv": _money(found.npv),
        "irr": None if found.irr is None else f"{found.irr:f}",
        "payback_year": found.payback_year,
        "discounted_payback_year": found.discounted_payback_year,
        "peak_funding": _money(found.peak_funding),
    }


def to_json(evaluation: Evaluation) -> dict:
    return {
        "years": list(evaluation.years),
        "parties": {name: position_json(p) for name, p in evaluation.parties.items()},
        "project": position_json(evaluation.project),
    }
