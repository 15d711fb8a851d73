"""Members get a meeting's invitation by e-mail with its iCalendar request, updated when the
meeting moves and cancelled when it is; follow-up actions are reminded through the
reminder rules like any deadline."""

from datetime import UTC, date, datetime, timedelta

import icalendar
import sqlalchemy as sa
import time_machine

from portal.extensions import db
from portal.models import (
    BodyMember,
    FollowUpAction,
    Meeting,
    OutboxMessage,
    ReminderKind,
    User,
)
from portal.services import mail, reminders
from tests.conftest import browser, text
from tests.governance.test_bodies_and_meetings import (
    make_body,
    schedule,
    world,  # noqa: F401
)

NOW = datetime(2026, 5, 20, 9, tzinfo=UTC)


def _sent(app, smtp, now) -> dict[str, icalendar.Calendar]:
    """Send what waits; each recipient's calendar part, parsed."""
    smtp.messages.clear()
    with app.app_context():
        mail.send_pending(now=now)
    found = {}
    for message in smtp.messages:
        parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert len(parts) == 1
        assert parts[0].get_param("method") in ("REQUEST", "CANCEL")
        found[message["To"].addresses[0].addr_spec] = (
            message,
            icalendar.Calendar.from_ical(parts[0].get_payload(decode=True)),
        )
    return found


def _edit(app, client, meeting_url, **values):
    """The meeting moved to 22 February 2027, 10:00-12:00 (and `values`)."""
    with app.app_context():
        version = db.session.scalar(sa.select(Meeting.version))
    return client.post(
        f"{meeting_url}/edit",
        data={
            "day": "2027-02-22",
            "starts": "10:00",
            "ends": "12:00",
            "place": "Salle du conseil",
            "video_link": "https://visio.example/cp",
            "version": version,
            **values,
        },
    )


def _event(calendar: icalendar.Calendar) -> icalendar.Event:
    (event,) = calendar.walk("VEVENT")
    return event


