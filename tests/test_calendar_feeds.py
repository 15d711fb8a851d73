"""Calendar feeds: a person's milestones and a city's, at a secret and revocable address."""

from datetime import UTC, date, datetime

import icalendar
import pytest
import sqlalchemy as sa
import time_machine

from portal.extensions import db
from portal.models import MilestoneStatus, Role, User
from portal.services.calendars import CalendarEvent, build_calendar


@pytest.fixture(autouse=True)
def _today():
    # Feeds leave out what is long past: the tests' dates are read from this day.
    with time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=UTC), tick=False):
        yield


def unfold(body: bytes) -> list[str]:
    assert b"\n" not in body.replace(b"\r\n", b""), "every line ends with CRLF"
    return body.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]


def events(lines: list[str]) -> list[dict]:
    found, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            key, _, value = line.partition(":")
            current[key] = value
    return found


def parsed_events(body: bytes) -> list:
    """The feed's events as icalendar reads it; it must also hold a PRODID and a VERSION."""
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"])
    return list(calendar.walk("VEVENT"))


def _token(app, client, user) -> str:
    client.post("/account/calendar/token")
    with app.app_context():
        return db.session.scalar(sa.select(User.calendar_token).where(User.id == user.id))


def test_personal_feed_lists_what_the_person_must_deliver(
    app, client, make_user, make_org, make_city, make_action, make_plan, make_milestone, login_as
):
    city = make_city(name="Agadir")
    own, other = make_org(city=city), make_org(city=city)
    action = make_action(plan=make_plan(city=city), lead_organization=own)
    mine = make_milestone(action=action, title="Pose, fibre; lot 1", due_date=date(2026, 12, 31))
    make_milestone(action=action, title="Déjà approuvé", status=MilestoneStatus.APPROVED)
    make_milestone(action=action, title="Pas le mien", responsible_organization=other)
    user = make_user(role=Role.CONTRIBUTOR, organization=own)
    login_as(user)
    token = _token(app, client, user)
    assert token and len(token) >= 32

    response = app.test_client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/calendar")
    lines = unfold(response.data)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    found = events(lines)
    assert [e["UID"] for e in found] == [f"milestone-{mine.id}@sdtn-portal"]
    assert found[0]["DTSTART;VALUE=DATE"] == "20261231"
    assert found[0]["DTEND;VALUE=DATE"] == "20270101"
    assert found[0]["SUMMARY"] == "[Agadir] Pose\\, fibre\\; lot 1"
    assert found[0]["URL"].endswith(f"/milestones/{mine.id}")
    # What a calendar program reads, by a well-kept parser (icalendar), not only by ours.
    (event,) = parsed_events(response.data)
    assert str(event["UID"]) == f"milestone-{mine.id}@sdtn-portal"
    assert event.decoded("DTSTART") == date(2026, 12, 31)
    assert event.decoded("DTEND") == date(2027, 1, 1)
    assert str(event["SUMMARY"]) == "[Agadir] Pose, fibre; lot 1"
    assert str(event["URL"]).endswith(f"/milestones/{mine.id}")


def test_decision_makers_feed_lists_what_awaits_their_decision(
    app, client, make_user, make_city, make_milestone, make_action, make_plan, login_as
):
    city, elsewhere = make_city(), make_city()
    here = make_milestone(
        action=make_action(plan=make_plan(city=city)), status=MilestoneStatus.SUBMITTED
    )
    make_milestone(
        action=make_action(plan=make_plan(city=elsewhere)), status=MilestoneStatus.SUBMITTED
    )
    user = make_user(role=Role.LOCAL_DECISION_MAKER, city=city)
    login_as(user)
    token = _token(app, client, user)
    found = events(unfold(app.test_client().get(f"/calendar/{token}.ics").data))
    assert [e["UID"] for e in found] == [f"milestone-{here.id}@sdtn-portal"]


def test_city_feed_and_revocation(
    app, client, make_user, make_city, make_milestone, make_action, make_plan, login_as
):
    city = make_city(slug="fes", name="Fès")
    action = make_action(plan=make_plan(city=city))
    kept = make_milestone(action=action)
    make_milestone(action=action, status=MilestoneStatus.CANCELLED)
    make_milestone(action=action, title="Long passé", due_date=date(2025, 1, 15))
    user = make_user(role=Role.OBSERVER)
    login_as(user)
    token = _token(app, client, user)
    feed = app.test_client().get(f"/calendar/{token}/fes.ics")
    assert [e["UID"] for e in events(unfold(feed.data))] == [f"milestone-{kept.id}@sdtn-portal"]
    assert "X-WR-CALNAME:Portail SDTN — Fès" in unfold(feed.data)
    assert [str(e["UID"]) for e in parsed_events(feed.data)] == [f"milestone-{kept.id}@sdtn-portal"]
    assert str(icalendar.Calendar.from_ical(feed.data)["X-WR-CALNAME"]) == "Portail SDTN — Fès"
    assert app.test_client().get(f"/calendar/{token}/nowhere.ics").status_code == 404

    new_token = _token(app, client, user)
    assert new_token != token
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404
    assert app.test_client().get(f"/calendar/{new_token}.ics").status_code == 200


def test_a_deactivated_persons_feed_stops(app, client, make_user, login_as):
    user = make_user(role=Role.OBSERVER)
    login_as(user)
    token = _token(app, client, user)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404
    assert app.test_client().get("/calendar/guessed-token.ics").status_code == 404


def test_settings_page_shows_the_addresses_once_created(client, make_user, login_as):
    login_as(make_user(role=Role.CONTRIBUTOR))
    assert ".ics" not in client.get("/account/calendar").get_data(as_text=True)
    client.post("/account/calendar/token")
    html = client.get("/account/calendar").get_data(as_text=True)
    assert 'id="user-feed"' in html and ".ics" in html


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    summary = "Déploiement des bornes Wi-Fi — مراكش — " * 6
    body = build_calendar(
        "Test",
        [CalendarEvent(uid="x@y", day=date(2026, 3, 1), summary=summary, description="a\nb")],
        now=datetime(2026, 1, 1, 8, 0, tzinfo=UTC),
    )
    for physical in body.split(b"\r\n"):
        assert len(physical) <= 75
        physical.decode("utf-8")  # each piece stands alone: no character was cut
    found = events(unfold(body))
    assert found[0]["SUMMARY"] == summary
    assert found[0]["DESCRIPTION"] == "a\\nb"
    assert found[0]["DTSTAMP"] == "20260101T080000Z"
    # A parser unfolds it back to the very text, multibyte characters and line break kept.
    (event,) = parsed_events(body)
    assert str(event["SUMMARY"]) == summary
    assert str(event["DESCRIPTION"]) == "a\nb"
