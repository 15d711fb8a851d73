"""iCalendar (RFC 5545) feeds that Outlook and Google Calendar subscribe to."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    day: date
    summary: str
    description: str = ""
    url: str | None = None
    last_modified: datetime | None = None
    categories: tuple[str, ...] = ()


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> bytes:
    """Split a content line into 75-octet pieces, never inside a UTF-8 character."""
    data = line.encode("utf-8")
    pieces, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while end > start and (data[end] & 0xC0) == 0x80:  # a continuation byte
            end -= 1
        pieces.append(data[start:end])
        start, limit = end, 74  # continuation lines begin with a space
    pieces.append(data[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def build_calendar(
    name: str,
    events: list[CalendarEvent],
    *,
    now: datetime,
    product_id: str = "-//SDTN Portal//FR",
) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{product_id}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
        "X-PUBLISHED-TTL:PT1H",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART;VALUE=DATE:{event.day.strftime('%Y%m%d')}",
            # All-day events end, exclusively, the next day.
            f"DTEND;VALUE=DATE:{(event.day + timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_escape(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{_escape(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        if event.last_modified:
            lines.append(f"LAST-MODIFIED:{_stamp(event.last_modified)}")
        if event.categories:
            lines.append("CATEGORIES:" + ",".join(_escape(c) for c in event.categories))
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return b"".join(_fold(line) for line in lines)
