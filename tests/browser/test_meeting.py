"""A steering committee's meeting clicked through, from its agenda to its adopted minutes: the
secretariat schedules it and builds the agenda from the portal's proposals and a free item;
on the day it records who came and what each item came to; it drafts the minutes and
circulates them; the chair comments on a phone, then adopts them once the comments' time
is over, and the PDF is there in each language.

The days pass with time-machine (the live server runs in this process): each jump signs
in again, as a person would after days away."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from playwright.sync_api import expect

from tests.browser.axe import axe_violations
from tests.browser.screens import DESKTOP, PHONE, page_fits, tap
from tests.browser.test_login_flows import sign_in
from tests.browser.test_milestone_approval import sign_out

CASABLANCA = ZoneInfo("Africa/Casablanca")
BODY = "Comité de pilotage de Marrakech"


def _meeting_page(page, meeting_url: str, email: str) -> None:
    sign_in(page, email)
    page.goto(meeting_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Réunion du")


def test_a_meeting_from_its_agenda_to_its_adopted_minutes(page, demo_data):
    # The meeting is tomorrow at 10:00 in Morocco, whatever today is.
    tomorrow = datetime.now(CASABLANCA).date() + timedelta(days=1)
    page.set_viewport_size(DESKTOP)
    sign_in(page, "secretariat@sdtn.demo")
    page.goto("/governance")
    page.locator("#bodies-table").get_by_role("link", name=BODY).click()
    page.get_by_role("button", name="Programmer une réunion").click()
    page.get_by_label("Date").fill(tomorrow.isoformat())
    page.get_by_label("Début (heure du Maroc)").fill("10:00")
    page.get_by_label("Fin (heure du Maroc)").fill("12:00")
    page.get_by_label("Lieu").fill("Wilaya, salle du conseil")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_have_text("Réunion enregistrée.")
    expect(page.locator("#meeting-time")).to_contain_text("de 10:00 à 12:00, heure du Maroc")
    meeting_url = re.sub(r"#.*$", "", page.url)

    # The agenda: the first thing the portal proposes, then a free item moved to the top.
    proposals = page.locator("#proposed input[type=checkbox]")
    proposals.first.check()
    page.get_by_role("button", name="Ajouter à l'ordre du jour").click()
    expect(page.locator("#agenda-items > li")).to_have_count(1)
    page.get_by_label("Point", exact=True).fill("Point sur la fibre de la médina")
    page.get_by_role("button", name="Ajouter ce point").click()
    expect(page.locator("#agenda-items > li")).to_have_count(2)
    page.get_by_role("button", name="Monter (point 2)").click()
    expect(page.locator("#agenda-items > li").first).to_contain_text(
        "Point sur la fibre de la médina"
    )
    # The steering report since the last meeting, attached for the members.
    page.get_by_role("button", name="Établir et joindre le rapport").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapport de pilotage — Marrakech")
    sign_out(page)

    # The meeting's day, during the meeting.
    during = datetime.combine(tomorrow, datetime.min.time(), CASABLANCA).replace(hour=11)
    with time_machine.travel(during.astimezone(UTC), tick=True):
        _meeting_page(page, meeting_url, "secretariat@sdtn.demo")
        page.get_by_role("button", name="Enregistrer la présence").click()
        expect(page.locator("#quorum")).to_contain_text("Atteint.")
        fibre = page.locator("#agenda-items > li").first
        fibre.locator("summary", has_text="Noter la suite donnée").click()
        fibre.get_by_label("Suite donnée").select_option("decision")
        fibre.get_by_label("Texte (la décision, ou l'action à mener)").fill(
            "Le tracé par la médina est retenu."
        )
        fibre.get_by_role("button", name="Enregistrer la suite").click()
        expect(page.locator(".flash-success")).to_have_text("Suite enregistrée.")
        second = page.locator("#agenda-items > li").nth(1)
        second.locator("summary", has_text="Noter la suite donnée").click()
        second.get_by_label("Suite donnée").select_option("action")
        second.get_by_label("Texte (la décision, ou l'action à mener)").fill(
            "Présenter un calendrier révisé"
        )
        owner = second.get_by_label("Organisme responsable")
        owner.select_option(owner.locator("option", has_text="(RADEEMA)").get_attribute("value"))
        second.get_by_label("Échéance").fill((tomorrow + timedelta(days=30)).isoformat())
        second.get_by_role("button", name="Enregistrer la suite").click()
        expect(page.locator(".flash-success")).to_have_text("Suite enregistrée.")

        minutes = page.locator("#minutes")
        minutes.get_by_label("Compte rendu des échanges").fill(
            "Le comité a examiné le tracé de la fibre et le calendrier."
        )
        minutes.get_by_role("button", name="Enregistrer le projet").click()
        expect(page.locator("#minutes-status")).to_contain_text("Projet")
        page.locator("#minutes").get_by_label(
            "Jours laissés aux membres pour leurs remarques"
        ).fill("2")
        page.locator("#minutes").get_by_role(
            "button", name="Diffuser aux membres pour remarques"
        ).click()
        expect(page.locator("#minutes-status")).to_contain_text("Diffusé pour remarques")
        sign_out(page)

        # The chair, on a phone, reads the draft and comments; adopting is too early.
        page.set_viewport_size(PHONE)
        _meeting_page(page, meeting_url, "local.marrakech@sdtn.demo")
        page_fits(page)
        expect(page.locator("#minutes-text")).to_contain_text("le tracé de la fibre")
        page.get_by_label("Votre remarque").fill("Ajouter le coût estimé du tracé.")
        tap(page.get_by_role("button", name="Envoyer ma remarque"))
        expect(page.locator("#minutes-comments")).to_contain_text("Ajouter le coût estimé")
        tap(page.get_by_role("button", name="Adopter le procès-verbal"))
        expect(page.locator("#minutes")).to_contain_text("pour leurs remarques")
        sign_out(page)

    # Three days later, the comments' time is over: the chair adopts the minutes.
    with time_machine.travel((during + timedelta(days=3)).astimezone(UTC), tick=True):
        _meeting_page(page, meeting_url, "local.marrakech@sdtn.demo")
        tap(page.get_by_role("button", name="Adopter le procès-verbal"))
        expect(page.locator(".flash-success")).to_have_text(
            "Procès-verbal adopté : il ne change plus."
        )
        expect(page.locator("#minutes-status")).to_contain_text("Adopté")
        expect(page.locator("#minutes-items")).to_contain_text("Le tracé par la médina est retenu.")
        expect(page.get_by_role("button", name="Adopter le procès-verbal")).to_have_count(0)
        for name in ("PDF Français", "PDF English", "PDF العربية"):
            link = page.locator("#minutes-files").get_by_role("button", name=name)
            response = page.request.get(link.get_attribute("href"))
            assert response.status == 200
            assert response.headers["content-type"] == "application/pdf"
        page_fits(page)
        assert axe_violations(page) == []
