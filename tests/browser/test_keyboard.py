"""With the keyboard only: a local decision-maker signs in, finds the milestone waiting on
them and approves it, seeing at every step where the focus is (a ring of 3:1 at least
against what surrounds it, WCAG 2.2 1.4.11 and 2.4.7), and the focus lands on the outcome."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_milestone_approval import radeema_milestone

TITLE = "Raccordement des écoles de la médina — tranche 2"

# The focused element's ring: its style, and its contrast with the first opaque background
# behind it (the ring sits outside the element, so the search starts at its parent).
FOCUS_RING = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const rgb = (value) => {
        const m = value.match(/rgba?\\(([^)]+)\\)/);
        if (!m) return null;
        const [r, g, b, a] = m[1].split(",").map((x) => parseFloat(x));
        return { r, g, b, a: a === undefined ? 1 : a };
    };
    const luminance = ({ r, g, b }) => {
        const lin = (c) => {
            c /= 255;
            return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
        };
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    let background = { r: 255, g: 255, b: 255, a: 1 };
    for (let node = el.parentElement; node; node = node.parentElement) {
        const colour = rgb(getComputedStyle(node).backgroundColor);
        if (colour && colour.a === 1) { background = colour; break; }
    }
    const style = getComputedStyle(el);
    const ring = rgb(style.outlineColor);
    const [light, dark] = [luminance(ring), luminance(background)].sort((x, y) => y - x);
    return {
        element: el.outerHTML.slice(0, 80),
        style: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
        opaque: ring.a === 1,
        contrast: (light + 0.05) / (dark + 0.05),
    };
}"""


@pytest.fixture
def submitted_milestone(app, demo_data):
    """A Marrakech milestone RADEEMA has submitted: it waits on the city's decision-maker."""
    from portal.models import MilestoneStatus

    return radeema_milestone(app, TITLE, MilestoneStatus.SUBMITTED)


def focus_ring(page) -> dict | None:
    """The focused element's ring, checked; None when the focus has left the page (after
    its last element, before Tab brings it back to the first)."""
    ring = page.evaluate(FOCUS_RING)
    if ring is None:
        return None
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    assert ring["opaque"] and ring["contrast"] >= 3, ring
    return ring


def tab_to(page, locator, limit: int = 80) -> None:
    """Tab until `locator` has the focus, checking the ring on every stop on the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus_ring(page)
        if locator.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"{locator} not reached in {limit} presses of Tab")


def test_a_decision_maker_approves_with_the_keyboard_only(page, submitted_milestone):
    page.goto("/login")
    # The skip link comes first, then the form.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    assert focus_ring(page) is not None
    tab_to(page, page.get_by_label("Adresse e-mail"))
    page.keyboard.type("local.marrakech@sdtn.demo")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mot de passe")).to_be_focused()
    page.keyboard.type("sdtn-demo-2026")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/login"))

    # From the navigation to the task list, then to the milestone waiting on this person.
    nav = page.get_by_role("navigation", name="Navigation principale")
    tab_to(page, nav.get_by_role("link", name=re.compile(r"^À faire")))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/tasks"))
    tab_to(page, page.get_by_role("link", name=TITLE))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/milestones/{submitted_milestone}$"))

    tab_to(page, page.get_by_role("button", name="Approuver (niveau local)"))
    page.keyboard.press("Enter")
    # The focus is on the confirmation, not back at the top of the page; the next Tab goes
    # on from there.
    message = page.get_by_text("Le jalon est maintenant « Approuvé localement ».")
    expect(message).to_be_focused()
    expect(page.locator(".page-head .status")).to_have_text("Approuvé localement")
    page.keyboard.press("Tab")
    in_main = page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    assert in_main, "the next Tab left the page's content"
