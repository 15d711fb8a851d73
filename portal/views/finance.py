"""Who pays whom: balances, agreements and their schedules, payments, shared assets."""

from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import joinedload, selectinload

from portal import clock
from portal.authz import Permission, require
from portal.errors import render_error
from portal.extensions import db
from portal.forms.finance import (
    AgreementFilterForm,
    AgreementForm,
    AssetFilterForm,
    AssetForm,
    BalanceFilterForm,
    DocumentForm,
    GenerateForm,
    InstallmentActionForm,
    InstallmentFilterForm,
    KeyForm,
    ManualScheduleForm,
    ScheduleForm,
    SignForm,
    TerminateForm,
)
from portal.models.finance import (
    Agreement,
    AgreementStatus,
    AssetShare,
    Installment,
    SharedAsset,
)
from portal.models.organizations import Organization
from portal.models.plans import Action, Plan
from portal.models.types import valid_id
from portal.services import files, tasks
from portal.services import finance as service
from portal.services.errors import DomainError, InvalidInput, NotAllowed, StaleObject
from portal.services.organizations import all_cities
from portal.templating import render_page
from portal.views._common import (
    acting_user,
    commit_or_conflict,
    form_version,
    moment,
    paginate,
    safe_next,
    save,
    send_stored,
    tabular_export,
)

bp = Blueprint("finance", __name__, url_prefix="/finance")


def _organizations():
    return db.session.scalars(sa.select(Organization).order_by(Organization.short_name)).all()


def _agreement_or_404(agreement_id: int) -> Agreement:
    """The agreement if the person may see it; otherwise it does not exist for them."""
    agreement = db.session.scalar(
        sa.select(Agreement)
        .where(Agreement.id == agreement_id)
        .options(
            joinedload(Agreement.payer),
            joinedload(Agreement.payee),
            joinedload(Agreement.city),
            joinedload(Agreement.action),
            joinedload(Agreement.asset),
            joinedload(Agreement.document),
        )
    )
    if agreement is None or not service.may_see(acting_user(), agreement):
        abort(404)
    return agreement


def _asset_or_404(asset_id: int) -> SharedAsset:
    asset = db.session.scalar(
        sa.select(SharedAsset)
        .where(SharedAsset.id == asset_id)
        .options(
            joinedload(SharedAsset.owner),
            joinedload(SharedAsset.city),
            selectinload(SharedAsset.shares).joinedload(AssetShare.organization),
        )
    )
    if asset is None or not service.may_see_asset(acting_user(), asset):
        abort(404)
    return asset


# --- Balances ---------------------------------------------------------------------------------


@bp.route("")
@require(Permission.FINANCE_VIEW)
def overview():
    user = acting_user()
    today = clock.today()
    cities = all_cities()
    filters = BalanceFilterForm(request.args)
    filters.set_choices(cities)
    city_id = valid_id(filters.city.data) if filters.validate() else None
    balances = service.balances(user, today=today, city_id=city_id)
    organizations = {o.id: o for o in _organizations()}
    matrix = balances.net_matrix()
    debtors = sorted({d for d, _c in matrix}, key=lambda i: organizations[i].short_name)
    creditors = sorted({c for _d, c in matrix}, key=lambda i: organizations[i].short_name)
    overdue = db.session.scalars(
        service.installments_query(
            service.InstallmentCriteria(when="overdue", city_id=city_id), user, today
        ).limit(10)
    ).all()
    upcoming = db.session.scalars(
        service.installments_query(
            service.InstallmentCriteria(when="upcoming", city_id=city_id), user, today
        ).limit(10)
    ).all()
    return render_template(
        "finance/overview.html",
        filters=filters,
        balances=balances,
        organizations=organizations,
        rows=sorted(balances.organizations(), key=lambda i: organizations[i].short_name),
        cities={c.id: c for c in cities},
        matrix=matrix,
        debtors=debtors,
        creditors=creditors,
        overdue=overdue,
        upcoming=upcoming,
        upcoming_days=service.UPCOMING_DAYS,
        today=today,
        may_manage=service.may_manage(user, None),
    )


# --- Agreements -------------------------------------------------------------------------------


def _agreement_filters():
    filters = AgreementFilterForm(request.args)
    filters.set_choices(all_cities(), _organizations())
    return filters


