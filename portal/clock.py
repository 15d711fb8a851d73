"""The portal's notion of "today": the date in Morocco, read once per request by views and
passed to the rules (which never read the clock themselves)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app


def today() -> date:
    return datetime.now(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])).date()


def local_date(moment: datetime) -> date:
    """The day an instant falls on in Morocco."""
    return moment.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])).date()


def start_of_day(day: date) -> datetime:
    """The instant (UTC) a day begins in Morocco; the earliest instant for year 1."""
    try:
        local = datetime.combine(
            day, time.min, tzinfo=ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
        )
        return local.astimezone(UTC)
    except OverflowError:  # year 1 or 9999: no event lies beyond
        return datetime.min.replace(tzinfo=UTC)
