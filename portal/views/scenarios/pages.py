"""A city's scenarios compared and exported, a scenario's page (its business model,
sensitivity, decision, ledger) and its details, set-up and lines brought in."""

import sqlalchemy as sa
from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice as Choice

from portal.authz import Permission, can, require
from portal.extensions import db
from portal.forms.scenarios import (
    AssetForm,
    CopyForm,
    MoveForm,
    ScenarioForm,
    setup_form,
)
from portal.forms.tenders import VersionForm
from portal.labels import SCENARIO_STATUS_LABELS, SENSITIVITY_NAMES
from portal.models.coverage import Indicator, IndicatorTarget
from portal.models.finance import SharedAsset
from portal.models.organizations import City
from portal.models.scenarios import (
    EDITABLE,
    Scenario,
    ScenarioLine,
)
from portal.names import local
from portal.services import scenarios as service
from portal.services import tasks
from portal.services.organizations import all_cities
from portal.services.scenarios import charts as scenario_charts
from portal.services.scenarios import exports as scenario_exports
from portal.views._common import (
    XLSX,
    act,
    acting_user,
    attachment,
    form_page,
    form_version,
    get_city_or_404,
    moment,
    paginate,
)
from portal.views.scenarios.base import _drafted_or_403, _scenario_or_404, bp


@bp.route("")
@require(Permission.SCENARIOS_VIEW)
def programme():
    user = acting_user()
    cities = [c for c in all_cities() if can(user, Permission.SCENARIOS_VIEW, city_id=c.id)]
    drafts_seen = {c.id for c in cities if service.may_see_drafts(user, c.id)}
    counts: dict[int, dict] = {}
    for city_id, status, n in db.session.execute(
        sa.select(Scenario.city_id, Scenario.status, sa.func.count()).group_by(
            Scenario.city_id, Scenario.status
        )
    ):
        if status not in EDITABLE or city_id in drafts_seen:
            counts.setdefault(city_id, {})[status] = n
    return render_template("scenarios/programme.html", cities=cities, counts=counts)


@bp.route("/cities/<slug>")
@require(Permission.SCENARIOS_VIEW)
def city(slug: str):
    city = get_city_or_404(slug)
    user = acting_user()
    scenarios = _city_scenarios(city)
    figures = _figures(scenarios)
    # Every party named in any of them, in the order they first appear: one row each.
    party_names = list(
        dict.fromkeys(name for s in scenarios for name in figures[s.id].evaluation.parties)
    )
    return render_template(
        "scenarios/city.html",
        city=city,
        scenarios=scenarios,
        figures=figures,
        party_names=party_names,
        charts={
            s.id: scenario_charts.cumulative_chart(
                figures[s.id].evaluation,
                title=_("%(scenario)s : position cumulée de chaque partie", scenario=s.name),
                unit=_("M MAD"),
            )
            for s in scenarios
        },
        can_draft=service.may_draft(user, city.id),
    )


def _city_scenarios(city, *, lines: bool = False) -> list[Scenario]:
    """The city's scenarios its reader may see, with their parties and coverage, and their
    lines when asked (a page reads them as rows instead: `_figures`)."""
    options = [selectinload(Scenario.parties), selectinload(Scenario.coverage)]
    if lines:
        options.append(selectinload(Scenario.lines))
    return db.session.scalars(
        sa.select(Scenario)
        .where(Scenario.city_id == city.id, service.visible(acting_user(), city.id))
        .options(*options)
        .order_by(Scenario.name)
    ).all()


def _figures(scenarios) -> dict:
    """Each scenario's figures, its lines read in one query as plain rows: the comparison
    of ten scenarios of two hundred lines each builds no line object."""
    columns = [getattr(ScenarioLine, name) for name in service.LINE_COLUMNS]
    rows: dict[int, list] = {s.id: [] for s in scenarios if not service.known(s)}
    if rows:
        for row in db.session.execute(
            sa.select(ScenarioLine.scenario_id, *columns)
            .where(ScenarioLine.scenario_id.in_(list(rows)))
            .order_by(ScenarioLine.scenario_id, ScenarioLine.position, ScenarioLine.id)
        ):
            rows[row.scenario_id].append(row)
    return {s.id: service.figures(s, rows.get(s.id)) for s in scenarios}


