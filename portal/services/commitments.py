"""Commitments of operators and utilities: declared by them, validated by the city."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal import authz, labels
from portal.authz import Permission
from portal.extensions import db
from portal.models.commitments import (
    OPEN_COMMITMENTS,
    PENDING_COMMITMENTS,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    UpdateStatus,
)
from portal.models.organizations import Organization
from portal.models.plans import Action
from portal.models.types import utcnow
from portal.models.users import User
from portal.services import audit, charts, inputs, notifications
from portal.services.dates import check_day
from portal.services.errors import InvalidInput, NotAllowed, TransitionNotAllowed

C = CommitmentStatus
OPEN = OPEN_COMMITMENTS

STATUS_LABELS = labels.COMMITMENT_STATUS_LABELS
UPDATE_LABELS = labels.PROGRESS_UPDATE_LABELS


@dataclass(frozen=True)
class Criteria:
    """What the commitments list is filtered by; `valid` is False when the filters were not."""

    city_id: int | None = None
    organization_id: int | None = None
    status: CommitmentStatus | None = None
    valid: bool = True


def filtered_query(criteria: Criteria):
    """The commitments matching `criteria`, soonest due first."""
    query = sa.select(Commitment).options(
        joinedload(Commitment.organization), joinedload(Commitment.city)
    )
    if not criteria.valid:
        return query.where(sa.false())
    if criteria.city_id is not None:
        query = query.where(Commitment.city_id == criteria.city_id)
    if criteria.organization_id is not None:
        query = query.where(Commitment.organization_id == criteria.organization_id)
    if criteria.status is not None:
        query = query.where(Commitment.status == criteria.status)
    return query.order_by(Commitment.due_date, Commitment.id)


def may_declare(user: User, commitment: Commitment) -> bool:
    """Progress is declared by the committed organisation's own people, and nobody else."""
    return user.organization_id == commitment.organization_id and authz.can(
        user,
        Permission.COMMITMENTS_DECLARE,
        city_id=commitment.city_id,
        organization_id=commitment.organization_id,
    )


def may_validate(user: User, commitment: Commitment) -> bool:
    return authz.can(user, Permission.COMMITMENTS_VALIDATE, city_id=commitment.city_id)


def create_commitment(
    actor: User,
    *,
    organization_id: int,
    city_id: int,
    action_id,
    title,
    indicator,
    unit,
    baseline,
    target,
    due_date,
    now: datetime | None = None,
) -> Commitment:
    organization = db.session.get(Organization, organization_id)
    if organization is None or organization.city_id not in (None, city_id):
        raise InvalidInput(
            _l("Cet organisme n'intervient pas dans cette ville."), field="organization_id"
        )
    if not authz.can(
        actor, Permission.COMMITMENTS_DECLARE, city_id=city_id, organization_id=organization_id
    ):
        raise NotAllowed(_l("Vous ne pouvez engager que votre propre organisme."))
    if action_id:
        action = db.session.get(Action, action_id)
        if action is None or action.plan.city_id != city_id:
            raise InvalidInput(
                _l("Cette action n'est pas du plan de cette ville."), field="action_id"
            )
    values = {
        "title": (title or "").strip(),
        "indicator": (indicator or "").strip(),
        "unit": (unit or "").strip(),
    }
    for field, text in values.items():
        if not text:
            raise InvalidInput(_l("Ce champ est obligatoire."), field=field)
    baseline_value = inputs.quantity(baseline, "baseline")
    target_value = inputs.quantity(target, "target")
    if target_value == baseline_value:
        raise InvalidInput(_l("La cible doit différer de la valeur de départ."), field="target")
    commitment = Commitment(
        organization_id=organization_id,
        city_id=city_id,
        action_id=action_id or None,
        baseline_value=baseline_value,
        target_value=target_value,
        due_date=check_day(due_date, "due_date"),
        created_at=now or utcnow(),
        **values,
    )
    db.session.add(commitment)
    audit.record(actor, "commitment.created", obj=commitment, details={"title": values["title"]})
    notifications.commitment_proposed(actor, commitment, now=now)
    return commitment


