"""Each demo role signs in through the real login page and sees its own navigation."""

import re

import pytest
from playwright.sync_api import expect

from seeds.demo import DEMO_PASSWORD, USERS


def sign_in(page, email, password=DEMO_PASSWORD):
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


# What each demo account must see: its role on the home page, the title over its cities,
# the main navigation, and the entries of its administration menu.
PLAN_NAV = ["Programme", "Jalons", "Organismes", "Engagements"]
# "À faire" and its count, for everyone whose role can be given something to do.
TASKS = re.compile(r"^À faire( \d+)?$")
# The money between organisations is for the parties, the deciders and the secretariat;
# everyone follows the tenders and the digital coverage.
OBSERVER_NAV = ["Accueil", *PLAN_NAV, "Appels d'offres", "Couverture"]
READER_NAV = ["Accueil", TASKS, *PLAN_NAV, "Appels d'offres", "Couverture"]
PARTY_NAV = ["Accueil", TASKS, *PLAN_NAV, "Contreparties", "Appels d'offres", "Couverture"]
DECIDER_NAV = PARTY_NAV
ADMIN_MENU = [
    "Utilisateurs",
    "Organismes",
    "Villes",
    "Journal d'audit",
    "Règles de rappel",
    "Boîte d'envoi",
]
EXPECTED_HOME = {
    "admin@sdtn.demo": ("Administrateur", "Les villes pilotes", READER_NAV, ADMIN_MENU),
    "central@sdtn.demo": ("Décideur central", "Les villes pilotes", DECIDER_NAV, []),
    "local.marrakech@sdtn.demo": ("Décideur local — Marrakech", "Votre ville", DECIDER_NAV, []),
    "local.fes@sdtn.demo": ("Décideur local — Fès", "Votre ville", DECIDER_NAV, []),
    "local.agadir@sdtn.demo": ("Décideur local — Agadir", "Votre ville", DECIDER_NAV, []),
    "contributeur@sdtn.demo": ("Contributeur", "Votre ville", PARTY_NAV, []),
    "radeef@sdtn.demo": ("Contributeur", "Votre ville", PARTY_NAV, []),
    "ramsa@sdtn.demo": ("Contributeur", "Votre ville", PARTY_NAV, []),
    "iam@sdtn.demo": ("Contributeur", "Les villes pilotes", PARTY_NAV, []),
    "orange@sdtn.demo": ("Contributeur", "Les villes pilotes", PARTY_NAV, []),
    "inwi@sdtn.demo": ("Contributeur", "Les villes pilotes", PARTY_NAV, []),
    "adc@sdtn.demo": ("Contributeur", "Les villes pilotes", PARTY_NAV, []),
    "rsn@sdtn.demo": ("Contributeur", "Les villes pilotes", PARTY_NAV, []),
    "mcs@sdtn.demo": ("Contributeur", "Les villes pilotes", PARTY_NAV, []),
    "mul@sdtn.demo": ("Contributeur", "Les villes pilotes", PARTY_NAV, []),
    "secretariat@sdtn.demo": ("Secrétariat", "Les villes pilotes", PARTY_NAV, ["Domaines"]),
    "evaluateur@sdtn.demo": ("Évaluateur", "Les villes pilotes", READER_NAV, []),
    "evaluatrice@sdtn.demo": ("Évaluateur", "Les villes pilotes", READER_NAV, []),
    "observateur@sdtn.demo": ("Observateur", "Les villes pilotes", OBSERVER_NAV, []),
}

CITY_OF = {
    "local.marrakech@sdtn.demo": "marrakech",
    "local.fes@sdtn.demo": "fes",
    "local.agadir@sdtn.demo": "agadir",
    "contributeur@sdtn.demo": "marrakech",  # RADEEMA is Marrakech's utility
    "radeef@sdtn.demo": "fes",
    "ramsa@sdtn.demo": "agadir",
}


def test_every_demo_account_is_covered():
    assert {email for email, *_ in USERS} == set(EXPECTED_HOME)


@pytest.mark.parametrize("email", sorted(EXPECTED_HOME))
def test_demo_account_signs_in_and_sees_its_navigation(page, demo_data, email):
    role_label, cities_title, main_nav, admin_menu_items = EXPECTED_HOME[email]
    sign_in(page, email)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".role-name")).to_have_text([role_label])
    expect(page.get_by_role("heading", name=cities_title)).to_be_visible()

    cards = page.locator(".city-card")
    if email in CITY_OF:
        expect(cards).to_have_count(1)
        expect(cards.first).to_have_attribute("data-city", CITY_OF[email])
    else:
        expect(cards).to_have_count(3)

    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav.locator(".main-nav > li > a")).to_have_text(main_nav)
    admin_menu = nav.locator("details", has=page.locator("summary", has_text="Administration"))
    if admin_menu_items:
        admin_menu.locator("summary").click()
        expect(admin_menu.locator("li a")).to_have_text(admin_menu_items)
        admin_menu.get_by_role("link", name=admin_menu_items[0]).click()
        expect(page.get_by_role("heading", name=admin_menu_items[0], exact=False)).to_be_visible()
    else:
        expect(admin_menu).to_have_count(0)
    if "Utilisateurs" not in admin_menu_items:
        page.goto("/admin/users")
        expect(page.get_by_role("heading", name=re.compile("Accès refusé"))).to_be_visible()

    page.goto("/")
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()


def test_wrong_password_shows_a_clear_message(page, demo_data):
    sign_in(page, "central@sdtn.demo", "not-the-password")
    expect(page.get_by_text("Adresse e-mail ou mot de passe incorrect.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login"))


def test_admin_filters_users_without_reloading_the_page(page, demo_data):
    sign_in(page, "admin@sdtn.demo")
    page.goto("/admin/users")
    expect(page.locator("#users-table tbody tr")).to_have_count(len(USERS))
    page.evaluate("window.__marker = 'same page'")
    page.get_by_label("Rôle").select_option("local_decision_maker")
    expect(page.locator("#users-table tbody tr")).to_have_count(3)
    expect(page).to_have_url(re.compile(r"role=local_decision_maker"))
    page.get_by_label("Recherche").fill("ouazzani")
    expect(page.locator("#users-table tbody tr")).to_have_count(1)
    expect(page.locator("#users-table")).to_contain_text("Khadija Ouazzani")
    # htmx swapped the table: the page itself was never reloaded.
    assert page.evaluate("window.__marker") == "same page"


def test_language_switch_turns_the_interface_to_english_and_is_remembered(
    page, browser, live_server, demo_data
):
    page.goto("/login")
    page.get_by_label("Langue").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email address").fill("central@sdtn.demo")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Youssef El Idrissi")).to_be_visible()
    expect(page.get_by_role("heading", name="Pilot cities")).to_be_visible()

    # Another browser signing in to the same account opens in English: the choice is stored.
    other = browser.new_context(base_url=live_server, locale="fr-FR")
    try:
        second = other.new_page()
        sign_in(second, "central@sdtn.demo")
        expect(second.locator("html")).to_have_attribute("lang", "en")
        expect(second.locator("button", has_text="Sign out")).to_have_count(1)
    finally:
        other.close()
