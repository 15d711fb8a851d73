"""A decision that carries out its object's own transition: approving or returning a
milestone at the body's level, accepting or refusing a due-date change, endorsing or
approving a scenario, selecting or rejecting a site, awarding a tender. The meeting calls
the object's own service with the person who records the decision, so it never lets anyone
do more than they could on the object's page; the object's history names the meeting."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal import authz, clock
from portal.authz import Permission
from portal.extensions import db
from portal.models.coverage import Site, SiteStatus
from portal.models.governance import AgendaItem, Meeting
from portal.models.milestones import (
    DELIVERY_STATUSES,
    ChangeRequest,
    ChangeRequestStatus,
    Milestone,
)
from portal.models.scenarios import Scenario
from portal.models.tenders import Tender, TenderStage
from portal.models.users import User
from portal.services import milestones
from portal.services.coverage.sites import allowed_moves as site_moves
from portal.services.coverage.sites import move as site_move
from portal.services.errors import InvalidInput, TransitionNotAllowed
from portal.services.scenarios.decision import allowed_moves as scenario_moves
from portal.services.scenarios.decision import move as scenario_move
from portal.services.tenders.stages import advance

GONE = _l("L'objet de ce point n'existe plus.")


@dataclass(frozen=True)
class Carried:
    name: str
    label: object


@dataclass(frozen=True)
class Kind:
    """What a decision may carry out on the objects of one agenda source."""

    model: type
    moves: tuple[Carried, ...]
    # The moves the object's page would offer this person now.
    offered: Callable[[User, object], set[str]]
    # The object's own service call.
    run: Callable[..., None]


def _milestone_moves(*names: str) -> tuple[Carried, ...]:
    return tuple(Carried(n, milestones.BY_NAME[n].label) for n in names)


def _milestone_offered(user: User, found: Milestone) -> set[str]:
    return {t.name for t in milestones.available_transitions(user, found)}


def _milestone_run(actor, found, name, *, text, now, reference):
    milestones.apply_transition(actor, found, name, comment=text, now=now, meeting=reference)


def _change_offered(user: User, change: ChangeRequest) -> set[str]:
    if (
        change.status is not ChangeRequestStatus.PENDING
        or change.milestone.status not in DELIVERY_STATUSES
        or not authz.can(user, Permission.CHANGE_REQUESTS_DECIDE, city_id=change.milestone.city_id)
    ):
        return set()
    return {"accept", "refuse"}


def _change_run(actor, change, name, *, text, now, reference):
    milestones.decide_change_request(
        actor, change, accept=name == "accept", comment=text, now=now, meeting=reference
    )


def _scenario_offered(user: User, scenario: Scenario) -> set[str]:
    return set(scenario_moves(user, scenario))


def _scenario_run(actor, scenario, name, *, text, now, reference):
    # The object as it stands: its own rules then decide whether the move still applies.
    scenario_move(
        actor,
        scenario,
        name,
        note=text,
        now=now,
        meeting=reference,
        expected_version=scenario.version,
    )


SITE_TARGETS = {"select": SiteStatus.SELECTED, "reject": SiteStatus.REJECTED}


def _site_offered(user: User, site: Site) -> set[str]:
    allowed = set(site_moves(user, site))
    return {name for name, status in SITE_TARGETS.items() if status in allowed}


def _site_run(actor, site, name, *, text, now, reference):
    site_move(
        actor,
        site,
        SITE_TARGETS[name],
        note=text,
        on_date=None,
        today=clock.local_date(now),
        now=now,
        meeting=reference,
        expected_version=site.version,
    )


TENDER_TARGETS = {"award": TenderStage.AWARDED}


def _tender_offered(user: User, tender: Tender) -> set[str]:
    if tender.stage is not TenderStage.AWARD_PROPOSED or not authz.can(
        user, Permission.TENDERS_DECIDE, city_id=tender.city_id
    ):
        return set()
    return set(TENDER_TARGETS)


def _tender_run(actor, tender, name, *, text, now, reference):
    advance(
        actor,
        tender,
        TENDER_TARGETS[name],
        note=text,
        now=now,
        meeting=reference,
        expected_version=tender.version,
    )


KINDS = {
    "milestone_approve_local": Kind(
        Milestone,
        _milestone_moves("approve_local", "return_local"),
        _milestone_offered,
        _milestone_run,
    ),
    "milestone_approve_central": Kind(
        Milestone,
        _milestone_moves("approve_central", "return_central"),
        _milestone_offered,
        _milestone_run,
    ),
    "change_request_decide": Kind(
        ChangeRequest,
        (
            Carried("accept", _l("Accepter le report")),
            Carried("refuse", _l("Refuser le report")),
        ),
        _change_offered,
        _change_run,
    ),
    "scenario_endorse": Kind(
        Scenario,
        (
            Carried("endorse", _l("Avaliser le scénario")),
            Carried("return_local", _l("Renvoyer le scénario")),
        ),
        _scenario_offered,
        _scenario_run,
    ),
    "scenario_approve": Kind(
        Scenario,
        (
            Carried("approve", _l("Approuver le scénario")),
            Carried("return_central", _l("Renvoyer le scénario")),
        ),
        _scenario_offered,
        _scenario_run,
    ),
    "site_decide": Kind(
        Site,
        (Carried("select", _l("Retenir le site")), Carried("reject", _l("Écarter le site"))),
        _site_offered,
        _site_run,
    ),
    "tender_award": Kind(
        Tender,
        # Only the award: with an award proposed, a winner is ranked, and the procedure's
        # own rule refuses to call it unsuccessful.
        (Carried("award", _l("Attribuer")),),
        _tender_offered,
        _tender_run,
    ),
}
# The agenda sources whose decision may carry out a transition.
SOURCES = frozenset(KINDS)


def label_of(source: str, name: str):
    """How the meeting's page, the register and the minutes name a transition a decision
    carried out."""
    kind = KINDS.get(source)
    found = next((c for c in kind.moves if c.name == name), None) if kind else None
    return found.label if found else name


def reference(meeting: Meeting) -> dict:
    """What the object's history keeps of the meeting."""
    return {"meeting": meeting.id, "meeting_body": meeting.body.name}


