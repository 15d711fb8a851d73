"""iCalendar feeds, parsed by hand the way RFC 5545 describes (no icalendar package needed)."""

from datetime import UTC, date, datetime, timedelta, timezone

from portal.services.calendars import CalendarEvent, build_calendar, escape_text

NOW = datetime(2026, 5, 9, 7, 35, 25, tzinfo=UTC)


def physical_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    assert not any(b"\r" in line or b"\n" in line for line in lines), "bare CR or LF"
    return lines


def unfold(body: bytes) -> list[str]:
    return body.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]


def split_line(line: str) -> tuple[str, str]:
    """("NAME;PARAM=X", "value"): the first colon outside a quoted parameter ends the name."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:index], line[index + 1 :]
    raise AssertionError(f"no value in {line!r}")


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def parse(body: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The calendar's own properties and its events, checking BEGIN/END nesting on the way."""
    calendar: dict[str, str] = {}
    events: list[dict[str, str]] = []
    stack: list[str] = []
    for line in unfold(body):
        name, value = split_line(line)
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                assert stack == ["VCALENDAR", "VEVENT"]
                events.append({})
        elif name == "END":
            assert stack and stack.pop() == value
        else:
            target = events[-1] if stack[-1] == "VEVENT" else calendar
            assert name not in target, f"{name} repeated"
            target[name] = value
    assert stack == []
    return calendar, events


def event(**kw) -> CalendarEvent:
    fields = {"uid": "milestone-1@sdtn-portal", "day": date(2026, 6, 30), "summary": "Jalon"}
    return CalendarEvent(**(fields | kw))


def test_calendar_structure_and_properties():
    body = build_calendar("Jalons — Fès", [event()], now=NOW)
    lines = unfold(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    calendar, events = parse(body)
    assert calendar == {
        "VERSION": "2.0",
        "PRODID": "-//SDTN Portal//FR",
        "CALSCALE": "GREGORIAN",
        "METHOD": "PUBLISH",
        "X-WR-CALNAME": "Jalons — Fès",
        "X-PUBLISHED-TTL": "PT1H",
        "REFRESH-INTERVAL;VALUE=DURATION": "PT1H",
    }
    assert events == [
        {
            "UID": "milestone-1@sdtn-portal",
            "DTSTAMP": "20260509T073525Z",
            "DTSTART;VALUE=DATE": "20260630",
            "DTEND;VALUE=DATE": "20260701",
            "SUMMARY": "Jalon",
            "TRANSP": "TRANSPARENT",
        }
    ]


def test_optional_properties_when_given():
    modified = datetime(2026, 5, 1, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    full = event(
        description="Soumis",
        url="https://portail.example.ma/milestones/1",
        last_modified=modified,
        categories=("Fès", "Voirie, éclairage"),
    )
    (found,) = parse(build_calendar("x", [full], now=NOW))[1]
    assert found["DESCRIPTION"] == "Soumis"
    assert found["URL"] == "https://portail.example.ma/milestones/1"
    assert found["LAST-MODIFIED"] == "20260501T080000Z"  # converted to UTC
    assert found["CATEGORIES"] == "Fès,Voirie\\, éclairage"


def test_one_event_per_item_in_the_given_order():
    items = [event(uid=f"milestone-{n}@sdtn-portal", summary=f"J{n}") for n in (3, 1, 2)]
    body = build_calendar("x", items, now=NOW)
    found = parse(body)[1]
    assert [e["UID"] for e in found] == [i.uid for i in items]
    assert unfold(body).count("BEGIN:VEVENT") == 3 == unfold(body).count("END:VEVENT")
    assert {e["DTSTAMP"] for e in found} == {"20260509T073525Z"}


def test_all_day_events_end_the_next_day():
    cases = {
        date(2026, 6, 30): "20260701",  # month end
        date(2026, 12, 31): "20270101",  # year end
        date(2028, 2, 28): "20280229",  # leap year
        date(2027, 2, 28): "20270301",
    }
    items = [event(uid=f"e{n}", day=day) for n, day in enumerate(cases)]
    found = parse(build_calendar("x", items, now=NOW))[1]
    assert [(e["DTSTART;VALUE=DATE"], e["DTEND;VALUE=DATE"]) for e in found] == [
        (day.strftime("%Y%m%d"), end) for day, end in cases.items()
    ]


def test_text_is_escaped():
    raw = "a;b,c\\d\nnew line"
    assert escape_text(raw) == "a\\;b\\,c\\\\d\\nnew line"
    assert escape_text("x\r\ny\rz") == "x\\ny\\nz"
    assert escape_text("bell\x07") == "bell"  # control characters are not allowed in TEXT
    (found,) = parse(build_calendar("a;b", [event(summary=raw, description=raw)], now=NOW))[1]
    assert found["SUMMARY"] == "a\\;b\\,c\\\\d\\nnew line"
    assert unescape(found["SUMMARY"]) == raw == unescape(found["DESCRIPTION"])


def test_a_url_cannot_break_out_of_its_line():
    body = build_calendar("x", [event(url="https://e.ma/a b\r\nX-EVIL:1")], now=NOW)
    (found,) = parse(body)[1]
    assert "X-EVIL" not in found
    assert found["URL"] == "https://e.ma/a%20b%0D%0AX-EVIL:1"


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    summary = (
        "[Marrakech] Mise en service du guichet numérique unifié — "
        "إطلاق الشباك الرقمي الموحد للجماعة وتعميم الخدمات الإلكترونية على المواطنين "
        "— Échéance réglementaire 😀 " * 3
    )
    description = "é" * 200 + "ع" * 77 + "x"
    body = build_calendar("x", [event(summary=summary, description=description)], now=NOW)
    lines = physical_lines(body)
    assert max(len(line) for line in lines) == 75  # folding did happen, and at the limit
    for line in lines:
        assert len(line) <= 75
        line.decode("utf-8")  # each physical line decodes on its own: no split character
    continuation = [line for line in lines if line.startswith(b" ")]
    assert len(continuation) > 10
    (found,) = parse(body)[1]
    assert unescape(found["SUMMARY"]) == summary
    assert found["DESCRIPTION"] == description


def test_short_lines_are_not_folded():
    body = build_calendar("x", [event()], now=NOW)
    assert not any(line.startswith(b" ") for line in physical_lines(body))


def test_dtstamp_comes_from_now_in_utc():
    casablanca_summer = timezone(timedelta(hours=1))
    now = datetime(2027, 1, 1, 0, 30, tzinfo=casablanca_summer)
    (found,) = parse(build_calendar("x", [event()], now=now))[1]
    assert found["DTSTAMP"] == "20261231T233000Z"


def test_output_is_deterministic():
    items = [event(uid="a", summary="Fès"), event(uid="b", description="d")]
    assert build_calendar("x", items, now=NOW) == build_calendar("x", items, now=NOW)


def test_empty_calendar_is_still_well_formed():
    calendar, events = parse(build_calendar("Aucun jalon", [], now=NOW))
    assert events == [] and calendar["X-WR-CALNAME"] == "Aucun jalon"
