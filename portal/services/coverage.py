"""Digital coverage: indicators against their targets, candidate sites, their assessment
against the city's published criteria, the ranking and the status of each site.

The criteria and the ranking go through `services.selection`, the engine tenders use.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified

from portal import authz, labels
from portal.authz import Permission
from portal.extensions import db
from portal.models.coverage import (
    ASSESSABLE,
    Assessment,
    AssessmentAnswer,
    CriteriaSet,
    Indicator,
    IndicatorTarget,
    Measurement,
    Site,
    SiteCriterion,
    SiteEvent,
    SiteKind,
    SiteStatus,
)
from portal.models.milestones import Milestone
from portal.models.organizations import City, Organization
from portal.models.plans import Action, Domain, Plan
from portal.models.tenders import CriterionKind
from portal.models.users import User
from portal.services import audit, inputs, notifications, selection
from portal.services.dates import check_day
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)

S = SiteStatus
STALE = _l("Cette fiche a été modifiée par quelqu'un d'autre entre-temps. Rechargez-la.")

# Morocco's extent, southern provinces included (WGS 84).
LATITUDE_RANGE = (Decimal("20.5"), Decimal("36.0"))
LONGITUDE_RANGE = (Decimal("-17.5"), Decimal("-0.9"))
COORDINATE_PLACES = Decimal("0.000001")

# Who moves a site from one status to the next. Proposed -> assessed happens by itself with
# the first assessment.
DECISIONS = {
    (S.PROPOSED, S.REJECTED),
    (S.ASSESSED, S.SELECTED),
    (S.ASSESSED, S.REJECTED),
    (S.SELECTED, S.REJECTED),
}
DEPLOYMENT = {
    (S.SELECTED, S.IN_DEPLOYMENT),
    (S.IN_DEPLOYMENT, S.OPEN),
    (S.OPEN, S.CLOSED),
}
FROZEN = frozenset({S.REJECTED, S.CLOSED})
# The figures of a place that is being fitted out or is open.
WITH_FIGURES = frozenset({S.IN_DEPLOYMENT, S.OPEN})


@dataclass(frozen=True)
class SiteCriteria:
    """What the sites list and map are filtered by; `valid` is False when the filters were
    not. A city is named by its slug, as in the addresses."""

    city_slug: str | None = None
    kind: SiteKind | None = None
    status: SiteStatus | None = None
    valid: bool = True


def sites_query(criteria: SiteCriteria):
    """The candidate sites matching `criteria`, by city and name."""
    query = sa.select(Site).options(joinedload(Site.city), joinedload(Site.host_organization))
    if not criteria.valid:
        return query.where(sa.false())
    if criteria.city_slug:
        query = query.join(City, Site.city_id == City.id).where(City.slug == criteria.city_slug)
    if criteria.kind is not None:
        query = query.where(Site.kind == criteria.kind)
    if criteria.status is not None:
        query = query.where(Site.status == criteria.status)
    return query.order_by(Site.city_id, Site.name, Site.id)


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


def _require(actor: User, permission: Permission, city_id) -> None:
    if not authz.can(actor, permission, city_id=city_id):
        raise NotAllowed(_l("Vous n'avez pas le droit d'agir pour cette ville."))


def may_manage(user: User, city_id) -> bool:
    return authz.can(user, Permission.COVERAGE_MANAGE, city_id=city_id)


def may_decide(user: User, site: Site) -> bool:
    return authz.can(user, Permission.COVERAGE_DECIDE, city_id=site.city_id)


def may_assess(user: User, site: Site) -> bool:
    return authz.can(user, Permission.COVERAGE_ASSESS, city_id=site.city_id)


def may_see_assessments(user: User, site: Site) -> bool:
    """Each assessor's answers: for those who run or decide; an assessor scores on their own
    and sees the others' once theirs is in, or once the site is decided."""
    if may_manage(user, site.city_id) or may_decide(user, site):
        return True
    return may_assess(user, site) and (
        site.status not in ASSESSABLE or own_assessment(user, site) is not None
    )


