"""The pages a person works from (home, "À faire", notifications, an object's "who acts
next") read on a phone and pass axe-core without a violation."""

import pytest
from playwright.sync_api import expect

from tests.browser.axe import axe_violations
from tests.browser.test_login_flows import sign_in

PHONE = {"width": 390, "height": 844}


PAGES = {
    "central@sdtn.demo": ["/", "/tasks", "/notifications", "/tasks?kind=site_decide"],
    "secretariat@sdtn.demo": ["/tasks", "/cities/agadir"],
    "contributeur@sdtn.demo": ["/", "/tasks"],
    "adc@sdtn.demo": ["/", "/tasks"],
    "evaluatrice@sdtn.demo": ["/tasks"],
    "admin@sdtn.demo": ["/tasks", "/admin/outbox?stuck=y"],
}


@pytest.mark.parametrize("email", sorted(PAGES))
def test_the_working_pages_fit_a_phone_and_pass_axe(page, demo_data, email):
    page.set_viewport_size(PHONE)
    sign_in(page, email)
    for path in PAGES[email]:
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert axe_violations(page) == [], path
        # The task lines and the "who acts next" box wrap; they never push the page wider.
        for selector in ("ul.task-list", ".waiting-on", "ul.notifications"):
            for element in page.locator(selector).all():
                box = element.bounding_box()
                assert box is None or box["x"] + box["width"] <= PHONE["width"], (path, selector)


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
