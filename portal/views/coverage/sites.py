"""Sites' pages: list, map and export, form, page, decisions, deployment figures and
assessments."""

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal import clock
from portal.authz import Permission, can, require
from portal.extensions import db
from portal.forms.coverage import (
    AssessmentForm,
    FiguresForm,
    MoveForm,
    SiteFilterForm,
    SiteForm,
)
from portal.models.coverage import (
    ASSESSABLE,
    Assessment,
    Site,
    SiteStatus,
)
from portal.models.milestones import Milestone
from portal.models.organizations import Organization
from portal.models.plans import Action, Plan
from portal.models.types import valid_id
from portal.security import CONTENT_SECURITY_POLICY
from portal.services import coverage as service
from portal.services import diagnostic, tasks
from portal.services.errors import InvalidInput
from portal.services.organizations import all_cities
from portal.templating import render_page
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
    moment,
    paginate,
    tabular_export,
)
from portal.views.coverage.base import MAP_LIMIT, _site_or_404, bp


def _filtered_sites():
    filters = SiteFilterForm(request.args)
    filters.set_choices(all_cities())
    return filters, service.sites_query(filters.criteria())


@bp.route("/sites")
@require(Permission.COVERAGE_VIEW)
def sites():
    filters, query = _filtered_sites()
    return render_page(
        "coverage/sites.html",
        "coverage/_sites_table.html",
        filters=filters,
        pagination=paginate(query),
        can_create=can(acting_user(), Permission.COVERAGE_MANAGE),
    )


@bp.route("/sites/export.<any(csv, xlsx):fmt>")
@require(Permission.COVERAGE_VIEW)
def export_sites(fmt: str):
    _filters, query = _filtered_sites()
    headers, rows = service.site_rows(db.session.scalars(query))
    name = f"sites-{clock.today().isoformat()}"
    return tabular_export(fmt, headers, rows, name=name, sheet=_("Sites"))


def _map_policy() -> str:
    """The page's policy, letting the configured tile server's images in."""
    url = current_app.config["MAP_TILE_URL"]
    parts = urlsplit(url.replace("{s}", "a"))
    if not url or not parts.scheme or not parts.netloc:
        return CONTENT_SECURITY_POLICY
    host = urlsplit(url).netloc.replace("{s}", "*")
    return CONTENT_SECURITY_POLICY.replace(
        "img-src 'self' data:", f"img-src 'self' data: {parts.scheme}://{host}"
    )


@bp.route("/map", endpoint="map")
@require(Permission.COVERAGE_VIEW)
def sites_map():
    filters, query = _filtered_sites()
    found = db.session.scalars(query.limit(MAP_LIMIT + 1)).all()
    markers = [
        {
            "id": s.id,
            "name": s.name,
            "kind": s.kind.value,
            "status": s.status.value,
            "lat": float(s.latitude),
            "lng": float(s.longitude),
            "city": s.city.name,
            "district": s.district,
            "label": f"{service.KIND_LABELS[s.kind]} — {service.STATUS_LABELS[s.status]}",
            "url": url_for("coverage.site", site_id=s.id),
        }
        for s in found[:MAP_LIMIT]
    ]
    user = acting_user()
    html = render_template(
        "coverage/map.html",
        filters=filters,
        markers=markers,
        # What exists before the plan, from the diagnostic, for the cities the reader sees.
        infrastructure=[
            item
            for city in all_cities()
            if can(user, Permission.DIAGNOSTIC_VIEW, city_id=city.id)
            and (filters.city.data or city.slug) == city.slug
            for item in diagnostic.map_items(city.id)
        ],
        truncated=len(found) > MAP_LIMIT,
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    )
    response = current_app.make_response(html)
    response.headers["Content-Security-Policy"] = _map_policy()
    return response


