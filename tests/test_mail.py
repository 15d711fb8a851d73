"""Sending the outbox to a real SMTP server (aiosmtpd on loopback), each message once."""

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import OutboxMessage, OutboxStatus, Role
from portal.models.types import utcnow
from portal.services import mail, reminders
from tests.conftest import free_port, login

DUE = date(2026, 6, 30)


@pytest.fixture
def planned(app, make_city, make_org, make_user, make_plan, make_action, make_milestone):
    """Five milestones due in a week, each reminded to one contributor."""
    city = make_city()
    utility = make_org(city=city)
    action = make_action(plan=make_plan(city=city), lead_organization=utility)
    user = make_user(role=Role.CONTRIBUTOR, organization=utility, email="hicham@radeema.example")
    for n in range(5):
        make_milestone(action=action, due_date=DUE, title=f"Fibre tronçon {n}")
    with app.test_request_context():
        reminders.run(DUE - timedelta(days=7))
        db.session.commit()
    return user


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return rows


def send(app, **kw):
    # As the scheduler does: an application context, no request.
    with app.app_context():
        return mail.send_pending(**kw)


def test_each_reminder_is_sent_once_in_the_recipients_language(app, smtp, planned):
    result = send(app)
    assert (result.sent, result.retried, result.failed) == (5, 0, 0)
    assert len(smtp.messages) == 5
    first = smtp.messages[0]
    assert first["To"].endswith("<hicham@radeema.example>")
    assert first["Subject"].startswith("Rappel d'échéance : Fibre tronçon")
    assert first["Message-ID"].endswith("@sdtn.example>")
    text = first.get_body(preferencelist=("plain",)).get_content()
    html = first.get_body(preferencelist=("html",)).get_content()
    assert "Échéance : 30 juin 2026." in text and "/milestones/" in text
    assert 'href="http://127.0.0.1:5000/milestones/' in html
    assert {m.status for m in outbox(app)} == {OutboxStatus.SENT}
    # A second pass finds nothing to send.
    assert send(app).sent == 0 and len(smtp.messages) == 5
    assert len({m["Message-ID"] for m in smtp.messages}) == 5


def test_english_for_who_chose_english(app, smtp, planned):
    with app.app_context():
        db.session.get(type(planned), planned.id).preferred_language = "en"
        db.session.commit()
    send(app)
    assert smtp.messages[0]["Subject"].startswith("Deadline reminder: Fibre tronçon")
    text = smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "Choose a daily digest or mute notifications: http://127.0.0.1:5000/account/" in text
    # English typography: no space before a colon, no French quotation marks.
    assert " :" not in text and "\u00a0:" not in text and "«" not in text
    assert " :" not in smtp.messages[0]["Subject"]


def test_arabic_for_who_chose_arabic(app, smtp, planned):
    with app.app_context():
        db.session.get(type(planned), planned.id).preferred_language = "ar"
        db.session.commit()
    send(app)
    message = smtp.messages[0]
    # The French title stays in order inside the Arabic subject (isolated).
    assert message["Subject"].startswith("تذكير بالأجل: \u2068Fibre tronçon")
    html = message.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="ar" dir="rtl">' in html
    text = message.get_body(preferencelist=("plain",)).get_content()
    # The text part reads on its own: Arabic words, Western digits, the link.
    assert "الأجل: 30\u200f/06\u200f/2026." in text
    assert "http://127.0.0.1:5000/milestones/" in text
    assert not any("\u0660" <= c <= "\u0669" for c in text)


def test_nothing_is_lost_when_the_server_is_down(app, smtp, planned):
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()  # nobody listens there
    result = send(app)
    assert (result.sent, result.retried) == (0, 1)
    waiting = outbox(app)
    assert {m.status for m in waiting} == {OutboxStatus.PENDING}
    first = waiting[0]
    assert first.attempts == 1 and first.last_error
    app.config["SMTP_PORT"] = port
    # The first one waits for its backoff; the others go now.
    assert send(app).sent == 4
    later = utcnow() + timedelta(minutes=2)
    assert send(app, now=later).sent == 1
    assert len(smtp.messages) == 5
    assert {m.status for m in outbox(app)} == {OutboxStatus.SENT}


def test_a_permanent_refusal_stops_and_is_shown(app, smtp, planned, make_user):
    smtp.refuse.add("hicham@radeema.example")
    result = send(app)
    assert (result.sent, result.failed) == (0, 5)
    failed = outbox(app)
    assert {m.status for m in failed} == {OutboxStatus.FAILED}
    assert failed[0].last_error.startswith("550")
    # The administrator sees the refusal in the outbox.
    admin = app.test_client()
    login(admin, make_user(role=Role.ADMIN))
    page = admin.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert page.count("550 ") == 5 and "échec" in page
    # Not retried: the next pass sends nothing.
    smtp.refuse.clear()
    assert send(app, now=utcnow() + timedelta(days=1)).sent == 0


def test_three_senders_at_once_deliver_each_message_once(app, smtp, planned):
    errors = []

    def sender():
        try:
            send(app)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(smtp.messages) == 5
    assert len({m["Message-ID"] for m in smtp.messages}) == 5


def test_without_smtp_settings_messages_stay_in_the_outbox(app, planned):
    assert send(app).sent == 0
    assert {m.status for m in outbox(app)} == {OutboxStatus.PENDING}
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "SMTP_HOST n'est pas défini" in result.output