@bp.route("/cities/<slug>/comparison.<fmt>")
@require(Permission.SCENARIOS_VIEW)
def export(slug: str, fmt: str):
    if fmt not in ("pdf", "xlsx"):
        abort(404)
    city = get_city_or_404(slug)
    scenarios = _city_scenarios(city, lines=True)
    figures = {s.id: service.figures(s) for s in scenarios}
    name = f"scenarios-{city.slug}"
    if fmt == "pdf":
        return attachment(
            scenario_exports.pdf(city, scenarios, figures), "application/pdf", f"{name}.pdf"
        )
    return attachment(scenario_exports.workbook(city, scenarios, figures), XLSX, f"{name}.xlsx")


@bp.route("/cities/<slug>/new", methods=["GET", "POST"])
@require(Permission.SCENARIOS_DRAFT)
def create(slug: str):
    city = get_city_or_404(slug)
    if not service.may_draft(acting_user(), city.id):
        abort(403)
    return _scenario_form(ScenarioForm(), None, city)


@bp.route("/<id:scenario_id>/edit", methods=["GET", "POST"])
@require(Permission.SCENARIOS_DRAFT)
def edit(scenario_id: int):
    scenario = _drafted_or_403(scenario_id)
    form = ScenarioForm(obj=scenario if request.method == "GET" else None)
    if request.method == "GET":
        form.investment_model.data = scenario.investment_model.value
        form.horizon_years.data = str(scenario.horizon_years)
        form.discount_rate.data = f"{(scenario.discount_rate * 100).normalize():f}"
        form.version.data = scenario.version
    return _scenario_form(form, scenario, scenario.city)


def _scenario_form(form: ScenarioForm, scenario: Scenario | None, city):
    return form_page(
        form,
        "scenarios/form.html",
        lambda: service.save_scenario(
            acting_user(),
            scenario,
            city_id=city.id,
            name=form.name.data,
            description=form.description.data,
            investment_model=form.investment_model.data,
            horizon_years=form.horizon_years.data,
            discount_rate=form.discount_rate.data,
            expected_version=form_version(form) if scenario else None,
        ),
        done=_("Scénario enregistré."),
        to=lambda saved: url_for("scenarios.detail", scenario_id=saved.id),
        current=(lambda: _scenario_or_404(scenario.id).version) if scenario else None,
        scenario=scenario,
        city=city,
    )


def _copy_forms(scenario: Scenario, copy_form=None, asset_form=None):
    """The forms that bring lines in: another scenario's, a shared asset's costs."""
    sources = db.session.scalars(
        sa.select(Scenario)
        .join(City, Scenario.city_id == City.id)
        .where(Scenario.id != scenario.id)
        .order_by(City.name, Scenario.name)
        .options(joinedload(Scenario.city))
    ).all()
    user = acting_user()
    copy_form = copy_form or CopyForm(formdata=None, version=scenario.version)
    copy_form.source_id.choices = [
        Choice(s.id, f"{local(s.city)} — {s.name}")
        for s in sources
        if service.may_draft(user, s.city_id) and service.may_view(user, s)
    ]
    asset_form = asset_form or AssetForm(formdata=None, version=scenario.version)
    asset_form.asset_id.choices = [
        Choice(a.id, a.name)
        for a in db.session.scalars(
            sa.select(SharedAsset)
            .where(SharedAsset.city_id == scenario.city_id)
            .order_by(SharedAsset.name)
        )
    ]
    asset_form.party_id.choices = [Choice(p.id, p.name) for p in scenario.parties]
    return copy_form, asset_form


