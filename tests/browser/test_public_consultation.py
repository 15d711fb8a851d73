"""The public consultation clicked through: a resident on a phone, without an account, sends
an expectation (a mistake first, kept as typed); the secretariat moderates it and publishes
it; the resident then finds it on the page and supports it, once."""

import re

from playwright.sync_api import expect

from tests.browser.axe import axe_violations
from tests.browser.screens import DESKTOP, PHONE, page_fits, tap
from tests.browser.test_login_flows import sign_in
from tests.browser.test_milestone_approval import sign_out

TITLE = "Le numérique que vous attendez à Fès"
SENT = "Des bornes pour payer les factures d'eau près du marché, appelez-moi au 0612345678"
PUBLISHED = "Des bornes pour payer les factures d'eau près du marché"
EMAIL = "habitante@exemple.ma"


def open_fes(page):
    page.goto("/consultation/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def test_a_resident_sends_an_expectation_the_secretariat_publishes_it_and_it_is_supported(
    page, demo_data
):
    page.set_viewport_size(PHONE)
    open_fes(page)
    page_fits(page)
    form = page.locator("#submit")
    form.get_by_label("Domaine").select_option(label="E-administration")
    form.get_by_label("Quartier").select_option(label="Saïs")
    form.get_by_label("Votre attente").fill("Des bornes")
    form.get_by_label("Votre adresse e-mail (facultatif)").fill(EMAIL)
    tap(form.get_by_role("button", name="Envoyer mon attente"))
    # Too short: said on its field, and nothing typed is lost.
    expect(page.locator("#text-errors")).to_contain_text("en 20 caractères au moins")
    expect(form.get_by_label("Quartier")).to_have_value("Saïs")
    expect(form.locator("#domain_id option:checked")).to_have_text("E-administration")
    expect(form.get_by_label("Votre attente")).to_have_value("Des bornes")
    expect(form.get_by_label("Votre adresse e-mail (facultatif)")).to_have_value(EMAIL)
    form.get_by_label("Votre attente").fill(SENT)
    tap(form.get_by_role("button", name="Envoyer mon attente"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Merci, votre attente est bien reçue")
    expect(page.get_by_text("Vous recevrez un e-mail")).to_be_visible()
    page.get_by_role("link", name="Revenir à la consultation").click()
    expect(page.locator("#published-list")).not_to_contain_text("Des bornes pour payer")

    # The secretariat reads it with the address, cuts the telephone number and publishes.
    page.set_viewport_size(DESKTOP)
    sign_in(page, "secretariat@sdtn.demo")
    page.goto("/diagnostic/cities/fes/consultations")
    page.get_by_role("link", name="Modérer").click()
    submission = page.locator("article.submission", has_text=SENT)
    expect(submission).to_contain_text(EMAIL)
    submission.locator("summary", has_text="Publier").click()
    submission.get_by_label("Texte publié").fill(PUBLISHED)
    submission.get_by_label("Importance (1 à 5)").select_option("4")
    submission.get_by_label("Population concernée").fill("25000")
    submission.get_by_role("button", name="Publier").click()
    expect(page.locator(".flash-success")).to_have_text("Attente publiée.")
    expect(page.locator("article.submission", has_text=SENT)).to_have_count(0)
    sign_out(page)

    # Back on the phone: published, without the number, and supported once.
    page.set_viewport_size(PHONE)
    open_fes(page)
    card = page.locator("#published-list > li", has_text=PUBLISHED)
    expect(card).not_to_contain_text("0612345678")
    expect(card.locator(".supports")).to_have_text("0 soutien")
    tap(card.get_by_role("button", name="Soutenir"))
    card = page.locator("#published-list > li", has_text=PUBLISHED)
    expect(card.locator(".supports")).to_have_text("1 soutien")
    expect(card).to_contain_text("Vous soutenez cette attente.")
    expect(card.get_by_role("button", name="Soutenir")).to_have_count(0)
    page.reload()
    expect(page.locator("#published-list > li", has_text=PUBLISHED)).to_contain_text(
        "Vous soutenez cette attente."
    )
    assert EMAIL not in page.content()


def test_the_public_page_reads_right_to_left_in_arabic_and_passes_axe(page, demo_data):
    page.set_viewport_size(PHONE)
    page.goto("/consultation/")
    with page.expect_navigation():
        page.locator("#language-select").select_option("ar")
    page.get_by_role("link", name="الخدمات الرقمية التي تنتظرونها في فاس").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", name="تقديم انتظار")).to_be_visible()
    expect(page.get_by_role("button", name="إرسال انتظاري")).to_be_visible()
    page_fits(page)
    assert axe_violations(page) == []
    # A mistake is said in Arabic, on its field.
    page.locator("#submit").get_by_label("المجال").select_option(index=1)
    page.locator("#submit").get_by_label("انتظاركم").fill("قصير")
    tap(page.get_by_role("button", name="إرسال انتظاري"))
    expect(page.locator("#text-errors")).to_contain_text("على الأقل")
    expect(page).to_have_url(re.compile(r"/consultation/\d+/submit"))
    assert axe_violations(page) == []
