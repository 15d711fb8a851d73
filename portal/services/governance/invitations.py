"""A meeting's invitation by e-mail: the letter in the member's language, and its iCalendar
request (iTIP, RFC 5546): METHOD:REQUEST with the meeting's SEQUENCE, raised at each move
so that calendars replace it, and METHOD:CANCEL once cancelled. Times travel in
Africa/Casablanca with its VTIMEZONE, so a calendar elsewhere shows the right hour."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from flask import current_app, render_template
from flask_babel import gettext as _

from portal.bidi import isolate
from portal.models.governance import Meeting, MeetingStatus, MemberRole
from portal.models.types import utcnow
from portal.models.users import User
from portal.names import local


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def uid(meeting: Meeting) -> str:
    # The same for every version of the invitation: calendars update the event they hold.
    return f"meeting-{meeting.id}@{current_app.config['MAIL_DOMAIN']}"


def _link(meeting: Meeting) -> str:
    return f"{current_app.config['PORTAL_URL'].rstrip('/')}/governance/meetings/{meeting.id}"


def letter(meeting: Meeting, recipient: User, *, removed: bool = False) -> Letter:
    """In the active language (the recipient's); `removed`: to a member who left the body."""
    starts = meeting.starts_at.astimezone(_zone())
    ends = meeting.ends_at.astimezone(_zone())
    body = isolate(local(meeting.body))
    cancelled = meeting.status is MeetingStatus.CANCELLED
    if removed:
        subject = _("Réunion retirée de votre agenda : %(body)s", body=body)
    elif cancelled:
        subject = _("Réunion annulée : %(body)s", body=body)
    elif meeting.sequence:
        subject = _("Réunion modifiée : %(body)s", body=body)
    else:
        subject = _("Invitation : %(body)s", body=body)
    context = {
        "user": recipient,
        "meeting": meeting,
        "body": body,
        "starts": starts,
        "ends": ends,
        "cancelled": cancelled or removed,
        "removed": removed,
        "link": _link(meeting),
        "preferences": current_app.config["PORTAL_URL"].rstrip("/") + "/account/",
    }
    return Letter(
        subject,
        render_template("mail/invitation.txt", **context),
        render_template("mail/invitation.html", **context),
    )


def calendar(meeting: Meeting, recipient: User, *, method: str, now: datetime | None = None):
    """The VCALENDAR for one member, as bytes."""
    zone = _zone()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//SDTN Portal//Governance//FR")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now or utcnow())
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", local(meeting.body))
    event.add("location", meeting.place or meeting.video_link)
    agenda = "\n".join(f"{item.position}. {item.title}" for item in meeting.items)
    event.add("description", "\n\n".join(part for part in (agenda, _link(meeting)) if part))
    event.add("url", meeting.video_link or _link(meeting))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{current_app.config['MAIL_FROM']}")
    organizer.params["cn"] = icalendar.vText("Portail SDTN")
    event.add("organizer", organizer)
    role = next((m.role for m in meeting.body.members if m.user_id == recipient.id), None)
    attendee = icalendar.vCalAddress(f"mailto:{recipient.email}")
    attendee.params["cn"] = icalendar.vText(recipient.full_name)
    attendee.params["role"] = icalendar.vText(
        "OPT-PARTICIPANT" if role is MemberRole.OBSERVER else "REQ-PARTICIPANT"
    )
    # Apologies go through the portal, not a calendar reply.
    attendee.params["rsvp"] = icalendar.vText("FALSE")
    event.add("attendee", attendee)
    cal.add_component(vtimezone(zone, meeting.starts_at))
    cal.add_component(event)
    return cal.to_ical()


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list:
    """(instant, offset before, offset after) of each change of the zone's offset between
    `start` and `end`, to the minute: Morocco's clocks move around each Ramadan, on dates
    no yearly rule describes."""
    found = []
    moment, before = start, start.astimezone(zone).utcoffset()
    while moment < end:
        following = moment + timedelta(days=1)
        after = following.astimezone(zone).utcoffset()
        if after != before:
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            found.append((high.replace(second=0, microsecond=0), before, after))
        moment, before = following, after
    return found


def vtimezone(zone: ZoneInfo, around: datetime) -> icalendar.Timezone:
    """The zone's VTIMEZONE from the time-zone database itself, each change of offset in
    the year around the meeting written out (icalendar's own rules miss some of Morocco's
    Ramadan changes)."""
    start, end = around - timedelta(days=366), around + timedelta(days=366)
    timezone = icalendar.Timezone()
    timezone.add("tzid", zone.key)
    first = start.astimezone(zone)
    changes = [(start, first.utcoffset(), first.utcoffset()), *_transitions(zone, start, end)]
    for instant, before, after in changes:
        local_after = instant.astimezone(zone)
        part = icalendar.TimezoneDaylight() if local_after.dst() else icalendar.TimezoneStandard()
        # DTSTART is the wall-clock time the change happens at, in the offset before it.
        part.add("dtstart", (instant.astimezone(UTC) + before).replace(tzinfo=None))
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        part.add("tzname", local_after.tzname())
        timezone.add_component(part)
    return timezone
