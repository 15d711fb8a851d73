"""A new reminder shows in the navigation's badge and in the notification centre."""

import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.test_login_flows import sign_in


def _a_week_before_maroc_telecom_next_pays(app) -> object:
    """The day to plan, chosen from the demo's data: seven days before the next installment
    Maroc Telecom must pay (its first reminder falls that day, whatever today is)."""
    from portal import clock
    from portal.extensions import db
    from portal.models import Agreement, AgreementStatus, Installment, Organization
    from portal.models.finance import UNPAID

    with app.app_context():
        iam = db.session.scalar(sa.select(Organization.id).where(Organization.short_name == "IAM"))
        due = db.session.scalar(
            sa.select(sa.func.min(Installment.due_date))
            .join(Agreement, Installment.agreement_id == Agreement.id)
            .where(
                Agreement.payer_id == iam,
                Agreement.status == AgreementStatus.SIGNED,
                Installment.status.in_(UNPAID),
                Installment.due_date >= clock.today() + timedelta(days=7),
            )
        )
    assert due is not None, "the demo has Maroc Telecom pay installments to come"
    return due - timedelta(days=7)


def _badge(page) -> int:
    count = page.locator("#notification-badge .notification-count")
    return int(count.inner_text()) if count.count() else 0


def test_a_planned_reminder_shows_in_the_badge_and_the_centre(page, app, demo_data):
    from portal.extensions import db
    from portal.services import reminders

    day = _a_week_before_maroc_telecom_next_pays(app)
    sign_in(page, "iam@sdtn.demo")
    # What happened lately (an invoice, a validated declaration...) is already there.
    expect(page.locator("#notification-badge")).to_be_attached()
    page.wait_for_load_state("networkidle")
    before = _badge(page)
    with app.test_request_context():
        report = reminders.run(day)
        db.session.commit()
    assert report.written > 0
    page.reload()
    badge = page.locator("#notification-badge .notification-count")
    expect(badge).to_have_text(re.compile(r"^\d+$"))
    unread = int(badge.inner_text())
    assert unread > before
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    # The newest first: the reminder planned for that day leads the list.
    first = page.locator("#notifications li.unread").first
    expect(first).to_contain_text("Échéance de paiement")
    first.get_by_role("button", name="Marquer comme lu").click()
    expect(page.locator("#notification-badge .notification-count")).to_have_text(str(unread - 1))


def test_opening_a_notification_leads_to_its_page_and_counts_as_read(page, demo_data):
    sign_in(page, "local.agadir@sdtn.demo")
    page.goto("/notifications")
    page.wait_for_load_state("networkidle")
    unread = _badge(page)
    first = page.locator("#notifications li.unread").first
    title = first.locator("a").first.inner_text()
    first.locator("a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title.split(" — ")[0])
    page.wait_for_load_state("networkidle")
    assert _badge(page) == unread - 1
