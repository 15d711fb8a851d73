"""Each family of roles works from "À faire": acting on a line takes it off the list and
tells the next person, who finds it in their notifications and their own list. Each main
task is done on a phone (390 x 844) and on a tablet (768 x 1024): no page scrolls sideways,
and every control used lies within the screen's width."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.screens import PHONE, TABLET, page_fits, tap
from tests.browser.test_login_flows import sign_in
from tests.browser.test_milestone_approval import sign_out


@pytest.fixture(autouse=True, params=[PHONE, TABLET], ids=["phone", "tablet"])
def screen(request, page):
    page.set_viewport_size(request.param)
    return request.param


def _group(page, kind):
    return page.locator(f'ul.task-list[data-kind="{kind}"]')


def _count(page, kind) -> int:
    page.goto("/tasks")
    return _group(page, kind).locator("li").count()


def _open_first(page, kind) -> str:
    """Follow the first line of a kind of task; returns the line's title."""
    page.goto(f"/tasks?kind={kind}")
    line = _group(page, kind).locator("li").first
    title = line.locator("a").first.inner_text()
    tap(line.locator("a").first)
    expect(page).not_to_have_url(re.compile(r"/tasks"))
    page_fits(page)
    return title


def _told(page, email, kind_label, title):
    """The next person finds the event, about that object, in their notifications."""
    sign_out(page)
    sign_in(page, email)
    page.goto("/notifications")
    item = page.locator("#notifications li", has_text=kind_label).filter(has_text=title).first
    expect(item).to_be_visible()
    page_fits(page)
    return item


def test_a_decider_approves_from_the_list_and_the_ministry_is_asked_next(page, demo_data):
    sign_in(page, "local.marrakech@sdtn.demo")
    expect(page.locator("#task-count")).to_have_text(re.compile(r"^\d+$"))
    waiting = _count(page, "milestone_approve_local")
    title = _open_first(page, "milestone_approve_local")
    expect(page.locator('[data-waiting="milestone_approve_local"]')).to_contain_text(
        "Commune de Marrakech : Khadija Ouazzani"
    )
    tap(page.get_by_role("button", name="Approuver (niveau local)"))
    expect(page.get_by_text("Le jalon est maintenant « Approuvé localement ».")).to_be_visible()
    # Who acts next is now the ministry, on the page itself.
    expect(page.locator('[data-waiting="milestone_approve_central"]')).to_contain_text(
        "Youssef El Idrissi"
    )
    assert _count(page, "milestone_approve_local") == waiting - 1
    expect(page.locator("ul.task-list").get_by_text(title, exact=True)).to_have_count(0)

    item = _told(page, "central@sdtn.demo", "Jalon approuvé localement", title)
    expect(item).to_contain_text("Khadija Ouazzani a approuvé ce jalon au niveau local.")
    page.goto("/tasks?kind=milestone_approve_central")
    expect(_group(page, "milestone_approve_central").get_by_text(title, exact=True)).to_be_visible()


def test_a_contributor_confirms_a_payment_received_and_the_payer_is_told(page, demo_data):
    sign_in(page, "contributeur@sdtn.demo")
    waiting = _count(page, "installment_confirm")
    title = _open_first(page, "installment_confirm")
    payer = page.locator(".page-head hgroup p").inner_text().split(" → ")[0]
    action = page.locator('details[data-action="confirm"]').first
    tap(action.locator("summary"))
    tap(action.get_by_role("button", name="Confirmer la réception"))
    expect(page.locator(".flash-success")).to_be_visible()
    assert _count(page, "installment_confirm") == waiting - 1

    payer_email = {"IAM": "iam@sdtn.demo", "Orange": "orange@sdtn.demo", "inwi": "inwi@sdtn.demo"}
    item = _told(page, payer_email[payer], "Réception d'un paiement confirmée", title)
    expect(item).to_contain_text("Hicham Tazi a confirmé la réception")


def test_the_secretariat_settles_a_dispute_and_both_parties_are_told(page, demo_data):
    sign_in(page, "secretariat@sdtn.demo")
    waiting = _count(page, "installment_dispute")
    title = _open_first(page, "installment_dispute")
    payee = page.locator(".page-head hgroup p").inner_text().split(" → ")[1].split(" · ")[0]
    action = page.locator('details[data-action="resolve"]').first
    tap(action.locator("summary"))
    action.get_by_label("Motif").fill("Relevé d'usage vérifié avec les deux parties.")
    tap(action.get_by_role("button", name="Lever la contestation"))
    expect(page.locator(".flash-success")).to_be_visible()
    assert _count(page, "installment_dispute") == waiting - 1

    payee_email = {"RADEEMA": "contributeur@sdtn.demo", "RADEEF": "radeef@sdtn.demo"}
    payee_email |= {"RAMSA": "ramsa@sdtn.demo", "IAM": "iam@sdtn.demo"}
    item = _told(page, payee_email[payee], "Contestation tranchée", title)
    expect(item).to_contain_text("Salma Chraibi a levé la contestation")
    expect(item).to_contain_text("Relevé d'usage vérifié avec les deux parties.")


def test_an_evaluator_assesses_a_site_and_the_city_is_asked_to_decide(page, demo_data):
    sign_in(page, "evaluateur@sdtn.demo")
    waiting = _count(page, "site_assess")
    site = _open_first(page, "site_assess")
    expect(page.get_by_role("heading", name=re.compile("^Évaluer"))).to_be_visible()
    city = page.locator("main > p").first.inner_text().split(" · ")[1].split(",")[0]
    for fieldset in page.locator(".assessment-form fieldset").all():
        radio = fieldset.get_by_label("Rempli", exact=True)
        if radio.count():
            radio.check()
        else:
            fieldset.locator('input[type="text"]').fill("5")
    tap(page.get_by_role("button", name="Enregistrer mon évaluation"))
    expect(page.locator(".flash-success")).to_be_visible()
    assert _count(page, "site_assess") == waiting - 1

    local = {"Marrakech": "local.marrakech", "Fès": "local.fes", "Agadir": "local.agadir"}
    item = _told(page, f"{local[city]}@sdtn.demo", "Site évalué, à retenir ou écarter", site)
    expect(item).to_contain_text("Rachid Alaoui a évalué ce site")
    page.goto("/tasks?kind=site_decide")
    expect(_group(page, "site_decide").get_by_text(site, exact=True)).to_be_visible()


def test_a_bidder_answers_an_open_tender_and_the_secretariat_is_told(page, demo_data):
    sign_in(page, "adc@sdtn.demo")
    assert _count(page, "tender_bid") == 1
    title = _open_first(page, "tender_bid")
    for number, price in ((1, "2 190 000,00"), (2, "760000")):
        tap(page.get_by_role("button", name="Déposer une offre pour ce lot").nth(number - 1))
        expect(page.get_by_role("heading", name=re.compile(f"lot {number}"))).to_be_visible()
        page.get_by_label("Offre financière (MAD)").fill(price)
        tap(page.get_by_role("button", name="Déposer l'offre"))
        expect(page.locator(".flash-success")).to_be_visible()
    # Every lot answered: nothing waits on this bidder any more, and its receipts show.
    page.goto("/tasks")
    expect(page.get_by_text("Rien ne vous attend pour l'instant.")).to_be_visible()
    page.goto("/")
    expect(page.locator("#my-bids tbody tr")).to_have_count(2 + 1)  # and the study's offer

    item = _told(page, "secretariat@sdtn.demo", "Offre reçue", title)
    expect(item).to_contain_text("Offre de ADC reçue")