def may_report(user: User, site: Site) -> bool:
    """A site's figures: the programme's managers, or the hosting organisation's own people."""
    if may_manage(user, site.city_id):
        return True
    return user.organization_id == site.host_organization_id and authz.can(
        user,
        Permission.COVERAGE_REPORT,
        city_id=site.city_id,
        organization_id=site.host_organization_id,
    )


# --- Indicators -------------------------------------------------------------------------------


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
    expected_version=None,
) -> Indicator:
    """Indicators are defined once for the programme, so that the cities can be compared."""
    _require(actor, Permission.COVERAGE_MANAGE, None)
    code = inputs.text(code, "code", limit=40).lower()
    name = inputs.text(name, "name", limit=200)
    unit = inputs.text(unit, "unit", limit=40)
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
    (dots joined), the target level and today. SVG without script or inline style."""
    width, height, pad = 360, 150, 30
    measurements = list(target.measurements)
    first = min([target.baseline_date, *[m.measured_on for m in measurements]])
    last = max(
        [target.target_date, min(today, target.target_date), *[m.measured_on for m in measurements]]
    )
    span = max((last - first).days, 1)
    values = [target.baseline_value, target.target_value, *[m.value for m in measurements]]
    low, high = min(values), max(values)
    if high == low:
        high = low + 1

    def x(day: date) -> float:
        return pad + (width - 2 * pad) * (day - first).days / span

    def y(value: Decimal) -> float:
        return height - pad - float((value - low) / (high - low)) * (height - 2 * pad)

    unit = target.indicator.unit
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="indicator-chart" role="img" aria-label="{escape(labels["title"])}">',
        f'<line class="chart-planned" x1="{x(target.baseline_date):.1f}" '
        f'y1="{y(target.baseline_value):.1f}" x2="{x(target.target_date):.1f}" '
        f'y2="{y(target.target_value):.1f}" stroke="#a0aec0" stroke-dasharray="4 3"/>',
        f'<line class="chart-target" x1="{pad}" x2="{width - pad}" '
        f'y1="{y(target.target_value):.1f}" y2="{y(target.target_value):.1f}" '
        'stroke="#2f855a" stroke-dasharray="2 2"/>',
        f'<text x="{width - pad}" y="{y(target.target_value) - 4:.1f}" text-anchor="end" '
        f'font-size="10" fill="#2f855a">{escape(labels["target"])} '
        f"{escape(_shown(target.target_value))} {escape(unit)}</text>",
        f'<circle class="chart-baseline" cx="{x(target.baseline_date):.1f}" '
        f'cy="{y(target.baseline_value):.1f}" r="4" fill="#718096"><title>'
        f"{escape(labels['baseline'])} {escape(_shown(target.baseline_value))} {escape(unit)}"
        f" — {target.baseline_date.isoformat()}</title></circle>",
        f'<text x="{x(target.baseline_date):.1f}" y="{height - pad + 14}" font-size="9" '
        f'fill="#4a5568">{target.baseline_date.year}</text>',
        f'<text x="{x(target.target_date):.1f}" y="{height - pad + 14}" font-size="9" '
        f'text-anchor="end" fill="#4a5568">{target.target_date.year}</text>',
    ]
    if first <= today <= last:
        parts.append(
            f'<line class="chart-today" x1="{x(today):.1f}" x2="{x(today):.1f}" '
            f'y1="{pad / 2}" y2="{height - pad}" stroke="#c53030"/>'
        )
    if measurements:
        points = [(x(target.baseline_date), y(target.baseline_value))] + [
            (x(m.measured_on), y(m.value)) for m in measurements
        ]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(
            f'<polyline class="chart-measured" points="{path}" fill="none" stroke="#2b6cb0"/>'
        )
    for m in measurements:
        parts.append(
            f'<circle class="chart-measurement" cx="{x(m.measured_on):.1f}" '
            f'cy="{y(m.value):.1f}" r="4" fill="#2b6cb0"><title>'
            f"{escape(_shown(m.value))} {escape(unit)} — {m.measured_on.isoformat()} — "
            f"{escape(m.source)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _shown(value: Decimal) -> str:
    """A value in the reader's locale (1,5 in French), for the chart's labels."""
    return format_decimal(value) if has_request_context() else plain_number(value)


def plain_number(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


# --- Sites ------------------------------------------------------------------------------------


def save_site(
    actor: User,
    site: Site | None,
    *,
    city_id,
    district,
    kind,
    name,
    address,
    latitude,
    longitude,
    host_organization_id,
    estimated_cost,
    action_id=None,
    milestone_ids=(),
    today: date,
    expected_version=None,
) -> Site:
    if site is not None:
        ensure_current(site, expected_version, STALE)
        _require(actor, Permission.COVERAGE_MANAGE, site.city_id)
        if site.status in FROZEN:
            raise TransitionNotAllowed(_l("Un site rejeté ou fermé ne se modifie plus."))
    _require(actor, Permission.COVERAGE_MANAGE, city_id)
    city = db.session.get(City, city_id or 0)
    if city is None:
        raise InvalidInput(_l("Choisissez une ville."), field="city_id")
    try:
        kind = SiteKind(kind)
    except ValueError:
        raise InvalidInput(_l("Choisissez un type de site."), field="kind") from None
    if (
        site is not None
        and (site.city_id != city.id or site.kind is not kind)
        and (_assessed(site))
    ):
        raise TransitionNotAllowed(
            _l("Ce site est déjà évalué : sa ville et son type ne changent plus."),
        )
    values = {
        "district": inputs.text(district, "district", limit=120),
        "name": inputs.text(name, "name", limit=200),
        "address": inputs.text(address, "address", limit=300),
        "latitude": parse_coordinate(latitude, "latitude"),
        "longitude": parse_coordinate(longitude, "longitude"),
        "estimated_cost": inputs.amount(estimated_cost, "estimated_cost"),
    }
    host = db.session.get(Organization, host_organization_id or 0)
    if host is None or host.city_id not in (None, city.id):
        raise InvalidInput(
            _l("L'organisme d'accueil est national ou de cette ville."),
            field="host_organization_id",
        )
    action = None
    if action_id:
        action = db.session.scalar(
            sa.select(Action).join(Plan).where(Action.id == action_id, Plan.city_id == city.id)
        )
        if action is None:
            raise InvalidInput(
                _l("L'action choisie n'est pas du plan de cette ville."), field="action_id"
            )
    wanted = {int(i) for i in milestone_ids or ()}
    milestones = (
        db.session.scalars(sa.select(Milestone).where(Milestone.id.in_(wanted))).all()
        if wanted
        else []
    )
    if len(milestones) != len(wanted) or any(
        m.city_id != city.id or (action is not None and m.action_id != action.id)
        for m in milestones
    ):
        raise InvalidInput(
            _l("Les jalons liés sont de cette ville, et de l'action choisie s'il y en a une."),
            field="milestone_ids",
        )
    created = site is None
    if created:
        site = Site(status=S.PROPOSED, status_since=today)
        db.session.add(site)
        site.events.append(SiteEvent(to_status=S.PROPOSED, on_date=today, actor=actor))
    site.city_id = city.id
    site.kind = kind
    site.host_organization_id = host.id
    site.action_id = action.id if action else None
    site.milestones = sorted(milestones, key=lambda m: (m.due_date, m.id))
    if not created:
        # The links are another table: without this a change to them alone would not make
        # the row's version move, and a concurrent edit would silently replace them.
        flag_modified(site, "name")
    for key, value in values.items():
        setattr(site, key, value)
    audit.record(
        actor,
        "coverage.site_created" if created else "coverage.site_updated",
        obj=site,
        details={
            "name": site.name,
            "kind": kind.value,
            "city": city.slug,
            "milestones": sorted(m.id for m in milestones),
        },
    )
    return site


def _assessed(site: Site) -> bool:
    return (
        db.session.scalar(sa.select(Assessment.id).where(Assessment.site_id == site.id).limit(1))
        is not None
    )


def allowed_moves(user: User, site: Site) -> list[SiteStatus]:
    """The statuses to offer `user` as buttons (the rules check again when one is pressed)."""
    moves = []
    for start, end in sorted(DECISIONS | DEPLOYMENT, key=lambda p: list(S).index(p[1])):
        if start is not site.status:
            continue
        if ((start, end) in DECISIONS and may_decide(user, site)) or (
            (start, end) in DEPLOYMENT and may_manage(user, site.city_id)
        ):
            moves.append(end)
    return moves


def move(
    actor: User,
    site: Site,
    to_status,
    *,
    note: str,
    on_date: date | None,
    today: date,
    expected_version=None,
    now: datetime | None = None,
) -> None:
    """A decision (select, reject: with the written justification) or a step of the
    deployment (fitting out, opening, closing)."""
    ensure_current(site, expected_version, STALE)
    try:
        to_status = SiteStatus(to_status)
    except ValueError:
        raise InvalidInput(_l("Statut inconnu."), field="to_status") from None
    pair = (site.status, to_status)
    if pair in DECISIONS:
        _require(actor, Permission.COVERAGE_DECIDE, site.city_id)
    elif pair in DEPLOYMENT:
        _require(actor, Permission.COVERAGE_MANAGE, site.city_id)
    else:
        raise TransitionNotAllowed(
            _l(
                "Un site « %(start)s » ne peut pas passer à « %(end)s ».",
                start=STATUS_LABELS[site.status],
                end=STATUS_LABELS[to_status],
            )
        )
    day = check_day(on_date or today, "on_date")
    if day > today:
        raise InvalidInput(_l("Une date passée ou aujourd'hui."), field="on_date")
    if day < site.status_since:
        raise InvalidInput(
            _l(
                "Le statut actuel date du %(day)s : une date antérieure n'est pas possible.",
                day=site.status_since.isoformat(),
            ),
            field="on_date",
        )
    note = (note or "").strip()
    if to_status in (S.SELECTED, S.REJECTED) and not note:
        raise InvalidInput(_l("Une justification écrite est requise."), field="note")
    if to_status is S.CLOSED and not note:
        raise InvalidInput(_l("Dites pourquoi le site ferme."), field="note")
    if to_status is S.SELECTED:
        result = site_result(site)
        if result is None or result.status == selection.UNSCORED:
            raise TransitionNotAllowed(_l("Ce site n'a pas encore été évalué."))
        if result.status == selection.ELIMINATED:
            label, _reason = result.failed[0]
            raise TransitionNotAllowed(
                _l("Ce site ne remplit pas le critère éliminatoire « %(label)s ».", label=label)
            )
    if to_status is S.OPEN:
        capacity = site.seats if site.kind is SiteKind.DIGITAL_SPACE else site.wifi_capacity
        if not capacity:
            raise TransitionNotAllowed(
                _l("Renseignez d'abord la capacité du site (postes ou connexions simultanées).")
            )
    before = site.status
    if to_status in (S.SELECTED, S.REJECTED):
        site.decision_note = note
    site.status = to_status
    site.status_since = day
    site.events.append(
        SiteEvent(from_status=before, to_status=to_status, on_date=day, actor=actor, note=note)
    )
    audit.record(
        actor,
        "coverage.site_moved",
        obj=site,
        details={"from": before.value, "to": to_status.value, "on": day.isoformat()},
    )
    if to_status in (S.SELECTED, S.REJECTED):
        notifications.site_decided(actor, site, note=note, now=now)


def record_figures(
    actor: User,
    site: Site,
    *,
    seats,
    wifi_capacity,
    weekly_users,
    figures_on,
    today: date,
    expected_version=None,
) -> None:
    ensure_current(site, expected_version, STALE)
    if not may_report(actor, site):
        raise NotAllowed(
            _l("Seuls le programme et l'organisme d'accueil renseignent ces chiffres.")
        )
    if site.status not in WITH_FIGURES:
        raise TransitionNotAllowed(
            _l("Les chiffres se renseignent pendant le déploiement et une fois le site ouvert.")
        )
    values = {
        "seats": _count(seats, "seats"),
        "wifi_capacity": _count(wifi_capacity, "wifi_capacity"),
        "weekly_users": _count(weekly_users, "weekly_users"),
    }
    if values["weekly_users"] is not None and site.status is not S.OPEN:
        raise InvalidInput(
            _l("La fréquentation se mesure une fois le site ouvert."), field="weekly_users"
        )
    capacity = "seats" if site.kind is SiteKind.DIGITAL_SPACE else "wifi_capacity"
    if site.status is S.OPEN and not values[capacity]:
        # It was required to open; an open site keeps it.
        raise InvalidInput(_l("Un site ouvert garde sa capacité."), field=capacity)
    day = check_day(figures_on or today, "figures_on")
    if day > today:
        raise InvalidInput(_l("Une date passée ou aujourd'hui."), field="figures_on")
    for key, value in values.items():
        setattr(site, key, value)
    site.figures_on = day
    audit.record(
        actor,
        "coverage.site_figures",
        obj=site,
        details={k: v for k, v in values.items() if v is not None} | {"on": day.isoformat()},
    )


# --- Criteria and assessment ------------------------------------------------------------------


def criteria_set(city_id: int, kind: SiteKind) -> CriteriaSet | None:
    return db.session.scalar(
        sa.select(CriteriaSet)
        .where(CriteriaSet.city_id == city_id, CriteriaSet.kind == kind)
        .options(selectinload(CriteriaSet.criteria))
    )


def criteria_text(criteria_set: CriteriaSet | None) -> str:
    if criteria_set is None:
        return ""
    return selection.grid_text(
        (c.label, c.eliminatory, c.weight and c.weight.normalize(), 0)
        for c in criteria_set.criteria
    )


def criteria_locked(city_id: int, kind: SiteKind) -> bool:
    """Once a site has been assessed, the published criteria no longer change."""
    return (
        db.session.scalar(
            sa.select(Assessment.id)
            .join(Site)
            .where(Site.city_id == city_id, Site.kind == kind)
            .limit(1)
        )
        is not None
    )


def save_criteria(
    actor: User, city: City, kind: SiteKind, text: str, *, expected_version=None
) -> CriteriaSet:
    _require(actor, Permission.COVERAGE_MANAGE, city.id)
    existing = criteria_set(city.id, kind)
    if existing is not None:
        ensure_current(existing, expected_version, STALE)
    if criteria_locked(city.id, kind):
        raise TransitionNotAllowed(
            _l("Des sites sont déjà évalués sur ces critères : ils ne changent plus.")
        )
    rows = selection.check_grid(
        selection.parse_grid(text),
        label_limit=SiteCriterion.label.type.length,
        scored_name=_l("critère pondéré"),
        allow_children=False,
    )
    if existing is None:
        existing = CriteriaSet(city_id=city.id, kind=kind)
        db.session.add(existing)
    else:
        existing.criteria.clear()
        flag_modified(existing, "kind")  # a new version: a concurrent edit becomes stale
        db.session.flush()
    for position, row in enumerate(rows):
        existing.criteria.append(
            SiteCriterion(
                kind=CriterionKind.ELIMINATORY if row.eliminatory else CriterionKind.TECHNICAL,
                label=row.label,
                weight=row.points,
                position=position,
            )
        )
    audit.record(
        actor,
        "coverage.criteria_set",
        obj=existing,
        details={
            "city": city.slug,
            "kind": kind.value,
            "criteria": [[r.label, str(r.points) if r.points else "!"] for r in rows],
        },
    )
    return existing


@dataclass(frozen=True)
class AnswerInput:
    points: object = None
    passed: bool | None = None
    reason: str = ""


def own_assessment(user: User, site: Site) -> Assessment | None:
    return db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.site_id == site.id, Assessment.assessor_id == user.id)
        .options(selectinload(Assessment.answers))
    )


def save_assessment(
    actor: User,
    site: Site,
    answers: dict[int, AnswerInput],
    *,
    comment: str = "",
    today: date,
    expected_version=None,
    now: datetime | None = None,
) -> Assessment:
    """An assessor's answers on every criterion of the site's set; saved again, they replace
    the previous ones until the site is decided."""
    _require(actor, Permission.COVERAGE_ASSESS, site.city_id)
    if site.status not in ASSESSABLE:
        raise TransitionNotAllowed(_l("Ce site est décidé : son évaluation est close."))
    grid = criteria_set(site.city_id, site.kind)
    if grid is None or not grid.criteria:
        raise TransitionNotAllowed(
            _l("La ville n'a pas encore publié ses critères pour ce type de site.")
        )
    assessment = own_assessment(actor, site)
    if assessment is not None:
        ensure_current(assessment, expected_version, STALE)
    rows = []
    for criterion in grid.criteria:
        answer = answers.get(criterion.id) or AnswerInput()
        field = f"criterion-{criterion.id}"
        if criterion.eliminatory:
            if answer.passed is None:
                raise InvalidInput(
                    _l("« %(label)s » : rempli ou non ?", label=criterion.label), field=field
                )
            reason = (answer.reason or "").strip()
            if answer.passed is False and not reason:
                raise InvalidInput(
                    _l(
                        "« %(label)s » : dites pourquoi il n'est pas rempli.", label=criterion.label
                    ),
                    field=field,
                )
            rows.append(
                AssessmentAnswer(criterion_id=criterion.id, passed=answer.passed, reason=reason)
            )
            continue
        text = str(answer.points if answer.points is not None else "").strip().replace(",", ".")
        try:
            points = Decimal(text) if text else None
        except InvalidOperation:
            points = None
        if (
            points is None
            or not points.is_finite()
            or not 0 <= points <= criterion.weight
            or points != points.quantize(Decimal("0.01"))
        ):
            raise InvalidInput(
                _l(
                    "« %(label)s » : une note entre 0 et %(max)s, deux décimales au plus.",
                    label=criterion.label,
                    max=plain_number(criterion.weight),
                ),
                field=field,
            )
        rows.append(AssessmentAnswer(criterion_id=criterion.id, points=points, reason=""))
    created = assessment is None
    if created:
        assessment = Assessment(site=site, assessor=actor)
        db.session.add(assessment)
    else:
        assessment.answers.clear()
        db.session.flush()
    assessment.comment = (comment or "").strip()
    assessment.answers.extend(rows)
    if not created:
        flag_modified(assessment, "comment")  # a new version: two tabs at once, one is stale
    db.session.flush()
    result = site_result(site)
    site.score = result.total
    site.eliminated = result.status == selection.ELIMINATED
    newly_assessed = site.status is S.PROPOSED
    if newly_assessed:
        site.status = S.ASSESSED
        site.status_since = today
        site.events.append(
            SiteEvent(from_status=S.PROPOSED, to_status=S.ASSESSED, on_date=today, actor=actor)
        )
    audit.record(
        actor,
        "coverage.site_assessed",
        obj=site,
        # The points are on the ranking; the trail says who assessed and when.
        details={"assessment": "created" if created else "updated"},
    )
    if newly_assessed:
        notifications.site_assessed(actor, site, now=now)
    return assessment


def site_assessments(site: Site) -> list[Assessment]:
    """Each assessor's answers, for the people who run, score or decide the selection."""
    return db.session.scalars(
        sa.select(Assessment)
        .where(Assessment.site_id == site.id)
        .options(joinedload(Assessment.assessor), selectinload(Assessment.answers))
        .order_by(Assessment.id)
    ).all()


