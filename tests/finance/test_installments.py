"""Installments on the service: invoice, payment, receipt, disputes, cancellation, overdue."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from portal.models import Installment, InstallmentStatus
from portal.services import finance
from portal.services.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from tests.finance.helpers import TODAY, I, act, draft, refused, schedule, signed, terminate


def test_the_payee_invoices_the_payer_pays_the_payee_confirms(w):
    agreement = signed(w, [(date(2026, 3, 31), "600.00"), (date(2026, 9, 30), "400.00")])
    first = agreement.installments[0]
    refused(NotAllowed, act, w.payer, first, "invoice")
    unreferenced = refused(InvalidInput, act, w.payee, first, "invoice", reference=" ")
    assert unreferenced.field == "reference"
    assert refused(InvalidInput, act, w.payee, first, "invoice", day=None).field == "day"
    future = refused(InvalidInput, act, w.payee, first, "invoice", day=TODAY + timedelta(1))
    assert future.field == "day"
    assert first.status is I.PLANNED

    act(w.payee, first, "invoice", reference="F-2026-114", day=date(2026, 3, 1))
    assert first.status is I.INVOICED
    assert (first.invoice_reference, first.invoiced_on) == ("F-2026-114", date(2026, 3, 1))
    refused(TransitionNotAllowed, act, w.payee, first, "invoice")

    refused(NotAllowed, act, w.payee, first, "pay")
    act(w.payer, first, "pay", reference="VIR-889", day=date(2026, 4, 2))
    assert first.status is I.PAID and first.paid_on == date(2026, 4, 2)
    assert first.payment_reference == "VIR-889" and first.paid_recorded_by_id == w.payer.id
    assert finance.awaiting_receipt(first)

    refused(NotAllowed, act, w.payer, first, "confirm")
    when = datetime(2026, 4, 5, 10, 0, tzinfo=UTC)
    act(w.payee, first, "confirm", now=when)
    assert first.received_at == when and first.received_by_id == w.payee.id
    assert first.status is I.PAID and not finance.awaiting_receipt(first)
    refused(TransitionNotAllowed, act, w.payee, first, "confirm")
    refused(TransitionNotAllowed, act, w.payee, first, "dispute")

    # The payer may pay before any invoice.
    second = agreement.installments[1]
    act(w.payer, second, "pay")
    assert second.status is I.PAID and second.invoiced_on is None


def test_a_dispute_needs_a_reason_and_resolving_returns_to_the_previous_state(w):
    agreement = signed(
        w,
        [
            (date(2026, 2, 28), "100.00"),
            (date(2026, 3, 31), "200.00"),
            (date(2026, 4, 30), "300.00"),
        ],
    )
    planned, invoiced, paid = agreement.installments
    act(w.payee, invoiced, "invoice")
    act(w.payee, paid, "invoice")
    act(w.payer, paid, "pay")
    for installment, who, back_to in [
        (planned, w.payer, I.PLANNED),
        (invoiced, w.payer, I.INVOICED),
        (paid, w.payee, I.PAID),  # "the transfer never arrived"
    ]:
        error = refused(InvalidInput, act, who, installment, "dispute", reason="  ")
        assert error.field == "reason" and installment.status is back_to
        opened = datetime(2026, 5, 2, 9, 30, tzinfo=UTC)
        act(who, installment, "dispute", reason="Virement non reçu", now=opened)
        assert installment.status is I.DISPUTED
        assert installment.dispute_reason == "Virement non reçu"
        assert installment.disputed_at == opened  # how long the dispute has waited
        refused(TransitionNotAllowed, act, w.payer, installment, "pay")
        for party in (w.payer, w.payee):
            refused(NotAllowed, act, party, installment, "resolve")
        refused(InvalidInput, act, w.secretariat, installment, "resolve", reason="")
        act(w.secretariat, installment, "resolve", reason="Relevé bancaire fourni")
        assert installment.status is back_to


def test_upholding_a_dispute_undoes_the_payment_that_did_not_arrive(w):
    agreement = signed(w, [(date(2026, 3, 31), "400.00"), (date(2026, 9, 30), "600.00")])
    first = agreement.installments[0]
    act(w.payee, first, "invoice")
    act(w.payer, first, "pay")
    act(w.payee, first, "dispute", reason="Virement jamais reçu")
    assert finance.allowed_actions(w.payer, first) == []
    assert "uphold" in finance.allowed_actions(w.secretariat, first)
    # A payment is never cancelled away while disputed.
    refused(TransitionNotAllowed, act, w.secretariat, first, "cancel")
    refused(NotAllowed, act, w.payee, first, "uphold")
    act(w.secretariat, first, "uphold", reason="La banque confirme l'échec du virement")
    assert first.status is InstallmentStatus.INVOICED
    assert (first.paid_on, first.payment_reference, first.received_at) == (None, "", None)
    assert first.invoice_reference == "INVOICE-1"
    assert first.is_overdue(TODAY)
    # An upheld dispute on an invoice withdraws the invoice.
    act(w.payer, first, "dispute", reason="Facture erronée")
    act(w.secretariat, first, "uphold")
    assert (first.status, first.invoice_reference, first.invoiced_on) == (
        InstallmentStatus.PLANNED,
        "",
        None,
    )
    # Nothing left to uphold on a planned installment under dispute: it is resolved or cancelled.
    act(w.payer, first, "dispute")
    assert "uphold" not in finance.allowed_actions(w.secretariat, first)


def test_the_secretariat_cancels_an_open_installment_with_a_reason(w):
    agreement = signed(w, [(date(2026, 3, 31), "600.00"), (date(2026, 9, 30), "400.00")])
    first = agreement.installments[0]
    for party in (w.payer, w.payee, w.central):
        refused(NotAllowed, act, party, first, "cancel")
    refused(InvalidInput, act, w.secretariat, first, "cancel", reason="")
    act(w.secretariat, first, "cancel", reason="Tranche reportée par avenant")
    assert first.status is I.CANCELLED and first.cancel_reason == "Tranche reportée par avenant"
    for name, who in [("pay", w.payer), ("invoice", w.payee), ("dispute", w.payer)]:
        refused(TransitionNotAllowed, act, who, first, name)
    assert first.status is I.CANCELLED


def test_payments_are_tracked_only_on_a_signed_agreement(w):
    agreement = draft(w)
    schedule(w, agreement, [(date(2026, 3, 31), "1000.00")])
    refused(TransitionNotAllowed, act, w.payer, agreement.installments[0], "pay")
    refused(TransitionNotAllowed, act, w.payee, agreement.installments[0], "invoice")
    assert agreement.installments[0].status is I.PLANNED

    other = signed(w, [(date(2026, 3, 31), "500.00"), (date(2026, 9, 30), "500.00")])
    refused(InvalidInput, terminate, w, other, reason=" ")
    terminate(w, other)
    for installment in other.installments:
        refused(TransitionNotAllowed, act, w.secretariat, installment, "resolve")
        refused(TransitionNotAllowed, act, w.payer, installment, "pay")
    refused(TransitionNotAllowed, terminate, w, other)


def test_an_installment_is_overdue_once_its_due_date_has_passed_unpaid():
    def installment(status, due):
        return Installment(due_date=due, amount=Decimal("10.00"), status=status)

    yesterday = TODAY - timedelta(days=1)
    assert installment(I.PLANNED, yesterday).is_overdue(TODAY)
    assert installment(I.INVOICED, yesterday).is_overdue(TODAY)
    assert not installment(I.PLANNED, TODAY).is_overdue(TODAY)
    assert not installment(I.INVOICED, TODAY + timedelta(days=30)).is_overdue(TODAY)
    for settled in (I.PAID, I.DISPUTED, I.CANCELLED):
        assert not installment(settled, yesterday).is_overdue(TODAY)
