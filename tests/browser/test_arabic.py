"""The main flows in Arabic, right to left, on a phone and on a desktop: each step's screen is
kept in test-artifacts/arabic/ to be looked at."""

import re
from pathlib import Path

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from seeds.demo import DEMO_PASSWORD
from tests.browser.screens import DESKTOP, PHONE, page_fits, tap
from tests.browser.test_finance_payment import (
    PAYMENT_REFERENCE,
    installment_row,
)
from tests.browser.test_milestone_approval import radeema_milestone

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "arabic"
_ARABIC = Translations.load(str(ROOT / "portal" / "translations"), ["ar"])


def ar(msgid: str, **values) -> str:
    """An interface string as an Arabic reader sees it (the compiled catalogue)."""
    text = _ARABIC.gettext(msgid)
    assert text != msgid, f"no Arabic for {msgid!r}"
    return text % values if values else text


def screen(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in_in_arabic(page, email: str) -> None:
    """Choose العربية on the sign-in page, then sign in: the choice becomes the account's."""
    page.goto("/login")
    page.wait_for_load_state("load")
    if page.locator("html").get_attribute("lang") == "ar":
        # Kept from the previous person's session: it is not this account's choice yet.
        with page.expect_navigation():
            page.locator("#language-select").select_option("fr")
    with page.expect_navigation():
        page.locator("#language-select").select_option("ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_label(ar("Adresse e-mail")).fill(email)
    page.get_by_label(ar("Mot de passe")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=ar("Se connecter")).click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def sign_out_in_arabic(page) -> None:
    toggle = page.get_by_role("button", name=ar("Menu"))
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name=ar("Se déconnecter")).click()
    expect(page).to_have_url(re.compile(r"/login$"))


@pytest.fixture
def arabic_milestone(app, demo_data):
    from portal.models import MilestoneStatus

    return radeema_milestone(app, "Pose de la fibre (lot 1) — médina", MilestoneStatus.IN_PROGRESS)


def test_a_milestone_is_submitted_and_approved_twice_in_arabic(page, arabic_milestone):
    url = f"/milestones/{arabic_milestone}"
    title = "Pose de la fibre (lot 1) — médina"

    # The contributor, on a phone: the page runs right to left and fits the screen.
    page.set_viewport_size(PHONE)
    sign_in_in_arabic(page, "contributeur@sdtn.demo")
    page.goto(url)
    page_fits(page)
    # The French title keeps its own order inside the Arabic page.
    expect(page.locator("h1 bdi")).to_have_text(title)
    page.get_by_label(ar("Commentaire")).first.fill("تم مد الألياف على 12 كلم (lot 1).")
    tap(page.get_by_role("button", name=ar("Soumettre pour approbation")))
    submitted = ar("Soumis")
    expect(
        page.get_by_text(ar("Le jalon est maintenant « %(status)s ».", status=submitted))
    ).to_be_visible()
    expect(page.locator("#history")).to_contain_text("تم مد الألياف على 12 كلم")
    screen(page, "1-contributor-submitted-phone")
    sign_out_in_arabic(page)

    # The city's decision-maker, on a phone, from the task list.
    sign_in_in_arabic(page, "local.marrakech@sdtn.demo")
    page.goto("/tasks")
    page_fits(page)
    screen(page, "2-local-tasks-phone")
    tap(page.get_by_role("link", name=title))
    tap(page.get_by_role("button", name=ar("Approuver (niveau local)")))
    locally = ar("Approuvé localement")
    expect(
        page.get_by_text(ar("Le jalon est maintenant « %(status)s ».", status=locally))
    ).to_be_visible()
    screen(page, "3-local-approved-phone")
    sign_out_in_arabic(page)

    # The ministry, on a desktop.
    page.set_viewport_size(DESKTOP)
    sign_in_in_arabic(page, "central@sdtn.demo")
    page.goto("/tasks")
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name=ar("Approuver (niveau central)")).click()
    approved = ar("Approuvé")
    expect(
        page.get_by_text(ar("Le jalon est maintenant « %(status)s ».", status=approved))
    ).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    history = page.locator("#history")
    for name in ("Hicham Tazi", "Khadija Ouazzani", "Youssef El Idrissi"):
        expect(history).to_contain_text(name)
    page_fits(page)
    screen(page, "4-central-approved-desktop")
    assert page.console_problems == []


def test_a_payment_is_recorded_and_its_receipt_confirmed_in_arabic(page, invoiced_installment):
    due = invoiced_installment
    # The payer, on a desktop: amounts in Moroccan writing (1.234,50), references in order.
    page.set_viewport_size(DESKTOP)
    sign_in_in_arabic(page, "iam@sdtn.demo")
    page.goto(due.url)
    expect(page.get_by_text(ar("Vous agissez pour le payeur."))).to_be_visible()
    row = installment_row(page, due.invoice_reference)
    pay_label = ar("Enregistrer le paiement")
    pay = row.locator("details", has=page.locator("summary", has_text=pay_label))
    pay.locator("summary").click()
    pay.get_by_label(ar("Référence du paiement (virement, chèque…)")).fill(PAYMENT_REFERENCE)
    pay.get_by_label(ar("Date du paiement")).fill(due.paid_on.isoformat())
    pay.locator("form").get_by_role("button", name=pay_label).click()
    expect(
        page.get_by_text(
            ar("Paiement enregistré : le bénéficiaire doit en confirmer la réception.")
        )
    ).to_be_visible()
    row = installment_row(page, due.invoice_reference)
    expect(row).to_contain_text(PAYMENT_REFERENCE)
    amount = f"{due.amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    expect(page.locator("#installments")).to_contain_text(amount)
    page_fits(page)
    screen(page, "5-payer-paid-desktop")
    sign_out_in_arabic(page)

    # The payee, on a phone, from its list of receipts to confirm.
    page.set_viewport_size(PHONE)
    sign_in_in_arabic(page, "contributeur@sdtn.demo")
    page.goto("/finance/installments?when=receipt")
    page_fits(page)
    listed = page.locator(f'#installments-table tr[data-installment-id="{due.installment_id}"]')
    confirm_label = ar("Confirmer la réception")
    confirm = listed.locator("details", has=page.locator("summary", has_text=confirm_label))
    tap(confirm.locator("summary"))
    tap(confirm.locator("form").get_by_role("button", name=confirm_label))
    expect(page.get_by_text(ar("Réception du paiement confirmée."))).to_be_visible()
    expect(listed).to_have_count(0)
    screen(page, "6-payee-confirmed-phone")
    assert page.console_problems == []