@bp.route("/agreements")
@require(Permission.FINANCE_VIEW)
def agreements():
    filters = _agreement_filters()
    pagination = paginate(service.agreements_query(filters.criteria(), acting_user()))
    today = clock.today()
    return render_page(
        "finance/agreements.html",
        "finance/_agreements_table.html",
        filters=filters,
        pagination=pagination,
        figures=service.agreement_figures(pagination.items, today),
        may_manage=service.may_manage(acting_user(), None),
    )


AGREEMENT_HEADERS = (
    _l("N°"),
    _l("Ville"),
    _l("Payeur"),
    _l("Bénéficiaire"),
    _l("Nature"),
    _l("Intitulé"),
    _l("Référence de la convention"),
    _l("État"),
    _l("Date de début"),
    _l("Signée le"),
    _l("Montant total (MAD)"),
    _l("Payé (MAD)"),
    _l("Reste dû (MAD)"),
    _l("En retard (MAD)"),
)


@bp.route("/agreements/export.<any(csv, xlsx):fmt>")
@require(Permission.FINANCE_VIEW)
def export_agreements(fmt: str):
    today = clock.today()
    agreements = db.session.scalars(
        service.agreements_query(_agreement_filters().criteria(), acting_user())
    ).all()
    figures = service.agreement_figures(agreements, today)
    rows = [
        (
            a.id,
            a.city.name,
            a.payer.short_name,
            a.payee.short_name,
            str(service.PURPOSE_LABELS[a.purpose]),
            a.title,
            a.convention_reference,
            str(service.AGREEMENT_LABELS[a.status]),
            a.start_date,
            a.signed_on,
            a.total_amount,
            figures[a.id].paid,
            a.total_amount - figures[a.id].paid
            if a.status is AgreementStatus.DRAFT
            else figures[a.id].outstanding,
            # Only a signed agreement can be late: a draft's dates are not yet agreed.
            figures[a.id].overdue if a.status is AgreementStatus.SIGNED else None,
        )
        for a in agreements
    ]
    return tabular_export(
        fmt,
        AGREEMENT_HEADERS,
        rows,
        name=f"conventions-{today.isoformat()}",
        sheet=_("Conventions"),
    )


def _agreement_form(agreement: Agreement | None = None) -> AgreementForm:
    form = AgreementForm(obj=agreement if agreement and request.method == "GET" else None)
    actions = db.session.scalars(
        sa.select(Action).join(Plan).order_by(Plan.city_id, Action.code)
    ).all()
    assets = db.session.scalars(
        sa.select(SharedAsset).options(joinedload(SharedAsset.city)).order_by(SharedAsset.name)
    ).all()
    form.set_choices(all_cities(), _organizations(), actions, assets)
    if agreement is not None and request.method == "GET":
        form.purpose.data = agreement.purpose.value
        form.total.data = str(agreement.total_amount)
        form.action_id.data = agreement.action_id or 0
        form.asset_id.data = agreement.asset_id or 0
        form.version.data = agreement.version
    return form


def _save_agreement(agreement: Agreement | None):
    user = acting_user()
    form = _agreement_form(agreement)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        saved = []
        status = save(
            form,
            lambda: saved.append(
                service.save_agreement(
                    user,
                    agreement,
                    city_id=form.city_id.data,
                    payer_id=form.payer_id.data,
                    payee_id=form.payee_id.data,
                    purpose=form.purpose.data,
                    title=form.title.data,
                    action_id=valid_id(form.action_id.data),
                    asset_id=valid_id(form.asset_id.data),
                    total=form.total.data,
                    start_date=form.start_date.data,
                    convention_reference=form.convention_reference.data,
                    expected_version=form_version(form) if agreement else None,
                )
            ),
        )
        if status is None:
            saved_agreement, dropped = saved[0]
            flash(_("Convention enregistrée."), "success")
            if dropped:
                flash(
                    _(
                        "Le montant a changé : l'échéancier précédent est supprimé, "
                        "établissez-en un nouveau."
                    ),
                    "warning",
                )
            if agreement is None or dropped:
                return redirect(url_for("finance.schedule", agreement_id=saved_agreement.id))
            return redirect(url_for("finance.agreement", agreement_id=saved_agreement.id))
    return render_template("finance/agreement_form.html", form=form, agreement=agreement), status


@bp.route("/agreements/new", methods=["GET", "POST"])
@require(Permission.FINANCE_MANAGE)
def create_agreement():
    return _save_agreement(None)


