"""A milestone goes through both approval levels, clicked through by the people who decide."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.test_login_flows import sign_in


def radeema_milestone(app, title: str, status) -> int:
    """A Marrakech milestone RADEEMA (the demo contributor's utility) delivers, due in 20
    days, in `status`; its id."""
    from portal import clock
    from portal.extensions import db
    from portal.models import Action, City, Milestone, Organization, Plan

    with app.test_request_context():
        city = db.session.scalar(sa.select(City).where(City.slug == "marrakech"))
        radeema = db.session.scalar(
            sa.select(Organization).where(Organization.short_name == "RADEEMA")
        )
        action = db.session.scalars(
            sa.select(Action).join(Plan).where(Plan.city_id == city.id)
        ).first()
        milestone = Milestone(
            city_id=city.id,
            action_id=action.id,
            horizon=action.horizon,
            title=title,
            responsible_organization_id=radeema.id,
            due_date=clock.today() + timedelta(days=20),
            status=status,
        )
        db.session.add(milestone)
        db.session.commit()
        return milestone.id


@pytest.fixture
def milestone_in_progress(app, demo_data):
    """A Marrakech milestone that RADEEMA is working on."""
    from portal.models import MilestoneStatus

    return radeema_milestone(
        app, "Pose de la fibre dans la médina — lot 1", MilestoneStatus.IN_PROGRESS
    )


def sign_out(page):
    # On a phone or a tablet the account menu is behind the "Menu" button.
    toggle = page.get_by_role("button", name="Menu")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_submit_then_approve_locally_then_centrally(page, milestone_in_progress):
    url = f"/milestones/{milestone_in_progress}"

    sign_in(page, "contributeur@sdtn.demo")
    page.goto(url)
    page.get_by_label("Commentaire").first.fill("Fibre posée sur 12 km ; PV de réception joint.")
    page.get_by_role("button", name="Soumettre pour approbation").click()
    expect(page.get_by_text("Le jalon est maintenant « Soumis ».")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("Fibre posée sur 12 km")
    sign_out(page)

    # A decision-maker of another city sees no decision buttons and cannot use the URL.
    sign_in(page, "local.fes@sdtn.demo")
    page.goto(url)
    expect(page.get_by_role("button", name="Approuver (niveau local)")).to_have_count(0)
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    response = page.request.post(
        f"{url}/transition",
        form={"transition": "approve_local", "comment": "", "csrf_token": csrf},
    )
    assert response.status == 403
    page.goto(url)
    expect(page.locator(".page-head .status")).to_have_text("Soumis")
    sign_out(page)

    sign_in(page, "local.marrakech@sdtn.demo")
    page.goto("/decisions")
    page.get_by_role("link", name="Pose de la fibre dans la médina — lot 1").click()
    page.get_by_role("button", name="Approuver (niveau local)").click()
    expect(page.get_by_text("Le jalon est maintenant « Approuvé localement ».")).to_be_visible()
    sign_out(page)

    sign_in(page, "central@sdtn.demo")
    page.goto("/decisions")
    page.get_by_role("link", name="Pose de la fibre dans la médina — lot 1").click()
    page.get_by_role("button", name="Approuver (niveau central)").click()
    expect(page.get_by_text("Le jalon est maintenant « Approuvé ».")).to_be_visible()
    history = page.locator("#history")
    expect(history).to_contain_text("Hicham Tazi")
    expect(history).to_contain_text("Khadija Ouazzani")
    expect(history).to_contain_text("Youssef El Idrissi")


def test_milestone_list_filters_with_htmx_and_exports(page, demo_data):
    sign_in(page, "central@sdtn.demo")
    page.goto("/milestones")
    page.evaluate("window.__marker = 'same page'")
    page.locator("#city").select_option(label="Fès")
    expect(page).to_have_url(re.compile(r"city=\d+"))
    rows = page.locator("#milestones-table tbody tr")
    expect(rows.first).to_be_visible()
    for text in rows.locator("td:nth-child(2)").all_inner_texts():
        assert text.strip() == "Fès"
    assert page.evaluate("window.__marker") == "same page"
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    assert download.value.suggested_filename.endswith(".csv")
