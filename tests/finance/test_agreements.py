"""Agreements on the service: schedules by hand or generated, signature, termination."""

from datetime import date, timedelta
from decimal import Decimal

from portal.extensions import db
from portal.models import AgreementStatus, InstallmentStatus
from portal.services import finance
from portal.services.errors import InvalidInput, TransitionNotAllowed
from tests.finance.helpers import (
    TODAY,
    A,
    I,
    act,
    draft,
    refused,
    schedule,
    sign,
    signed,
    statuses,
    terminate,
)

# --- Schedules and signature ------------------------------------------------------------------


def test_a_schedule_entered_by_hand_must_add_up_to_the_total(w):
    agreement = draft(w, "1000.00")
    short = refused(
        InvalidInput,
        schedule,
        w,
        agreement,
        [(date(2026, 3, 31), "400.00"), (date(2026, 9, 30), "599.99")],
    )
    assert short.field == "installments" and "écart de -0,01 MAD" in short.message
    over = refused(
        InvalidInput,
        schedule,
        w,
        agreement,
        [(date(2026, 3, 31), "400.00"), (date(2026, 9, 30), "600.50")],
    )
    assert "écart de 0,50 MAD" in over.message
    assert agreement.installments == []
    # Entered out of order, kept in date order.
    schedule(w, agreement, [(date(2026, 9, 30), "600.00"), (date(2026, 3, 31), "400.00")])
    assert [(i.due_date, i.amount) for i in agreement.installments] == [
        (date(2026, 3, 31), Decimal("400.00")),
        (date(2026, 9, 30), Decimal("600.00")),
    ]


def test_a_generated_schedule_puts_the_remainder_on_the_last_installment(w):
    agreement = draft(w, "1000.00")
    finance.generate_schedule(
        w.secretariat,
        agreement,
        frequency="monthly",
        count=3,
        first_due=date(2026, 1, 31),
        expected_version=agreement.version,
    )
    db.session.flush()
    db.session.expire_all()
    assert [(i.due_date, i.amount) for i in agreement.installments] == [
        (date(2026, 1, 31), Decimal("333.33")),
        (date(2026, 2, 28), Decimal("333.33")),
        (date(2026, 3, 31), Decimal("333.34")),
    ]
    tiny = draft(w, "0.02")
    error = refused(
        InvalidInput,
        finance.generate_schedule,
        w.secretariat,
        tiny,
        frequency="monthly",
        count=3,
        first_due=date(2026, 1, 31),
        expected_version=tiny.version,
    )
    assert error.field == "count"


def test_signing_needs_a_schedule_a_reference_and_a_past_date(w):
    agreement = draft(w, "1000.00")
    refused(TransitionNotAllowed, sign, w, agreement)
    schedule(w, agreement, [(date(2026, 3, 31), "1000.00")])
    unreferenced = refused(InvalidInput, sign, w, agreement, reference="  ")
    assert unreferenced.field == "convention_reference"
    future = refused(InvalidInput, sign, w, agreement, on=TODAY + timedelta(days=1))
    assert future.field == "signed_on"
    assert agreement.status is A.DRAFT and agreement.signed_on is None
    sign(w, agreement, on=TODAY)
    assert agreement.status is A.SIGNED and agreement.signed_on == TODAY
    assert agreement.convention_reference == "CONV-2026-001"
    refused(TransitionNotAllowed, sign, w, agreement)


def test_a_signed_schedule_is_frozen(w):
    agreement = signed(w, [(date(2026, 3, 31), "400.00"), (date(2026, 9, 30), "600.00")])
    frozen = [(i.id, i.due_date, i.amount) for i in agreement.installments]
    refused(TransitionNotAllowed, schedule, w, agreement, [(date(2026, 4, 30), "1000.00")])
    refused(
        TransitionNotAllowed,
        finance.generate_schedule,
        w.secretariat,
        agreement,
        frequency="yearly",
        count=1,
        first_due=date(2026, 4, 30),
        expected_version=agreement.version,
    )
    refused(
        TransitionNotAllowed,
        finance.save_agreement,
        w.secretariat,
        agreement,
        city_id=w.city.id,
        payer_id=w.payer_org.id,
        payee_id=w.payee_org.id,
        purpose="cofinancing",
        title="Autre titre",
        action_id=None,
        asset_id=None,
        total="2000.00",
        start_date=date(2026, 1, 1),
        expected_version=agreement.version,
    )
    db.session.expire_all()
    assert [(i.id, i.due_date, i.amount) for i in agreement.installments] == frozen
    assert agreement.total_amount == Decimal("1000.00")


# --- Termination ------------------------------------------------------------------------------


def test_terminating_cancels_every_open_installment_and_keeps_the_paid_ones(w):
    agreement = signed(
        w,
        [
            (date(2026, 1, 31), "100.00"),
            (date(2026, 2, 28), "200.00"),
            (date(2026, 3, 31), "300.00"),
            (date(2026, 12, 31), "400.00"),
        ],
    )
    paid, invoiced, disputed, planned = agreement.installments
    act(w.payer, paid, "pay")
    act(w.payee, invoiced, "invoice")
    act(w.payer, disputed, "dispute")
    cancelled = terminate(w, agreement, reason="Tracé abandonné")
    assert {i.id for i in cancelled} == {invoiced.id, disputed.id, planned.id}
    db.session.expire_all()
    assert statuses(agreement) == [I.PAID, I.CANCELLED, I.CANCELLED, I.CANCELLED]
    assert paid.paid_on == date(2026, 5, 1)
    assert {i.cancel_reason for i in agreement.installments[1:]} == {"Tracé abandonné"}
    assert agreement.status is A.TERMINATED and agreement.terminated_on == TODAY
    assert agreement.termination_reason == "Tracé abandonné"


def test_a_disputed_payment_is_settled_before_the_agreement_ends(w):
    agreement = signed(w, [(date(2026, 3, 31), "400.00"), (date(2026, 9, 30), "600.00")])
    first, second = agreement.installments
    act(w.payer, first, "pay")
    act(w.payee, first, "dispute", reason="Virement jamais reçu")
    # Was the money received or not? Terminating cannot decide it, nor can a new key.
    error = refused(TransitionNotAllowed, terminate, w, agreement)
    assert "est contesté" in error.message
    assert agreement.status is AgreementStatus.SIGNED
    assert statuses(agreement) == [InstallmentStatus.DISPUTED, InstallmentStatus.PLANNED]
    act(w.secretariat, first, "resolve", reason="Relevé bancaire produit")
    assert terminate(w, agreement) == [second]
    assert first.status is InstallmentStatus.PAID
    figures = finance.agreement_figures([agreement], TODAY)[agreement.id]
    assert (figures.paid, figures.cancelled) == (Decimal("400.00"), Decimal("600.00"))
