"""A city's criteria per kind of site, and the ranking with its exports."""

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from portal.authz import Permission, require
from portal.forms.coverage import (
    CriteriaForm,
)
from portal.forms.fields import criteria_labels_form
from portal.labels import SITE_KIND_LABELS as KIND_LABELS
from portal.names import local
from portal.services import coverage as service
from portal.services import coverage_exports
from portal.services.paging import Page
from portal.views._common import (
    acting_user,
    attachment,
    form_page,
    form_version,
    get_city_or_404,
    page_number,
    tabular_export,
)
from portal.views.coverage.base import _kind_or_404, bp


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
    return form_page(
        form,
        "coverage/criteria_form.html",
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
        city=city,
        kind=kind,
        locked=service.criteria_locked(city.id, kind),
    )


@bp.route("/cities/<slug>/criteria/<site_kind>/labels", methods=["GET", "POST"])
@require(Permission.COVERAGE_MANAGE)
def criteria_labels(slug: str, site_kind: str):
    city = get_city_or_404(slug)
    kind = _kind_or_404(site_kind)
    if not service.may_manage(acting_user(), city.id):
        abort(403)
    existing = service.criteria_set(city.id, kind)
    if existing is None:
        abort(404)
    form = criteria_labels_form(existing.criteria)
    if request.method == "GET":
        form.version.data = existing.version
    return form_page(
        form,
        "criteria_labels.html",
        lambda: service.label_criteria(
            acting_user(), existing, form.labels(), expected_version=form_version(form)
        ),
        done=_("Libellés des critères enregistrés."),
        to=url_for("coverage.ranking", slug=city.slug, site_kind=kind.value),
        current=lambda: service.criteria_set(city.id, kind).version,
        criteria=existing.criteria,
        subject=_(
            "Critères de choix : %(kind)s à %(city)s", kind=KIND_LABELS[kind], city=local(city)
        ),
        back=url_for("coverage.criteria", slug=city.slug, site_kind=kind.value),
    )


@bp.route("/cities/<slug>/ranking/<site_kind>")
@require(Permission.COVERAGE_VIEW)
def ranking(slug: str, site_kind: str):
    city = get_city_or_404(slug)
    kind = _kind_or_404(site_kind)
    result = service.ranking(city, kind)
    # Every site is scored to rank them; the page shows one slice of the ranking.
    pagination = Page.of(result.rows, page_number(), current_app.config["PAGE_SIZE"])
    return render_template(
        "coverage/ranking.html",
        ranking=result,
        rows=pagination.items,
        pagination=pagination,
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
