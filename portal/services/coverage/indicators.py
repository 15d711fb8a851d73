"""Indicators, their targets per city, measurements, progress and charts."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from portal.authz import Permission
from portal.extensions import db
from portal.models.coverage import (
    Indicator,
    IndicatorTarget,
    Measurement,
)
from portal.models.organizations import City
from portal.models.plans import Domain
from portal.models.users import User
from portal.services import audit, charts, inputs
from portal.services.coverage.access import _require
from portal.services.coverage.base import STALE
from portal.services.dates import check_day
from portal.services.errors import (
    InvalidInput,
    ensure_current,
)


def save_indicator(
    actor: User,
    indicator: Indicator | None,
    *,
    code,
    name,
    unit,
    domain_id,
    description="",
    higher_is_better=True,
    position=0,
    names=None,
    expected_version=None,
) -> Indicator:
    """Indicators are defined once for the programme, so that the cities can be compared.
    `names`: the name and unit in English and Arabic (`name_en`, `unit_ar`...), optional."""
    _require(actor, Permission.COVERAGE_MANAGE, None)
    code = inputs.text(code, "code", limit=40).lower()
    name = inputs.text(name, "name", limit=200)
    unit = inputs.text(unit, "unit", limit=40)
    translated = inputs.names(names, Indicator)
    if db.session.get(Domain, domain_id or 0) is None:
        raise InvalidInput(_l("Choisissez un domaine."), field="domain_id")
    clash = sa.select(Indicator.id).where(sa.or_(Indicator.code == code, Indicator.name == name))
    if indicator is not None:
        ensure_current(indicator, expected_version, STALE)
        clash = clash.where(Indicator.id != indicator.id)
    if db.session.scalar(clash) is not None:
        raise InvalidInput(_l("Un indicateur porte déjà ce code ou ce nom."), field="code")
    if (
        indicator is not None
        and bool(higher_is_better) != indicator.higher_is_better
        and db.session.scalar(
            sa.select(IndicatorTarget.id).where(IndicatorTarget.indicator_id == indicator.id)
        )
    ):
        raise InvalidInput(
            _l("Des villes ont déjà une cible pour cet indicateur : son sens ne change plus."),
            field="higher_is_better",
        )
    created = indicator is None
    if created:
        indicator = Indicator()
        db.session.add(indicator)
    indicator.code = code
    indicator.name = name
    indicator.unit = unit
    for field, value in translated.items():
        setattr(indicator, field, value)
    indicator.domain_id = domain_id
    indicator.description = (description or "").strip()
    indicator.higher_is_better = bool(higher_is_better)
    indicator.position = position or 0
    audit.record(
        actor,
        "coverage.indicator_created" if created else "coverage.indicator_updated",
        obj=indicator,
        details={"code": code, "unit": unit},
    )
    return indicator


def save_target(
    actor: User,
    target: IndicatorTarget | None,
    *,
    indicator_id,
    city_id,
    district="",
    baseline_value,
    baseline_date,
    target_value,
    target_date,
    expected_version=None,
) -> IndicatorTarget:
    """The diagnostic's value and the one to reach, for a city or one of its districts."""
    if target is not None:
        ensure_current(target, expected_version, STALE)
        city_id = target.city_id
        indicator_id = target.indicator_id
    _require(actor, Permission.COVERAGE_MANAGE, city_id)
    indicator = db.session.get(Indicator, indicator_id or 0)
    if indicator is None:
        raise InvalidInput(_l("Choisissez un indicateur."), field="indicator_id")
    if db.session.get(City, city_id or 0) is None:
        raise InvalidInput(_l("Choisissez une ville."), field="city_id")
    district = inputs.text(district, "district", required=False, limit=120)
    baseline = inputs.measure(baseline_value, "baseline_value")
    goal = inputs.measure(target_value, "target_value")
    baseline_day = check_day(baseline_date, "baseline_date")
    goal_day = check_day(target_date, "target_date")
    if baseline_day is None:
        raise InvalidInput(_l("Ce champ est obligatoire."), field="baseline_date")
    if goal_day is None:
        raise InvalidInput(_l("Ce champ est obligatoire."), field="target_date")
    if goal_day <= baseline_day:
        raise InvalidInput(
            _l("La cible est datée après la situation de départ."), field="target_date"
        )
    if (goal <= baseline) if indicator.higher_is_better else (goal >= baseline):
        raise InvalidInput(
            _l("La cible doit améliorer la situation de départ."), field="target_value"
        )
    clash = sa.select(IndicatorTarget.id).where(
        IndicatorTarget.indicator_id == indicator.id,
        IndicatorTarget.city_id == city_id,
        IndicatorTarget.district == district,
    )
    if target is not None:
        clash = clash.where(IndicatorTarget.id != target.id)
    if db.session.scalar(clash) is not None:
        raise InvalidInput(
            _l("Cet indicateur a déjà une cible pour cette ville et ce quartier."),
            field="district",
        )
    created = target is None
    if created:
        target = IndicatorTarget(indicator_id=indicator.id, city_id=city_id)
        db.session.add(target)
    target.district = district
    target.baseline_value = baseline
    target.baseline_date = baseline_day
    target.target_value = goal
    target.target_date = goal_day
    audit.record(
        actor,
        "coverage.target_created" if created else "coverage.target_updated",
        obj=target,
        details={
            "indicator": indicator.code,
            "district": district,
            "baseline": str(baseline),
            "target": str(goal),
        },
    )
    return target


