"""Tasks of the plans: milestones to deliver and to approve, change requests, plans to adopt."""

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.authz import Permission
from portal.models.milestones import (
    DELIVERY_STATUSES,
    ChangeRequest,
    ChangeRequestStatus,
    EventKind,
    Milestone,
    MilestoneEvent,
    MilestoneStatus,
)
from portal.models.plans import Plan, PlanStatus
from portal.models.reminders import ReminderKind
from portal.services.tasks.base import At, Kind, Person, shape

S = MilestoneStatus
WAITING_FOR_DECISION = (S.SUBMITTED, S.APPROVED_LOCALLY)


# A milestone's decision clock starts when it entered the status it waits in (its latest
# submission or local approval).
ENTERED_WAITING = (
    MilestoneEvent.kind == EventKind.TRANSITION,
    MilestoneEvent.to_status.in_(WAITING_FOR_DECISION),
)


def waiting_since():
    """When each milestone entered the status it waits in, for every milestone at once (the
    daily reminder planning reads them all)."""
    return (
        sa.select(
            MilestoneEvent.milestone_id, sa.func.max(MilestoneEvent.occurred_at).label("since")
        )
        .where(*ENTERED_WAITING)
        .group_by(MilestoneEvent.milestone_id)
        .subquery()
    )


def change_request_pending():
    """A request to move a date that still waits on the ministry: pending, on a milestone
    still with its deliverer (once delivered, its date no longer moves)."""
    return sa.and_(
        ChangeRequest.status == ChangeRequestStatus.PENDING,
        Milestone.status.in_(DELIVERY_STATUSES),
    )


def _milestone_url(task, cities) -> str:
    return url_for("milestones.detail", milestone_id=task.link_id)


def _to_deliver(at: At):
    return shape(
        sa.select(Milestone).where(Milestone.status.in_(DELIVERY_STATUSES)),
        item_id=Milestone.id,
        title=Milestone.title,
        city_id=Milestone.city_id,
        state=Milestone.status,
        due_on=Milestone.due_date,
    )


def _deliverer(person: Person):
    # The responsible organisation's own people who edit milestones (its contributors, or
    # the secretariat when the ministry itself delivers).
    return sa.and_(
        person.organization_id == Milestone.responsible_organization_id,
        person.holds(
            Permission.MILESTONES_EDIT,
            city_id=Milestone.city_id,
            object_organization_id=Milestone.responsible_organization_id,
        ),
    )


def _entered_waiting(milestone_id):
    """The latest transition of that milestone into a status that waits for a decision: read
    for the rows a list shows only, not for every milestone of the programme."""
    return (
        sa.select(sa.func.max(MilestoneEvent.occurred_at))
        .where(MilestoneEvent.milestone_id == milestone_id, *ENTERED_WAITING)
        .scalar_subquery()
    )


def _awaiting(status: MilestoneStatus):
    def source(at: At):
        return shape(
            sa.select(Milestone).where(Milestone.status == status),
            item_id=Milestone.id,
            title=Milestone.title,
            city_id=Milestone.city_id,
            state=Milestone.status,
            since_at=sa.func.coalesce(_entered_waiting(Milestone.id), Milestone.updated_at),
        )

    return source


def _approver(permission: Permission):
    def holder(person: Person):
        return person.holds(permission, city_id=Milestone.city_id)

    return holder


def _change_requests(at: At):
    return shape(
        sa.select(ChangeRequest)
        .join(Milestone, ChangeRequest.milestone_id == Milestone.id)
        .where(change_request_pending()),
        item_id=ChangeRequest.id,
        title=Milestone.title,
        city_id=Milestone.city_id,
        state=ChangeRequest.status,
        link_id=Milestone.id,
        since_at=ChangeRequest.requested_at,
    )


def _plans_to_adopt(at: At):
    return shape(
        sa.select(Plan).where(Plan.status == PlanStatus.DRAFT),
        item_id=Plan.id,
        title=Plan.title,
        city_id=Plan.city_id,
        state=Plan.status,
        link_id=Plan.city_id,
    )


KINDS = (
    Kind(
        name="milestone_deliver",
        page="milestone",
        label=_l("Jalons à livrer"),
        verb=_l("Livrer"),
        waiting=_l("En attente de la livraison"),
        permission=Permission.MILESTONES_EDIT,
        source=_to_deliver,
        holder=_deliverer,
        url=_milestone_url,
        # Due within the horizon, late, or sent back: the rest is not pressing yet.
        window=lambda at, horizon: sa.or_(
            Milestone.due_date <= horizon, Milestone.status == S.RETURNED
        ),
        state_labels={
            S.PLANNED.value: _l("Démarrer puis livrer"),
            S.IN_PROGRESS.value: _l("Livrer et soumettre"),
            S.RETURNED.value: _l("Renvoyé : reprendre et soumettre à nouveau"),
        },
    ),
    Kind(
        name="milestone_approve_local",
        page="milestone",
        label=_l("Jalons à approuver (niveau local)"),
        verb=_l("Approuver ou renvoyer"),
        waiting=_l("En attente de l'approbation locale"),
        permission=Permission.MILESTONES_APPROVE_LOCAL,
        source=_awaiting(S.SUBMITTED),
        holder=_approver(Permission.MILESTONES_APPROVE_LOCAL),
        url=_milestone_url,
        due_after=lambda rules: rules[ReminderKind.APPROVAL_WAITING].respond_within_days,
    ),
    Kind(
        name="milestone_approve_central",
        page="milestone",
        label=_l("Jalons à approuver (niveau central)"),
        verb=_l("Approuver ou renvoyer"),
        waiting=_l("En attente de l'approbation du ministère"),
        permission=Permission.MILESTONES_APPROVE_CENTRAL,
        source=_awaiting(S.APPROVED_LOCALLY),
        holder=_approver(Permission.MILESTONES_APPROVE_CENTRAL),
        url=_milestone_url,
        due_after=lambda rules: rules[ReminderKind.APPROVAL_WAITING].respond_within_days,
    ),
    Kind(
        name="change_request_decide",
        page="milestone",
        label=_l("Reports d'échéance à trancher"),
        verb=_l("Accepter ou refuser le report"),
        waiting=_l("Report d'échéance en attente de la décision du ministère"),
        permission=Permission.CHANGE_REQUESTS_DECIDE,
        source=_change_requests,
        holder=_approver(Permission.CHANGE_REQUESTS_DECIDE),
        url=lambda task, cities: (
            url_for("milestones.detail", milestone_id=task.link_id) + "#change-requests"
        ),
        due_after=lambda rules: rules[ReminderKind.CHANGE_REQUEST_WAITING].respond_within_days,
    ),
    Kind(
        name="plan_adopt",
        page="plan",
        label=_l("Plans à adopter"),
        verb=_l("Adopter le plan"),
        waiting=_l("Plan en projet, à adopter par le secrétariat"),
        permission=Permission.PLANS_MANAGE,
        source=_plans_to_adopt,
        holder=lambda person: person.holds(Permission.PLANS_MANAGE, city_id=Plan.city_id),
        url=lambda task, cities: url_for("plans.city", slug=cities[task.link_id].slug),
    ),
)
