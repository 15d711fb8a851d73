"""The programme, each city's plan, its timeline, and the plan structure (secretariat)."""

from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal import clock
from portal.authz import Permission, can, require
from portal.bidi import right_to_left
from portal.extensions import db
from portal.forms.milestones import HORIZON_LABELS
from portal.forms.plans import ActionForm, DomainForm, PlanForm
from portal.models.milestones import Milestone, MilestoneStatus
from portal.models.organizations import City, Organization
from portal.models.plans import Action, Domain, Horizon, Plan
from portal.models.types import valid_id
from portal.names import local
from portal.services import milestones as milestone_rules
from portal.services import plans as service
from portal.services import tasks
from portal.services.timeline import TimelineLabels, TimelineRow, render_timeline
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
    get_city_or_404,
    moment,
    page_number,
)

bp = Blueprint("plans", __name__)

S = MilestoneStatus
TIMELINE_PAGE = 150


def _programme_counts(today) -> list[tuple[int, Horizon, str, int]]:
    """(city, horizon, key, count) rows: three grouped queries that each read one index, so
    their cost stays small as the programme grows."""
    rows = []
    by_status = db.session.execute(
        sa.select(Milestone.city_id, Milestone.horizon, Milestone.status, sa.func.count()).group_by(
            Milestone.city_id, Milestone.horizon, Milestone.status
        )
    ).all()
    status_keys = {
        S.SUBMITTED: "awaiting_local",
        S.APPROVED_LOCALLY: "awaiting_central",
        S.APPROVED: "approved",
    }
    for city_id, horizon, status, count in by_status:
        if status is not S.CANCELLED:
            rows.append((city_id, horizon, "total", count))
        if status in status_keys:
            rows.append((city_id, horizon, status_keys[status], count))
    ranges = {
        "late": Milestone.is_late(today),
        "due_soon": sa.and_(
            Milestone.status.in_(milestone_rules.OPEN_STATUSES),
            Milestone.due_date >= today,
            Milestone.due_date <= today + timedelta(days=30),
        ),
    }
    for key, condition in ranges.items():
        counted = db.session.execute(
            sa.select(Milestone.city_id, Milestone.horizon, sa.func.count())
            .where(condition)
            .group_by(Milestone.city_id, Milestone.horizon)
        ).all()
        rows.extend((city_id, horizon, key, count) for city_id, horizon, count in counted)
    return rows


COUNT_KEYS = ("total", "due_soon", "late", "awaiting_local", "awaiting_central", "approved")


@bp.route("/programme")
@require(Permission.PLANS_VIEW)
def programme():
    today = clock.today()
    cities = db.session.scalars(sa.select(City).order_by(City.name)).all()
    plans = {p.city_id: p for p in db.session.scalars(sa.select(Plan))}
    by_city = defaultdict(lambda: dict.fromkeys(COUNT_KEYS, 0))
    by_horizon = defaultdict(lambda: dict.fromkeys(COUNT_KEYS, 0))
    for city_id, horizon, key, count in _programme_counts(today):
        by_city[city_id][key] += count
        by_horizon[(city_id, horizon)][key] += count
    return render_template(
        "plans/programme.html",
        cities=cities,
        plans=plans,
        by_city=by_city,
        by_horizon=by_horizon,
        horizons=list(Horizon),
        horizon_labels=HORIZON_LABELS,
        today=today,
    )


@bp.route("/cities/<slug>")
@require(Permission.PLANS_VIEW)
def city(slug: str):
    city = get_city_or_404(slug)
    today = clock.today()
    plan = db.session.scalar(sa.select(Plan).where(Plan.city_id == city.id))
    actions = []
    progress = {}
    if plan is not None:
        actions = db.session.scalars(
            sa.select(Action)
            .where(Action.plan_id == plan.id)
            .options(joinedload(Action.domain), joinedload(Action.lead_organization))
            .order_by(Action.code)
        ).all()
        rows = db.session.execute(
            sa.select(
                Milestone.action_id,
                sa.func.count().label("total"),
                sa.func.sum(sa.case((Milestone.status == S.APPROVED, 1), else_=0)).label("done"),
                sa.func.sum(
                    sa.case(
                        (Milestone.is_late(today), 1),
                        else_=0,
                    )
                ).label("late"),
            )
            .where(Milestone.city_id == city.id, Milestone.status != S.CANCELLED)
            .group_by(Milestone.action_id)
        ).all()
        progress = {r.action_id: r for r in rows}
    grouped = defaultdict(lambda: defaultdict(list))
    for action in actions:
        grouped[action.domain][action.horizon].append(action)
    domains = sorted(grouped, key=lambda d: (d.position, d.name))
    return render_template(
        "plans/city.html",
        city=city,
        waiting=tasks.waiting_on("plan", city.id, moment()),
        plan=plan,
        grouped=grouped,
        domains=domains,
        horizons=list(Horizon),
        horizon_labels=HORIZON_LABELS,
        progress=progress,
        can_manage=can(acting_user(), Permission.PLANS_MANAGE),
        today=today,
    )


