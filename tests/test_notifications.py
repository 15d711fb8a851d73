"""The notification centre: each person's reminders, the unread badge, and the outbox page."""

import html
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import OutboxMessage, Role
from portal.services import reminders
from tests.conftest import browser

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


def message_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(OutboxMessage.id))


def test_the_badge_counts_unread_reminders_and_the_centre_links_to_the_item(app, world):
    client = browser(app, world["deliverer"])
    assert ">1</span>" in client.get("/notifications/badge").get_data(as_text=True)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Fibre de la médina" in page
    assert f'href="/notifications/{message_id(app)}/open"' in page
    response = client.post(f"/notifications/{message_id(app)}/read")
    assert response.status_code == 302
    assert "notification-count" not in client.get("/notifications/badge").get_data(as_text=True)


def test_opening_a_notification_leads_to_its_item_and_marks_it_read(app, world):
    client = browser(app, world["deliverer"])
    response = client.get(f"/notifications/{message_id(app)}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/milestones/{world['milestone'].id}"
    assert "notification-count" not in client.get("/notifications/badge").get_data(as_text=True)
    # Someone else's notification does not exist for this person, and stays unread.
    stranger = browser(app, world["stranger"])
    assert stranger.get(f"/notifications/{message_id(app)}/open").status_code == 404


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


def rule_form(**changes) -> dict:
    values = {
        "lead_days": "30, 7, 1",
        "overdue_every_days": "7",
        "escalate_local_after": "7",
        "escalate_central_after": "21",
        "respond_within_days": "",
        "active": "y",
        "version": "1",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def stored_rule(app, kind: str):
    from portal.models import ReminderKind, ReminderRule

    with app.app_context():
        rule = db.session.scalar(
            sa.select(ReminderRule).where(ReminderRule.kind == ReminderKind(kind))
        )
        db.session.expunge(rule)
        return rule


def test_the_administrator_sets_lead_times_repeats_and_escalation(app, make_user):
    admin = browser(app, make_user(role=Role.ADMIN))
    page = admin.get("/admin/reminders").get_data(as_text=True)
    assert "Demande de report" in page and "30, 7, 1 jours" in page
    response = admin.post(
        "/admin/reminders/approval_waiting",
        data=rule_form(lead_days="3,1, 3", respond_within_days="5", escalate_central_after="14"),
    )
    assert response.status_code == 302
    rule = stored_rule(app, "approval_waiting")
    assert (rule.lead_days, rule.respond_within_days, rule.escalate_central_after) == (
        "3,1",
        5,
        14,
    )
    # The planner follows it: a decision awaited since the 1st is due on the 6th, so reminded
    # on the 3rd (3 days before) and not 7 days before.
    assert rule.leads == [3, 1]
    # Blank escalation: never; the ministry after the city or not at all.
    admin.post(
        "/admin/reminders/milestone_due",
        data=rule_form(escalate_local_after="", escalate_central_after="10"),
    )
    assert stored_rule(app, "milestone_due").escalate_local_after is None


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"lead_days": "30, sept"}, 422, "« sept » n'est pas un nombre de jours entre 0 et 365."),
        ({"lead_days": "7, ²"}, 422, "« ² » n'est pas un nombre de jours"),
        ({"lead_days": "400"}, 422, "« 400 » n'est pas un nombre de jours"),
        ({"overdue_every_days": ""}, 422, "Un nombre entier de jours."),
        ({"escalate_central_after": "5"}, 422, "Le ministère est saisi après la ville"),
        ({"escalate_local_after": "900"}, 422, "Un nombre de jours entre 0 et 365."),
        ({"version": "0"}, 409, "Cette règle a été modifiée par quelqu'un d'autre"),
    ],
)
def test_a_wrong_rule_is_refused_with_a_message_and_changes_nothing(
    app, make_user, changes, status, message
):
    admin = browser(app, make_user(role=Role.ADMIN))
    admin.get("/admin/reminders")  # the defaults exist
    before = stored_rule(app, "milestone_due")
    response = admin.post("/admin/reminders/milestone_due", data=rule_form(**changes))
    assert response.status_code == status
    assert message in html.unescape(response.get_data(as_text=True))
    after = stored_rule(app, "milestone_due")
    assert (after.lead_days, after.version) == (before.lead_days, before.version)


def test_rules_are_for_administrators_only(app, make_user):
    secretariat = browser(app, make_user(role=Role.SECRETARIAT))
    assert secretariat.get("/admin/reminders").status_code == 403
    assert secretariat.post("/admin/reminders/milestone_due", data=rule_form()).status_code == 403
    admin = browser(app, make_user(role=Role.ADMIN))
    assert admin.get("/admin/reminders/no_such_kind").status_code == 404


def test_each_person_chooses_a_daily_digest_and_mutes_kinds(app, world):
    from portal.models import ReminderKind, User
    from portal.services.reminders import muted_kinds

    client = browser(app, world["deliverer"])
    page = client.get("/account/").get_data(as_text=True)
    assert "Un récapitulatif quotidien" in page and "Remise des offres" in page
    response = client.post(
        "/account/reminders",
        data={"frequency": "digest", "muted": ["milestone_due", "tender_submission"]},
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, world["deliverer"].id)
        assert user.mail_digest is True
        assert muted_kinds(user) == {ReminderKind.MILESTONE_DUE, ReminderKind.TENDER_SUBMISSION}
    page = client.get("/account/").get_data(as_text=True)
    assert 'checked id="frequency-1" name="frequency" type="radio" value="digest"' in page
    assert 'checked id="muted-0" name="muted" type="checkbox" value="milestone_due"' in page
    # Unmuting one keeps the other; an unknown kind is refused and changes nothing.
    client.post("/account/reminders", data={"frequency": "digest", "muted": ["milestone_due"]})
    refused = client.post("/account/reminders", data={"frequency": "weekly", "muted": ["x"]})
    assert refused.status_code == 422
    with app.app_context():
        user = db.session.get(User, world["deliverer"].id)
        assert user.mail_digest is True
        assert muted_kinds(user) == {ReminderKind.MILESTONE_DUE}
    # Muted reminders still show in the person's centre.
    assert "Fibre de la médina" in client.get("/notifications").get_data(as_text=True)


def test_a_stale_rule_form_can_be_saved_deliberately_after_the_warning(app, make_user):
    admin = browser(app, make_user(role=Role.ADMIN))
    admin.get("/admin/reminders")
    first = admin.post("/admin/reminders/milestone_due", data=rule_form(lead_days="14, 1"))
    assert first.status_code == 302
    # Someone saved in between: the page says so, shows the current version, and a second
    # save goes over it.
    stale = admin.post("/admin/reminders/milestone_due", data=rule_form(lead_days="3"))
    assert stale.status_code == 409
    assert 'name="version" type="hidden" value="2"' in stale.get_data(as_text=True)
    again = admin.post("/admin/reminders/milestone_due", data=rule_form(lead_days="3", version="2"))
    assert again.status_code == 302
    assert stored_rule(app, "milestone_due").lead_days == "3"
