"""A city's involvement scenarios: the list, a scenario's business model, and its drafting
(details, parties, cash-flow lines)."""

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from portal.authz import Permission, can, require
from portal.extensions import db
from portal.forms.scenarios import LineForm, PartyForm, ScenarioForm
from portal.forms.tenders import VersionForm
from portal.models.scenarios import EDITABLE, Scenario, ScenarioLine, ScenarioParty
from portal.services import scenarios as service
from portal.services.organizations import all_cities, all_organizations
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
    get_city_or_404,
)

bp = Blueprint("scenarios", __name__, url_prefix="/scenarios")


def _scenario_or_404(scenario_id: int) -> Scenario:
    """A scenario its reader may see, with what its page shows loaded at once."""
    scenario = db.session.scalar(
        sa.select(Scenario)
        .where(Scenario.id == scenario_id)
        .options(
            joinedload(Scenario.city),
            selectinload(Scenario.parties).joinedload(ScenarioParty.organization),
            selectinload(Scenario.lines),
            selectinload(Scenario.layers),
            selectinload(Scenario.risks),
            selectinload(Scenario.coverage),
            selectinload(Scenario.events),
        )
    )
    if scenario is None or not service.may_view(acting_user(), scenario):
        abort(404)
    return scenario


def _drafted_or_403(scenario_id: int) -> Scenario:
    scenario = _scenario_or_404(scenario_id)
    if not service.may_draft(acting_user(), scenario.city_id):
        abort(403)
    return scenario


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
    scenarios = db.session.scalars(
        sa.select(Scenario)
        .where(Scenario.city_id == city.id, service.visible(user, city.id))
        .options(selectinload(Scenario.lines), selectinload(Scenario.parties))
        .order_by(Scenario.name)
    ).all()
    return render_template(
        "scenarios/city.html",
        city=city,
        scenarios=scenarios,
        figures={s.id: service.figures(s) for s in scenarios},
        can_draft=service.may_draft(user, city.id),
    )


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


@bp.route("/<id:scenario_id>")
@require(Permission.SCENARIOS_VIEW)
def detail(scenario_id: int):
    scenario = _scenario_or_404(scenario_id)
    user = acting_user()
    return render_template(
        "scenarios/detail.html",
        scenario=scenario,
        figures=service.figures(scenario),
        can_draft=scenario.editable and service.may_draft(user, scenario.city_id),
        version_form=VersionForm(formdata=None, version=scenario.version),
    )


# --- Parties ----------------------------------------------------------------------------------


def _party_or_404(scenario: Scenario, party_id: int) -> ScenarioParty:
    party = next((p for p in scenario.parties if p.id == party_id), None)
    if party is None:
        abort(404)
    return party


@bp.route("/<id:scenario_id>/parties/new", methods=["GET", "POST"])
@require(Permission.SCENARIOS_DRAFT)
def create_party(scenario_id: int):
    return _party_form(_drafted_or_403(scenario_id), None)


@bp.route("/<id:scenario_id>/parties/<id:party_id>/edit", methods=["GET", "POST"])
@require(Permission.SCENARIOS_DRAFT)
def edit_party(scenario_id: int, party_id: int):
    scenario = _drafted_or_403(scenario_id)
    return _party_form(scenario, _party_or_404(scenario, party_id))


def _party_form(scenario: Scenario, party: ScenarioParty | None):
    form = PartyForm(obj=party if request.method == "GET" else None)
    form.set_choices(all_organizations())
    if request.method == "GET":
        form.organization_id.data = party.organization_id if party else 0
        form.version.data = scenario.version
    return form_page(
        form,
        "scenarios/party_form.html",
        lambda: service.save_party(
            acting_user(),
            scenario,
            party,
            name=form.name.data,
            organization_id=form.organization_id.data,
            role=form.role.data,
            expected_version=form_version(form),
        ),
        done=_("Partie enregistrée."),
        to=url_for("scenarios.detail", scenario_id=scenario.id, _anchor="parties"),
        current=lambda: _scenario_or_404(scenario.id).version,
        scenario=scenario,
        party=party,
    )


