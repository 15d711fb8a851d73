"""Digital coverage: indicators against targets, candidate sites on a map and in a list,
their criteria, assessments, ranking and status."""

from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from portal import clock
from portal.authz import Permission, can, require
from portal.errors import render_error
from portal.extensions import db
from portal.forms.coverage import (
    AssessmentForm,
    CriteriaForm,
    FiguresForm,
    IndicatorForm,
    MeasurementDeleteForm,
    MeasurementForm,
    MoveForm,
    SiteFilterForm,
    SiteForm,
    TargetForm,
)
from portal.models.coverage import (
    ASSESSABLE,
    Assessment,
    Indicator,
    IndicatorTarget,
    Measurement,
    Site,
    SiteEvent,
    SiteKind,
    SiteStatus,
)
from portal.models.milestones import Milestone
from portal.models.organizations import City, Organization
from portal.models.plans import Action, Domain, Plan
from portal.models.types import valid_id
from portal.security import CONTENT_SECURITY_POLICY
from portal.services import coverage as service
from portal.services import coverage_exports, tasks
from portal.services.errors import InvalidInput, NotAllowed
from portal.services.organizations import all_cities
from portal.templating import render_page
from portal.views._common import (
    Saved,
    acting_user,
    attachment,
    form_version,
    get_city_or_404,
    moment,
    page_number,
    paginate,
    save,
    tabular_export,
)

bp = Blueprint("coverage", __name__, url_prefix="/coverage")

# The map draws at most this many markers; past it the page says so and the list pages.
MAP_LIMIT = 2000


def _refused_rights(saved: Saved):
    """The 403 page for a refusal of rights, else None."""
    if isinstance(saved.refusal, NotAllowed):
        return render_error(403, saved.refusal.message)
    return None


def _attempt(form, action):
    """`save`, answered as the status (None once saved) or the 403 page."""
    saved = save(form, action)
    return _refused_rights(saved) or saved.status


