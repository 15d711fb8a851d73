"""The scenarios blueprint and what its pages share: loading a scenario its reader may see,
and one they draft."""

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, url_for
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.models.scenarios import Scenario, ScenarioCoverage, ScenarioEvent, ScenarioParty
from portal.services import scenarios as service
from portal.views._common import acting_user

bp = Blueprint("scenarios", __name__, url_prefix="/scenarios")


def _scenario_or_404(scenario_id: int) -> Scenario:
    """A scenario its reader may see, with what its page shows loaded at once."""
    scenario = db.session.scalar(
        sa.select(Scenario)
        .where(Scenario.id == scenario_id)
        .options(
            joinedload(Scenario.city),
            selectinload(Scenario.parties).joinedload(ScenarioParty.organization),
            selectinload(Scenario.layers),
            selectinload(Scenario.risks),
            selectinload(Scenario.coverage).joinedload(ScenarioCoverage.indicator),
            selectinload(Scenario.events).joinedload(ScenarioEvent.actor),
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


def _redirect_back(scenario: Scenario):
    return redirect(url_for("scenarios.detail", scenario_id=scenario.id))
