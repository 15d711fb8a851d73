"""An operator declares progress with an evidence file; the city validates it."""

import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.test_login_flows import sign_in
from tests.browser.test_milestone_approval import sign_out

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def test_declared_progress_is_validated_and_shows(page, app, demo_data, tmp_path):
    from portal import clock
    from portal.extensions import db
    from portal.models import Commitment

    with app.test_request_context():
        yesterday = clock.today() - timedelta(days=1)
        commitment_id = db.session.scalar(
            sa.select(Commitment.id).where(
                Commitment.title == "Fourreaux mutualisés ouverts aux opérateurs — Marrakech"
            )
        )
    evidence = tmp_path / "pv-reception.pdf"
    evidence.write_bytes(PDF)
    url = f"/commitments/{commitment_id}"

    sign_in(page, "contributeur@sdtn.demo")
    page.goto(url)
    page.get_by_label("Nouvelle valeur").fill("15,5")
    # Yesterday: later than every seeded reading, so it becomes the validated value.
    page.get_by_label("Mesurée le").fill(yesterday.isoformat())
    page.get_by_label("Justificatifs (PDF, PNG, JPEG, XLSX, DOCX)").set_input_files(str(evidence))
    page.get_by_role("button", name="Déclarer", exact=True).click()
    expect(page.get_by_text("Votre déclaration attend la validation de la ville.")).to_be_visible()
    row = page.locator("#updates tbody tr", has_text="15,5 ")
    expect(row).to_contain_text("Déclaré")
    expect(row.get_by_role("link", name="pv-reception.pdf")).to_be_visible()
    sign_out(page)

    sign_in(page, "local.marrakech@sdtn.demo")
    page.goto(url)
    row = page.locator("#updates tbody tr", has_text="15,5 ")
    row.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Décision enregistrée.")).to_be_visible()
    expect(page.locator("#validated")).to_have_text(re.compile(r"^15,5$"))
    expect(page.locator("#updates tbody tr", has_text="15,5 ")).to_contain_text("Validé")