def test_members_get_an_invitation_that_follows_the_meeting(app, smtp, world):
    with app.app_context():
        # A member who chose the daily digest still gets the invitation at once.
        db.session.get(User, world["member"].id).mail_digest = True
        db.session.get(User, world["member"].id).preferred_language = "en"
        db.session.commit()
    with time_machine.travel(NOW, tick=False):
        body_url = make_body(app, world)
        secretary = browser(app, world["secretary"])
        meeting_url = schedule(secretary, body_url, video_link="https://visio.example/cp").headers[
            "Location"
        ]
        sent = _sent(app, smtp, NOW)
        # Every member but the secretary who scheduled it.
        members = {world[p].email for p in ("local", "member")}
        assert set(sent) == members
        message, calendar = sent[world["local"].email]
        assert message["Subject"].startswith("Invitation : ")
        assert "15 juin 2026, de 10:00 à 12:30" in message.get_body(("plain",)).get_content()
        assert str(calendar["METHOD"]) == "REQUEST"
        event = _event(calendar)
        # 10:00 in Morocco (UTC+1 in June), with the zone's definition for any calendar.
        assert event["DTSTART"].params["TZID"] == "Africa/Casablanca"
        assert event.decoded("DTSTART").hour == 10
        assert event.decoded("DTSTART").astimezone(UTC) == datetime(2026, 6, 15, 9, tzinfo=UTC)
        assert event.decoded("DTEND").astimezone(UTC) == datetime(2026, 6, 15, 11, 30, tzinfo=UTC)
        zones = calendar.walk("VTIMEZONE")
        assert [str(z["TZID"]) for z in zones] == ["Africa/Casablanca"]
        assert int(event["SEQUENCE"]) == 0
        assert str(event["ATTENDEE"]) == f"mailto:{world['local'].email}"
        assert str(event["LOCATION"]) == "Salle du conseil"
        uid = str(event["UID"])
        english, _calendar = sent[world["member"].email]
        assert english["Subject"].startswith("Invitation: ")

        # Someone who joins the body afterwards is invited too.
        browser(app, world["secretariat"]).post(
            f"{body_url}/members", data={"user_id": world["central"].id, "role": "observer"}
        )
        sent = _sent(app, smtp, NOW)
        assert set(sent) == {world["central"].email}
        event = _event(sent[world["central"].email][1])
        assert str(event["UID"]) == uid and event["ATTENDEE"].params["ROLE"] == "OPT-PARTICIPANT"
        members.add(world["central"].email)

        # Moved into Ramadan 2027, when Morocco's clocks go back to UTC: same event, next
        # sequence, the right instant.
        moved = _edit(app, secretary, meeting_url)
        assert moved.status_code == 302, text(moved)
        sent = _sent(app, smtp, NOW)
        assert set(sent) == members
        message, calendar = sent[world["local"].email]
        assert message["Subject"].startswith("Réunion modifiée : ")
        event = _event(calendar)
        assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART").astimezone(UTC) == datetime(2027, 2, 22, 10, tzinfo=UTC)
        # A calendar that trusts only the zone the invitation carries finds the same hour.
        (carried,) = calendar.walk("VTIMEZONE")
        wall = event.decoded("DTSTART").replace(tzinfo=None)
        assert wall.replace(tzinfo=carried.to_tz(lookup_tzid=False)).astimezone(UTC) == datetime(
            2027, 2, 22, 10, tzinfo=UTC
        )

        # Only the time or the place makes a new version: publishing it does not.
        published = _edit(app, secretary, meeting_url, published="y")
        assert published.status_code == 302
        assert _sent(app, smtp, NOW) == {}

        # Someone who leaves the body has the meeting taken out of their calendar.
        with app.app_context():
            leaving = db.session.scalar(
                sa.select(BodyMember.id).where(BodyMember.user_id == world["central"].id)
            )
        browser(app, world["secretariat"]).post(f"{body_url}/members/{leaving}/remove")
        sent = _sent(app, smtp, NOW)
        assert set(sent) == {world["central"].email}
        message, calendar = sent[world["central"].email]
        assert message["Subject"].startswith("Réunion retirée de votre agenda : ")
        assert str(calendar["METHOD"]) == "CANCEL" and str(_event(calendar)["UID"]) == uid

        with app.app_context():
            version = db.session.scalar(sa.select(Meeting.version))
        assert secretary.post(f"{meeting_url}/cancel", data={"version": version}).status_code == 302
        sent = _sent(app, smtp, NOW)
        message, calendar = sent[world["member"].email]
        assert str(calendar["METHOD"]) == "CANCEL"
        event = _event(calendar)
        assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
        assert str(event["UID"]) == uid
    # In the portal too: the member's notification centre says who invited them.
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(OutboxMessage.kind).where(OutboxMessage.recipient_id == world["member"].id)
        ).all()
        assert kinds.count(ReminderKind.MEETING_INVITATION) == 3


def test_a_follow_up_action_is_reminded_to_its_owner(app, world, make_org, make_user):
    with time_machine.travel(NOW, tick=False):
        body_url = make_body(app, world)
        secretary = browser(app, world["secretary"])
        meeting_url = schedule(secretary, body_url).headers["Location"]
    with app.app_context():
        meeting_id = db.session.scalar(sa.select(Meeting.id))
        owner = db.session.get(User, world["member"].id)
        due = date(2026, 7, 1)
        named = FollowUpAction(
            meeting_id=meeting_id,
            title="Chiffrer le réseau",
            owner_organization_id=owner.organization_id,
            owner_user_id=owner.id,
            due_on=due,
        )
        unnamed = FollowUpAction(
            meeting_id=meeting_id,
            title="Publier le compte rendu",
            owner_organization_id=world["local"].organization_id,
            due_on=due,
        )
        db.session.add_all([named, unnamed])
        db.session.commit()
        reminders.run(due - timedelta(days=7))
        rows = db.session.execute(
            sa.select(OutboxMessage.item_id, OutboxMessage.recipient_id).where(
                OutboxMessage.kind == ReminderKind.FOLLOW_UP_DUE
            )
        ).all()
        by_action = {}
        for item_id, recipient in rows:
            by_action.setdefault(item_id, set()).add(recipient)
        assert by_action[named.id] == {owner.id}
        # No one named: the organisation's people whose role acts on follow-up.
        assert world["local"].id in by_action[unnamed.id]
        assert world["outsider"].id not in by_action[unnamed.id]
        described = mail.describe_many(
            db.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.kind == ReminderKind.FOLLOW_UP_DUE)
            ).all()
        )
        assert any(
            item.path == f"/governance/actions?state=open#action-{named.id}"
            for item in described.values()
        )
    assert meeting_url