def preload(items) -> None:
    """The objects of a meeting's items, one query per kind of object: `choices` then reads
    them from the session, however long the agenda."""
    wanted: dict[type, set[int]] = {}
    for item in items:
        kind = KINDS.get(item.source)
        if kind is not None and item.object_id is not None:
            wanted.setdefault(kind.model, set()).add(item.object_id)
    for model, ids in wanted.items():
        query = sa.select(model).where(model.id.in_(ids))
        if model is ChangeRequest:
            query = query.options(joinedload(ChangeRequest.milestone))
        db.session.scalars(query).all()


def choices(user: User, item: AgendaItem) -> list[Carried]:
    """The transitions this person may carry out on the item's object now: those the
    object's page would offer them."""
    kind = KINDS.get(item.source)
    if kind is None or item.object_id is None:
        return []
    found = db.session.get(kind.model, item.object_id)
    if found is None:
        return []
    allowed = kind.offered(user, found)
    return [c for c in kind.moves if c.name in allowed]


def carry_out(
    actor: User, meeting: Meeting, item: AgendaItem, name: str, *, text: str, now: datetime
) -> None:
    """The object's own service call, as its page makes it: its permission, its states and
    its required reason apply unchanged, and its refusal is the meeting's refusal."""
    kind = KINDS.get(item.source)
    if kind is None or name not in {c.name for c in kind.moves}:
        raise InvalidInput(_l("Cette décision ne s'applique pas à ce point."), field="carry_out")
    found = db.session.get(kind.model, item.object_id)
    if found is None:
        raise TransitionNotAllowed(GONE)
    kind.run(actor, found, name, text=text, now=now, reference=reference(meeting))
