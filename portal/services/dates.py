"""The dates the programme accepts: typos like 9999 or 0201 are refused, not stored."""

from datetime import date

from flask_babel import lazy_gettext as _l

from portal.services.errors import InvalidInput

DAY_MIN = date(2000, 1, 1)
DAY_MAX = date(2100, 12, 31)


def check_day(day: date | None, field: str) -> date | None:
    if day is not None and not DAY_MIN <= day <= DAY_MAX:
        raise InvalidInput(
            _l(
                "Date hors de la plage admise (%(first)s – %(last)s).",
                first=DAY_MIN.isoformat(),
                last=DAY_MAX.isoformat(),
            ),
            field=field,
        )
    return day
