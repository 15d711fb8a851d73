"""Installments through the pages: each side's steps, disputes, stale forms, refusals."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, InstallmentStatus
from tests.conftest import browser, text
from tests.finance.page_helpers import act, installment, signed

# The pages run on a fixed date (the service tests pass theirs to the service).
pytestmark = pytest.mark.usefixtures("_today")


def test_payer_pays_payee_confirms_and_each_side_keeps_to_its_own(app, world):
    found, _secretariat = signed(app, world)
    first = found.installments[0]
    payer, payee = browser(app, world["payer"]), browser(app, world["payee"])

    assert act(payee, first, "pay", reference="X", day="2026-03-01").status_code == 403
    assert act(payer, first, "invoice", reference="F-1", day="2026-02-01").status_code == 403
    response = act(payee, first, "invoice", reference="F-1", day="2026-07-01")
    assert response.status_code == 422
    assert "La date ne peut pas être future." in text(response)
    assert act(payee, first, "invoice", reference="F-1", day="2026-02-01").status_code == 302

    first = installment(app, first.id)
    response = act(payer, first, "pay", reference="", day="2026-03-01")
    assert response.status_code == 422
    assert "Ce champ est obligatoire." in text(response)
    assert act(payer, first, "pay", reference="VIR-77", day="2026-03-01").status_code == 302
    first = installment(app, first.id)
    assert first.status is InstallmentStatus.PAID and first.received_at is None
    page = text(payer.get(f"/finance/agreements/{found.id}"))
    assert "réception à confirmer" in page
    assert 'data-action="confirm"' not in page  # the payer does not confirm its own payment

    assert act(payer, first, "confirm").status_code == 403
    assert act(payee, first, "confirm").status_code == 302
    assert installment(app, first.id).received_at is not None
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {
        "finance.installment_invoice",
        "finance.installment_pay",
        "finance.installment_confirm",
        "finance.agreement_signed",
    } <= actions


def test_a_dispute_needs_a_reason_and_the_secretariat_resolves_it(app, world):
    found, secretariat = signed(app, world)
    first = found.installments[0]
    payer = browser(app, world["payer"])
    response = act(payer, first, "dispute", reason="  ")
    assert response.status_code == 422
    assert installment(app, first.id).status is InstallmentStatus.PLANNED
    assert act(payer, first, "dispute", reason="Linéaire surestimé").status_code == 302
    first = installment(app, first.id)
    assert first.status is InstallmentStatus.DISPUTED
    assert act(payer, first, "resolve", reason="Accord").status_code == 403
    assert act(secretariat, first, "resolve", reason="Accord trouvé").status_code == 302
    assert installment(app, first.id).status is InstallmentStatus.PLANNED


def test_a_stale_payment_form_is_refused(app, world):
    found, _secretariat = signed(app, world)
    first = found.installments[0]
    payee = browser(app, world["payee"])
    assert act(payee, first, "invoice", reference="F-1", day="2026-02-01").status_code == 302
    # `first` still carries the version read before the invoice.
    response = act(browser(app, world["payer"]), first, "pay", reference="V", day="2026-03-01")
    assert response.status_code == 409
    assert installment(app, first.id).status is InstallmentStatus.INVOICED


def test_after_a_refusal_the_page_still_sends_people_back_to_the_agreement(app, world):
    found, _secretariat = signed(app, world)
    first = found.installments[0]
    payer = browser(app, world["payer"])
    refused = act(payer, first, "pay", reference=" ", day="2026-03-01")
    assert refused.status_code == 422
    # The page is served at the POST-only action address: its forms must not come back here.
    assert f'name="next" value="/finance/agreements/{found.id}"' in text(refused)
