"""Plans, domains and actions: the structure the secretariat maintains."""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models.milestones import Milestone
from portal.models.organizations import City, Organization
from portal.models.plans import Action, Domain, Horizon, Plan, PlanStatus
from portal.models.users import User
from portal.services import audit, inputs
from portal.services.dates import check_day
from portal.services.errors import InvalidInput, TransitionNotAllowed, ensure_current

STALE = _l(
    "Cette fiche a été modifiée par quelqu'un d'autre entre-temps. "
    "Rechargez la page pour voir ses nouvelles valeurs."
)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    # Clamp the 31st to the end of a shorter month.
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def horizon_for(plan_start: date, planned_end: date) -> Horizon:
    """Short term up to `HORIZON_SHORT_MONTHS` after the plan starts, medium up to
    `HORIZON_MEDIUM_MONTHS`, long beyond."""
    config = current_app.config
    if planned_end <= add_months(plan_start, config["HORIZON_SHORT_MONTHS"]):
        return Horizon.SHORT
    if planned_end <= add_months(plan_start, config["HORIZON_MEDIUM_MONTHS"]):
        return Horizon.MEDIUM
    return Horizon.LONG


# --- Domains ------------------------------------------------------------------------------


def save_domain(
    actor: User, domain: Domain | None, *, code, name, position, names=None, expected_version=None
):
    """`names`: the domain's name in English and Arabic (`name_en`, `name_ar`), optional."""
    code = inputs.text(code, "code").lower()
    name = inputs.text(name, "name")
    translated = inputs.names(names, Domain)
    clash = sa.select(Domain.id).where(sa.or_(Domain.code == code, Domain.name == name))
    if domain is not None:
        ensure_current(domain, expected_version, STALE)
        clash = clash.where(Domain.id != domain.id)
    if db.session.scalar(clash) is not None:
        raise InvalidInput(_l("Un domaine porte déjà ce code ou ce nom."), field="name")
    created = domain is None
    if created:
        domain = Domain()
        db.session.add(domain)
    domain.code, domain.name, domain.position = code, name, int(position or 0)
    for field, value in translated.items():
        setattr(domain, field, value)
    audit.record(
        actor, "domain.created" if created else "domain.updated", obj=domain, details={"name": name}
    )
    return domain


# --- Plans --------------------------------------------------------------------------------


def create_plan(actor: User, *, city_id: int, title: str, start_date: date) -> Plan:
    if db.session.get(City, city_id) is None:
        raise InvalidInput(_l("Ville inconnue."), field="city_id")
    if db.session.scalar(sa.select(Plan.id).where(Plan.city_id == city_id)) is not None:
        raise InvalidInput(_l("Cette ville a déjà un plan."), field="city_id")
    check_day(start_date, "start_date")
    plan = Plan(city_id=city_id, title=inputs.text(title, "title"), start_date=start_date)
    db.session.add(plan)
    audit.record(actor, "plan.created", obj=plan, details={"city_id": city_id})
    return plan


def update_plan(
    actor: User, plan: Plan, *, expected_version, title: str, start_date: date, edition: int
):
    ensure_current(plan, expected_version, STALE)
    title = inputs.text(title, "title")
    check_day(start_date, "start_date")
    changed = {}
    if plan.title != title:
        changed["title"] = {"before": plan.title, "after": title}
        plan.title = title
    if plan.edition != edition:
        changed["edition"] = {"before": plan.edition, "after": edition}
        plan.edition = edition
    if plan.start_date != start_date:
        changed["start_date"] = {"before": str(plan.start_date), "after": str(start_date)}
        plan.start_date = start_date
        for action in plan.actions:
            action.horizon = horizon_for(start_date, action.planned_end)
            _copy_horizon(action)
    if changed:
        audit.record(actor, "plan.updated", obj=plan, details=changed)


def adopt_plan(actor: User, plan: Plan, *, today: date) -> int:
    """Adopt the plan: every milestone's current due date becomes its baseline.

    Returns how many milestones were baselined."""
    if plan.status is PlanStatus.ADOPTED:
        raise TransitionNotAllowed(_l("Ce plan est déjà adopté."))
    plan.status = PlanStatus.ADOPTED
    plan.adopted_on = today
    baselined = db.session.execute(
        sa.update(Milestone)
        .where(Milestone.city_id == plan.city_id, Milestone.baseline_due_date.is_(None))
        .values(baseline_due_date=Milestone.due_date)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    audit.record(
        actor, "plan.adopted", obj=plan, details={"on": today.isoformat(), "baselined": baselined}
    )
    return baselined


# --- Actions ------------------------------------------------------------------------------


def _action_values(plan: Plan, values: dict, exclude_id: int | None) -> dict:
    code = inputs.text(values["code"], "code").upper()
    clash = sa.select(Action.id).where(Action.plan_id == plan.id, Action.code == code)
    if exclude_id is not None:
        clash = clash.where(Action.id != exclude_id)
    if db.session.scalar(clash) is not None:
        raise InvalidInput(_l("Une action de ce plan porte déjà ce code."), field="code")
    if db.session.get(Domain, values["domain_id"]) is None:
        raise InvalidInput(_l("Domaine inconnu."), field="domain_id")
    if db.session.get(Organization, values["lead_organization_id"]) is None:
        raise InvalidInput(_l("Organisme inconnu."), field="lead_organization_id")
    start = check_day(values["planned_start"], "planned_start")
    end = check_day(values["planned_end"], "planned_end")
    if end < start:
        raise InvalidInput(_l("La fin prévue doit suivre le début prévu."), field="planned_end")
    return {
        "code": code,
        "title": inputs.text(values["title"], "title"),
        "description": inputs.text(values.get("description"), "description", required=False),
        "domain_id": values["domain_id"],
        "lead_organization_id": values["lead_organization_id"],
        "budget": inputs.amount(values["budget"]),
        "planned_start": start,
        "planned_end": end,
        "horizon": horizon_for(plan.start_date, end),
    }


def create_action(actor: User, plan: Plan, **values) -> Action:
    action = Action(plan=plan, **_action_values(plan, values, None))
    db.session.add(action)
    audit.record(actor, "action.created", obj=action, details={"code": action.code})
    return action


def update_action(actor: User, action: Action, *, expected_version, **values) -> None:
    ensure_current(action, expected_version, STALE)
    new = _action_values(action.plan, values, action.id)
    changed = {}
    for key, value in new.items():
        before = getattr(action, key)
        if before != value:
            changed[key] = {"before": _plain(before), "after": _plain(value)}
            setattr(action, key, value)
    if "horizon" in changed:
        _copy_horizon(action)
    if changed:
        audit.record(actor, "action.updated", obj=action, details=changed)


def _copy_horizon(action: Action) -> None:
    db.session.execute(
        sa.update(Milestone)
        .where(Milestone.action_id == action.id)
        .values(horizon=action.horizon)
        .execution_options(synchronize_session="fetch")
    )


def _plain(value):
    if isinstance(value, Horizon):
        return value.value
    if isinstance(value, (date, Decimal)):
        return str(value)
    return value