# --- The ranking ------------------------------------------------------------------------------


@dataclass
class Ranking:
    city: City
    kind: SiteKind
    criteria_set: CriteriaSet | None
    rows: list[tuple[Site, selection.CandidateResult]]

    @property
    def criteria(self) -> list[SiteCriterion]:
        return list(self.criteria_set.criteria) if self.criteria_set else []

    @property
    def scored(self) -> list[SiteCriterion]:
        return [c for c in self.criteria if not c.eliminatory]


def _grid(criteria_set: CriteriaSet | None) -> list[selection.GridCriterion]:
    if criteria_set is None:
        return []
    return [
        selection.GridCriterion(c.id, c.label, c.eliminatory, c.weight)
        for c in criteria_set.criteria
    ]


def _sheets(*where) -> dict[int, list[list[selection.Answer]]]:
    """Each site's answer sheets, one per assessor, read in one query whatever their number."""
    rows = db.session.execute(
        sa.select(
            Assessment.site_id,
            Assessment.id,
            AssessmentAnswer.criterion_id,
            AssessmentAnswer.points,
            AssessmentAnswer.passed,
            AssessmentAnswer.reason,
        )
        .join(AssessmentAnswer, AssessmentAnswer.assessment_id == Assessment.id)
        .join(Site, Site.id == Assessment.site_id)
        .where(*where)
        .order_by(Assessment.id, AssessmentAnswer.id)
    ).all()
    by_assessment: dict[int, list[selection.Answer]] = {}
    sheets: dict[int, list[list[selection.Answer]]] = defaultdict(list)
    for site_id, assessment_id, criterion_id, points, passed, reason in rows:
        if assessment_id not in by_assessment:
            by_assessment[assessment_id] = []
            sheets[site_id].append(by_assessment[assessment_id])
        by_assessment[assessment_id].append(selection.Answer(criterion_id, points, passed, reason))
    return sheets