def test_a_daily_digest_gathers_the_days_reminders_in_one_email(app, smtp, planned):
    with app.app_context():
        db.session.get(type(planned), planned.id).mail_digest = True
        db.session.commit()
    result = send(app)
    assert result.sent == 5 and len(smtp.messages) == 1
    digest = smtp.messages[0]
    assert digest["Subject"] == "Vos rappels SDTN : 5 échéances"
    text = digest.get_body(preferencelist=("plain",)).get_content()
    assert "Voici vos rappels d'échéance du jour." in text
    assert all(f"Fibre tronçon {n}" in text for n in range(5))
    assert text.count("/milestones/") == 5
    assert {m.status for m in outbox(app)} == {OutboxStatus.SENT}
    assert send(app).sent == 0 and len(smtp.messages) == 1


def test_three_digest_senders_at_once_send_one_digest(app, smtp, planned):
    with app.app_context():
        db.session.get(type(planned), planned.id).mail_digest = True
        db.session.commit()
    threads = [threading.Thread(target=send, args=(app,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(smtp.messages) == 1
    assert {m.status for m in outbox(app)} == {OutboxStatus.SENT}


def test_a_muted_kind_is_not_emailed_but_escalations_still_are(
    app, smtp, make_city, make_org, make_user, make_plan, make_action, make_milestone
):
    from portal.models import ReminderKind, ReminderMute

    city = make_city()
    utility = make_org(city=city)
    action = make_action(plan=make_plan(city=city), lead_organization=utility)
    contributor = make_user(role=Role.CONTRIBUTOR, organization=utility)
    local = make_user(role=Role.LOCAL_DECISION_MAKER, city=city)
    make_milestone(action=action, due_date=DUE, title="Fibre en retard")
    with app.app_context():
        for user in (contributor, local):
            db.session.add(ReminderMute(user_id=user.id, kind=ReminderKind.MILESTONE_DUE))
        db.session.commit()
    with app.test_request_context():
        reminders.run(DUE + timedelta(days=7))  # a week late: overdue, and the city is told
        db.session.commit()
    result = send(app)
    assert result.sent == 1 and len(smtp.messages) == 1
    assert smtp.messages[0]["Subject"] == "En retard : Fibre en retard"
    assert smtp.messages[0]["To"].endswith(f"<{local.email}>")
    statuses = {(m.recipient_id, m.occurrence): m.status for m in outbox(app)}
    assert statuses == {
        (contributor.id, "overdue-7"): OutboxStatus.MUTED,
        (local.id, "escalation-local"): OutboxStatus.SENT,
    }


def test_an_international_domain_is_sent_and_an_unsendable_address_is_stopped(
    app, smtp, planned, make_user
):
    from types import SimpleNamespace

    same_organization = SimpleNamespace(id=planned.organization_id)
    colleague = make_user(role=Role.CONTRIBUTOR, organization=same_organization)
    with app.app_context():
        db.session.get(type(planned), planned.id).email = "hicham@médina.ma"
        db.session.get(type(planned), colleague.id).email = "rachîd@radeema.example"
        db.session.commit()
        reminders.run(DUE - timedelta(days=1))
        db.session.commit()
    result = send(app)
    # Five week-ahead reminders and five day-before ones to Hicham, five to his colleague.
    assert (result.sent, result.failed) == (10, 5)
    assert {m["To"].split("<")[1] for m in smtp.messages} == {"hicham@xn--mdina-bsa.ma>"}
    failed = [m for m in outbox(app) if m.status is OutboxStatus.FAILED]
    assert {m.recipient_id for m in failed} == {colleague.id}
    assert failed[0].last_error.startswith("composition:")
    assert send(app).sent == 0  # stopped, not retried


def test_a_long_pass_does_not_let_a_second_sender_take_its_claims(app, smtp, planned, monkeypatch):
    compose, calls = mail.compose, []

    def compose_while_another_sender_runs(messages, **kw):
        calls.append(1)
        if len(calls) == 1:
            other = threading.Thread(target=send, args=(app,))
            other.start()
            other.join()
        return compose(messages, **kw)

    monkeypatch.setattr(mail, "compose", compose_while_another_sender_runs)
    # This pass started sixteen minutes ago, longer than a claim is trusted: its claims are
    # stamped when taken, so the other sender finds them fresh and leaves them alone.
    send(app, now=utcnow() - timedelta(minutes=16))
    assert len(smtp.messages) == 5
    assert len({m["Message-ID"] for m in smtp.messages}) == 5
    assert {m.status for m in outbox(app)} == {OutboxStatus.SENT}


def test_an_email_says_it_is_automatic_and_one_click_stops_its_kind(
    app, smtp, planned, csrf_enabled
):
    from portal.models import ReminderKind

    send(app)
    first = smtp.messages[0]
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    address = first["List-Unsubscribe"].strip("<>")
    assert address.startswith("http://127.0.0.1:5000/account/unsubscribe/")
    path = address.removeprefix("http://127.0.0.1:5000")
    client = app.test_client()  # a mail client: no session, no form token
    page = client.get(path).get_data(as_text=True)
    assert "Ne plus recevoir par e-mail les messages de ce type" in page
    assert "Jalon" in page
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "ces messages ne vous sont plus envoyés par e-mail" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(type(planned), planned.id)
        assert reminders.muted_kinds(user) == {ReminderKind.MILESTONE_DUE}
    # A token this portal did not sign, or altered, leads nowhere.
    assert client.post(path[:-3] + "abc").status_code == 404
    assert client.get("/account/unsubscribe/not-a-token").status_code == 404
