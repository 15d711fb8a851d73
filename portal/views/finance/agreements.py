"""Agreements' pages: list and export, form, page, schedule, signature, termination,
document."""

from datetime import date

import sqlalchemy as sa
from flask import (
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
from sqlalchemy.orm import joinedload

from portal import clock
from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.finance import (
    AgreementFilterForm,
    AgreementForm,
    DocumentForm,
    InstallmentActionForm,
    ManualScheduleForm,
    ScheduleForm,
    SignForm,
    TerminateForm,
)
from portal.models.finance import (
    Agreement,
    AgreementStatus,
    Installment,
    SharedAsset,
)
from portal.models.plans import Action, Plan
from portal.models.types import valid_id
from portal.services import files, scenarios, tasks
from portal.services import finance as service
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
    save,
    send_stored,
    tabular_export,
)
from portal.views.finance.base import _agreement_or_404, _organizations, bp


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

    def done(result):
        _saved, dropped = result
        if dropped:
            flash(
                _(
                    "Le montant a changé : l'échéancier précédent est supprimé, "
                    "établissez-en un nouveau."
                ),
                "warning",
            )
        return _("Convention enregistrée.")

    def to(result):
        saved, dropped = result
        # A new agreement, or one whose schedule was dropped, needs its schedule next.
        endpoint = "finance.schedule" if agreement is None or dropped else "finance.agreement"
        return url_for(endpoint, agreement_id=saved.id)

    return form_page(
        form,
        "finance/agreement_form.html",
        lambda: service.save_agreement(
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
        ),
        done=done,
        to=to,
        agreement=agreement,
    )


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
        from_scenario=scenarios.drafted_from(user, agreement_id=agreement.id),
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


def _again(agreement_id: int, **forms):
    """The agreement's page shown again after a refusal, with the reason and its status."""
    return lambda saved: _agreement_page(
        _agreement_or_404(agreement_id), status=saved.status, **forms
    )


def _back(agreement_id: int) -> str:
    return url_for("finance.agreement", agreement_id=agreement_id)


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
            saved = save(
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
            status = saved.status
        elif mode == "manual" and manual_form.validate_on_submit():
            lines = list(
                zip(request.form.getlist("due_date"), request.form.getlist("amount"), strict=False)
            )
            saved = save(
                manual_form,
                lambda: service.set_schedule(
                    user,
                    agreement,
                    _parse_lines(lines),
                    expected_version=form_version(manual_form),
                ),
            )
            status = saved.status
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
    return act(
        lambda: service.sign(
            acting_user(),
            agreement,
            signed_on=form.signed_on.data,
            convention_reference=form.convention_reference.data,
            today=clock.today(),
            expected_version=form_version(form),
        ),
        done=_("Convention signée : son échéancier est figé."),
        to=_back(agreement_id),
        again=_again(agreement_id, sign_form=form),
    )


@bp.route("/agreements/<id:agreement_id>/terminate", methods=["POST"])
@require(Permission.FINANCE_MANAGE)
def terminate(agreement_id: int):
    agreement = _agreement_or_404(agreement_id)
    form = TerminateForm()
    if not form.validate_on_submit():
        flash(_("Indiquez le motif de la résiliation."), "error")
        return _agreement_page(agreement, status=422, terminate_form=form)
    return act(
        lambda: service.terminate(
            acting_user(),
            agreement,
            reason=form.reason.data,
            today=clock.today(),
            expected_version=form_version(form),
        ),
        done=lambda cancelled: ngettext(
            "Convention résiliée ; %(num)d échéance ouverte annulée.",
            "Convention résiliée ; %(num)d échéances ouvertes annulées.",
            len(cancelled),
        ),
        to=_back(agreement_id),
        again=_again(agreement_id, terminate_form=form),
    )


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

    def run():
        stored.append(files.store(acting_user(), upload))
        service.attach_document(acting_user(), agreement, stored[0])

    return act(
        run,
        done=_("Document joint à la convention."),
        to=_back(agreement_id),
        again=_again(agreement_id),
        stored=stored,
    )


@bp.route("/agreements/<id:agreement_id>/document")
@require(Permission.FINANCE_VIEW)
def document(agreement_id: int):
    agreement = _agreement_or_404(agreement_id)
    if agreement.document is None:
        abort(404)
    return send_stored(agreement.document)