def record_measurement(
    actor: User, target: IndicatorTarget, *, value, measured_on, source, today: date
) -> Measurement:
    _require(actor, Permission.COVERAGE_MANAGE, target.city_id)
    number = inputs.measure(value, "value")
    day = check_day(measured_on, "measured_on")
    if day is None:
        raise InvalidInput(_l("Ce champ est obligatoire."), field="measured_on")
    if day > today:
        raise InvalidInput(_l("Une mesure ne peut pas être datée du futur."), field="measured_on")
    if day < target.baseline_date:
        raise InvalidInput(
            _l("Une mesure est datée après la situation de départ."), field="measured_on"
        )
    source = inputs.text(source, "source", limit=300)
    taken = db.session.scalar(
        sa.select(Measurement.id).where(
            Measurement.target_id == target.id, Measurement.measured_on == day
        )
    )
    if taken is not None:
        raise InvalidInput(_l("Une mesure existe déjà à cette date."), field="measured_on")
    measurement = Measurement(
        target=target, value=number, measured_on=day, source=source, recorded_by=actor
    )
    db.session.add(measurement)
    if target.current_date is None or day >= target.current_date:
        target.current_value = number
        target.current_date = day
    db.session.flush()
    audit.record(
        actor,
        "coverage.measurement_recorded",
        obj=target,
        details={"value": str(number), "on": day.isoformat(), "source": source},
    )
    return measurement


def delete_measurement(actor: User, measurement: Measurement) -> None:
    """A measurement entered by mistake goes; the target's latest value is read again."""
    target = measurement.target
    _require(actor, Permission.COVERAGE_MANAGE, target.city_id)
    audit.record(
        actor,
        "coverage.measurement_deleted",
        obj=target,
        details={
            "value": str(measurement.value),
            "on": measurement.measured_on.isoformat(),
            "source": measurement.source,
        },
    )
    target.measurements.remove(measurement)
    db.session.flush()
    latest = max(target.measurements, key=lambda m: m.measured_on, default=None)
    target.current_value = latest.value if latest else None
    target.current_date = latest.measured_on if latest else None


@dataclass(frozen=True)
class Progress:
    """How far a target is along: the share of the way from the baseline to the target
    covered by the latest measurement, and the share of the time elapsed."""

    achieved: Decimal | None  # percent, one decimal
    expected: Decimal  # percent of the time between baseline and target dates, one decimal
    state: str  # "reached", "on_track", "behind" or "unmeasured"


ONE_DECIMAL = Decimal("0.1")


def progress(target: IndicatorTarget, today: date) -> Progress:
    span = (target.target_date - target.baseline_date).days
    elapsed = min(max((today - target.baseline_date).days, 0), span)
    expected = (Decimal(100) * elapsed / span).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    if target.current_value is None:
        return Progress(None, expected, "unmeasured")
    way = target.target_value - target.baseline_value
    achieved = (Decimal(100) * (target.current_value - target.baseline_value) / way).quantize(
        ONE_DECIMAL, rounding=ROUND_HALF_UP
    )
    better = target.indicator.higher_is_better
    if (
        (target.current_value >= target.target_value)
        if better
        else (target.current_value <= target.target_value)
    ):
        state = "reached"
    elif achieved >= expected:
        state = "on_track"
    else:
        state = "behind"
    return Progress(achieved, expected, state)