@bp.route("/agreements/<id:agreement_id>/edit", methods=["GET", "POST"])
@require(Permission.FINANCE_MANAGE)
def edit_agreement(agreement_id: int):
    agreement = _agreement_or_404(agreement_id)
    if agreement.status is not AgreementStatus.DRAFT:
        flash(_("Une convention signée ou résiliée ne se modifie plus."), "error")
        return redirect(url_for("finance.agreement", agreement_id=agreement.id))
    return _save_agreement(agreement)


def _agreement_page(agreement: Agreement, *, status: int = 200, **forms):
    user = acting_user()
    today = clock.today()
    installments = db.session.scalars(
        sa.select(Installment)
        .where(Installment.agreement_id == agreement.id)
        .options(joinedload(Installment.paid_recorded_by), joinedload(Installment.received_by))
        .order_by(Installment.due_date, Installment.id)
    ).all()
    figures = service.Figures()
    for installment in installments:
        figures.add(
            installment.status,
            installment.amount,
            invoiced=installment.invoiced_on is not None,
            overdue=installment.is_overdue(today),
        )
    sign_form = forms.get("sign_form") or SignForm(
        signed_on=today, convention_reference=agreement.convention_reference
    )
    html = render_template(
        "finance/agreement.html",
        agreement=agreement,
        waiting=tasks.waiting_on("agreement", agreement.id, moment()),
        installments=installments,
        figures=figures,
        actions={i.id: service.allowed_actions(user, i) for i in installments},
        sides=service.sides(user, agreement),
        may_manage=service.may_manage(user, agreement.city_id),
        sign_form=sign_form,
        terminate_form=forms.get("terminate_form") or TerminateForm(),
        document_form=forms.get("document_form") or DocumentForm(),
        action_form=InstallmentActionForm(),
        sent_action=forms.get("sent_action"),
        today=today,
    )
    return html, status


@bp.route("/agreements/<id:agreement_id>")
@require(Permission.FINANCE_VIEW)
def agreement(agreement_id: int):
    return _agreement_page(_agreement_or_404(agreement_id))


def _refused(agreement_id: int, refused: DomainError, **forms):
    """Undo, then show the agreement again with the reason (403 page when not allowed)."""
    db.session.rollback()
    if isinstance(refused, NotAllowed):
        return render_error(403, refused.message)
    flash(refused.message, "error")
    status = 409 if isinstance(refused, StaleObject) else 422
    return _agreement_page(_agreement_or_404(agreement_id), status=status, **forms)


@bp.route("/agreements/<id:agreement_id>/schedule", methods=["GET", "POST"])
@require(Permission.FINANCE_MANAGE)
def schedule(agreement_id: int):
    agreement = _agreement_or_404(agreement_id)
    if agreement.status is not AgreementStatus.DRAFT:
        flash(_("L'échéancier d'une convention signée ou résiliée ne se modifie plus."), "error")
        return redirect(url_for("finance.agreement", agreement_id=agreement.id))
    user = acting_user()
    mode = request.form.get("mode")
    generate_form = ScheduleForm(formdata=request.form if mode == "generate" else None)
    manual_form = ManualScheduleForm(formdata=request.form if mode == "manual" else None)
    if request.method == "GET":
        generate_form.first_due.data = agreement.start_date
        generate_form.count.data = 4
        generate_form.frequency.data = "quarterly"
    # A submitted form keeps the version it was loaded with (none: stale); a fresh one the
    # current version.
    if mode != "generate":
        generate_form.version.data = agreement.version
    if mode != "manual":
        manual_form.version.data = agreement.version
    lines = [(i.due_date.isoformat(), str(i.amount)) for i in agreement.installments]
    status = 200
    if request.method == "POST":
        status = 422
        if mode == "generate" and generate_form.validate_on_submit():
            status = save(
                generate_form,
                lambda: service.generate_schedule(
                    user,
                    agreement,
                    frequency=generate_form.frequency.data,
                    count=generate_form.count.data,
                    first_due=generate_form.first_due.data,
                    expected_version=form_version(generate_form),
                ),
            )
        elif mode == "manual" and manual_form.validate_on_submit():
            lines = list(
                zip(request.form.getlist("due_date"), request.form.getlist("amount"), strict=False)
            )
            status = save(
                manual_form,
                lambda: service.set_schedule(
                    user,
                    agreement,
                    _parse_lines(lines),
                    expected_version=form_version(manual_form),
                ),
            )
        elif mode not in ("generate", "manual"):
            abort(400)
        if status is None:
            flash(_("Échéancier enregistré."), "success")
            return redirect(url_for("finance.agreement", agreement_id=agreement.id))
        agreement = _agreement_or_404(agreement_id)
    blank = max(3, 6 - len(lines))
    return render_template(
        "finance/schedule.html",
        agreement=agreement,
        generate_form=generate_form,
        manual_form=manual_form,
        lines=[*lines, *[("", "")] * blank],
    ), status


