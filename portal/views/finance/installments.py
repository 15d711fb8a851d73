"""Installments' pages: list and export, and each party's action on an installment."""

from datetime import date

from flask import (
    flash,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.finance import (
    InstallmentActionForm,
    InstallmentFilterForm,
)
from portal.models.finance import (
    Installment,
)
from portal.services import finance as service
from portal.services.organizations import all_cities
from portal.templating import render_page
from portal.views._common import (
    act,
    acting_user,
    form_version,
    paginate,
    safe_next,
    tabular_export,
)
from portal.views.finance.agreements import _agreement_page
from portal.views.finance.base import _agreement_or_404, _organizations, bp


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


@bp.route("/installments/<id:installment_id>/act", methods=["POST"], endpoint="act")
@require(Permission.FINANCE_VIEW)
def act_on_installment(installment_id: int):
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
    return act(
        lambda: service.act_on_installment(
            acting_user(),
            installment,
            form.action.data,
            today=clock.today(),
            reference=form.reference.data or "",
            day=form.day.data,
            reason=form.reason.data or "",
            expected_version=form_version(form),
        ),
        done=str(ACTION_DONE[form.action.data]),
        to=back,
        again=lambda saved: _agreement_page(
            _agreement_or_404(agreement.id),
            status=saved.status,
            sent_action=sent(saved.refusal.message, saved.refusal.field),
        ),
    )
