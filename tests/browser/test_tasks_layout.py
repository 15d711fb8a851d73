"""An object's "who acts next" reads on a phone and passes axe-core without a violation (the
working pages, home, "À faire" and notifications, are in test_layout.py's walk)."""

from playwright.sync_api import expect

from tests.browser.axe import axe_violations
from tests.browser.screens import PHONE
from tests.browser.test_login_flows import sign_in


def test_a_milestone_page_says_who_acts_next_on_a_phone(page, demo_data):
    page.set_viewport_size(PHONE)
    sign_in(page, "local.marrakech@sdtn.demo")
    page.goto("/tasks?kind=milestone_approve_local")
    page.locator('ul.task-list[data-kind="milestone_approve_local"] li a').first.click()
    waiting = page.locator(".waiting-on")
    expect(waiting).to_contain_text("En attente de l'approbation locale")
    box = waiting.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    assert axe_violations(page) == []
