"""Milestones: editing, dependencies, the two-level approval workflow and re-planning.

Every change of status goes through `apply_transition`, whatever the route it comes from, so
that a forbidden transition is refused with the same clear message everywhere. Kept in one
module (about 650 lines): the workflow, the dependencies and re-planning check one another.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from portal import authz, labels
from portal.authz import Permission
from portal.bidi import listed
from portal.extensions import db
from portal.models.milestones import (
    DELIVERY_STATUSES,
    OPEN_STATUSES,
    ChangeRequest,
    ChangeRequestStatus,
    EventKind,
    Milestone,
    MilestoneEvent,
    MilestoneStatus,
    milestone_dependencies,
)
from portal.models.organizations import Organization
from portal.models.plans import Action, PlanStatus
from portal.models.types import utcnow
from portal.models.users import User
from portal.services import audit, inputs, notifications
from portal.services.dates import check_day
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)

STALE = _l(
    "Ce jalon a été modifié par quelqu'un d'autre entre-temps. "
    "Vos saisies sont conservées ci-dessous ; les valeurs actuelles sont indiquées."
)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[MilestoneStatus]
    target: MilestoneStatus
    permission: Permission
    needs_comment: bool
    label: object


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "start",
        frozenset({MilestoneStatus.PLANNED}),
        MilestoneStatus.IN_PROGRESS,
        Permission.MILESTONES_EDIT,
        False,
        _l("Démarrer"),
    ),
    Transition(
        "submit",
        frozenset({MilestoneStatus.IN_PROGRESS}),
        MilestoneStatus.SUBMITTED,
        Permission.MILESTONES_EDIT,
        True,
        _l("Soumettre pour approbation"),
    ),
    Transition(
        "approve_local",
        frozenset({MilestoneStatus.SUBMITTED}),
        MilestoneStatus.APPROVED_LOCALLY,
        Permission.MILESTONES_APPROVE_LOCAL,
        False,
        _l("Approuver (niveau local)"),
    ),
    Transition(
        "return_local",
        frozenset({MilestoneStatus.SUBMITTED}),
        MilestoneStatus.RETURNED,
        Permission.MILESTONES_APPROVE_LOCAL,
        True,
        _l("Renvoyer"),
    ),
    Transition(
        "approve_central",
        frozenset({MilestoneStatus.APPROVED_LOCALLY}),
        MilestoneStatus.APPROVED,
        Permission.MILESTONES_APPROVE_CENTRAL,
        False,
        _l("Approuver (niveau central)"),
    ),
    Transition(
        "return_central",
        frozenset({MilestoneStatus.APPROVED_LOCALLY}),
        MilestoneStatus.RETURNED,
        Permission.MILESTONES_APPROVE_CENTRAL,
        True,
        _l("Renvoyer"),
    ),
    Transition(
        "restart",
        frozenset({MilestoneStatus.RETURNED}),
        MilestoneStatus.IN_PROGRESS,
        Permission.MILESTONES_EDIT,
        False,
        _l("Reprendre"),
    ),
    Transition(
        "cancel",
        OPEN_STATUSES,
        MilestoneStatus.CANCELLED,
        Permission.MILESTONES_CANCEL,
        True,
        _l("Annuler le jalon"),
    ),
)
BY_NAME = {t.name: t for t in TRANSITIONS}


def may(user: User, permission: Permission, milestone: Milestone) -> bool:
    """The object-level check: the milestone's city, and its responsible organisation for
    contributors."""
    return authz.can(
        user,
        permission,
        city_id=milestone.city_id,
        organization_id=milestone.responsible_organization_id,
    )


# A predecessor is done once approved (or cancelled: it no longer holds anything up).
DONE = frozenset({MilestoneStatus.APPROVED, MilestoneStatus.CANCELLED})


def blocking(milestone: Milestone) -> list[Milestone]:
    """The predecessors (finish-to-start) not approved yet: the milestone cannot be submitted
    before they are."""
    return [p for p in milestone.predecessors if p.status not in DONE]


def may_override(user: User, milestone: Milestone) -> bool:
    """The secretariat, which runs the plan, may submit a milestone whose predecessors are
    not approved, with a reason kept in its history."""
    return authz.can(user, Permission.PLANS_MANAGE, city_id=milestone.city_id)


def available_transitions(user: User, milestone: Milestone) -> list[Transition]:
    return [
        t
        for t in TRANSITIONS
        if milestone.status in t.sources and may(user, t.permission, milestone)
    ]


def _record(milestone, actor, kind, *, now=None, comment="", before=None, after=None, **details):
    event = MilestoneEvent(
        milestone_id=milestone.id,
        actor=actor,
        occurred_at=now or utcnow(),
        kind=kind,
        from_status=before,
        to_status=after,
        comment=comment,
        details=details,
    )
    db.session.add(event)
    return event


def apply_transition(
    actor: User,
    milestone: Milestone,
    name: str,
    *,
    comment: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
    evidence_name: str | None = None,
    override_reason: str = "",
    meeting: dict | None = None,
) -> None:
    """`meeting`: the reference of the meeting whose decision this is, kept in the history."""
    transition = BY_NAME.get(name)
    if transition is None:
        raise TransitionNotAllowed(_l("Cette action n'existe pas."))
    # Who may, first: a person without the right learns nothing about the milestone's state.
    if not may(actor, transition.permission, milestone):
        raise NotAllowed(_l("Vous n'avez pas le droit de faire cette action sur ce jalon."))
    if expected_version is not None:
        ensure_current(milestone, expected_version, STALE)
    if milestone.status not in transition.sources:
        raise TransitionNotAllowed(
            _l(
                "« %(action)s » n'est pas possible : le jalon est « %(status)s ».",
                action=transition.label,
                status=STATUS_LABELS[milestone.status],
            )
        )
    comment = (comment or "").strip()
    if transition.needs_comment and not comment:
        message = (
            _l("Décrivez ce qui a été livré avant de soumettre.")
            if name == "submit"
            else _l("Indiquez le motif.")
        )
        raise InvalidInput(message, field="comment")
    if name == "start":
        waiting = [p.title for p in milestone.predecessors if p.status in DELIVERY_STATUSES]
        if waiting:
            raise TransitionNotAllowed(
                _l(
                    "Ce jalon attend la livraison de : %(titles)s (fin → début).",
                    titles=listed(waiting, strong=True),
                )
            )
    override = {}
    if name == "submit":
        waiting = blocking(milestone)
        override_reason = (override_reason or "").strip()
        if waiting and not override_reason:
            raise TransitionNotAllowed(
                _l(
                    "Ce jalon dépend de : %(titles)s, pas encore approuvé (fin → début). "
                    "Il se soumet une fois ce jalon approuvé.",
                    titles=listed((f"« {p.title} »" for p in waiting), strong=True),
                )
            )
        if waiting:
            if not may_override(actor, milestone):
                raise NotAllowed(
                    _l("Seul le secrétariat passe outre une dépendance."), field="override_reason"
                )
            override = {
                "override": override_reason,
                "blocked_by": [p.id for p in waiting],
            }
        milestone.completion_note = comment
    before = milestone.status
    milestone.status = transition.target
    _record(
        milestone,
        actor,
        EventKind.TRANSITION,
        now=now,
        comment=comment,
        before=before,
        after=transition.target,
        transition=name,
        **({"evidence": evidence_name} if evidence_name else {}),
        **override,
        **(meeting or {}),
    )
    audit.record(
        actor,
        f"milestone.{name}",
        obj=milestone,
        details={"from": before.value, "to": transition.target.value, **override},
        now=now,
    )
    notifications.milestone_moved(actor, milestone, name, comment=comment, now=now)


# --- Creating and editing ---------------------------------------------------------------------


def _check_organization(organization_id: int) -> None:
    if db.session.get(Organization, organization_id) is None:
        raise InvalidInput(_l("Organisme inconnu."), field="responsible_organization_id")


def set_predecessors(milestone: Milestone, predecessor_ids: Iterable[int]) -> None:
    """Finish-to-start dependencies within the same city; a cycle is refused."""
    wanted = set(predecessor_ids)
    if milestone.id is not None and milestone.id in wanted:
        raise InvalidInput(_l("Un jalon ne peut pas dépendre de lui-même."), field="predecessors")
    predecessors = (
        db.session.scalars(sa.select(Milestone).where(Milestone.id.in_(wanted))).all()
        if wanted
        else []
    )
    if len(predecessors) != len(wanted):
        raise InvalidInput(_l("Jalon inconnu parmi les dépendances."), field="predecessors")
    if any(p.city_id != milestone.city_id for p in predecessors):
        raise InvalidInput(
            _l("Un jalon ne peut dépendre que de jalons de la même ville."), field="predecessors"
        )
    if milestone.id is not None and wanted:
        cycle = _path_exists(from_ids=wanted, to_id=milestone.id)
        if cycle:
            raise InvalidInput(
                _l(
                    "Cette dépendance créerait un cycle : « %(title)s » dépend déjà, "
                    "directement ou non, de ce jalon.",
                    title=cycle,
                ),
                field="predecessors",
            )
    milestone.predecessors = list(predecessors)


def _path_exists(*, from_ids: set[int], to_id: int) -> str | None:
    """Whether `to_id` is reachable going up the predecessors of `from_ids`; returns the
    title of the candidate predecessor through which the cycle passes."""
    edges = db.session.execute(
        sa.select(milestone_dependencies.c.successor_id, milestone_dependencies.c.predecessor_id)
    ).all()
    parents: dict[int, list[int]] = {}
    for successor, predecessor in edges:
        parents.setdefault(successor, []).append(predecessor)
    for start in from_ids:
        seen, stack = set(), [start]
        while stack:
            current = stack.pop()
            if current == to_id:
                return db.session.get(Milestone, start).title
            if current in seen:
                continue
            seen.add(current)
            stack.extend(parents.get(current, ()))
    return None


def create_milestone(
    actor: User,
    action: Action,
    *,
    title: str,
    description: str = "",
    deliverable: str = "",
    responsible_organization_id: int,
    due_date: date,
    planned_start: date | None = None,
    predecessor_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> Milestone:
    if not authz.can(actor, Permission.PLANS_MANAGE):
        raise NotAllowed(_l("Seul le secrétariat ajoute des jalons au plan."))
    _check_organization(responsible_organization_id)
    check_day(due_date, "due_date")
    check_day(planned_start, "planned_start")
    if planned_start is not None and planned_start > due_date:
        raise InvalidInput(_l("Le début prévu doit précéder l'échéance."), field="planned_start")
    adopted = action.plan.status is PlanStatus.ADOPTED
    milestone = Milestone(
        city_id=action.plan.city_id,
        action=action,
        horizon=action.horizon,
        title=inputs.text(title, "title", limit=200),
        description=inputs.text(description, "description", required=False),
        deliverable=inputs.text(deliverable, "deliverable", required=False, limit=300),
        responsible_organization_id=responsible_organization_id,
        due_date=due_date,
        planned_start=planned_start,
        baseline_due_date=due_date if adopted else None,
    )
    db.session.add(milestone)
    set_predecessors(milestone, predecessor_ids)
    db.session.flush()
    _record(milestone, actor, EventKind.CREATED, now=now)
    audit.record(actor, "milestone.created", obj=milestone, details={"title": milestone.title})
    return milestone


def update_milestone(
    actor: User,
    milestone: Milestone,
    *,
    expected_version: int | None,
    title: str,
    description: str,
    deliverable: str,
    responsible_organization_id: int,
    due_date: date,
    planned_start: date | None,
    predecessor_ids: Iterable[int],
    change_reason: str = "",
    now: datetime | None = None,
) -> ChangeRequest | None:
    """Edit a milestone. On an adopted plan a new due date is not applied: it becomes a
    change request for the ministry (returned), with the reason required."""
    ensure_current(milestone, expected_version, STALE)
    if not may(actor, Permission.MILESTONES_EDIT, milestone):
        raise NotAllowed(_l("Vous n'avez pas le droit de modifier ce jalon."))
    if milestone.status not in DELIVERY_STATUSES:
        # What the decision-makers approve must not change under their eyes.
        raise TransitionNotAllowed(
            _l("Un jalon soumis, approuvé ou annulé ne se modifie plus (renvoyez-le d'abord).")
        )
    if responsible_organization_id != milestone.responsible_organization_id:
        _check_organization(responsible_organization_id)
        if not authz.can(actor, Permission.PLANS_MANAGE):
            raise NotAllowed(
                _l("Seul le secrétariat change l'organisme responsable d'un jalon."),
                field="responsible_organization_id",
            )
    check_day(due_date, "due_date")
    check_day(planned_start, "planned_start")
    if planned_start is not None and planned_start > due_date:
        raise InvalidInput(_l("Le début prévu doit précéder l'échéance."), field="planned_start")
    values = {
        "title": inputs.text(title, "title", limit=200),
        "description": inputs.text(description, "description", required=False),
        "deliverable": inputs.text(deliverable, "deliverable", required=False, limit=300),
        "responsible_organization_id": responsible_organization_id,
        "planned_start": planned_start,
    }
    # The dependencies are checked before a change request is made (and its deciders told).
    before_deps = sorted(p.id for p in milestone.predecessors)
    set_predecessors(milestone, predecessor_ids)
    after_deps = sorted(p.id for p in milestone.predecessors)
    change = None
    replanned = due_date != milestone.due_date
    if replanned and milestone.baseline_due_date is not None:
        change = _request_change(actor, milestone, due_date, change_reason, now=now)
    elif replanned:
        values["due_date"] = due_date
    changed = {}
    for key, value in values.items():
        before = getattr(milestone, key)
        if before != value:
            changed[key] = {"before": _plain(before), "after": _plain(value)}
            setattr(milestone, key, value)
    if before_deps != after_deps:
        changed["predecessors"] = {"before": before_deps, "after": after_deps}
        # The links are another table: the row's version must move all the same, so that
        # a form loaded before this save is told the milestone changed.
        flag_modified(milestone, "title")
    if changed:
        _record(milestone, actor, EventKind.UPDATED, now=now, changes=changed)
        audit.record(actor, "milestone.updated", obj=milestone, details=changed)
    return change


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _request_change(actor, milestone, proposed: date, reason: str, *, now=None) -> ChangeRequest:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            _l("Le plan est adopté : indiquez le motif du changement d'échéance."),
            field="change_reason",
        )
    pending = db.session.scalar(
        sa.select(ChangeRequest.id).where(
            ChangeRequest.milestone_id == milestone.id,
            ChangeRequest.status == ChangeRequestStatus.PENDING,
        )
    )
    if pending is not None:
        raise InvalidInput(
            _l("Une demande de changement d'échéance attend déjà la décision du ministère."),
            field="due_date",
        )
    change = ChangeRequest(
        milestone=milestone,
        requested_by=actor,
        requested_at=now or utcnow(),
        current_due_date=milestone.due_date,
        proposed_due_date=proposed,
        reason=reason,
    )
    db.session.add(change)
    _record(
        milestone,
        actor,
        EventKind.CHANGE_REQUESTED,
        now=now,
        comment=reason,
        proposed=proposed.isoformat(),
        current=milestone.due_date.isoformat(),
    )
    audit.record(
        actor,
        "milestone.change_requested",
        obj=milestone,
        details={"from": milestone.due_date.isoformat(), "to": proposed.isoformat()},
    )
    notifications.change_requested(actor, milestone, reason=reason, proposed=proposed, now=now)
    return change


def decide_change_request(
    actor: User,
    change: ChangeRequest,
    *,
    accept: bool,
    comment: str = "",
    now: datetime | None = None,
    meeting: dict | None = None,
) -> None:
    if not authz.can(actor, Permission.CHANGE_REQUESTS_DECIDE, city_id=change.milestone.city_id):
        raise NotAllowed(_l("Seul un décideur central statue sur un changement d'échéance."))
    if change.status is not ChangeRequestStatus.PENDING:
        raise TransitionNotAllowed(_l("Cette demande a déjà été tranchée."))
    if change.milestone.status not in DELIVERY_STATUSES:
        raise TransitionNotAllowed(
            _l("Ce jalon a été livré, approuvé ou annulé : son échéance ne change plus.")
        )
    comment = (comment or "").strip()
    if not accept and not comment:
        raise InvalidInput(_l("Indiquez le motif du refus."), field="comment")
    now = now or utcnow()
    milestone = change.milestone
    change.status = ChangeRequestStatus.ACCEPTED if accept else ChangeRequestStatus.REFUSED
    change.decided_by = actor
    change.decided_at = now
    change.decision_comment = comment
    if accept:
        milestone.due_date = change.proposed_due_date
    _record(
        milestone,
        actor,
        EventKind.CHANGE_ACCEPTED if accept else EventKind.CHANGE_REFUSED,
        now=now,
        comment=comment,
        proposed=change.proposed_due_date.isoformat(),
        **(meeting or {}),
    )
    audit.record(
        actor,
        "change_request.accepted" if accept else "change_request.refused",
        obj=change,
        details={"milestone_id": milestone.id, "to": change.proposed_due_date.isoformat()},
    )
    notifications.change_decided(actor, change, now=now)


def may_comment(user: User, milestone: Milestone) -> bool:
    """Who comments: the milestone's city, and its responsible organisation for contributors
    (the page offers the form by this rule, and add_comment refuses by it)."""
    return may(user, Permission.MILESTONES_COMMENT, milestone)


def add_comment(actor: User, milestone: Milestone, text: str, *, now=None) -> MilestoneEvent:
    if not may_comment(actor, milestone):
        raise NotAllowed(_l("Vous n'avez pas le droit de commenter ce jalon."))
    text = inputs.text(text, "comment", limit=5000)
    return _record(milestone, actor, EventKind.COMMENT, now=now, comment=text)


# --- What waits for whom ----------------------------------------------------------------------


def awaiting_decision_filter(user: User):
    """SQL condition: milestones waiting for this person's approval."""
    conditions = []
    local = authz.city_scope(user, Permission.MILESTONES_APPROVE_LOCAL)
    if local.all_cities:
        conditions.append(Milestone.status == MilestoneStatus.SUBMITTED)
    elif local.city_ids:
        conditions.append(
            sa.and_(
                Milestone.status == MilestoneStatus.SUBMITTED, Milestone.city_id.in_(local.city_ids)
            )
        )
    central = authz.city_scope(user, Permission.MILESTONES_APPROVE_CENTRAL)
    if central.all_cities:
        conditions.append(Milestone.status == MilestoneStatus.APPROVED_LOCALLY)
    elif central.city_ids:
        conditions.append(
            sa.and_(
                Milestone.status == MilestoneStatus.APPROVED_LOCALLY,
                Milestone.city_id.in_(central.city_ids),
            )
        )
    return sa.or_(*conditions) if conditions else sa.false()


