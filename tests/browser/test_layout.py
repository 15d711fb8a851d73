"""Every main page of every role works on a phone (390 px, in French) and on a tablet (768 px,
in English): the page never scrolls sideways, every action is on screen or in a table that
scrolls on its own, and axe-core finds no WCAG 2.2 AA violation of any impact."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import axe_violations
from tests.browser.screens import DESKTOP, PHONE, TABLET
from tests.browser.test_login_flows import sign_in


def first(list_path: str, selector: str, then: str = "") -> tuple[str, str, str]:
    """The page behind the first link matching `selector` on `list_path` (and `then`
    appended to its address: one of that object's own pages)."""
    return (list_path, selector, then)


TASK = "ul.task-list li a"
ROUTES = {
    "central@sdtn.demo": [
        "/",
        "/tasks",
        "/tasks?kind=site_decide",
        "/notifications",
        "/programme",
        "/cities/marrakech",
        "/cities/marrakech/timeline",
        "/cities/marrakech/raci",
        "/milestones",
        first("/milestones", "#milestones-table tbody a"),
        "/finance",
        "/finance/agreements",
        first("/finance/agreements", "#agreements-table tbody a"),
        "/finance/installments",
        "/finance/assets",
        first("/finance/assets", "#assets-table tbody a"),
        "/tenders",
        first("/tenders", "#tenders-table tbody a"),
        "/coverage",
        "/coverage/map",
        "/coverage/sites",
        first("/coverage/sites", "#sites-table tbody a"),
        "/coverage/cities/marrakech",
        "/coverage/cities/marrakech/ranking/digital_space",
    ],
    "local.marrakech@sdtn.demo": [
        "/",
        first("/tasks", TASK),
        "/commitments",
        first("/commitments", "#commitments-table tbody a"),
        # A member of the city's steering committee reads its meetings, the past one too.
        first("/governance", "#upcoming-meetings a"),
        first("/governance", "#upcoming-meetings a", "/report"),
        "/governance/actions?state=",
    ],
    "contributeur@sdtn.demo": [
        "/",
        "/tasks",
        first("/tasks", TASK),
        "/commitments/new",
        "/organizations",
        first("/organizations", "#directory-table tbody a"),
        "/account/",
        "/account/calendar",
    ],
    "secretariat@sdtn.demo": [
        "/tasks",
        first("/tasks", TASK),
        "/cities/agadir",
        "/domains",
        "/finance/agreements/new",
        "/finance/assets/new",
        "/tenders/new",
        "/coverage/indicators/new",
        "/coverage/cities/marrakech/criteria/digital_space/labels",
        "/scenarios/cities/marrakech",
        "/scenarios/cities/marrakech/new",
        first("/scenarios/cities/marrakech", "#scenarios-table thead a"),
        # A draft's own pages: its details, set-up, a new line and a new party.
        *(
            first("/scenarios/cities/agadir", "#scenarios-table thead a", then)
            for then in ("/edit", "/setup", "/lines/new", "/parties/new")
        ),
        "/diagnostic/cities/fes/services",
        "/diagnostic/cities/fes/services/new",
        first("/diagnostic/cities/fes/services", "#services-table tbody a"),
        "/diagnostic/cities/fes/expectations",
        "/diagnostic/cities/fes/expectations/new",
        first("/diagnostic/cities/fes/expectations", "#expectations-table tbody a"),
        "/diagnostic/cities/fes/matrix",
        "/diagnostic/cities/fes/infrastructure",
        "/diagnostic/cities/fes/infrastructure/new",
        "/diagnostic/cities/fes/consultations",
        "/diagnostic/cities/fes/consultations/new",
        first(
            "/diagnostic/cities/fes/consultations", "#consultations-table a[href$='/moderation']"
        ),
        "/consultation/",
        first("/consultation/", "#consultations a"),
        "/governance",
        "/governance/bodies/new",
        first("/governance", "#bodies-table tbody a"),
        first("/governance", "#upcoming-meetings a"),
        first("/governance", "#upcoming-meetings a", "/edit"),
        first("/governance", "#upcoming-meetings a", "/report"),
        "/governance/report?city=marrakech&start=2026-01-01&end=2026-12-31",
        first("/governance", "#bodies-table tbody a", "/meetings/new"),
        "/governance/actions",
        "/governance/decisions",
        # A meeting held: its attendance, outcomes and actions.
        first("/governance/actions?state=", "#actions-list a"),
    ],
    "evaluatrice@sdtn.demo": ["/tasks", first("/tasks", TASK)],
    "adc@sdtn.demo": ["/", "/tasks", first("/tasks", TASK)],
    "admin@sdtn.demo": [
        "/tasks",
        "/admin/outbox?stuck=y",
        "/admin/users",
        "/admin/organizations",
        "/admin/cities",
        "/admin/audit",
        "/admin/reminders",
        "/admin/outbox",
    ],
    "observateur@sdtn.demo": [
        "/",
        "/programme",
        "/scenarios",
        first("/scenarios/cities/fes", "#scenarios-table thead a"),
        "/diagnostic",
    ],
}


def choose_language(page, language: str) -> None:
    if language == "fr":
        return
    page.set_viewport_size(DESKTOP)
    # Signed in and the page's script ready: it sends the choice as soon as it changes.
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.wait_for_load_state("load")
    with page.expect_navigation():
        page.locator("#language-select").select_option(language)


def off_screen(page, width: int) -> list[str]:
    """The controls a person cannot reach without scrolling the whole page sideways (a
    table's own scroll box is a way to reach its cells, the page's is not)."""
    return page.evaluate(
        """(width) => [...document.querySelectorAll(
                "main a[href], main button, main input:not([type=hidden]), main select, "
                + "main textarea, main summary")]
            .filter((e) => e.offsetParent !== null && !e.closest(".table-wrap, .leaflet-container"))
            .filter((e) => {
                const box = e.getBoundingClientRect();
                return box.left < -1 || box.right > width + 1;
            })
            .map((e) => e.outerHTML.slice(0, 80))""",
        width,
    )


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
@pytest.mark.parametrize("email", sorted(ROUTES))
def test_every_main_page_fits_the_screen_and_passes_axe(page, demo_data, email, language):
    # French and Arabic (right to left) on a phone, English on a tablet.
    viewport = TABLET if language == "en" else PHONE
    sign_in(page, email)
    choose_language(page, language)
    page.set_viewport_size(viewport)
    for route in ROUTES[email]:
        if isinstance(route, tuple):
            list_path, selector, then = route
            page.goto(list_path)
            path = page.locator(selector).first.get_attribute("href") + then
        else:
            path = route
        response = page.goto(path)
        assert response.status == 200, path
        expect(page.locator("main h1")).to_be_visible()
        # The page and its scripts loaded, and no htmx request (the notification count) is
        # still out: quicker than waiting for the network to stay idle.
        page.wait_for_load_state("load")
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], path
        assert off_screen(page, viewport["width"]) == [], path
        # The task lines and the "who acts next" box wrap; they never push the page wider.
        for selector in ("ul.task-list", ".waiting-on", "ul.notifications"):
            for element in page.locator(selector).all():
                box = element.bounding_box()
                assert box is None or box["x"] + box["width"] <= viewport["width"], path
        assert axe_violations(page) == [], path


