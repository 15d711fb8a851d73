"""A scenario clicked through: the secretariat drafts it and compares it with the city's
others, the city endorses it on a phone, the ministry approves it; the secretariat then
prepares its agreements."""

import re

from playwright.sync_api import expect

from tests.browser.screens import DESKTOP, PHONE, page_fits, tap
from tests.browser.test_login_flows import sign_in
from tests.browser.test_milestone_approval import sign_out

NAME = "Réseau de fourreaux loué à inwi"


def add_line(page, label, kind, start, end, amount, *, party=None, source=None, target=None):
    page.get_by_role("button", name="Ajouter une ligne").click()
    page.get_by_label("Libellé").fill(label)
    page.get_by_label("Nature").select_option(label=kind)
    if party:
        page.get_by_label("Partie qui paie ou reçoit").select_option(label=party)
    if source:
        page.get_by_label("Type de transfert").select_option(label="Location ou IRU")
        page.get_by_label("Payé par (transfert)").select_option(label=source)
        page.get_by_label("Reçu par (transfert)").select_option(label=target)
    page.get_by_label("Année de début").fill(start)
    page.get_by_label("Année de fin (vide : la même)").fill(end)
    page.get_by_label("Montant par an (MAD)").fill(amount)
    page.get_by_role("button", name="Enregistrer").click()


def test_a_scenario_is_drafted_compared_endorsed_approved_and_sent_to_the_ledger(page, demo_data):
    page.set_viewport_size(DESKTOP)
    sign_in(page, "secretariat@sdtn.demo")
    page.goto("/cities/agadir")
    page.get_by_role("button", name="Scénarios", exact=True).click()
    page.get_by_role("button", name="Nouveau scénario").click()
    page.get_by_label("Nom", exact=True).fill(NAME)
    page.get_by_label("Modèle d'investissement").select_option(
        label="Réseau public conçu, construit et exploité par la commune"
    )
    page.get_by_label("Horizon (années)").fill("10")
    page.get_by_label("Taux d'actualisation (%)").fill("6")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_have_text("Scénario enregistré.")
    expect(page.locator("#scenario-status")).to_have_text("En rédaction")

    page.get_by_role("button", name="Ajouter une partie").click()
    page.get_by_label("Organisme du portail").select_option(label="inwi")
    page.get_by_label("Rôle").fill("Loue les fourreaux et sert les abonnés")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".scenario-parties")).to_contain_text("inwi")

    add_line(
        page, "Génie civil et fourreaux", "Investissement", "0", "1", "9000000", party="CU Agadir"
    )
    # A year typed the wrong way round is refused on its field, and what was typed stays.
    add_line(
        page,
        "Location des fourreaux",
        "Transfert entre parties",
        "2",
        "1",
        "1.800.000,00",
        source="inwi",
        target="CU Agadir",
    )
    expect(page.locator("#end_year-errors")).to_contain_text("précède")
    expect(page.get_by_label("Montant par an (MAD)")).to_have_value("1.800.000,00")
    page.get_by_label("Année de fin (vide : la même)").fill("10")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_have_text("Ligne enregistrée.")
    add_line(page, "Abonnements", "Recette", "2", "10", "4200000", party="inwi")
    figures = page.locator("#scenario-figures")
    expect(figures).to_contain_text("CU Agadir")
    expect(figures).to_contain_text("inwi")
    expect(page.locator("#scenario-sensitivity")).to_be_visible()
    expect(page.locator("svg.tornado-chart")).to_have_count(3)

    # Beside the city's other scenarios.
    page.get_by_role("link", name=re.compile("Scénarios d'Agadir|Scénarios de Agadir")).click()
    table = page.locator("#scenarios-table")
    expect(table.locator("thead a")).to_have_count(4)
    expect(table).to_contain_text(NAME)
    expect(page.locator("svg.scenario-chart")).to_have_count(4)
    page.get_by_role("link", name=NAME).click()
    page.get_by_label("Motif (obligatoire pour un renvoi)").fill(
        "Le moins coûteux pour la commune."
    )
    page.get_by_role("button", name="Recommander ce scénario").click()
    expect(page.locator("#scenario-status")).to_have_text("Recommandé, avis de la ville attendu")
    scenario_url = page.url
    sign_out(page)

    # The city endorses it from its list, on a phone.
    page.set_viewport_size(PHONE)
    sign_in(page, "local.agadir@sdtn.demo")
    page.goto("/tasks?kind=scenario_endorse")
    tap(page.get_by_role("link", name=NAME))
    page_fits(page)
    expect(page.locator(".waiting-on")).to_contain_text("en attente de l'avis de la ville")
    tap(page.get_by_role("button", name="Avaliser pour la ville"))
    expect(page.locator("#scenario-status")).to_have_text(
        "Avalisé par la ville, décision du ministère attendue"
    )
    page_fits(page)
    sign_out(page)

    page.set_viewport_size(DESKTOP)
    sign_in(page, "central@sdtn.demo")
    page.goto(scenario_url)
    page.get_by_role("button", name="Approuver : référence de la ville").click()
    expect(page.locator("#scenario-status")).to_have_text("Approuvé : référence de la ville")
    history = page.locator("#scenario-history")
    expect(history).to_contain_text("Le moins coûteux pour la commune.")
    expect(history).to_contain_text("Fatima Zahra Amrani")
    sign_out(page)

    sign_in(page, "secretariat@sdtn.demo")
    page.goto(scenario_url)
    page.get_by_role("button", name="Préparer les conventions").click()
    expect(page.locator(".flash-success")).to_contain_text("conventions : 1")
    page.locator("#scenario-ledger").get_by_role(
        "link", name=re.compile("Location des fourreaux")
    ).click()
    expect(page.locator("h1")).to_contain_text("Location des fourreaux")
    assert page.console_problems == []