def _detail(
    scenario: Scenario,
    *,
    status: int = 200,
    move_form: MoveForm | None = None,
    copy_form=None,
    asset_form=None,
):
    user = acting_user()
    can_draft = scenario.editable and service.may_draft(user, scenario.city_id)
    figures = service.figures(scenario)
    base, sensitivities = service.sensitivity(scenario)
    copy_form, asset_form = (
        _copy_forms(scenario, copy_form, asset_form) if can_draft else (None, None)
    )
    return render_template(
        "scenarios/detail.html",
        scenario=scenario,
        figures=figures,
        base=base,
        sensitivities=sensitivities,
        tornadoes=_tornadoes(figures.evaluation, base, sensitivities),
        cumulative_chart=scenario_charts.cumulative_chart(
            figures.evaluation,
            title=_("Position cumulée de chaque partie, par année"),
            unit=_("M MAD"),
        ),
        can_draft=can_draft,
        copy_form=copy_form,
        asset_form=asset_form,
        moves=service.allowed_moves(user, scenario),
        move_form=move_form or MoveForm(formdata=None, version=scenario.version),
        waiting=tasks.waiting_on("scenario", scenario.id, moment()),
        lines=paginate(
            sa.select(ScenarioLine)
            .where(ScenarioLine.scenario_id == scenario.id)
            .order_by(ScenarioLine.position, ScenarioLine.id),
            arg="lines",
        ),
        targets=_targets(scenario),
        version_form=VersionForm(formdata=None, version=scenario.version),
        can_draft_ledger=service.may_draft_ledger(user, scenario),
        ledger=service.drafts(scenario.id)
        if can(user, Permission.FINANCE_VIEW, city_id=scenario.city_id)
        else [],
    ), status


def _tornadoes(evaluation, base, sensitivities) -> dict:
    """A tornado of each party's NPV (and the project's, under None)."""
    found = {}
    for party in [*evaluation.parties, None]:
        cases = []
        for row in sensitivities:
            name = SENSITIVITY_NAMES[row.factor]
            cases.append((str(name), row.low[party], row.high[party]))
        found[party] = scenario_charts.tornado_chart(
            base[party],
            cases,
            title=_("Sensibilité de la VAN de %(party)s", party=party)
            if party
            else _("Sensibilité de la VAN du projet"),
            unit=_("M MAD"),
        )
    return found


def _targets(scenario: Scenario) -> dict:
    """The city's whole-city target for each indicator the scenario's coverage moves."""
    wanted = {row.indicator_id for row in scenario.coverage if row.indicator_id}
    if not wanted:
        return {}
    return {
        target.indicator_id: target
        for target in db.session.scalars(
            sa.select(IndicatorTarget).where(
                IndicatorTarget.city_id == scenario.city_id,
                IndicatorTarget.district == "",
                IndicatorTarget.indicator_id.in_(wanted),
            )
        )
    }


@bp.route("/<id:scenario_id>")
@require(Permission.SCENARIOS_VIEW)
def detail(scenario_id: int):
    return _detail(_scenario_or_404(scenario_id))


# Declared for everyone who follows scenarios: the service checks the move's own right (the
# secretariat recommends, the city endorses, the ministry approves).
@bp.route("/<id:scenario_id>/move", methods=["POST"])
@require(Permission.SCENARIOS_VIEW)
def move(scenario_id: int):
    scenario = _scenario_or_404(scenario_id)
    form = MoveForm()
    if not form.validate_on_submit():
        return _detail(scenario, status=422, move_form=form)
    return act(
        lambda: service.move(
            acting_user(),
            scenario,
            form.move.data,
            note=form.note.data,
            expected_version=form_version(form),
        ),
        done=lambda _saved: _(
            "Scénario : %(status)s.", status=SCENARIO_STATUS_LABELS[scenario.status]
        ),
        to=url_for("scenarios.detail", scenario_id=scenario_id),
        again=lambda saved: _detail(
            _scenario_or_404(scenario_id), status=saved.status, move_form=form
        ),
        form=form,
        current=lambda: _scenario_or_404(scenario_id).version,
    )