def _parse_lines(lines):
    parsed = []
    for index, (day, amount) in enumerate(lines, start=1):
        day = (day or "").strip()
        try:
            parsed.append((date.fromisoformat(day) if day else None, amount))
        except ValueError:
            raise InvalidInput(
                _l("Ligne %(line)d : date invalide.", line=index), field="installments"
            ) from None
    return parsed


@bp.route("/agreements/<id:agreement_id>/sign", methods=["POST"])
@require(Permission.FINANCE_MANAGE)
def sign(agreement_id: int):
    agreement = _agreement_or_404(agreement_id)
    form = SignForm()
    if not form.validate_on_submit():
        flash(_("Indiquez la date de signature et la référence de la convention."), "error")
        return _agreement_page(agreement, status=422, sign_form=form)
    try:
        service.sign(
            acting_user(),
            agreement,
            signed_on=form.signed_on.data,
            convention_reference=form.convention_reference.data,
            today=clock.today(),
            expected_version=form_version(form),
        )
        commit_or_conflict()
    except DomainError as refused:
        return _refused(agreement_id, refused, sign_form=form)
    flash(_("Convention signée : son échéancier est figé."), "success")
    return redirect(url_for("finance.agreement", agreement_id=agreement_id))


@bp.route("/agreements/<id:agreement_id>/terminate", methods=["POST"])
@require(Permission.FINANCE_MANAGE)
def terminate(agreement_id: int):
    agreement = _agreement_or_404(agreement_id)
    form = TerminateForm()
    if not form.validate_on_submit():
        flash(_("Indiquez le motif de la résiliation."), "error")
        return _agreement_page(agreement, status=422, terminate_form=form)
    try:
        cancelled = service.terminate(
            acting_user(),
            agreement,
            reason=form.reason.data,
            today=clock.today(),
            expected_version=form_version(form),
        )
        commit_or_conflict()
    except DomainError as refused:
        return _refused(agreement_id, refused, terminate_form=form)
    flash(
        ngettext(
            "Convention résiliée ; %(num)d échéance ouverte annulée.",
            "Convention résiliée ; %(num)d échéances ouvertes annulées.",
            len(cancelled),
        ),
        "success",
    )
    return redirect(url_for("finance.agreement", agreement_id=agreement_id))


@bp.route("/agreements/<id:agreement_id>/document", methods=["POST"])
@require(Permission.FINANCE_MANAGE)
def upload_document(agreement_id: int):
    agreement = _agreement_or_404(agreement_id)
    form = DocumentForm()
    upload = form.document.data
    if not form.validate_on_submit() or not upload or not upload.filename:
        flash(_("Choisissez le fichier de la convention signée."), "error")
        return _agreement_page(agreement, status=422, document_form=form)
    stored = []
    try:
        stored.append(files.store(acting_user(), upload))
        service.attach_document(acting_user(), agreement, stored[0])
        commit_or_conflict(stored)
    except DomainError as refused:
        for kept in stored:
            files.discard(kept)
        return _refused(agreement_id, refused)
    flash(_("Document joint à la convention."), "success")
    return redirect(url_for("finance.agreement", agreement_id=agreement_id))


@bp.route("/agreements/<id:agreement_id>/document")
@require(Permission.FINANCE_VIEW)
def document(agreement_id: int):
    agreement = _agreement_or_404(agreement_id)
    if agreement.document is None:
        abort(404)
    return send_stored(agreement.document)


# --- Installments -----------------------------------------------------------------------------


def _installment_filters():
    filters = InstallmentFilterForm(request.args)
    filters.set_choices(all_cities(), _organizations())
    if not filters.when.data:
        filters.when.data = "open"
    return filters


def _filtered_installments(filters, today: date):
    return service.installments_query(filters.criteria(), acting_user(), today)


@bp.route("/installments")
@require(Permission.FINANCE_VIEW)
def installments():
    today = clock.today()
    filters = _installment_filters()
    pagination = paginate(_filtered_installments(filters, today))
    user = acting_user()
    return render_page(
        "finance/installments.html",
        "finance/_installments_table.html",
        filters=filters,
        pagination=pagination,
        actions={i.id: service.allowed_actions(user, i) for i in pagination.items},
        action_form=InstallmentActionForm(),
        today=today,
    )


