"""The notification centre: each person's reminders, the unread badge, and the outbox page."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import OutboxMessage, Role
from portal.services import reminders
from tests.conftest import login

DUE = date(2026, 6, 30)


@pytest.fixture
def world(app, make_city, make_org, make_user, make_plan, make_action, make_milestone):
    city = make_city()
    utility, other = make_org(city=city), make_org(city=city)
    action = make_action(plan=make_plan(city=city), lead_organization=utility)
    milestone = make_milestone(action=action, due_date=DUE, title="Fibre de la médina")
    deliverer = make_user(role=Role.CONTRIBUTOR, organization=utility)
    stranger = make_user(role=Role.CONTRIBUTOR, organization=other)
    with app.test_request_context():
        reminders.run(DUE - timedelta(days=7))
        db.session.commit()
    return {"milestone": milestone, "deliverer": deliverer, "stranger": stranger}


def browser(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def message_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(OutboxMessage.id))


def test_the_badge_counts_unread_reminders_and_the_centre_links_to_the_item(app, world):
    client = browser(app, world["deliverer"])
    assert ">1</span>" in client.get("/notifications/badge").get_data(as_text=True)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Fibre de la médina" in page
    assert f'href="/milestones/{world["milestone"].id}"' in page
    response = client.post(f"/notifications/{message_id(app)}/read")
    assert response.status_code == 302
    assert "notification-count" not in client.get("/notifications/badge").get_data(as_text=True)


def test_someone_elses_reminder_stays_theirs(app, world):
    stranger = browser(app, world["stranger"])
    assert "Fibre de la médina" not in stranger.get("/notifications").get_data(as_text=True)
    assert stranger.post(f"/notifications/{message_id(app)}/read").status_code == 404
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id(app)).read_at is None


def test_mark_all_as_read(app, world):
    client = browser(app, world["deliverer"])
    client.post("/notifications/read-all")
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.read_at.is_(None)))
            == 0
        )


def test_the_administrator_reads_the_outbox_without_smtp(app, world, make_user):
    admin = browser(app, make_user(role=Role.ADMIN))
    page = admin.get("/admin/outbox").get_data(as_text=True)
    assert "Fibre de la médina" in page and "SMTP_HOST" in page and "à envoyer" in page
    assert admin.get("/admin/outbox?status=sent").get_data(as_text=True).count("lead-7") == 0
    assert browser(app, world["deliverer"]).get("/admin/outbox").status_code == 403