def reached(commitment: Commitment, value: Decimal) -> bool:
    if commitment.target_value > commitment.baseline_value:
        return value >= commitment.target_value
    return value <= commitment.target_value


def change_status(
    actor: User,
    commitment: Commitment,
    name: str,
    *,
    reason: str = "",
    today: date,
    now: datetime | None = None,
) -> None:
    reason = (reason or "").strip()
    rules = {
        "accept": ({C.PROPOSED}, C.ACCEPTED, "validate"),
        "met": (OPEN, C.MET, "validate"),
        "missed": (OPEN, C.MISSED, "validate"),
        "withdraw": ({C.PROPOSED, *OPEN}, C.WITHDRAWN, "either"),
    }
    if name not in rules:
        raise TransitionNotAllowed(_l("Cette action n'existe pas."))
    sources, target, who = rules[name]
    allowed = may_validate(actor, commitment) or (
        who == "either" and may_declare(actor, commitment)
    )
    if not allowed:
        raise NotAllowed(_l("Vous n'avez pas le droit de faire cette action sur cet engagement."))
    if commitment.status not in sources:
        raise TransitionNotAllowed(
            _l(
                "Impossible : l'engagement est « %(status)s ».",
                status=STATUS_LABELS[commitment.status],
            )
        )
    if name in ("withdraw", "missed") and not reason:
        raise InvalidInput(_l("Indiquez le motif."), field="reason")
    if name == "missed" and commitment.due_date >= today:
        raise TransitionNotAllowed(
            _l("Échéance non passée : impossible de déclarer l'engagement non tenu.")
        )
    before = commitment.status
    commitment.status = target
    audit.record(
        actor,
        f"commitment.{name}",
        obj=commitment,
        details={"from": before.value, "to": target.value, "reason": reason},
    )
    if name == "accept":
        notifications.commitment_accepted(actor, commitment, now=now)


def declare_update(
    actor: User,
    commitment: Commitment,
    *,
    value,
    measured_on: date,
    note: str,
    files=(),
    today: date,
    now: datetime | None = None,
) -> CommitmentUpdate:
    if not may_declare(actor, commitment):
        raise NotAllowed(_l("Seul l'organisme engagé déclare son avancement."))
    if commitment.status not in OPEN:
        raise TransitionNotAllowed(
            _l("L'avancement se déclare sur un engagement accepté par la ville et non clos.")
        )
    check_day(measured_on, "measured_on")
    if measured_on > today:
        raise InvalidInput(
            _l("La date de mesure ne peut pas être dans le futur."), field="measured_on"
        )
    update = CommitmentUpdate(
        commitment=commitment,
        value=inputs.quantity(value, "value"),
        measured_on=measured_on,
        note=(note or "").strip(),
        declared_by=actor,
        declared_at=now or utcnow(),
        files=list(files),
    )
    db.session.add(update)
    audit.record(
        actor,
        "commitment.update_declared",
        obj=commitment,
        details={"value": str(update.value), "measured_on": measured_on.isoformat()},
    )
    notifications.progress_declared(actor, commitment, update.value, now=now)
    return update