@bp.route("/<id:scenario_id>/parties/<id:party_id>/delete", methods=["POST"])
@require(Permission.SCENARIOS_DRAFT)
def delete_party(scenario_id: int, party_id: int):
    scenario = _drafted_or_403(scenario_id)
    party = _party_or_404(scenario, party_id)
    form = VersionForm()
    return act(
        lambda: service.delete_party(
            acting_user(), scenario, party, expected_version=form_version(form)
        ),
        done=_("Partie retirée."),
        to=url_for("scenarios.detail", scenario_id=scenario.id, _anchor="parties"),
        again=lambda saved: _redirect_back(scenario),
    )


def _redirect_back(scenario: Scenario):
    return redirect(url_for("scenarios.detail", scenario_id=scenario.id))


# --- Lines ------------------------------------------------------------------------------------


def _line_or_404(scenario: Scenario, line_id: int) -> ScenarioLine:
    line = next((row for row in scenario.lines if row.id == line_id), None)
    if line is None:
        abort(404)
    return line


@bp.route("/<id:scenario_id>/lines/new", methods=["GET", "POST"])
@require(Permission.SCENARIOS_DRAFT)
def create_line(scenario_id: int):
    return _line_form(_drafted_or_403(scenario_id), None)


@bp.route("/<id:scenario_id>/lines/<id:line_id>/edit", methods=["GET", "POST"])
@require(Permission.SCENARIOS_DRAFT)
def edit_line(scenario_id: int, line_id: int):
    scenario = _drafted_or_403(scenario_id)
    return _line_form(scenario, _line_or_404(scenario, line_id))


def _line_form(scenario: Scenario, line: ScenarioLine | None):
    form = LineForm(obj=line if request.method == "GET" else None)
    form.set_choices(scenario.parties)
    if request.method == "GET":
        form.version.data = scenario.version
        if line is not None:
            form.kind.data = line.kind.value
            if line.transfer_kind is not None:
                form.transfer_kind.data = line.transfer_kind.value
            for name in ("party_id", "source_id", "target_id"):
                getattr(form, name).data = getattr(line, name) or 0
            form.start_year.data = str(line.start_year)
            form.end_year.data = str(line.end_year)
            form.amount.data = f"{line.amount:f}"
            form.growth.data = f"{(line.growth * 100).normalize():f}"
    return form_page(
        form,
        "scenarios/line_form.html",
        lambda: service.save_line(
            acting_user(),
            scenario,
            line,
            label=form.label.data,
            kind=form.kind.data,
            transfer_kind=form.transfer_kind.data,
            party_id=form.party_id.data,
            source_id=form.source_id.data,
            target_id=form.target_id.data,
            start_year=form.start_year.data,
            end_year=form.end_year.data,
            amount=form.amount.data,
            growth=form.growth.data,
            expected_version=form_version(form),
        ),
        done=_("Ligne enregistrée."),
        to=url_for("scenarios.detail", scenario_id=scenario.id, _anchor="lines"),
        current=lambda: _scenario_or_404(scenario.id).version,
        scenario=scenario,
        line=line,
    )


@bp.route("/<id:scenario_id>/lines/<id:line_id>/delete", methods=["POST"])
@require(Permission.SCENARIOS_DRAFT)
def delete_line(scenario_id: int, line_id: int):
    scenario = _drafted_or_403(scenario_id)
    line = _line_or_404(scenario, line_id)
    form = VersionForm()
    return act(
        lambda: service.delete_line(
            acting_user(), scenario, line, expected_version=form_version(form)
        ),
        done=_("Ligne retirée."),
        to=url_for("scenarios.detail", scenario_id=scenario.id, _anchor="lines"),
        again=lambda saved: _redirect_back(scenario),
    )
