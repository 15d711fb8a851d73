"""The diagnostic's pages: each city's inventory of digital services, its maturity profile
by domain, and each service with its monthly use."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice as Choice

from portal import clock
from portal.authz import Permission, can, require
from portal.extensions import db
from portal.forms.diagnostic import (
    AnswerForm,
    ExpectationForm,
    InfrastructureForm,
    MergeForm,
    QualifyForm,
    RejectForm,
    ServiceForm,
    UseForm,
)
from portal.models.diagnostic import (
    STANDING,
    DigitalService,
    Expectation,
    ExpectationStatus,
    Infrastructure,
    ServiceUse,
)
from portal.models.finance import SharedAsset
from portal.models.plans import Domain
from portal.names import local
from portal.services import diagnostic as service
from portal.services.organizations import all_cities, all_organizations
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
    get_city_or_404,
    page_number,
    paginate,
    tabular_export,
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


# --- Expectations ------------------------------------------------------------------------------


def _city_for(slug: str):
    city = get_city_or_404(slug)
    if not can(acting_user(), Permission.DIAGNOSTIC_VIEW, city_id=city.id):
        abort(404)
    return city


@bp.route("/cities/<slug>/expectations")
@require(Permission.DIAGNOSTIC_VIEW)
def expectations(slug: str):
    city = _city_for(slug)
    status = request.args.get("status", "")
    query = (
        sa.select(Expectation)
        .where(Expectation.city_id == city.id, ~service.unpublished())
        .options(joinedload(Expectation.domain), joinedload(Expectation.organization))
        .order_by(Expectation.priority.desc().nulls_last(), Expectation.id)
    )
    if status in {s.value for s in ExpectationStatus}:
        query = query.where(Expectation.status == ExpectationStatus(status))
    else:
        status = ""
    return render_template(
        "diagnostic/expectations.html",
        city=city,
        status=status,
        pagination=paginate(query),
        can_record=service.may_record(acting_user(), city.id),
    )


def _expectation_or_404(expectation_id: int) -> Expectation:
    found = db.session.scalar(
        sa.select(Expectation)
        .where(Expectation.id == expectation_id)
        .options(
            joinedload(Expectation.city),
            joinedload(Expectation.domain),
            joinedload(Expectation.organization),
            selectinload(Expectation.actions),
        )
    )
    user = acting_user()
    if found is None or not can(user, Permission.DIAGNOSTIC_VIEW, city_id=found.city_id):
        abort(404)
    if service.is_unpublished(found) and not service.may_moderate(user, found.city_id):
        abort(404)  # what a resident sent is the moderators' until published
    return found


def _expectation_form(form: ExpectationForm, found: Expectation | None, city):
    if found is not None and found.consultation_id is not None:
        form.source.choices = [Choice("consultation", _("La consultation publique"))]
    form.set_choices(
        db.session.scalars(sa.select(Domain).order_by(Domain.position)).all(),
        [o for o in all_organizations() if o.city_id in (None, city.id)],
    )
    return form_page(
        form,
        "diagnostic/expectation_form.html",
        lambda: service.save_expectation(
            acting_user(),
            found,
            city_id=city.id,
            domain_id=form.domain_id.data,
            district=form.district.data,
            text=form.text.data,
            source=form.source.data,
            organization_id=form.organization_id.data,
            workshop=form.workshop.data,
            importance=form.importance.data,
            population=form.population.data,
            expected_version=form_version(form) if found else None,
        ),
        done=_("Attente enregistrée."),
        to=lambda saved: url_for("diagnostic.expectation", expectation_id=saved.id),
        current=(lambda: _expectation_or_404(found.id).version) if found else None,
        city=city,
        found=found,
    )


@bp.route("/cities/<slug>/expectations/new", methods=["GET", "POST"])
@require(Permission.DIAGNOSTIC_RECORD)
def create_expectation(slug: str):
    city = _city_for(slug)
    if not service.may_record(acting_user(), city.id):
        abort(403)
    return _expectation_form(ExpectationForm(), None, city)


@bp.route("/expectations/<id:expectation_id>/edit", methods=["GET", "POST"])
@require(Permission.DIAGNOSTIC_RECORD)
def edit_expectation(expectation_id: int):
    found = _expectation_or_404(expectation_id)
    if not service.may_record(acting_user(), found.city_id):
        abort(403)
    form = ExpectationForm(obj=found if request.method == "GET" else None)
    if request.method == "GET":
        form.source.data = found.source.value
        form.importance.data = str(found.importance)
        form.population.data = str(found.population)
        form.organization_id.data = found.organization_id or 0
        form.version.data = found.version
    return _expectation_form(form, found, found.city)


def _expectation_page(found: Expectation, *, status: int = 200, **forms):
    user = acting_user()
    answer_form = forms.get("answer_form") or AnswerForm(
        formdata=None, version=found.version, action_ids=[a.id for a in found.actions]
    )
    answer_form.action_ids.choices = [
        Choice(a.id, f"{a.code} — {a.title}") for a in service.city_actions(found.city_id)
    ]
    merge_form = forms.get("merge_form") or MergeForm(formdata=None, version=found.version)
    merge_form.into_id.choices = [
        Choice(e.id, f"n° {e.id} — {e.text[:80]}")
        for e in service.merge_targets(found.city_id, besides=found.id)
    ]
    return render_template(
        "diagnostic/expectation.html",
        found=found,
        supports=service.support_counts([found.id]).get(found.id, 0),
        standing=found.status in STANDING,
        can_qualify=service.may_qualify(user, found.city_id),
        can_record=service.may_record(user, found.city_id),
        qualify_form=forms.get("qualify_form")
        or QualifyForm(
            formdata=None, version=found.version, feasibility=str(found.feasibility or 3)
        ),
        answer_form=answer_form,
        merge_form=merge_form,
        reject_form=forms.get("reject_form") or RejectForm(formdata=None, version=found.version),
    ), status


@bp.route("/expectations/<id:expectation_id>")
@require(Permission.DIAGNOSTIC_VIEW)
def expectation(expectation_id: int):
    return _expectation_page(_expectation_or_404(expectation_id))


def _qualifying(expectation_id: int, form, name: str, run, done: str):
    found = _expectation_or_404(expectation_id)
    if not form.validate_on_submit():
        return _expectation_page(found, status=422, **{name: form})
    return act(
        lambda: run(found),
        done=done,
        to=url_for("diagnostic.expectation", expectation_id=expectation_id),
        again=lambda saved: _expectation_page(
            _expectation_or_404(expectation_id), status=saved.status, **{name: form}
        ),
        form=form,
        current=lambda: _expectation_or_404(expectation_id).version,
    )


@bp.route("/expectations/<id:expectation_id>/qualify", methods=["POST"])
@require(Permission.DIAGNOSTIC_QUALIFY)
def qualify(expectation_id: int):
    form = QualifyForm()
    return _qualifying(
        expectation_id,
        form,
        "qualify_form",
        lambda found: service.qualify(
            acting_user(),
            found,
            feasibility=form.feasibility.data,
            expected_version=form_version(form),
        ),
        _("Attente qualifiée."),
    )


@bp.route("/expectations/<id:expectation_id>/answer", methods=["POST"])
@require(Permission.DIAGNOSTIC_QUALIFY)
def answer(expectation_id: int):
    form = AnswerForm()
    found = _expectation_or_404(expectation_id)
    form.action_ids.choices = [Choice(a.id, a.code) for a in service.city_actions(found.city_id)]
    return _qualifying(
        expectation_id,
        form,
        "answer_form",
        lambda found: service.answer(
            acting_user(), found, form.action_ids.data, expected_version=form_version(form)
        ),
        _("Actions enregistrées."),
    )


@bp.route("/expectations/<id:expectation_id>/merge", methods=["POST"])
@require(Permission.DIAGNOSTIC_QUALIFY)
def merge(expectation_id: int):
    form = MergeForm()
    found = _expectation_or_404(expectation_id)
    form.into_id.choices = [
        Choice(e, str(e))
        for e in db.session.scalars(
            sa.select(Expectation.id).where(Expectation.city_id == found.city_id)
        )
    ]
    return _qualifying(
        expectation_id,
        form,
        "merge_form",
        lambda found: service.merge(
            acting_user(),
            found,
            _expectation_or_404(form.into_id.data),
            expected_version=form_version(form),
        ),
        _("Attente fusionnée."),
    )


@bp.route("/expectations/<id:expectation_id>/reject", methods=["POST"])
@require(Permission.DIAGNOSTIC_QUALIFY)
def reject(expectation_id: int):
    form = RejectForm()
    return _qualifying(
        expectation_id,
        form,
        "reject_form",
        lambda found: service.reject(
            acting_user(), found, reason=form.reason.data, expected_version=form_version(form)
        ),
        _("Attente rejetée."),
    )


@bp.route("/cities/<slug>/matrix")
@require(Permission.DIAGNOSTIC_VIEW)
def matrix(slug: str):
    city = _city_for(slug)
    found = service.matrix(
        city.id, page=page_number(), per_page=current_app.config["PAGE_SIZE"] * 2
    )
    return render_template("diagnostic/matrix.html", city=city, matrix=found)


@bp.route("/cities/<slug>/matrix.xlsx")
@require(Permission.DIAGNOSTIC_VIEW)
def export_matrix(slug: str):
    city = _city_for(slug)
    found = service.matrix(city.id, per_page=None)
    headers = [_("Domaine"), _("Quartier"), _("Attente"), _("Priorité")] + [
        a.code for a in found.actions
    ]
    rows = [
        [local(domain), e.district, e.text, e.priority]
        + ["x" if (e.id, a.id) in found.links else "" for a in found.actions]
        for domain, expectations in found.rows.items()
        for e in expectations
    ]
    return tabular_export("xlsx", headers, rows, name=f"attentes-{city.slug}", sheet=_("Attentes"))


# --- Infrastructure ----------------------------------------------------------------------------


@bp.route("/cities/<slug>/infrastructure")
@require(Permission.DIAGNOSTIC_VIEW)
def infrastructure(slug: str):
    city = _city_for(slug)
    query = (
        sa.select(Infrastructure)
        .where(Infrastructure.city_id == city.id)
        .options(joinedload(Infrastructure.owner), joinedload(Infrastructure.asset))
        .order_by(Infrastructure.kind, Infrastructure.name)
    )
    return render_template(
        "diagnostic/infrastructure.html",
        city=city,
        totals=service.totals(city.id),
        pagination=paginate(query),
        can_manage=service.may_manage(acting_user(), city.id),
    )


def _infrastructure_form(form: InfrastructureForm, item: Infrastructure | None, city):
    form.set_choices(
        [o for o in all_organizations() if o.city_id in (None, city.id)],
        db.session.scalars(
            sa.select(SharedAsset).where(SharedAsset.city_id == city.id).order_by(SharedAsset.name)
        ).all(),
    )
    return form_page(
        form,
        "diagnostic/infrastructure_form.html",
        lambda: service.save_infrastructure(
            acting_user(),
            item,
            city_id=city.id,
            kind=form.kind.data,
            name=form.name.data,
            owner_id=form.owner_id.data,
            quantity=form.quantity.data,
            latitude=form.latitude.data,
            longitude=form.longitude.data,
            path=form.path.data,
            asset_id=form.asset_id.data,
            description=form.description.data,
            expected_version=form_version(form) if item else None,
        ),
        done=_("Infrastructure enregistrée."),
        to=url_for("diagnostic.infrastructure", slug=city.slug),
        current=(lambda: db.session.get(Infrastructure, item.id).version) if item else None,
        city=city,
        item=item,
    )


@bp.route("/cities/<slug>/infrastructure/new", methods=["GET", "POST"])
@require(Permission.DIAGNOSTIC_MANAGE)
def create_infrastructure(slug: str):
    city = _city_for(slug)
    if not service.may_manage(acting_user(), city.id):
        abort(403)
    return _infrastructure_form(InfrastructureForm(), None, city)


@bp.route("/infrastructure/<id:item_id>/edit", methods=["GET", "POST"])
@require(Permission.DIAGNOSTIC_MANAGE)
def edit_infrastructure(item_id: int):
    item = db.session.get(Infrastructure, item_id)
    if item is None or not can(acting_user(), Permission.DIAGNOSTIC_VIEW, city_id=item.city_id):
        abort(404)
    if not service.may_manage(acting_user(), item.city_id):
        abort(403)
    form = InfrastructureForm(obj=item if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = item.kind.value
        form.quantity.data = f"{item.quantity.normalize():f}"
        form.latitude.data = f"{item.latitude:f}" if item.latitude is not None else ""
        form.longitude.data = f"{item.longitude:f}" if item.longitude is not None else ""
        form.path.data = service.path_text(item)
        form.asset_id.data = item.asset_id or 0
        form.version.data = item.version
    return _infrastructure_form(form, item, item.city)