def decide_update(
    actor: User,
    update: CommitmentUpdate,
    *,
    accept: bool,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    commitment = update.commitment
    if not may_validate(actor, commitment):
        raise NotAllowed(_l("Seul le décideur local de la ville valide l'avancement."))
    if update.status is not UpdateStatus.DECLARED:
        raise TransitionNotAllowed(_l("Cette déclaration a déjà été traitée."))
    if commitment.status not in OPEN:
        raise TransitionNotAllowed(
            _l(
                "L'engagement est « %(status)s » : ses déclarations ne se valident plus.",
                status=STATUS_LABELS[commitment.status],
            )
        )
    reason = (reason or "").strip()
    if not accept and not reason:
        raise InvalidInput(_l("Indiquez le motif du rejet."), field="reason")
    update.status = UpdateStatus.VALIDATED if accept else UpdateStatus.REJECTED
    update.decided_by = actor
    update.decided_at = now or utcnow()
    update.decision_reason = reason
    if accept:
        latest = db.session.scalar(
            sa.select(CommitmentUpdate)
            .where(
                CommitmentUpdate.commitment_id == commitment.id,
                CommitmentUpdate.status == UpdateStatus.VALIDATED,
            )
            .order_by(CommitmentUpdate.measured_on.desc(), CommitmentUpdate.id.desc())
            .limit(1)
        )
        commitment.validated_value = latest.value if latest is not None else update.value
        if commitment.status is C.ACCEPTED:
            commitment.status = C.IN_PROGRESS
        if commitment.status in OPEN and reached(commitment, commitment.validated_value):
            commitment.status = C.MET
    audit.record(
        actor,
        "commitment.update_validated" if accept else "commitment.update_rejected",
        obj=commitment,
        details={"update_id": update.id, "value": str(update.value), "reason": reason},
    )
    notifications.progress_decided(actor, update, now=now)


def scorecard(commitments, today: date) -> dict[str, int]:
    """How an organisation keeps its promises: met, on time, late, missed."""
    card = {"met": 0, "on_time": 0, "late": 0, "missed": 0}
    for commitment in commitments:
        if commitment.status is C.MET:
            card["met"] += 1
        elif commitment.status is C.MISSED:
            card["missed"] += 1
        elif commitment.status in PENDING_COMMITMENTS:
            card["late" if commitment.is_late(today) else "on_time"] += 1
    return card


def progress_chart(commitment: Commitment, updates, *, today: date, labels: dict) -> str:
    """A small SVG chart: start and target, validated values (filled) and declared ones
    (hollow), over time up to the due date."""
    day_text = labels.get("day", date.isoformat)
    number_text = labels.get("number", str)
    start_day = min([commitment.created_at.date(), *[u.measured_on for u in updates]])
    end_day = max([commitment.due_date, today, *[u.measured_on for u in updates]])
    values = [commitment.baseline_value, commitment.target_value, *[u.value for u in updates]]
    chart = charts.TimeChart(
        start_day,
        end_day,
        min(values),
        max(values),
        "commitment-chart",
        labels["title"],
        pad=28,
        left=52,
    )
    # Axes: the time from the start to the due date, the values from lowest to highest.
    chart.axes(
        first=day_text(start_day),
        last=day_text(end_day),
        low=number_text(chart.low),
        high=number_text(chart.high),
    )
    chart.level(commitment.target_value, "chart-target", charts.TARGET, "4 3")
    target_y = f"{chart.y(commitment.target_value) - 4:.1f}"
    chart.label(chart.end, target_y, labels["target"], fill=charts.TARGET, anchor="end")
    chart.day_line(today, "chart-today", charts.TODAY)
    chart.day_line(commitment.due_date, "chart-due", charts.MUTED, "2 2")
    chart.dot(start_day, commitment.baseline_value, "chart-baseline", fill=charts.MUTED, r=3)
    validated = sorted(
        (u for u in updates if u.status is UpdateStatus.VALIDATED), key=lambda u: u.measured_on
    )
    if validated:
        points = [(start_day, commitment.baseline_value)]
        chart.path(points + [(u.measured_on, u.value) for u in validated], "chart-validated")
    for u in updates:
        if u.status is UpdateStatus.REJECTED:
            continue
        chart.dot(
            u.measured_on,
            u.value,
            f"chart-{u.status.value}",
            fill=charts.SERIES if u.status is UpdateStatus.VALIDATED else "#fff",
            stroke=charts.SERIES,
            title=f"{number_text(u.value)} — {day_text(u.measured_on)}",
        )
    return chart.svg()