@bp.route("/cities/<slug>/timeline")
@require(Permission.PLANS_VIEW)
def timeline(slug: str):
    city = get_city_or_404(slug)
    today = clock.today()
    domain_id = valid_id(request.args.get("domain"))
    query = (
        sa.select(Milestone)
        .join(Milestone.action)
        .where(Milestone.city_id == city.id)
        .options(joinedload(Milestone.action))
        .order_by(Action.code, Milestone.due_date, Milestone.id)
    )
    if domain_id:
        query = query.where(Action.domain_id == domain_id)
    pagination = db.paginate(query, page=page_number(), per_page=TIMELINE_PAGE, error_out=False)
    rows = [
        TimelineRow(
            label=m.title,
            group=f"{m.action.code} — {m.action.title}",
            baseline=m.baseline_due_date,
            current=m.due_date,
            start=m.planned_start,
            status=m.status.value,
            late=m.is_late(today),
            url=url_for("milestones.detail", milestone_id=m.id),
        )
        for m in pagination.items
    ]
    labels = TimelineLabels(
        today=_("Aujourd'hui"),
        baseline=_("Date de référence"),
        current=_("Échéance actuelle"),
        title=_("Calendrier des jalons — %(city)s", city=local(city)),
        status_names={s.value: str(label) for s, label in milestone_rules.STATUS_LABELS.items()},
        month=lambda day: format_date(day, "MMM y"),
        day=lambda day: format_date(day, "medium"),
    )
    svg = render_timeline(rows, today=today, labels=labels, rtl=right_to_left())
    domains = db.session.scalars(sa.select(Domain).order_by(Domain.position, Domain.name)).all()
    return render_template(
        "plans/timeline.html",
        city=city,
        svg=svg,
        pagination=pagination,
        domains=domains,
        domain_id=domain_id,
    )


# --- Plan structure (secretariat) ---------------------------------------------------------


@bp.route("/cities/<slug>/plan", methods=["GET", "POST"])
@require(Permission.PLANS_MANAGE)
def edit_plan(slug: str):
    city = get_city_or_404(slug)
    plan = db.session.scalar(sa.select(Plan).where(Plan.city_id == city.id))
    form = PlanForm(obj=plan)

    def run():
        user = acting_user()
        if plan is None:
            return service.create_plan(
                user, city_id=city.id, title=form.title.data, start_date=form.start_date.data
            )
        return service.update_plan(
            user,
            plan,
            expected_version=form_version(form),
            title=form.title.data,
            start_date=form.start_date.data,
            edition=form.edition.data,
        )

    return form_page(
        form,
        "plans/plan_form.html",
        run,
        done=_("Le plan a été enregistré."),
        to=url_for("plans.city", slug=city.slug),
        city=city,
        plan=plan,
    )


@bp.route("/cities/<slug>/plan/adopt", methods=["POST"])
@require(Permission.PLANS_MANAGE)
def adopt(slug: str):
    city = get_city_or_404(slug)
    plan = db.session.scalar(sa.select(Plan).where(Plan.city_id == city.id))
    if plan is None:
        abort(404)
    back = url_for("plans.city", slug=city.slug)
    return act(
        lambda: service.adopt_plan(acting_user(), plan, today=clock.today()),
        done=_("Le plan est adopté : les échéances actuelles deviennent les dates de référence."),
        to=back,
        again=lambda saved: redirect(back),
    )


def _action_form(action=None) -> ActionForm:
    form = ActionForm(obj=action)
    form.set_choices(
        db.session.scalars(sa.select(Domain).order_by(Domain.position, Domain.name)).all(),
        db.session.scalars(sa.select(Organization).order_by(Organization.short_name)).all(),
    )
    return form


def _action_values(form: ActionForm) -> dict:
    return {
        "code": form.code.data,
        "title": form.title.data,
        "description": form.description.data,
        "domain_id": form.domain_id.data,
        "lead_organization_id": form.lead_organization_id.data,
        "budget": form.budget.data,
        "planned_start": form.planned_start.data,
        "planned_end": form.planned_end.data,
    }


@bp.route("/cities/<slug>/actions/new", methods=["GET", "POST"])
@require(Permission.PLANS_MANAGE)
def create_action(slug: str):
    city = get_city_or_404(slug)
    plan = db.session.scalar(sa.select(Plan).where(Plan.city_id == city.id))
    if plan is None:
        flash(_("Créez d'abord le plan de cette ville."), "error")
        return redirect(url_for("plans.edit_plan", slug=city.slug))
    form = _action_form()
    return form_page(
        form,
        "plans/action_form.html",
        lambda: service.create_action(acting_user(), plan, **_action_values(form)),
        done=_("L'action a été ajoutée."),
        to=lambda _action: url_for("plans.city", slug=city.slug),
        city=city,
        action=None,
    )


@bp.route("/actions/<id:action_id>/edit", methods=["GET", "POST"])
@require(Permission.PLANS_MANAGE)
def edit_action(action_id: int):
    action = db.get_or_404(Action, action_id)
    form = _action_form(action if request.method == "GET" else None)
    return form_page(
        form,
        "plans/action_form.html",
        lambda: service.update_action(
            acting_user(), action, expected_version=form_version(form), **_action_values(form)
        ),
        done=_("L'action a été enregistrée."),
        to=lambda _action: url_for("plans.city", slug=action.plan.city.slug),
        city=action.plan.city,
        action=action,
    )


@bp.route("/domains", methods=["GET", "POST"])
@bp.route("/domains/<id:domain_id>", methods=["GET", "POST"])
@require(Permission.PLANS_MANAGE)
def domains(domain_id: int | None = None):
    domain = db.get_or_404(Domain, domain_id) if domain_id else None
    form = DomainForm(obj=domain)
    return form_page(
        form,
        "plans/domains.html",
        lambda: service.save_domain(
            acting_user(),
            domain,
            code=form.code.data,
            name=form.name.data,
            position=form.position.data,
            names=form.names(),
            expected_version=form_version(form),
        ),
        done=_("Le domaine a été enregistré."),
        to=url_for("plans.domains"),
        domain=domain,
        domains=db.session.scalars(sa.select(Domain).order_by(Domain.position, Domain.name)).all(),
    )