def test_on_a_phone_the_menu_opens_and_reaches_every_section_and_sign_out(page, demo_data):
    page.set_viewport_size(PHONE)
    sign_in(page, "secretariat@sdtn.demo")
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav).to_be_hidden()
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    links = nav.locator(".main-nav > li > a")
    expect(links.first).to_be_visible()
    for link in links.all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    nav.get_by_role("link", name="Contreparties").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contreparties")
    # The menu folds again on the new page; sign-out is one more tap away.
    expect(nav).to_be_hidden()
    toggle.click()
    page.locator(".account-menu summary").click()
    sign_out = page.get_by_role("button", name="Se déconnecter")
    box = sign_out.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    sign_out.click()
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()


@pytest.mark.parametrize("email", ["secretariat@sdtn.demo", "admin@sdtn.demo"])
def test_on_a_desktop_the_sections_hold_on_one_row(page, demo_data, email):
    page.set_viewport_size(DESKTOP)
    sign_in(page, email)
    for language in ("fr", "en", "ar"):
        choose_language(page, language)
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        tops = {round(item.bounding_box()["y"]) for item in page.locator(".main-nav > li").all()}
        assert max(tops) - min(tops) < 10, (language, tops)
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def test_the_unsubscribe_page_from_an_email_fits_a_phone_and_passes_axe(app, page, demo_data):
    """Opened from an e-mail on a phone, without signing in: the page says what stops, its
    button does it, and both states pass axe-core."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import ReminderKind, User
    from portal.services import reminders

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "contributeur@sdtn.demo"))
        token = reminders.unsubscribe_token(user, {ReminderKind.MILESTONE_DUE})
    page.set_viewport_size(PHONE)
    page.goto(f"/account/unsubscribe/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages par e-mail")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    page.get_by_role("button", name="Ne plus les recevoir par e-mail").click()
    expect(page.get_by_text("ces messages ne vous sont plus envoyés par e-mail")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []


def test_the_open_data_page_fits_a_phone_and_leads_to_the_release(page, demo_data):
    """Reached from the sign-in page's footer without an account: the awarded tenders, each
    with its OCDS release."""
    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.get_by_role("link", name="Données ouvertes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Données ouvertes : marchés attribués"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    link = page.get_by_role("link", name="JSON de AO-SDTN-2026-01")
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.json()["releases"][0]["tag"] == ["award"]
