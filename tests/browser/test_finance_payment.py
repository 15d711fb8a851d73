"""An operator records the payment of an invoiced installment; the payee confirms receipt."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.test_login_flows import sign_in
from tests.browser.test_milestone_approval import sign_out

PAYMENT_REFERENCE = "VIR-IAM-2026-0917"


def figure(page, label: str) -> Decimal:
    """A figure of the agreement page ("1 234 567,89", narrow no-break spaces) as a Decimal."""
    text = (
        page.locator("#agreement-figures > div")
        .filter(has=page.get_by_text(label, exact=True))
        .locator("strong")
        .inner_text()
    )
    return Decimal(re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", "."))


def installment_row(page, invoice_reference: str):
    return page.locator("#installments tbody tr", has_text=invoice_reference)


def test_payer_records_payment_and_payee_confirms_receipt(page, invoiced_installment):
    due = invoiced_installment
    sign_in(page, "iam@sdtn.demo")
    page.goto(due.url)
    expect(page.get_by_text("Vous agissez pour le payeur.")).to_be_visible()
    paid_before = figure(page, "Payé")
    outstanding_before = figure(page, "Reste dû")
    overdue_before = figure(page, "En retard")
    row = installment_row(page, due.invoice_reference)
    expect(row.get_by_text("Facturée", exact=True)).to_be_visible()

    # A reference made of spaces passes the browser's `required`; the server refuses it.
    pay = row.locator("details", has=page.locator("summary", has_text="Enregistrer le paiement"))
    pay.locator("summary").click()
    pay.get_by_label("Référence du paiement (virement, chèque…)").fill("   ")
    pay.locator("form").get_by_role("button", name="Enregistrer le paiement").click()
    expect(page.locator(".flash-error")).to_have_text("Ce champ est obligatoire.")
    expect(installment_row(page, due.invoice_reference).locator(".field-error")).to_have_text(
        "Ce champ est obligatoire."
    )
    expect(row.get_by_text("Facturée", exact=True)).to_be_visible()
    assert figure(page, "Payé") == paid_before

    # The refused action stays open, its error on the reference, and the page shows the
    # agreement's own address: correcting it there brings the person back to the agreement.
    expect(page).to_have_url(re.compile(rf"{re.escape(due.url)}$"))
    row = installment_row(page, due.invoice_reference)
    pay = row.locator("details", has=page.locator("summary", has_text="Enregistrer le paiement"))
    expect(pay).to_have_attribute("open", "")
    reference = pay.get_by_label("Référence du paiement (virement, chèque…)")
    expect(reference).to_have_attribute("aria-invalid", "true")
    expect(reference).to_be_focused()
    expect(pay.get_by_text("Un paiement partiel ne s'enregistre pas")).to_be_visible()
    reference.fill(PAYMENT_REFERENCE)
    pay.get_by_label("Date du paiement").fill(due.paid_on.isoformat())
    pay.locator("form").get_by_role("button", name="Enregistrer le paiement").click()
    expect(
        page.get_by_text("Paiement enregistré : le bénéficiaire doit en confirmer la réception.")
    ).to_be_visible()
    expect(page).to_have_url(re.compile(rf"{re.escape(due.url)}$"))
    row = installment_row(page, due.invoice_reference)
    expect(row.get_by_text("Payée", exact=True)).to_be_visible()
    expect(row.get_by_text("réception à confirmer")).to_be_visible()
    expect(row).to_contain_text(
        f"Payée le {due.paid_on_text} ({PAYMENT_REFERENCE}) — Karim Bennani"
    )
    expect(row.get_by_text("Enregistrer le paiement")).to_have_count(0)
    # Only the payee confirms that the money arrived.
    expect(row.get_by_text("Confirmer la réception")).to_have_count(0)
    # Paid is paid as soon as the payer records it; the receipt only confirms it.
    assert figure(page, "Payé") - paid_before == due.amount
    assert outstanding_before - figure(page, "Reste dû") == due.amount
    assert overdue_before - figure(page, "En retard") == due.amount
    sign_out(page)

    sign_in(page, "contributeur@sdtn.demo")
    page.goto("/finance/installments?when=receipt")
    listed = page.locator(f'#installments-table tr[data-installment-id="{due.installment_id}"]')
    expect(listed).to_contain_text("IAM → RADEEMA")
    expect(listed.get_by_text("réception à confirmer")).to_be_visible()
    confirm = listed.locator(
        "details", has=page.locator("summary", has_text="Confirmer la réception")
    )
    confirm.locator("summary").click()
    confirm.locator("form").get_by_role("button", name="Confirmer la réception").click()
    expect(page.get_by_text("Réception du paiement confirmée.")).to_be_visible()
    # Back on the same filtered list, which no longer holds it.
    expect(page).to_have_url(re.compile(r"/finance/installments\?when=receipt$"))
    expect(listed).to_have_count(0)

    page.goto(due.url)
    expect(page.get_by_text("Vous agissez pour le bénéficiaire.")).to_be_visible()
    row = installment_row(page, due.invoice_reference)
    expect(row.get_by_text("Payée", exact=True)).to_be_visible()
    expect(row).to_contain_text(re.compile(r"Réception confirmée le \S.* — Hicham Tazi"))
    expect(row.get_by_text("réception à confirmer")).to_have_count(0)
    expect(row.get_by_text("Confirmer la réception")).to_have_count(0)
    assert figure(page, "Payé") - paid_before == due.amount


def test_third_parties_and_observers_do_not_see_the_agreement(page, invoiced_installment):
    due = invoiced_installment
    sign_in(page, "orange@sdtn.demo")
    response = page.goto(due.url)
    assert response.status == 404
    expect(page.get_by_role("heading", name=re.compile("Page introuvable"))).to_be_visible()
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    response = page.request.post(
        f"/finance/installments/{due.installment_id}/act",
        form={
            "action": "pay",
            "reference": "VIR-ORANGE",
            "day": due.paid_on.isoformat(),
            "csrf_token": csrf,
        },
    )
    assert response.status == 404
    sign_out(page)

    sign_in(page, "observateur@sdtn.demo")
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav.get_by_role("link", name="Engagements")).to_be_visible()
    expect(nav.get_by_role("link", name="Contreparties")).to_have_count(0)
    response = page.goto("/finance")
    assert response.status == 403
    expect(page.get_by_role("heading", name=re.compile("Accès refusé"))).to_be_visible()
    assert page.goto(due.url).status == 403

    # The refused attempt changed nothing: RADEEMA still waits for IAM's payment.
    sign_out(page)
    sign_in(page, "contributeur@sdtn.demo")
    page.goto(due.url)
    expect(
        installment_row(page, due.invoice_reference).get_by_text("Facturée", exact=True)
    ).to_be_visible()
