"""Shared assets' pages: list, form, page, sharing key, generated agreements."""

import sqlalchemy as sa
from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload

from portal import clock
from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.finance import (
    AssetFilterForm,
    AssetForm,
    GenerateForm,
    KeyForm,
)
from portal.models.diagnostic import Infrastructure
from portal.models.finance import (
    Agreement,
    AgreementStatus,
    SharedAsset,
)
from portal.models.types import valid_id
from portal.services import finance as service
from portal.services import scenarios
from portal.services.organizations import all_cities
from portal.templating import render_page
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
    paginate,
    save,
)
from portal.views.finance.base import _asset_or_404, _organizations, bp


@bp.route("/assets")
@require(Permission.FINANCE_VIEW)
def assets():
    cities = all_cities()
    filters = AssetFilterForm(request.args)
    filters.set_choices(cities)
    pagination = paginate(service.assets_query(filters.criteria(), acting_user()))
    return render_page(
        "finance/assets.html",
        "finance/_assets_table.html",
        filters=filters,
        pagination=pagination,
        may_manage=service.may_manage(acting_user(), None),
    )


def _save_asset(asset: SharedAsset | None):
    user = acting_user()
    form = AssetForm(obj=asset if asset and request.method == "GET" else None)
    form.set_choices(all_cities(), _organizations())
    if asset is not None and request.method == "GET":
        form.kind.data = asset.kind.value
        form.capacity.data = str(asset.capacity) if asset.capacity is not None else ""
        form.capital_cost.data = str(asset.capital_cost)
        form.yearly_operating_cost.data = str(asset.yearly_operating_cost)
        form.version.data = asset.version
    return form_page(
        form,
        "finance/asset_form.html",
        lambda: service.save_asset(
            user,
            asset,
            city_id=form.city_id.data,
            owner_id=form.owner_id.data,
            kind=form.kind.data,
            name=form.name.data,
            description=form.description.data,
            capacity=form.capacity.data,
            capacity_unit=form.capacity_unit.data,
            capital_cost=form.capital_cost.data,
            yearly_operating_cost=form.yearly_operating_cost.data,
            expected_version=form_version(form) if asset else None,
        ),
        done=_("Infrastructure enregistrée."),
        # A new asset needs its cost-sharing key next.
        to=lambda saved: url_for(
            "finance.key" if asset is None else "finance.asset", asset_id=saved.id
        ),
        asset=asset,
    )


@bp.route("/assets/new", methods=["GET", "POST"])
@require(Permission.FINANCE_MANAGE)
def create_asset():
    return _save_asset(None)


@bp.route("/assets/<id:asset_id>/edit", methods=["GET", "POST"])
@require(Permission.FINANCE_MANAGE)
def edit_asset(asset_id: int):
    return _save_asset(_asset_or_404(asset_id))


def _asset_page(asset: SharedAsset, *, generate_form=None, status=200):
    user = acting_user()
    agreements = db.session.scalars(
        sa.select(Agreement)
        .where(Agreement.asset_id == asset.id, service.visible_filter(user))
        .options(joinedload(Agreement.payer), joinedload(Agreement.payee))
        .order_by(Agreement.status, Agreement.id)
    ).all()
    if generate_form is None:
        generate_form = GenerateForm(formdata=None)
        generate_form.start_date.data = clock.today()
        generate_form.frequency.data = "yearly"
        generate_form.count.data = 5
        generate_form.operating_years.data = 0
        generate_form.version.data = asset.version
    lines = service.key_lines(asset)
    capital = (
        service.split_by_weights(asset.capital_cost, [s.weight for s, _p in lines]) if lines else []
    )
    return render_template(
        "finance/asset.html",
        asset=asset,
        from_scenario=scenarios.drafted_from(user, asset_id=asset.id),
        pooled=db.session.scalar(
            sa.select(Infrastructure).where(Infrastructure.asset_id == asset.id)
        ),
        lines=list(zip(lines, capital, strict=True)),
        shown=service.key_lines_shown(user, asset),
        agreements=agreements,
        figures=service.agreement_figures(agreements, clock.today()),
        active=[
            a for a in agreements if a.cost_kind and a.status is not AgreementStatus.TERMINATED
        ],
        generate_form=generate_form,
        may_manage=service.may_manage(user, asset.city_id),
    ), status