def city_targets(city_id: int) -> list[IndicatorTarget]:
    return db.session.scalars(
        sa.select(IndicatorTarget)
        .join(Indicator)
        .where(IndicatorTarget.city_id == city_id)
        .options(
            joinedload(IndicatorTarget.indicator).joinedload(Indicator.domain),
            selectinload(IndicatorTarget.measurements),
        )
        .order_by(Indicator.position, Indicator.name, IndicatorTarget.district)
    ).all()


@dataclass
class ComparisonRow:
    indicator: Indicator
    cells: dict[int, IndicatorTarget]  # city id -> the city-wide target


def programme_comparison() -> list[ComparisonRow]:
    """Every indicator with the city-wide target of each city that has one."""
    targets = db.session.scalars(
        sa.select(IndicatorTarget)
        .where(IndicatorTarget.district == "")
        .options(joinedload(IndicatorTarget.indicator).joinedload(Indicator.domain))
    ).all()
    indicators = db.session.scalars(
        sa.select(Indicator)
        .options(joinedload(Indicator.domain))
        .order_by(Indicator.position, Indicator.name)
    ).all()
    by_indicator: dict[int, dict[int, IndicatorTarget]] = defaultdict(dict)
    for target in targets:
        by_indicator[target.indicator_id][target.city_id] = target
    return [ComparisonRow(i, by_indicator.get(i.id, {})) for i in indicators]


def indicator_chart(target: IndicatorTarget, *, today: date, labels: dict) -> str:
    """The path from the baseline to the target: the planned line (dashed), the measurements
    (dots joined), the target level and today."""
    measurements = list(target.measurements)
    first = min([target.baseline_date, *[m.measured_on for m in measurements]])
    last = max(
        [target.target_date, min(today, target.target_date), *[m.measured_on for m in measurements]]
    )
    values = [target.baseline_value, target.target_value, *[m.value for m in measurements]]
    chart = charts.TimeChart(
        first, last, min(values), max(values), "indicator-chart", labels["title"]
    )
    unit = target.indicator.unit
    start = (chart.x(target.baseline_date), chart.y(target.baseline_value))
    end = (chart.x(target.target_date), chart.y(target.target_value))
    chart.add(
        f'<line class="chart-planned" x1="{start[0]:.1f}" y1="{start[1]:.1f}" '
        f'x2="{end[0]:.1f}" y2="{end[1]:.1f}" stroke="#a0aec0" stroke-dasharray="4 3"/>'
    )
    chart.level(target.target_value, "chart-target", charts.TARGET, "2 2")
    chart.label(
        chart.end,
        f"{end[1] - 4:.1f}",
        f"{labels['target']} {_shown(target.target_value)} {unit}",
        fill=charts.TARGET,
        anchor="end",
    )
    chart.dot(
        target.baseline_date,
        target.baseline_value,
        "chart-baseline",
        fill=charts.MUTED,
        title=f"{labels['baseline']} {_shown(target.baseline_value)} {unit}"
        f" — {target.baseline_date.isoformat()}",
    )
    for day, anchor in ((target.baseline_date, None), (target.target_date, "end")):
        chart.label(f"{chart.x(day):.1f}", chart.bottom + 14, str(day.year), size=9, anchor=anchor)
    if first <= today <= last:
        chart.day_line(today, "chart-today", charts.TODAY)
    if measurements:
        points = [(target.baseline_date, target.baseline_value)]
        chart.path(points + [(m.measured_on, m.value) for m in measurements], "chart-measured")
    for m in measurements:
        chart.dot(
            m.measured_on,
            m.value,
            "chart-measurement",
            fill=charts.SERIES,
            title=f"{_shown(m.value)} {unit} — {m.measured_on.isoformat()} — {m.source}",
        )
    return chart.svg()


def _shown(value: Decimal) -> str:
    """A value in the reader's locale (1,5 in French), for the chart's labels."""
    return format_decimal(value) if has_request_context() else plain_number(value)


def plain_number(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