STATUS_LABELS = labels.MILESTONE_STATUS_LABELS


# --- Lists --------------------------------------------------------------------------------


@dataclass
class Criteria:
    """What a milestone list is filtered and sorted by (parsed from the query string)."""

    city_id: int | None = None
    domain_id: int | None = None
    horizon: str | None = None
    status: str | None = None
    organization_id: int | None = None
    late: bool = False
    due_within: int | None = None
    awaiting_me: bool = False
    q: str = ""
    sort: str = "due"


SORTS = {
    "due": (Milestone.due_date, Milestone.id),
    "-due": (Milestone.due_date.desc(), Milestone.id.desc()),
    "title": (Milestone.title, Milestone.id),
    "status": (Milestone.status, Milestone.due_date, Milestone.id),
    "city": (Milestone.city_id, Milestone.due_date, Milestone.id),
}


def filtered_query(criteria: Criteria, user: User, today: date):
    query = sa.select(Milestone).join(Milestone.action)
    if criteria.city_id:
        query = query.where(Milestone.city_id == criteria.city_id)
    if criteria.domain_id:
        query = query.where(Action.domain_id == criteria.domain_id)
    if criteria.horizon:
        query = query.where(Milestone.horizon == criteria.horizon)
    if criteria.status:
        query = query.where(Milestone.status == MilestoneStatus(criteria.status))
    if criteria.organization_id:
        query = query.where(Milestone.responsible_organization_id == criteria.organization_id)
    if criteria.late:
        query = query.where(Milestone.is_late(today))
    if criteria.due_within is not None:
        query = query.where(
            Milestone.status.in_(OPEN_STATUSES),
            Milestone.due_date >= today,
            Milestone.due_date <= today + timedelta(days=criteria.due_within),
        )
    if criteria.awaiting_me:
        query = query.where(awaiting_decision_filter(user))
    if criteria.q:
        query = query.where(
            sa.func.lower(Milestone.title).contains(criteria.q.lower(), autoescape=True)
        )
    return query.order_by(*SORTS.get(criteria.sort, SORTS["due"]))


def to_act_on_filter(user: User):
    """SQL condition: milestones this person must act on, to deliver or to decide."""
    conditions = [awaiting_decision_filter(user)]
    delivering = Milestone.status.in_(DELIVERY_STATUSES)
    for assignment in user.role_assignments:
        if Permission.MILESTONES_EDIT not in authz.ROLE_PERMISSIONS[assignment.role]:
            continue
        if assignment.role in authz.ORGANIZATION_BOUND_ROLES:
            conditions.append(
                sa.and_(delivering, Milestone.responsible_organization_id == user.organization_id)
            )
        else:
            conditions.append(delivering)
    return sa.or_(*conditions)