@bp.route("/assets/<id:asset_id>")
@require(Permission.FINANCE_VIEW)
def asset(asset_id: int):
    return _asset_page(_asset_or_404(asset_id))


def _generate(user, asset, form, expected_version):
    return service.generate_agreements(
        user,
        asset,
        start_date=form.start_date.data,
        frequency=form.frequency.data,
        count=form.count.data,
        operating_years=form.operating_years.data or 0,
        today=clock.today(),
        expected_version=expected_version,
    )


@bp.route("/assets/<id:asset_id>/generate", methods=["POST"])
@require(Permission.FINANCE_MANAGE)
def generate(asset_id: int):
    asset = _asset_or_404(asset_id)
    form = GenerateForm()
    if not form.validate_on_submit():
        return _asset_page(asset, generate_form=form, status=422)
    return act(
        lambda: _generate(acting_user(), asset, form, form_version(form)),
        done=lambda generated: ngettext(
            "%(num)d projet de convention généré : vérifiez-le puis signez-le.",
            "%(num)d projets de convention générés : vérifiez-les puis signez-les.",
            len(generated.agreements),
        ),
        to=url_for("finance.asset", asset_id=asset_id),
        again=lambda saved: _asset_page(
            _asset_or_404(asset_id), generate_form=form, status=saved.status
        ),
        form=form,
    )


@bp.route("/assets/<id:asset_id>/key", methods=["GET", "POST"])
@require(Permission.FINANCE_MANAGE)
def key(asset_id: int):
    asset = _asset_or_404(asset_id)
    user = acting_user()
    existing = service.active_generated(asset)
    form = KeyForm()
    lines = [(s.organization_id, str(s.weight)) for s in asset.shares] or [(asset.owner_id, "")]
    if request.method == "GET":
        form.basis.data = asset.key_basis.value
        form.version.data = asset.version
        form.start_date.data = clock.today()
        form.frequency.data = "yearly"
        form.count.data = 5
        form.operating_years.data = 0
    status = 200
    if form.is_submitted():
        lines = list(
            zip(
                [valid_id(v) for v in request.form.getlist("organization_id")],
                request.form.getlist("weight"),
                strict=False,
            )
        )
        status = 422
        if form.validate_on_submit():
            regenerate = bool(existing) and form.on_existing.data == "regenerate"
            if regenerate and not (
                form.start_date.data and form.count.data and form.frequency.data
            ):
                form.count.errors = [
                    *form.count.errors,
                    _("Indiquez la première échéance et le nombre d'échéances."),
                ]
            else:

                def change():
                    service.set_key(
                        user,
                        asset,
                        basis=form.basis.data,
                        lines=lines,
                        on_existing=form.on_existing.data,
                        today=clock.today(),
                        expected_version=form_version(form),
                        regenerate_operating=bool(form.operating_years.data),
                    )
                    if regenerate:
                        db.session.flush()
                        _generate(user, asset, form, asset.version)

                saved = save(form, change)
                status = saved.status
                if status is None:
                    flash(_("Clé de répartition enregistrée."), "success")
                    if regenerate:
                        flash(
                            _("Anciennes conventions résiliées, nouveaux projets générés."),
                            "success",
                        )
                    return redirect(url_for("finance.asset", asset_id=asset_id))
        asset = _asset_or_404(asset_id)
    organizations = [o for o in _organizations() if o.city_id in (None, asset.city_id)]
    blank = max(2, 5 - len(lines))
    return render_template(
        "finance/key.html",
        asset=asset,
        form=form,
        existing=existing,
        organizations=organizations,
        lines=[*lines, *[(None, "")] * blank],
    ), status
