"""A scenario's parties and cash-flow lines, added, edited and removed."""

from flask import abort, request, url_for
from flask_babel import gettext as _

from portal.authz import Permission, require
from portal.forms.scenarios import (
    LineForm,
    PartyForm,
)
from portal.forms.tenders import VersionForm
from portal.models.scenarios import (
    Scenario,
    ScenarioLine,
    ScenarioParty,
)
from portal.services import scenarios as service
from portal.services.organizations import all_organizations
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
)
from portal.views.scenarios.base import _drafted_or_403, _redirect_back, _scenario_or_404, bp

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
    return _remove(scenario, service.delete_party, party, _("Partie retirée."), "parties")


def _remove(scenario: Scenario, remove, what, done: str, anchor: str):
    """Remove a party or a line of the scenario, as the version the page was loaded with."""
    form = VersionForm()
    return act(
        lambda: remove(acting_user(), scenario, what, expected_version=form_version(form)),
        done=done,
        to=url_for("scenarios.detail", scenario_id=scenario.id, _anchor=anchor),
        again=lambda saved: _redirect_back(scenario),
    )


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
    return _remove(scenario, service.delete_line, line, _("Ligne retirée."), "lines")