@dataclass(frozen=True)
class SlicePage:
    """The page of an in-memory list, as the pagination macro reads it."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _submit(form, action, *, done: str, to, current=None):
    """Run the form's service call: on success flash `done` and redirect to `to(value)` (the
    service's result). Otherwise answer the refusal page (403), or return the status with the
    message on the form; a stale form then carries the current version, so that saving again
    is deliberate."""
    saved = save(form, action)
    if (forbidden := _refused_rights(saved)) is not None:
        return forbidden
    if saved.ok:
        flash(done, "success")
        return redirect(to(saved.value))
    if saved.status == 409 and current is not None:
        form.version.data = current()
    return saved.status


def _kind_or_404(value: str) -> SiteKind:
    try:
        return SiteKind(value)
    except ValueError:
        abort(404)


def _site_or_404(site_id: int) -> Site:
    site = db.session.scalar(
        sa.select(Site)
        .where(Site.id == site_id)
        .options(
            joinedload(Site.city),
            joinedload(Site.host_organization),
            joinedload(Site.action),
            selectinload(Site.events).joinedload(SiteEvent.actor),
            selectinload(Site.milestones),
        )
    )
    if site is None:
        abort(404)
    return site


# --- Indicators -------------------------------------------------------------------------------


@bp.route("")
@require(Permission.COVERAGE_VIEW)
def programme():
    today = clock.today()
    cities = all_cities()
    counts = {
        (city_id, kind, status): n
        for city_id, kind, status, n in db.session.execute(
            sa.select(Site.city_id, Site.kind, Site.status, sa.func.count()).group_by(
                Site.city_id, Site.kind, Site.status
            )
        )
    }
    return render_template(
        "coverage/programme.html",
        cities=cities,
        rows=service.programme_comparison(),
        progress=lambda t: service.progress(t, today),
        counts=counts,
        can_define=can(acting_user(), Permission.COVERAGE_MANAGE, city_id=None),
    )


def _indicator_form(indicator: Indicator | None):
    form = IndicatorForm(obj=indicator if request.method == "GET" else None)
    form.set_choices(db.session.scalars(sa.select(Domain).order_by(Domain.position)).all())
    if indicator is not None and request.method == "GET":
        form.version.data = indicator.version
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        status = _submit(
            form,
            lambda: service.save_indicator(
                acting_user(),
                indicator,
                code=form.code.data,
                name=form.name.data,
                unit=form.unit.data,
                domain_id=form.domain_id.data,
                description=form.description.data,
                higher_is_better=form.higher_is_better.data,
                position=form.position.data,
                expected_version=form_version(form) if indicator else None,
            ),
            done=_("Indicateur enregistré."),
            to=lambda _saved: url_for("coverage.programme"),
            current=indicator and (lambda: db.session.get(Indicator, indicator.id).version),
        )
        if not isinstance(status, int):
            return status
    return render_template("coverage/indicator_form.html", form=form, indicator=indicator), status


@bp.route("/indicators/new", methods=["GET", "POST"])
@require(Permission.COVERAGE_MANAGE)
def create_indicator():
    return _indicator_form(None)


@bp.route("/indicators/<id:indicator_id>/edit", methods=["GET", "POST"])
@require(Permission.COVERAGE_MANAGE)
def edit_indicator(indicator_id: int):
    indicator = db.session.get(Indicator, indicator_id) or abort(404)
    return _indicator_form(indicator)


@bp.route("/cities/<slug>")
@require(Permission.COVERAGE_VIEW)
def city(slug: str):
    city = get_city_or_404(slug)
    today = clock.today()
    user = acting_user()
    targets = service.city_targets(city.id)
    charts = {
        t.id: service.indicator_chart(
            t,
            today=today,
            labels={
                "title": _("%(name)s : du départ à la cible", name=t.indicator.name),
                "target": _("cible"),
                "baseline": _("départ"),
            },
        )
        for t in targets
    }
    return render_template(
        "coverage/city.html",
        city=city,
        targets=targets,
        charts=charts,
        progress={t.id: service.progress(t, today) for t in targets},
        can_manage=service.may_manage(user, city.id),
        measurement_form=MeasurementForm(formdata=None, measured_on=today),
        kinds=list(SiteKind),
    )


def _target_form(city: City, target: IndicatorTarget | None):
    form = TargetForm(obj=target if request.method == "GET" else None)
    form.set_choices(
        db.session.scalars(sa.select(Indicator).order_by(Indicator.position, Indicator.name)).all()
    )
    if target is not None:
        form.indicator_id.render_kw = {"disabled": True}
        form.indicator_id.data = target.indicator_id
        if request.method == "GET":
            form.version.data = target.version
            form.baseline_value.data = str(target.baseline_value)
            form.target_value.data = str(target.target_value)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        status = _submit(
            form,
            lambda: service.save_target(
                acting_user(),
                target,
                indicator_id=form.indicator_id.data,
                city_id=city.id,
                district=form.district.data,
                baseline_value=form.baseline_value.data,
                baseline_date=form.baseline_date.data,
                target_value=form.target_value.data,
                target_date=form.target_date.data,
                expected_version=form_version(form) if target else None,
            ),
            done=_("Cible enregistrée."),
            to=lambda _saved: url_for("coverage.city", slug=city.slug),
            current=target and (lambda: db.session.get(IndicatorTarget, target.id).version),
        )
        if not isinstance(status, int):
            return status
    return render_template("coverage/target_form.html", form=form, city=city, target=target), status


@bp.route("/cities/<slug>/targets/new", methods=["GET", "POST"])
@require(Permission.COVERAGE_MANAGE)
def create_target(slug: str):
    city = get_city_or_404(slug)
    if not service.may_manage(acting_user(), city.id):
        abort(403)
    return _target_form(city, None)


@bp.route("/targets/<id:target_id>/edit", methods=["GET", "POST"])
@require(Permission.COVERAGE_MANAGE)
def edit_target(target_id: int):
    target = db.session.get(IndicatorTarget, target_id) or abort(404)
    if not service.may_manage(acting_user(), target.city_id):
        abort(403)
    return _target_form(target.city, target)


@bp.route("/targets/<id:target_id>/measurements", methods=["POST"])
@require(Permission.COVERAGE_MANAGE)
def add_measurement(target_id: int):
    target = db.session.get(IndicatorTarget, target_id) or abort(404)
    form = MeasurementForm()
    if form.validate_on_submit():
        status = _attempt(
            form,
            lambda: service.record_measurement(
                acting_user(),
                target,
                value=form.value.data,
                measured_on=form.measured_on.data,
                source=form.source.data,
                today=clock.today(),
            ),
        )
        if status is None:
            flash(_("Mesure enregistrée."), "success")
            return redirect(url_for("coverage.city", slug=target.city.slug) + f"#t{target.id}")
        if not isinstance(status, int):
            return status
    else:
        status = 422
    errors = [e for field in form for e in field.errors] + list(form.form_errors)
    target = db.session.get(IndicatorTarget, target_id)
    flash(
        _(
            "Mesure non enregistrée (%(indicator)s) : %(errors)s",
            indicator=target.indicator.name,
            errors=" ".join(str(e) for e in errors),
        ),
        "error",
    )
    return redirect(url_for("coverage.city", slug=target.city.slug) + f"#t{target.id}"), 303


@bp.route("/measurements/<id:measurement_id>/delete", methods=["POST"])
@require(Permission.COVERAGE_MANAGE)
def delete_measurement(measurement_id: int):
    measurement = db.session.get(Measurement, measurement_id) or abort(404)
    target_id, slug = measurement.target_id, measurement.target.city.slug
    form = MeasurementDeleteForm()
    if not form.validate_on_submit():
        abort(400)
    status = _attempt(form, lambda: service.delete_measurement(acting_user(), measurement))
    if status is not None and not isinstance(status, int):
        return status
    if status is None:
        flash(_("Mesure supprimée."), "success")
    else:
        flash(" ".join(str(e) for e in form.form_errors), "error")
    return redirect(url_for("coverage.city", slug=slug) + f"#t{target_id}")


# --- Sites: list and map ----------------------------------------------------------------------


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
    html = render_template(
        "coverage/map.html",
        filters=filters,
        markers=markers,
        truncated=len(found) > MAP_LIMIT,
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    )
    response = current_app.make_response(html)
    response.headers["Content-Security-Policy"] = _map_policy()
    return response


# --- Sites: one site --------------------------------------------------------------------------


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
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        status = _submit(
            form,
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
        )
        if not isinstance(status, int):
            return status
    return render_template("coverage/site_form.html", form=form, site=site), status


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
    status = _attempt(
        form,
        lambda: service.move(
            acting_user(),
            site,
            target,
            note=form.note.data,
            on_date=form.on_date.data,
            today=clock.today(),
            expected_version=form_version(form),
        ),
    )
    if status is None:
        flash(_("Statut du site : %(status)s.", status=service.STATUS_LABELS[target]), "success")
        return redirect(url_for("coverage.site", site_id=site_id))
    if not isinstance(status, int):
        return status
    for message in form.form_errors + [e for f in form for e in f.errors]:
        flash(str(message), "error")
    # What was typed comes back; the page shows the site as it is now.
    return _site_page(_site_or_404(site_id), status=status, move_form=form)


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
    status = _attempt(
        form,
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
    )
    if status is None:
        flash(_("Chiffres du site enregistrés."), "success")
        return redirect(url_for("coverage.site", site_id=site_id))
    if not isinstance(status, int):
        return status
    site = _site_or_404(site_id)
    if status == 409:
        form.version.data = site.version
    return _site_page(site, status=status, figures_form=form)


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
    status = 422 if form.is_submitted() else 200
    field_errors = {}
    if form.validate_on_submit():
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

        status = _submit(
            form,
            run,
            done=_("Votre évaluation est enregistrée."),
            to=lambda _saved: url_for("coverage.site", site_id=site_id),
            current=lambda: getattr(service.own_assessment(user, site), "version", ""),
        )
        if not isinstance(status, int):
            return status
        form.form_errors = [e for e in form.form_errors if e not in field_errors.values()]
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


# --- Criteria and ranking ---------------------------------------------------------------------


@bp.route("/cities/<slug>/criteria/<site_kind>", methods=["GET", "POST"])
@require(Permission.COVERAGE_MANAGE)
def criteria(slug: str, site_kind: str):
    city = get_city_or_404(slug)
    kind = _kind_or_404(site_kind)
    if not service.may_manage(acting_user(), city.id):
        abort(403)
    existing = service.criteria_set(city.id, kind)
    form = CriteriaForm()
    if request.method == "GET":
        form.criteria.data = service.criteria_text(existing)
        form.version.data = existing.version if existing else ""
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        status = _submit(
            form,
            lambda: service.save_criteria(
                acting_user(),
                city,
                kind,
                form.criteria.data,
                expected_version=form_version(form) if existing else None,
            ),
            done=_("Critères publiés."),
            to=lambda _saved: url_for("coverage.ranking", slug=city.slug, site_kind=kind.value),
            current=lambda: getattr(service.criteria_set(city.id, kind), "version", ""),
        )
        if not isinstance(status, int):
            return status
    return render_template(
        "coverage/criteria_form.html",
        form=form,
        city=city,
        kind=kind,
        locked=service.criteria_locked(city.id, kind),
    ), status


@bp.route("/cities/<slug>/ranking/<site_kind>")
@require(Permission.COVERAGE_VIEW)
def ranking(slug: str, site_kind: str):
    city = get_city_or_404(slug)
    kind = _kind_or_404(site_kind)
    result = service.ranking(city, kind)
    # Every site is scored to rank them; the page shows one slice of the ranking.
    per_page = current_app.config["PAGE_SIZE"]
    pages = max((len(result.rows) + per_page - 1) // per_page, 1)
    page = min(page_number(), pages)
    return render_template(
        "coverage/ranking.html",
        ranking=result,
        rows=result.rows[(page - 1) * per_page : page * per_page],
        pagination=SlicePage(page, pages),
        can_manage=service.may_manage(acting_user(), city.id),
    )


@bp.route("/cities/<slug>/ranking/<site_kind>/export.<any(csv, xlsx, pdf):fmt>")
@require(Permission.COVERAGE_VIEW)
def export_ranking(slug: str, site_kind: str, fmt: str):
    city = get_city_or_404(slug)
    kind = _kind_or_404(site_kind)
    result = service.ranking(city, kind)
    name = f"classement-{city.slug}-{kind.value}"
    if fmt == "pdf":
        return attachment(coverage_exports.ranking_pdf(result), "application/pdf", f"{name}.pdf")
    headers, rows = coverage_exports.ranking_table(result)
    return tabular_export(fmt, headers, rows, name=name, sheet=_("Classement"))
