"""A scenario's decision: the secretariat recommends it, the city's decision-maker endorses
or returns it, a central decision-maker approves or returns it. The approved scenario is
the city's reference; approving another later replaces it, which stays for the record."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import authz
from portal.authz import Permission
from portal.extensions import db
from portal.models.scenarios import (
    EDITABLE,
    IN_DECISION,
    Scenario,
    ScenarioEvent,
    ScenarioStatus,
)
from portal.models.types import utcnow
from portal.models.users import User
from portal.services import audit, inputs, notifications
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)
from portal.services.scenarios.drafting import STALE
from portal.services.scenarios.engine import check
from portal.services.scenarios.evaluation import model_of

S = ScenarioStatus

# Each move: the statuses it leaves from, where it goes, who makes it, and whether a
# reason must be given.
MOVES = {
    "submit": (EDITABLE, S.SUBMITTED, Permission.SCENARIOS_SUBMIT, False),
    "endorse": (frozenset({S.SUBMITTED}), S.ENDORSED, Permission.SCENARIOS_ENDORSE, False),
    "approve": (frozenset({S.ENDORSED}), S.APPROVED, Permission.SCENARIOS_APPROVE, False),
    "return_local": (frozenset({S.SUBMITTED}), S.RETURNED, Permission.SCENARIOS_ENDORSE, True),
    "return_central": (frozenset({S.ENDORSED}), S.RETURNED, Permission.SCENARIOS_APPROVE, True),
}


def allowed_moves(user: User, scenario: Scenario) -> list[str]:
    """The moves this person may make on the scenario now (the same checks `move` makes)."""
    return [
        name
        for name, (sources, _target, permission, _reason) in MOVES.items()
        if scenario.status in sources and authz.can(user, permission, city_id=scenario.city_id)
    ]


def _event(actor, scenario: Scenario, target: ScenarioStatus, note: str, now, meeting=None):
    scenario.events.append(
        ScenarioEvent(
            from_status=scenario.status,
            to_status=target,
            actor_id=actor.id,
            note=note,
            occurred_at=now,
            meeting_id=(meeting or {}).get("meeting"),
        )
    )
    scenario.status = target
    scenario.status_since = now


def move(
    actor: User,
    scenario: Scenario,
    name: str,
    *,
    note: str = "",
    expected_version=None,
    now: datetime | None = None,
    meeting: dict | None = None,
) -> None:
    """`meeting`: the reference of the meeting whose decision this is, kept in the history."""
    if name not in MOVES:
        raise InvalidInput(_l("Valeur inconnue."), field="move")
    sources, target, permission, reason_required = MOVES[name]
    if not authz.can(actor, permission, city_id=scenario.city_id):
        raise NotAllowed(_l("Cette décision ne vous revient pas pour cette ville."))
    ensure_current(scenario, expected_version, STALE)
    if scenario.status not in sources:
        raise TransitionNotAllowed(
            _l("Ce changement n'est pas possible depuis l'état actuel du scénario.")
        )
    note = inputs.text(note, "note", required=reason_required, limit=5000)
    now = now or utcnow()
    if name == "submit":
        if not scenario.lines:
            raise TransitionNotAllowed(
                _l("Un scénario sans ligne n'a pas de modèle économique à recommander.")
            )
        check(model_of(scenario))
        pending = db.session.scalar(
            sa.select(Scenario.name).where(
                Scenario.city_id == scenario.city_id,
                Scenario.status.in_(IN_DECISION),
                Scenario.id != scenario.id,
            )
        )
        if pending is not None:
            raise TransitionNotAllowed(
                _l(
                    "La ville a déjà un scénario en décision : « %(name)s ». Un seul à la fois.",
                    name=pending,
                )
            )
    if name == "approve":
        # The previous reference stays, for the record, as replaced.
        for previous in db.session.scalars(
            sa.select(Scenario).where(
                Scenario.city_id == scenario.city_id, Scenario.status == S.APPROVED
            )
        ):
            _event(actor, previous, S.SUPERSEDED, "", now)
            audit.record(actor, "scenario.superseded", obj=previous, details={"by": scenario.name})
    before = scenario.status
    _event(actor, scenario, target, note, now, meeting)
    audit.record(
        actor,
        f"scenario.{name}",
        obj=scenario,
        details={"from": before.value, "to": target.value, "note": note},
    )
    notifications.scenario_moved(actor, scenario, note=note, now=now)
