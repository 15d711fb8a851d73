"""A decision that carries out its object's own transition: approving a milestone at the
body's level, accepting a due-date change, endorsing a scenario. The meeting calls the
object's own service with the person who records the decision, so it never lets anyone do
more than they could on the object's page; the object's history names the meeting."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal import authz
from portal.authz import Permission
from portal.extensions import db
from portal.models.governance import AgendaItem, Meeting
from portal.models.milestones import (
    DELIVERY_STATUSES,
    ChangeRequest,
    ChangeRequestStatus,
    Milestone,
)
from portal.models.scenarios import Scenario
from portal.models.users import User
from portal.services import milestones
from portal.services.errors import InvalidInput, TransitionNotAllowed
from portal.services.scenarios.decision import allowed_moves, move


@dataclass(frozen=True)
class Carried:
    name: str
    label: object


MILESTONE_MOVES = {
    "milestone_approve_local": ("approve_local", "return_local"),
    "milestone_approve_central": ("approve_central", "return_central"),
}
CHANGE_MOVES = (
    Carried("accept", _l("Accepter le report")),
    Carried("refuse", _l("Refuser le report")),
)
SCENARIO_MOVES = {
    "scenario_endorse": (
        Carried("endorse", _l("Avaliser le scénario")),
        Carried("return_local", _l("Renvoyer le scénario")),
    ),
    "scenario_approve": (
        Carried("approve", _l("Approuver le scénario")),
        Carried("return_central", _l("Renvoyer le scénario")),
    ),
}


def label_of(source: str, name: str):
    """How the meeting's page and minutes name a transition a decision carried out."""
    if source in MILESTONE_MOVES and name in milestones.BY_NAME:
        return milestones.BY_NAME[name].label
    for carried in (*CHANGE_MOVES, *SCENARIO_MOVES.get(source, ())):
        if carried.name == name:
            return carried.label
    return name


# The agenda sources whose decision may carry out a transition.
SOURCES = frozenset({*MILESTONE_MOVES, "change_request_decide", *SCENARIO_MOVES})
GONE = _l("L'objet de ce point n'existe plus.")


def reference(meeting: Meeting) -> dict:
    """What the object's history keeps of the meeting."""
    return {"meeting": meeting.id, "meeting_body": meeting.body.name}


def choices(user: User, item: AgendaItem) -> list[Carried]:
    """The transitions this person may carry out on the item's object now: those the
    object's page would offer them."""
    if item.object_id is None:
        return []
    if item.source in MILESTONE_MOVES:
        found = db.session.get(Milestone, item.object_id)
        if found is None:
            return []
        wanted = MILESTONE_MOVES[item.source]
        return [
            Carried(t.name, t.label)
            for t in milestones.available_transitions(user, found)
            if t.name in wanted
        ]
    if item.source == "change_request_decide":
        change = db.session.get(ChangeRequest, item.object_id)
        if (
            change is None
            or change.status is not ChangeRequestStatus.PENDING
            or change.milestone.status not in DELIVERY_STATUSES
            or not authz.can(
                user, Permission.CHANGE_REQUESTS_DECIDE, city_id=change.milestone.city_id
            )
        ):
            return []
        return list(CHANGE_MOVES)
    if item.source in SCENARIO_MOVES:
        scenario = db.session.get(Scenario, item.object_id)
        if scenario is None:
            return []
        allowed = set(allowed_moves(user, scenario))
        return [c for c in SCENARIO_MOVES[item.source] if c.name in allowed]
    return []


def _names(item: AgendaItem) -> tuple[str, ...]:
    if item.source in MILESTONE_MOVES:
        return MILESTONE_MOVES[item.source]
    if item.source == "change_request_decide":
        return tuple(c.name for c in CHANGE_MOVES)
    if item.source in SCENARIO_MOVES:
        return tuple(c.name for c in SCENARIO_MOVES[item.source])
    return ()


def carry_out(
    actor: User, meeting: Meeting, item: AgendaItem, name: str, *, text: str, now: datetime
) -> None:
    """The object's own service call, as its page makes it: its permission, its states and
    its required reason apply unchanged, and its refusal is the meeting's refusal."""
    if name not in _names(item):
        raise InvalidInput(_l("Cette décision ne s'applique pas à ce point."), field="carry_out")
    if item.source in MILESTONE_MOVES:
        found = db.session.get(Milestone, item.object_id)
        if found is None:
            raise TransitionNotAllowed(GONE)
        milestones.apply_transition(
            actor, found, name, comment=text, now=now, meeting=reference(meeting)
        )
    elif item.source == "change_request_decide":
        change = db.session.get(ChangeRequest, item.object_id)
        if change is None:
            raise TransitionNotAllowed(GONE)
        milestones.decide_change_request(
            actor,
            change,
            accept=name == "accept",
            comment=text,
            now=now,
            meeting=reference(meeting),
        )
    else:
        scenario = db.session.get(Scenario, item.object_id)
        if scenario is None:
            raise TransitionNotAllowed(GONE)
        move(actor, scenario, name, note=text, now=now, meeting=reference(meeting))
