"""A scenario's figures from its lines: the engine's evaluation, and what the pages show
beside it (its cost per household passed and per site)."""

from collections import OrderedDict
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from threading import Lock

from portal.models.scenarios import CoverageMeasure, LineKind, Scenario, TransferKind
from portal.services.scenarios import engine

# A scenario's figures change only with a new version (every change to it, its parties,
# set-up or lines makes one): they are kept per version, in each process, for the pages
# that show them again and again. Its creation instant tells two databases' apart.
CACHE_SIZE = 512
_cache: OrderedDict = OrderedDict()
_lock = Lock()


def _key(scenario: Scenario, what: str) -> tuple:
    return (what, scenario.id, scenario.version, scenario.created_at)


def _kept(key, compute):
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = compute()
    with _lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def known(scenario: Scenario) -> bool:
    """Whether its figures are kept: a page need not read its lines."""
    return _key(scenario, "figures") in _cache


# What the engine reads of a line: a ScenarioLine, or a row of these columns.
LINE_COLUMNS = (
    "label",
    "kind",
    "transfer_kind",
    "amount",
    "start_year",
    "end_year",
    "growth",
    "party_id",
    "source_id",
    "target_id",
)


def model_of(scenario: Scenario, lines=None) -> engine.Model:
    """The scenario as the engine reads it: parties by name, rates as fractions. `lines`
    (rows of LINE_COLUMNS) spare a page that compares scenarios loading each line whole."""
    names = {party.id: party.name for party in scenario.parties}
    return engine.Model(
        discount_rate=scenario.discount_rate,
        horizon=scenario.horizon_years,
        lines=tuple(
            engine.Line(
                label=line.label,
                kind=line.kind.value,
                amount=line.amount,
                start_year=line.start_year,
                end_year=line.end_year,
                growth=line.growth,
                party=names.get(line.party_id, ""),
                source=names.get(line.source_id, ""),
                target=names.get(line.target_id, ""),
                demand=line.kind is LineKind.REVENUE
                or line.transfer_kind is TransferKind.RENTAL_FEE,
            )
            for line in (scenario.lines if lines is None else lines)
        ),
    )


@dataclass(frozen=True)
class Figures:
    evaluation: engine.Evaluation
    # The project's investment and operation over the horizon, discounted.
    discounted_cost: Decimal
    per_household: Decimal | None
    per_site: Decimal | None


def figures(scenario: Scenario, lines=None) -> Figures:
    return _kept(_key(scenario, "figures"), lambda: _figures(scenario, lines))


def _figures(scenario: Scenario, lines) -> Figures:
    model = model_of(scenario, lines)
    evaluation = engine.evaluate(model)
    discounted = -engine.npv([-c for c in evaluation.costs], model.discount_rate)
    delivered = {row.measure: row.quantity for row in scenario.coverage}
    households = delivered.get(CoverageMeasure.HOUSEHOLDS_PASSED) or delivered.get(
        CoverageMeasure.PREMISES_PASSED
    )
    sites = delivered.get(CoverageMeasure.SITES_CONNECTED)

    def per(count):
        if not count:
            return None
        return (discounted / count).quantize(engine.CENT, rounding=ROUND_HALF_UP)

    return Figures(evaluation, discounted, per(households), per(sites))


# Each sensitivity: what moves, and the low and high cases (a factor on lines, or points
# added to the discount rate).
TWENTY = Decimal("0.2")
SENSITIVITIES = (
    ("capex", lambda line: line.kind == "capex"),
    ("revenue", lambda line: line.kind == "revenue"),
    ("demand", lambda line: line.demand),
    ("rate", None),
)


@dataclass(frozen=True)
class Sensitivity:
    factor: str
    low: dict  # party (None: the project) -> NPV in the low case
    high: dict


def sensitivity(scenario: Scenario) -> tuple[dict, list[Sensitivity]]:
    """The parties' and the project's NPV as they stand, and with capex, revenue and demand
    each 20 % lower and higher, and the discount rate 2 points lower and higher (not below
    zero)."""
    return _kept(_key(scenario, "sensitivity"), lambda: _sensitivity(scenario))


def _sensitivity(scenario: Scenario) -> tuple[dict, list[Sensitivity]]:
    model = model_of(scenario)
    base = engine.npvs(model)
    rows = []
    for factor, chosen in SENSITIVITIES:
        if chosen is None:
            two = Decimal("0.02")
            cases = [
                replace(model, discount_rate=max(model.discount_rate - two, Decimal(0))),
                replace(model, discount_rate=model.discount_rate + two),
            ]
        else:
            cases = [engine.scaled(model, chosen, 1 + sign * TWENTY) for sign in (-1, 1)]
        low, high = (engine.npvs(case) for case in cases)
        rows.append(Sensitivity(factor, low, high))
    return base, rows
