"""The diagnostic's pages: each city's inventory of digital services, its maturity profile
by domain, and each service with its monthly use."""

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal import clock
from portal.authz import Permission, can, require
from portal.extensions import db
from portal.forms.diagnostic import ServiceForm, UseForm
from portal.models.diagnostic import DigitalService, ServiceUse
from portal.models.plans import Domain
from portal.services import diagnostic as service
from portal.services.organizations import all_cities, all_organizations
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
    get_city_or_404,
    paginate,
)

bp = Blueprint("diagnostic", __name__, url_prefix="/diagnostic")


@bp.route("")
@require(Permission.DIAGNOSTIC_VIEW)
def programme():
    user = acting_user()
    cities = [c for c in all_cities() if can(user, Permission.DIAGNOSTIC_VIEW, city_id=c.id)]
    figures = {
        city_id: (count, baseline, now)
        for city_id, count, baseline, now in db.session.execute(
            sa.select(
                DigitalService.city_id,
                sa.func.count(),
                sa.func.avg(DigitalService.baseline_level),
                sa.func.avg(DigitalService.level),
            ).group_by(DigitalService.city_id)
        )
    }
    return render_template("diagnostic/programme.html", cities=cities, figures=figures)


@bp.route("/cities/<slug>/services")
@require(Permission.DIAGNOSTIC_VIEW)
def services(slug: str):
    city = get_city_or_404(slug)
    if not can(acting_user(), Permission.DIAGNOSTIC_VIEW, city_id=city.id):
        abort(404)
    domains = db.session.scalars(sa.select(Domain).order_by(Domain.position)).all()
    chosen = request.args.get("domain", type=int)
    query = (
        sa.select(DigitalService)
        .where(DigitalService.city_id == city.id)
        .options(joinedload(DigitalService.provider), joinedload(DigitalService.domain))
        .order_by(DigitalService.name)
    )
    if chosen:
        query = query.where(DigitalService.domain_id == chosen)
    return render_template(
        "diagnostic/services.html",
        city=city,
        profile=service.maturity_profile(city.id),
        domains=domains,
        chosen=chosen,
        pagination=paginate(query),
        can_manage=service.may_manage(acting_user(), city.id),
    )


def _service_or_404(service_id: int) -> DigitalService:
    found = db.session.scalar(
        sa.select(DigitalService)
        .where(DigitalService.id == service_id)
        .options(
            joinedload(DigitalService.city),
            joinedload(DigitalService.provider),
            joinedload(DigitalService.domain),
            joinedload(DigitalService.action),
        )
    )
    if found is None or not can(acting_user(), Permission.DIAGNOSTIC_VIEW, city_id=found.city_id):
        abort(404)
    return found


def _service_form(form: ServiceForm, found: DigitalService | None, city):
    form.set_choices(
        [o for o in all_organizations() if o.city_id in (None, city.id)],
        db.session.scalars(sa.select(Domain).order_by(Domain.position)).all(),
        service.city_actions(city.id),
    )
    return form_page(
        form,
        "diagnostic/service_form.html",
        lambda: service.save_service(
            acting_user(),
            found,
            city_id=city.id,
            name=form.name.data,
            description=form.description.data,
            provider_id=form.provider_id.data,
            domain_id=form.domain_id.data,
            channels=form.channels.data,
            baseline_level=form.baseline_level.data,
            baseline_on=form.baseline_on.data,
            level=form.level.data,
            level_on=form.level_on.data,
            action_id=form.action_id.data,
            target_level=form.target_level.data,
            expected_version=form_version(form) if found else None,
        ),
        done=_("Service enregistré."),
        to=lambda saved: url_for("diagnostic.service_page", service_id=saved.id),
        current=(lambda: _service_or_404(found.id).version) if found else None,
        city=city,
        found=found,
    )


@bp.route("/cities/<slug>/services/new", methods=["GET", "POST"])
@require(Permission.DIAGNOSTIC_MANAGE)
def create_service(slug: str):
    city = get_city_or_404(slug)
    if not service.may_manage(acting_user(), city.id):
        abort(403)
    form = ServiceForm()
    if request.method == "GET":
        form.baseline_on.data = form.level_on.data = clock.today()
        form.baseline_level.data = form.level.data = "1"
    return _service_form(form, None, city)


@bp.route("/services/<id:service_id>/edit", methods=["GET", "POST"])
@require(Permission.DIAGNOSTIC_MANAGE)
def edit_service(service_id: int):
    found = _service_or_404(service_id)
    if not service.may_manage(acting_user(), found.city_id):
        abort(403)
    form = ServiceForm(obj=found if request.method == "GET" else None)
    if request.method == "GET":
        form.baseline_level.data = str(found.baseline_level)
        form.level.data = str(found.level)
        form.target_level.data = str(found.target_level or "")
        form.action_id.data = found.action_id or 0
        form.version.data = found.version
    return _service_form(form, found, found.city)


def _service_page(found: DigitalService, *, status: int = 200, use_form=None):
    uses = db.session.scalars(
        sa.select(ServiceUse).where(ServiceUse.service_id == found.id).order_by(ServiceUse.month)
    ).all()
    return render_template(
        "diagnostic/service.html",
        found=found,
        uses=uses,
        use_form=use_form or UseForm(formdata=None, version=found.version),
        can_manage=service.may_manage(acting_user(), found.city_id),
    ), status


@bp.route("/services/<id:service_id>")
@require(Permission.DIAGNOSTIC_VIEW)
def service_page(service_id: int):
    return _service_page(_service_or_404(service_id))


@bp.route("/services/<id:service_id>/uses", methods=["POST"])
@require(Permission.DIAGNOSTIC_MANAGE)
def record_use(service_id: int):
    found = _service_or_404(service_id)
    if not service.may_manage(acting_user(), found.city_id):
        abort(403)
    form = UseForm()
    if not form.validate_on_submit():
        return _service_page(found, status=422, use_form=form)
    return act(
        lambda: service.record_use(
            acting_user(),
            found,
            month=form.month.data,
            volume=form.volume.data,
            expected_version=form_version(form),
        ),
        done=_("Utilisation du mois enregistrée."),
        to=url_for("diagnostic.service_page", service_id=service_id),
        again=lambda saved: _service_page(
            _service_or_404(service_id), status=saved.status, use_form=form
        ),
        form=form,
        current=lambda: _service_or_404(service_id).version,
    )
