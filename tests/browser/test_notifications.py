"""A new reminder shows in the navigation's badge and in the notification centre."""

import re

from playwright.sync_api import expect

from tests.browser.test_login_flows import sign_in


def test_a_planned_reminder_shows_in_the_badge_and_the_centre(page, app, demo_data):
    from portal import clock
    from portal.extensions import db
    from portal.services import reminders

    sign_in(page, "iam@sdtn.demo")
    # Nothing planned yet: no count.
    expect(page.locator("#notification-badge")).to_have_text("")
    with app.test_request_context():
        report = reminders.run(clock.today())
        db.session.commit()
    assert report.written > 0
    page.reload()
    badge = page.locator("#notification-badge .notification-count")
    expect(badge).to_have_text(re.compile(r"^\d+$"))
    unread = int(badge.inner_text())
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    items = page.locator("#notifications li.unread")
    expect(items).to_have_count(min(unread, 25))
    first = items.first
    expect(first).to_contain_text("Échéance de paiement")
    first.get_by_role("button", name="Marquer comme lu").click()
    expect(page.locator("#notification-badge .notification-count")).to_have_text(str(unread - 1))
