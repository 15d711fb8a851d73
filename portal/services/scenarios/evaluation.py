"""A scenario's figures from its lines: the engine's evaluation, and what the pages show
beside it (its cost per household passed and per site)."""

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from portal.models.scenarios import CoverageMeasure, LineKind, Scenario, TransferKind
from portal.services.scenarios import engine


def model_of(scenario: Scenario) -> engine.Model:
    """The scenario as the engine reads it: parties by name, rates as fractions."""

    def name(party) -> str:
        return party.name if party is not None else ""

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
                party=name(line.party),
                source=name(line.source),
                target=name(line.target),
                demand=line.kind is LineKind.REVENUE
                or line.transfer_kind is TransferKind.RENTAL_FEE,
            )
            for line in scenario.lines
        ),
    )


@dataclass(frozen=True)
class Figures:
    evaluation: engine.Evaluation
    # The project's investment and operation over the horizon, discounted.
    discounted_cost: Decimal
    per_household: Decimal | None
    per_site: Decimal | None


def figures(scenario: Scenario) -> Figures:
    model = model_of(scenario)
    evaluation = engine.evaluate(model)
    costs = [0] * (model.horizon + 1)
    for line in model.lines:
        if line.kind in (LineKind.CAPEX.value, LineKind.OPEX.value):
            for year, amount in enumerate(engine.yearly(line, model.horizon)):
                costs[year] += amount
    discounted = -engine.npv([-Decimal(c) for c in costs], model.discount_rate)
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