INSTALLMENT_HEADERS = (
    _l("N° convention"),
    _l("Convention"),
    _l("Ville"),
    _l("Payeur"),
    _l("Bénéficiaire"),
    _l("Échéance"),
    _l("Montant (MAD)"),
    _l("État"),
    _l("En retard"),
    _l("Facture"),
    _l("Facturée le"),
    _l("Payée le"),
    _l("Référence du paiement"),
    _l("Réception confirmée"),
    _l("Motif de contestation"),
)


@bp.route("/installments/export.<any(csv, xlsx):fmt>")
@require(Permission.FINANCE_VIEW)
def export_installments(fmt: str):
    today = clock.today()
    rows = [
        (
            i.agreement_id,
            i.agreement.title,
            i.agreement.city.name,
            i.agreement.payer.short_name,
            i.agreement.payee.short_name,
            i.due_date,
            i.amount,
            str(service.INSTALLMENT_LABELS[i.status]),
            i.is_overdue(today),
            i.invoice_reference,
            i.invoiced_on,
            i.paid_on,
            i.payment_reference,
            i.received_at is not None,
            i.dispute_reason,
        )
        for i in db.session.scalars(_filtered_installments(_installment_filters(), today))
    ]
    return tabular_export(
        fmt,
        INSTALLMENT_HEADERS,
        rows,
        name=f"echeances-{today.isoformat()}",
        sheet=_("Échéances"),
    )


ACTION_DONE = {
    "invoice": _l("Facture enregistrée."),
    "pay": _l("Paiement enregistré : le bénéficiaire doit en confirmer la réception."),
    "confirm": _l("Réception du paiement confirmée."),
    "dispute": _l("Échéance contestée."),
    "resolve": _l("Contestation levée."),
    "uphold": _l("Contestation fondée : l'étape contestée est annulée."),
    "cancel": _l("Échéance annulée."),
}


@bp.route("/installments/<id:installment_id>/act", methods=["POST"])
@require(Permission.FINANCE_VIEW)
def act(installment_id: int):
    installment = db.get_or_404(Installment, installment_id)
    agreement = _agreement_or_404(installment.agreement_id)
    form = InstallmentActionForm()
    back = safe_next(request.form.get("next")) or url_for(
        "finance.agreement", agreement_id=agreement.id
    )

    def sent(message, field=None) -> dict:
        # The refused action opens again with what was typed and why it was refused.
        return {
            "id": installment.id,
            "name": form.action.data,
            "reference": form.reference.data or "",
            "day": (form.day.raw_data or [""])[0],
            "reason": form.reason.data or "",
            "error": str(message),
            "field": field,
        }

    if not form.validate_on_submit() or form.action.data not in service.INSTALLMENT_ACTIONS:
        message = _("Formulaire incomplet ou date invalide.")
        flash(message, "error")
        field = next(iter(form.errors), None)
        return _agreement_page(agreement, status=422, sent_action=sent(message, field))
    try:
        service.act_on_installment(
            acting_user(),
            installment,
            form.action.data,
            today=clock.today(),
            reference=form.reference.data or "",
            day=form.day.data,
            reason=form.reason.data or "",
            expected_version=form_version(form),
        )
        commit_or_conflict()
    except DomainError as refused:
        return _refused(agreement.id, refused, sent_action=sent(refused.message, refused.field))
    flash(str(ACTION_DONE[form.action.data]), "success")
    return redirect(back)


# --- Shared assets ----------------------------------------------------------------------------


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
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        saved = []
        status = save(
            form,
            lambda: saved.append(
                service.save_asset(
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
                )
            ),
        )
        if status is None:
            flash(_("Infrastructure enregistrée."), "success")
            if asset is None:
                return redirect(url_for("finance.key", asset_id=saved[0].id))
            return redirect(url_for("finance.asset", asset_id=saved[0].id))
    return render_template("finance/asset_form.html", form=form, asset=asset), status


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
    created = []
    status = save(
        form,
        lambda: created.append(_generate(acting_user(), asset, form, form_version(form))),
    )
    if status is not None:
        return _asset_page(_asset_or_404(asset_id), generate_form=form, status=status)
    flash(
        ngettext(
            "%(num)d projet de convention généré : vérifiez-le puis signez-le.",
            "%(num)d projets de convention générés : vérifiez-les puis signez-les.",
            len(created[0].agreements),
        ),
        "success",
    )
    return redirect(url_for("finance.asset", asset_id=asset_id))


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

                status = save(form, change)
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
