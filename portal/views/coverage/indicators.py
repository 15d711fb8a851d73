"""Indicators' pages: the programme's comparison, a city's targets and measurements."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import clock
from portal.authz import Permission, can, require
from portal.extensions import db
from portal.forms.coverage import (
    IndicatorForm,
    MeasurementDeleteForm,
    MeasurementForm,
    TargetForm,
)
from portal.models.coverage import (
    Indicator,
    IndicatorTarget,
    Measurement,
    Site,
    SiteKind,
)
from portal.models.organizations import City
from portal.models.plans import Domain
from portal.services import coverage as service
from portal.services.organizations import all_cities
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
    get_city_or_404,
)
from portal.views.coverage.base import bp


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
    return form_page(
        form,
        "coverage/indicator_form.html",
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
            names=form.names(),
            expected_version=form_version(form) if indicator else None,
        ),
        done=_("Indicateur enregistré."),
        to=lambda _saved: url_for("coverage.programme"),
        current=indicator and (lambda: db.session.get(Indicator, indicator.id).version),
        indicator=indicator,
    )


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
    return form_page(
        form,
        "coverage/target_form.html",
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
        city=city,
        target=target,
    )


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
    back = url_for("coverage.city", slug=target.city.slug) + f"#t{target.id}"

    def refused(_saved=None):
        # The form sits in the city's page: its errors come back there, in one message.
        errors = [e for field in form for e in field.errors] + list(form.form_errors)
        flash(
            _(
                "Mesure non enregistrée (%(indicator)s) : %(errors)s",
                indicator=target.indicator.name,
                errors=" ".join(str(e) for e in errors),
            ),
            "error",
        )
        return redirect(back, 303)

    if not form.validate_on_submit():
        return refused()
    return act(
        lambda: service.record_measurement(
            acting_user(),
            target,
            value=form.value.data,
            measured_on=form.measured_on.data,
            source=form.source.data,
            today=clock.today(),
        ),
        done=_("Mesure enregistrée."),
        to=back,
        again=refused,
        form=form,
    )


@bp.route("/measurements/<id:measurement_id>/delete", methods=["POST"])
@require(Permission.COVERAGE_MANAGE)
def delete_measurement(measurement_id: int):
    measurement = db.session.get(Measurement, measurement_id) or abort(404)
    target_id, slug = measurement.target_id, measurement.target.city.slug
    form = MeasurementDeleteForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("coverage.city", slug=slug) + f"#t{target_id}"
    return act(
        lambda: service.delete_measurement(acting_user(), measurement),
        done=_("Mesure supprimée."),
        to=back,
        again=lambda saved: redirect(back),
    )