def _site_form(site: Site | None):
    user = acting_user()
    form = SiteForm(obj=site if site is not None and request.method == "GET" else None)
    cities = [c for c in all_cities() if service.may_manage(user, c.id)]
    city_ids = [c.id for c in cities]
    organizations = db.session.scalars(
        sa.select(Organization)
        .where(sa.or_(Organization.city_id.is_(None), Organization.city_id.in_(city_ids)))
        .order_by(Organization.short_name)
    ).all()
    actions = db.session.scalars(
        sa.select(Action)
        .join(Plan)
        .where(Plan.city_id.in_(city_ids))
        .options(joinedload(Action.plan).joinedload(Plan.city))
        .order_by(Plan.city_id, Action.code)
    ).all()
    milestones = (
        db.session.scalars(
            sa.select(Milestone)
            .where(Milestone.city_id == (site.city_id if site else sa.null()))
            .order_by(Milestone.due_date)
        ).all()
        if site is not None
        else []
    )
    form.set_choices(cities, organizations, actions, milestones)
    if site is not None and request.method == "GET":
        form.kind.data = site.kind.value
        form.action_id.data = site.action_id or 0
        form.milestone_ids.data = [m.id for m in site.milestones]
        form.latitude.data = f"{site.latitude:f}"
        form.longitude.data = f"{site.longitude:f}"
        form.estimated_cost.data = f"{site.estimated_cost:f}"
        form.version.data = site.version
    return form_page(
        form,
        "coverage/site_form.html",
        lambda: service.save_site(
            user,
            site,
            city_id=form.city_id.data,
            district=form.district.data,
            kind=form.kind.data,
            name=form.name.data,
            address=form.address.data,
            latitude=form.latitude.data,
            longitude=form.longitude.data,
            host_organization_id=form.host_organization_id.data,
            estimated_cost=form.estimated_cost.data,
            action_id=valid_id(form.action_id.data),
            milestone_ids=[valid_id(i) or 0 for i in form.milestone_ids.data or ()],
            today=clock.today(),
            expected_version=form_version(form) if site else None,
        ),
        done=_("Site enregistré."),
        to=lambda site: url_for("coverage.site", site_id=site.id),
        current=site and (lambda: db.session.get(Site, site.id).version),
        site=site,
    )


@bp.route("/sites/new", methods=["GET", "POST"])
@require(Permission.COVERAGE_MANAGE)
def create_site():
    return _site_form(None)


@bp.route("/sites/<id:site_id>/edit", methods=["GET", "POST"])
@require(Permission.COVERAGE_MANAGE)
def edit_site(site_id: int):
    site = _site_or_404(site_id)
    if not service.may_manage(acting_user(), site.city_id):
        abort(403)
    return _site_form(site)


def _site_page(site: Site, *, status=200, move_form=None, figures_form=None):
    user = acting_user()
    grid = service.criteria_set(site.city_id, site.kind)
    result = service.site_result(site, grid)
    if result is not None:
        # Its rank is among every site of its city and kind.
        result.rank = service.rank_of(site)
    assessments = service.site_assessments(site) if service.may_see_assessments(user, site) else []
    if figures_form is None:
        figures_form = FiguresForm(formdata=None, obj=site)
        figures_form.version.data = site.version
    waiting = tasks.waiting_on("site", site.id, moment())
    # A decision may come before every assessor has scored: the page says how many have.
    assessed = db.session.scalar(
        sa.select(sa.func.count(Assessment.id)).where(Assessment.site_id == site.id)
    )
    pending = next((len(w.people) for w in waiting if w.kind.name == "site_assess"), 0)
    return render_template(
        "coverage/site.html",
        site=site,
        waiting=waiting,
        assessed=assessed,
        assessors=assessed + pending,
        result=result,
        criteria=grid.criteria if grid else [],
        assessments=assessments,
        moves=service.allowed_moves(user, site),
        move_form=move_form or MoveForm(formdata=None, version=site.version),
        figures_form=figures_form,
        can_edit=service.may_manage(user, site.city_id) and site.status not in service.FROZEN,
        can_assess=service.may_assess(user, site) and site.status in ASSESSABLE,
        can_report=service.may_report(user, site) and site.status in service.WITH_FIGURES,
        decisions=service.DECISIONS,
    ), status


@bp.route("/sites/<id:site_id>")
@require(Permission.COVERAGE_VIEW)
def site(site_id: int):
    return _site_page(_site_or_404(site_id))