def _open_first_task(page, kind: str) -> str:
    page.goto(f"/tasks?kind={kind}")
    line = page.locator(f'ul.task-list[data-kind="{kind}"] li').first
    title = line.locator("a").first.inner_text()
    tap(line.locator("a").first)
    expect(page).not_to_have_url(re.compile(r"/tasks"))
    page_fits(page)
    return title


def test_a_bidder_answers_a_tender_and_an_evaluator_assesses_a_site_in_arabic(page, demo_data):
    # A bidder, on a phone: amounts typed in the Moroccan way are read as such.
    page.set_viewport_size(PHONE)
    sign_in_in_arabic(page, "adc@sdtn.demo")
    _open_first_task(page, "tender_bid")
    screen(page, "7-bidder-tender-phone")
    tap(page.get_by_role("button", name=ar("Déposer une offre pour ce lot")).first)
    page.get_by_label(ar("Offre financière (MAD)")).fill("2.190.000,00")
    screen(page, "8-bidder-bid-form-phone")
    tap(page.get_by_role("button", name=ar("Déposer l'offre")))
    expect(page.locator(".flash-success")).to_have_text(
        ar("Offre déposée : elle reste scellée jusqu'à l'ouverture des plis.")
    )
    sign_out_in_arabic(page)

    # An evaluator, on a phone, scores a candidate site against its city's criteria.
    sign_in_in_arabic(page, "evaluateur@sdtn.demo")
    _open_first_task(page, "site_assess")
    for fieldset in page.locator(".assessment-form fieldset").all():
        met = fieldset.get_by_label(ar("Rempli"), exact=True)
        if met.count():
            met.check()
        else:
            fieldset.locator('input[type="text"]').fill("5")
    screen(page, "9-evaluator-assessment-phone")
    tap(page.get_by_role("button", name=ar("Enregistrer mon évaluation")))
    expect(page.locator(".flash-success")).to_have_text(ar("Votre évaluation est enregistrée."))
    page_fits(page)
    assert page.console_problems == []


def test_an_administrator_opens_an_account_in_arabic_and_it_opens_in_arabic(
    page, demo_data, live_server
):
    page.set_viewport_size(DESKTOP)
    sign_in_in_arabic(page, "admin@sdtn.demo")
    page.goto("/admin/users/new")
    page_fits(page)
    page.get_by_label(ar("Nom complet")).fill("Nadia El Amrani")
    page.get_by_label(ar("Adresse e-mail")).fill("nadia.elamrani@marrakech.example")
    # The organisation reads in Arabic in the list.
    page.get_by_label(ar("Organisme")).select_option(label="جماعة مراكش (CU Marrakech)")
    page.locator("#preferred_language").select_option("ar")
    page.get_by_label(ar("Contributeur"), exact=True).check()
    page.get_by_label(ar("Mot de passe"), exact=True).fill("Ouarzazate-Tinghir-2026")
    page.get_by_label(ar("Confirmer le mot de passe")).fill("Ouarzazate-Tinghir-2025")
    page.get_by_role("button", name=ar("Enregistrer")).click()
    # Refused on its own field, in Arabic, with everything typed kept.
    expect(page.locator("#confirm-errors")).to_have_text(
        ar("Les deux mots de passe ne correspondent pas.")
    )
    expect(page.get_by_label(ar("Nom complet"))).to_have_value("Nadia El Amrani")
    screen(page, "10-admin-refused-desktop")
    page.get_by_label(ar("Mot de passe"), exact=True).fill("Ouarzazate-Tinghir-2026")
    page.get_by_label(ar("Confirmer le mot de passe")).fill("Ouarzazate-Tinghir-2026")
    page.get_by_role("button", name=ar("Enregistrer")).click()
    expect(page.locator(".flash-success")).to_contain_text(
        ar("Le compte de %(name)s a été créé.", name="Nadia El Amrani")
    )
    sign_out_in_arabic(page)
    assert page.console_problems == []

    # Her first sign-in, on a phone in a fresh browser that asks for French, opens in the
    # language her account was given, without choosing it.
    context = page.context.browser.new_context(base_url=live_server, locale="fr-FR")
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("nadia.elamrani@marrakech.example")
    page.get_by_label("Mot de passe").fill("Ouarzazate-Tinghir-2026")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nadia El Amrani")
    page_fits(page)
    screen(page, "11-new-account-home-phone")
    context.close()