def ranking(city: City, kind: SiteKind) -> Ranking:
    """Every site of the city and kind, ranked on the assessors' mean points per criterion."""
    grid_set = criteria_set(city.id, kind)
    sites = db.session.scalars(
        sa.select(Site)
        .where(Site.city_id == city.id, Site.kind == kind)
        .options(joinedload(Site.host_organization))
        .order_by(Site.name, Site.id)
    ).all()
    sheets = _sheets(Site.city_id == city.id, Site.kind == kind)
    results = selection.rank_candidates(
        _grid(grid_set), [(s.id, sheets.get(s.id, [])) for s in sites]
    )
    by_id = {s.id: s for s in sites}
    return Ranking(city, kind, grid_set, [(by_id[r.key], r) for r in results])


def site_result(
    site: Site, grid_set: CriteriaSet | None = None
) -> selection.CandidateResult | None:
    grid_set = grid_set or criteria_set(site.city_id, site.kind)
    if grid_set is None:
        return None
    sheets = _sheets(Site.id == site.id)
    return selection.rank_candidates(_grid(grid_set), [(site.id, sheets.get(site.id, []))])[0]


def site_rows(sites) -> tuple[list[str], list[list[object]]]:
    """The sites list as a table, for its CSV and XLSX exports."""
    headers = [
        _("Site"),
        _("Ville"),
        _("Quartier"),
        _("Type"),
        _("Adresse"),
        _("Latitude"),
        _("Longitude"),
        _("Organisme d'accueil"),
        _("Coût estimé (MAD)"),
        _("Statut"),
        _("Depuis le"),
        _("Postes"),
        _("Connexions Wi-Fi simultanées"),
        _("Usagers par semaine"),
    ]
    rows = [
        [
            s.name,
            s.city.name,
            s.district,
            str(KIND_LABELS[s.kind]),
            s.address,
            s.latitude,
            s.longitude,
            s.host_organization.short_name,
            s.estimated_cost,
            str(STATUS_LABELS[s.status]),
            s.status_since,
            s.seats,
            s.wifi_capacity,
            s.weekly_users,
        ]
        for s in sites
    ]
    return headers, rows


def rank_of(site: Site) -> int | None:
    """The site's rank among its city's sites of its kind: one more than the number of
    ranked ones with a higher score (equal scores share a rank, as in the ranking)."""
    if site.score is None or site.eliminated:
        return None
    higher = db.session.scalar(
        sa.select(sa.func.count(Site.id)).where(
            Site.city_id == site.city_id,
            Site.kind == site.kind,
            Site.eliminated.is_(False),
            Site.score > site.score,
        )
    )
    return higher + 1


STATUS_LABELS = labels.SITE_STATUS_LABELS
KIND_LABELS = labels.SITE_KIND_LABELS
MOVE_LABELS = labels.SITE_MOVE_LABELS
PROGRESS_LABELS = labels.SITE_PROGRESS_LABELS
