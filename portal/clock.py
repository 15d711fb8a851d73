"""The portal's notion of "today": the date in Morocco, read once per request by views and
passed to the rules (which never read the clock themselves)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def today() -> date:
    return datetime.now(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])).date()


def local_date(moment: datetime) -> date:
    """The day an instant falls on in Morocco."""
    return moment.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])).date()