@bp.route("/<id:scenario_id>/setup", methods=["GET", "POST"])
@require(Permission.SCENARIOS_DRAFT)
def setup(scenario_id: int):
    scenario = _drafted_or_403(scenario_id)
    indicators = db.session.scalars(sa.select(Indicator).order_by(Indicator.position)).all()
    form = setup_form(scenario, indicators)
    if request.method == "GET":
        form.version.data = scenario.version
    return form_page(
        form,
        "scenarios/setup.html",
        lambda: service.save_setup(
            acting_user(), scenario, **form.values(), expected_version=form_version(form)
        ),
        done=_("Montage enregistré."),
        to=url_for("scenarios.detail", scenario_id=scenario.id, _anchor="setup"),
        current=lambda: _scenario_or_404(scenario.id).version,
        scenario=scenario,
    )


@bp.route("/<id:scenario_id>/copy", methods=["POST"])
@require(Permission.SCENARIOS_DRAFT)
def copy_lines(scenario_id: int):
    scenario = _drafted_or_403(scenario_id)
    form, _asset_form = _copy_forms(scenario, CopyForm())
    if not form.validate_on_submit():
        return _detail(scenario, status=422, copy_form=form)
    source = _scenario_or_404(form.source_id.data)
    return act(
        lambda: service.copy_lines(
            acting_user(), scenario, source, expected_version=form_version(form)
        ),
        done=lambda copied: ngettext("%(num)d ligne copiée.", "%(num)d lignes copiées.", copied),
        to=url_for("scenarios.detail", scenario_id=scenario_id, _anchor="lines"),
        again=lambda saved: _detail(
            _scenario_or_404(scenario_id), status=saved.status, copy_form=form
        ),
        form=form,
        current=lambda: _scenario_or_404(scenario_id).version,
    )


@bp.route("/<id:scenario_id>/from-asset", methods=["POST"])
@require(Permission.SCENARIOS_DRAFT)
def lines_from_asset(scenario_id: int):
    scenario = _drafted_or_403(scenario_id)
    _copy_form, form = _copy_forms(scenario, asset_form=AssetForm())
    if not form.validate_on_submit():
        return _detail(scenario, status=422, asset_form=form)
    asset = db.session.get(SharedAsset, form.asset_id.data)
    return act(
        lambda: service.lines_from_asset(
            acting_user(),
            scenario,
            asset,
            party_id=form.party_id.data,
            expected_version=form_version(form),
        ),
        done=_("Coûts de l'infrastructure repris en lignes."),
        to=url_for("scenarios.detail", scenario_id=scenario_id, _anchor="lines"),
        again=lambda saved: _detail(
            _scenario_or_404(scenario_id), status=saved.status, asset_form=form
        ),
        form=form,
        current=lambda: _scenario_or_404(scenario_id).version,
    )


@bp.route("/<id:scenario_id>/ledger", methods=["POST"])
@require(Permission.SCENARIOS_SUBMIT)
def draft_ledger(scenario_id: int):
    scenario = _scenario_or_404(scenario_id)
    form = VersionForm()

    def done(drafted) -> str:
        for reason in drafted.skipped:
            flash(reason, "info")
        return _(
            "Brouillons préparés — infrastructures partagées : %(assets)d ; conventions : "
            "%(agreements)d. Relisez-les, complétez-les et faites-les signer dans les "
            "contreparties.",
            assets=drafted.assets,
            agreements=drafted.agreements,
        )

    return act(
        lambda: service.draft_ledger(acting_user(), scenario, expected_version=form_version(form)),
        done=done,
        to=url_for("scenarios.detail", scenario_id=scenario_id, _anchor="ledger"),
        again=lambda saved: _detail(_scenario_or_404(scenario_id), status=saved.status),
    )
