"""iCalendar (RFC 5545) feeds that Outlook and Google Calendar subscribe to.

Pure and deterministic: the time stamp is passed in, events are written in the given order.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

LINE_OCTETS = 75  # RFC 5545 3.1: content lines fold at 75 octets, excluding the CRLF
# Control characters are not allowed in TEXT values (RFC 5545 3.3.11); tabs are.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters a URI may carry as they are (RFC 3986); anything else is percent-encoded.
_URI_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable unique id, e.g. "milestone-42@sdtn-portal"
    day: date  # all-day event date (a milestone due date)
    summary: str
    description: str = ""
    url: str | None = None
    last_modified: datetime | None = None  # timezone-aware UTC
    categories: tuple[str, ...] = ()


def escape_text(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_CHARACTERS.sub("", text)
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _uri(url: str) -> str:
    # A URI value is not escaped like TEXT, but CR/LF or spaces in it would break the line.
    return quote(url, safe=_URI_SAFE)


def _utc_stamp(moment: datetime) -> str:
    # Naive values are taken as UTC (the project's convention), never as the server's zone.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _day(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def fold(line: str) -> bytes:
    """One content line as UTF-8, folded at 75 octets without splitting a character."""
    data = line.encode("utf-8")
    pieces: list[bytes] = []
    start, limit = 0, LINE_OCTETS
    while len(data) - start > limit:
        end = start + limit
        while (data[end] & 0xC0) == 0x80:  # a UTF-8 continuation byte: back off
            end -= 1
        pieces.append(data[start:end])
        start, limit = end, LINE_OCTETS - 1  # a continuation line starts with a space
    pieces.append(data[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def _event_lines(event: CalendarEvent, stamp: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{_day(event.day)}",
        # All-day events end, exclusively, on the next day.
        f"DTEND;VALUE=DATE:{_day(event.day + timedelta(days=1))}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.url:
        lines.append(f"URL:{_uri(event.url)}")
    if event.last_modified is not None:
        lines.append(f"LAST-MODIFIED:{_utc_stamp(event.last_modified)}")
    if event.categories:
        # Commas separate the categories, so commas inside one are escaped.
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
    lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    return lines


def build_calendar(
    name: str,
    events: list[CalendarEvent],
    *,
    now: datetime,
    product_id: str = "-//SDTN Portal//FR",
) -> bytes:
    """A VCALENDAR of all-day events, UTF-8, CRLF line endings, folded lines."""
    stamp = _utc_stamp(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{escape_text(product_id)}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-PUBLISHED-TTL:PT1H",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    ]
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)