def _move(site_id: int, kind: set):
    site = _site_or_404(site_id)
    form = MoveForm()
    if not form.validate_on_submit():
        return _site_page(site, status=422, move_form=form)
    try:
        target = SiteStatus(form.to_status.data)
    except ValueError:
        target = None
    if (site.status, target) not in kind:
        flash(_("Ce changement de statut n'est pas possible depuis ce statut."), "error")
        return _site_page(site, status=422, move_form=form)

    def again(saved):
        for message in form.form_errors + [e for f in form for e in f.errors]:
            flash(str(message), "error")
        # What was typed comes back; the page shows the site as it is now.
        return _site_page(_site_or_404(site_id), status=saved.status, move_form=form)

    return act(
        lambda: service.move(
            acting_user(),
            site,
            target,
            note=form.note.data,
            on_date=form.on_date.data,
            today=clock.today(),
            expected_version=form_version(form),
        ),
        done=_("Statut du site : %(status)s.", status=service.STATUS_LABELS[target]),
        to=url_for("coverage.site", site_id=site_id),
        again=again,
        form=form,
    )


@bp.route("/sites/<id:site_id>/decision", methods=["POST"])
@require(Permission.COVERAGE_DECIDE)
def decide(site_id: int):
    return _move(site_id, service.DECISIONS)


@bp.route("/sites/<id:site_id>/status", methods=["POST"])
@require(Permission.COVERAGE_MANAGE)
def advance(site_id: int):
    return _move(site_id, service.DEPLOYMENT)


@bp.route("/sites/<id:site_id>/figures", methods=["POST"])
@require(Permission.COVERAGE_REPORT)
def figures(site_id: int):
    site = _site_or_404(site_id)
    form = FiguresForm()
    if not form.validate_on_submit():
        return _site_page(site, status=422, figures_form=form)
    return act(
        lambda: service.record_figures(
            acting_user(),
            site,
            seats=form.seats.data,
            wifi_capacity=form.wifi_capacity.data,
            weekly_users=form.weekly_users.data,
            figures_on=form.figures_on.data,
            today=clock.today(),
            expected_version=form_version(form),
        ),
        done=_("Chiffres du site enregistrés."),
        to=url_for("coverage.site", site_id=site_id),
        again=lambda saved: _site_page(
            _site_or_404(site_id), status=saved.status, figures_form=form
        ),
        form=form,
        current=lambda: _site_or_404(site_id).version,
    )


@bp.route("/sites/<id:site_id>/assessment", methods=["GET", "POST"])
@require(Permission.COVERAGE_ASSESS)
def assess(site_id: int):
    site = _site_or_404(site_id)
    user = acting_user()
    if not service.may_assess(user, site):
        abort(403)
    grid = service.criteria_set(site.city_id, site.kind)
    mine = service.own_assessment(user, site)
    form = AssessmentForm(obj=mine if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = mine.version if mine else ""
    values = {}
    if mine is not None:
        for answer in mine.answers:
            values[answer.criterion_id] = answer
    field_errors = {}

    def page(status: int):
        return render_template(
            "coverage/assessment.html",
            site=site,
            form=form,
            criteria=grid.criteria if grid else [],
            values=values,
            submitted=request.form if request.method == "POST" else None,
            field_errors=field_errors,
            open_for_assessment=site.status in ASSESSABLE,
        ), status

    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)
    answers = {
        c.id: service.AnswerInput(
            points=request.form.get(f"criterion-{c.id}"),
            passed={"yes": True, "no": False}.get(request.form.get(f"criterion-{c.id}", "")),
            reason=request.form.get(f"reason-{c.id}", ""),
        )
        for c in (grid.criteria if grid else [])
    }

    def run():
        try:
            service.save_assessment(
                user,
                site,
                answers,
                comment=form.comment.data,
                today=clock.today(),
                expected_version=form_version(form) if mine else None,
            )
        except InvalidInput as error:
            # A criterion's message goes next to that criterion's field.
            if error.field and error.field.startswith("criterion-"):
                field_errors[error.field] = error.message
            raise

    def again(saved):
        form.form_errors = [e for e in form.form_errors if e not in field_errors.values()]
        return page(saved.status)

    return act(
        run,
        done=_("Votre évaluation est enregistrée."),
        to=url_for("coverage.site", site_id=site_id),
        again=again,
        form=form,
        current=lambda: getattr(service.own_assessment(user, site), "version", ""),
    )
