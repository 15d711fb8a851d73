"""Agreement pages: the form's refusals, schedules, signature, termination, the convention."""

import io
from datetime import date
from decimal import Decimal

import pytest

from portal.models import Agreement, AgreementStatus, Installment, InstallmentStatus, StoredFile
from tests.conftest import browser, text
from tests.finance.page_helpers import act, agreement, count, create, installment, signed

# The pages run on a fixed date (the service tests pass theirs to the service).
pytestmark = pytest.mark.usefixtures("_today")

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"payee_id": "same"}, "Le payeur et le bénéficiaire doivent différer."),
        ({"total": "12,345"}, "Le montant a au plus deux décimales."),
        ({"total": "-5"}, "Le montant doit être positif ou nul."),
        ({"total": "0"}, "Le montant doit être supérieur à zéro."),
        ({"total": "beaucoup"}, "Montant invalide."),
        ({"start_date": "9999-01-01"}, "Date hors de la plage admise"),
    ],
)
def test_a_wrong_agreement_is_refused_with_a_message_and_nothing_stored(
    app, world, change, message
):
    if change.get("payee_id") == "same":
        change["payee_id"] = world["operator"].id
    response = create(browser(app, world["secretariat"]), world, **change)
    assert response.status_code == 422
    assert message in text(response)
    assert count(app, Agreement) == 0


def test_a_schedule_that_does_not_add_up_is_refused_with_the_difference(app, world):
    secretariat = browser(app, world["secretariat"])
    create(secretariat, world)
    found = agreement(app)
    response = secretariat.post(
        f"/finance/agreements/{found.id}/schedule",
        data={
            "mode": "manual",
            "version": found.version,
            "due_date": ["2026-03-01", "2026-09-01", ""],
            "amount": ["4000", "5999,99", ""],
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "écart de -0,01 MAD" in page
    assert count(app, Installment) == 0
    # The lines typed are given back for correction.
    assert 'value="5999,99"' in page


def test_a_generated_schedule_puts_the_remainder_on_the_last_installment(app, world):
    secretariat = browser(app, world["secretariat"])
    create(secretariat, world, total="1000,00")
    found = agreement(app)
    response = secretariat.post(
        f"/finance/agreements/{found.id}/schedule",
        data={
            "mode": "generate",
            "frequency": "monthly",
            "count": "3",
            "first_due": "2026-01-31",
            "version": found.version,
        },
    )
    assert response.status_code == 302
    found = agreement(app, found.id)
    assert [(i.due_date, i.amount) for i in found.installments] == [
        (date(2026, 1, 31), Decimal("333.33")),
        (date(2026, 2, 28), Decimal("333.33")),
        (date(2026, 3, 31), Decimal("333.34")),
    ]


def test_a_schedule_posted_without_its_version_is_stale(app, world):
    secretariat = browser(app, world["secretariat"])
    create(secretariat, world)
    found = agreement(app)
    response = secretariat.post(
        f"/finance/agreements/{found.id}/schedule",
        data={"mode": "generate", "frequency": "monthly", "count": "2", "first_due": "2026-07-01"},
    )
    assert response.status_code == 409
    assert count(app, Installment) == 0


def test_signing_freezes_the_schedule_and_a_stale_form_is_refused(app, world):
    found, secretariat = signed(app, world)
    assert found.status is AgreementStatus.SIGNED
    assert found.convention_reference == "CONV-2026-001"
    response = secretariat.post(
        f"/finance/agreements/{found.id}/schedule",
        data={"mode": "generate", "frequency": "monthly", "count": "2", "first_due": "2026-07-01"},
        follow_redirects=True,
    )
    assert "ne se modifie plus" in text(response)
    assert [i.amount for i in agreement(app, found.id).installments] == [
        Decimal("4000.00"),
        Decimal("6000.00"),
    ]
    response = secretariat.post(
        f"/finance/agreements/{found.id}/terminate",
        data={"reason": "Fin", "version": found.version - 1},
    )
    assert response.status_code == 409
    assert agreement(app, found.id).status is AgreementStatus.SIGNED


def test_terminating_cancels_what_is_open_and_keeps_what_was_paid(app, world):
    found, secretariat = signed(app, world)
    first, second = found.installments
    payer = browser(app, world["payer"])
    assert act(payer, first, "pay", reference="VIR-1", day="2026-03-02").status_code == 302
    response = secretariat.post(
        f"/finance/agreements/{found.id}/terminate",
        data={"reason": "Tracé abandonné", "version": found.version},
    )
    assert response.status_code == 302
    assert installment(app, first.id).status is InstallmentStatus.PAID
    assert installment(app, second.id).status is InstallmentStatus.CANCELLED
    assert agreement(app, found.id).status is AgreementStatus.TERMINATED


def test_the_signed_convention_is_attached_and_a_wrong_file_is_refused(app, world):
    found, secretariat = signed(app, world)
    url = f"/finance/agreements/{found.id}/document"
    bad = secretariat.post(url, data={"document": (io.BytesIO(b"plain text"), "convention.txt")})
    assert bad.status_code == 422
    assert "Type de fichier non accepté" in text(bad)
    assert count(app, StoredFile) == 0
    good = secretariat.post(url, data={"document": (io.BytesIO(PDF), "convention.pdf")})
    assert good.status_code == 302
    assert browser(app, world["payer"]).get(url).data == PDF
    assert browser(app, world["outsider"]).get(url).status_code == 404
