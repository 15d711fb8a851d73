"""The milestone timeline: a pure SVG renderer, checked through the parsed document."""

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from portal.services.timeline import TimelineLabels, TimelineRow, render_timeline

NS = "{http://www.w3.org/2000/svg}"
TODAY = date(2025, 3, 15)
LABELS = TimelineLabels(
    today="Aujourd'hui",
    baseline="Date de référence",
    current="Échéance actuelle",
    title="Calendrier des jalons",
    status_names={
        "planned": "Planifié",
        "in_progress": "En cours",
        "submitted": "Soumis",
        "approved_locally": "Approuvé localement",
        "approved": "Approuvé",
        "returned": "Renvoyé",
        "cancelled": "Annulé",
    },
)


def make_row(**kw) -> TimelineRow:
    values = {
        "label": "Jalon",
        "group": "Action 1",
        "baseline": None,
        "current": TODAY,
        "start": None,
        "status": "planned",
        "late": False,
    }
    values.update(kw)
    return TimelineRow(**values)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def render(rows: list[TimelineRow], **kw) -> tuple[str, ET.Element]:
    svg = render_timeline(rows, today=TODAY, labels=LABELS, **kw)
    return svg, parse(svg)


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def with_class(root: ET.Element, name: str, tag: str | None = None) -> list[ET.Element]:
    elements = root.iter(f"{NS}{tag}") if tag else root.iter()
    return [e for e in elements if name in classes(e)]


def row_groups(root: ET.Element) -> list[ET.Element]:
    return with_class(root, "tl-row", "g")


def tooltip(element: ET.Element) -> str:
    return element.find(f"{NS}title").text


def center_x(polygon: ET.Element) -> float:
    xs = [float(point.split(",")[0]) for point in polygon.get("points").split()]
    return (min(xs) + max(xs)) / 2


def due_marker_x(row: ET.Element) -> float:
    (marker,) = with_class(row, "tl-current", "polygon")
    return center_x(marker)


def label_of(row: ET.Element) -> ET.Element:
    (text,) = with_class(row, "tl-label", "text")
    return text


def test_empty_input_returns_empty_string():
    assert render_timeline([], today=TODAY, labels=LABELS) == ""


def test_root_is_an_accessible_svg_with_a_computed_height():
    svg, root = render([make_row(group="A"), make_row(group="A"), make_row(group="B")])
    assert svg.startswith("<svg ")
    assert not svg.startswith("<?xml")
    assert root.tag == f"{NS}svg"
    # A figure, not an image: the rows' labels inside are links a keyboard reaches.
    assert root.get("role") == "figure"
    assert root.get("width") == "100%"
    title = root.find(f"{NS}title")
    assert title.get("id") == root.get("aria-labelledby")
    assert title.text == LABELS.title
    height = int(root.get("height"))
    assert root.get("viewBox") == f"0 0 960 {height}"
    # Three rows and two group headers at a fixed row height.
    one_more, _ = render([make_row(group="A"), make_row(group="A"), make_row(group="A")])
    assert int(parse(one_more).get("height")) == height - 28


def test_one_row_group_per_milestone_with_hostile_label_kept_intact():
    hostile = "Audit <script>&\"alert\" 'x'"
    svg, root = render(
        [
            make_row(label=hostile, url='/plans/1?a=1&b="2"'),
            make_row(label="Deuxième jalon"),
        ]
    )
    rows = row_groups(root)
    assert len(rows) == 2
    assert label_of(rows[1]).text == "Deuxième jalon"
    (link,) = rows[0].iter(f"{NS}a")
    assert link.get("href") == '/plans/1?a=1&b="2"'
    assert label_of(link).text == hostile
    assert tooltip(rows[0]).startswith(hostile)
    assert "<script>" not in svg
    assert '&"alert"' not in svg


def test_unsafe_link_scheme_drops_the_link_but_keeps_the_label():
    _, root = render([make_row(label="Piège", url=" JavaScript:alert(1)")])
    (row,) = row_groups(root)
    assert list(row.iter(f"{NS}a")) == []
    assert label_of(row).text == "Piège"


def test_long_label_is_truncated_with_full_text_in_tooltip():
    long_label = (
        "Déploiement du guichet unique numérique de l'urbanisme dans tous les arrondissements"
    )
    _, root = render([make_row(label=long_label)])
    (row,) = row_groups(root)
    shown = label_of(row).text
    assert len(shown) <= 40
    assert shown.endswith("…")
    assert long_label.startswith(shown[:-1])
    assert tooltip(row).splitlines()[0] == long_label


def test_today_line_lies_between_markers_that_bracket_today():
    _, root = render(
        [
            make_row(label="Avant", current=TODAY - timedelta(days=20)),
            make_row(label="Après", current=TODAY + timedelta(days=20)),
        ]
    )
    before, after = row_groups(root)
    (today_group,) = with_class(root, "tl-today", "g")
    line = today_group.find(f"{NS}line")
    today_x = float(line.get("x1"))
    assert due_marker_x(before) < today_x < due_marker_x(after)
    assert LABELS.today in "".join(today_group.itertext())


def test_rtl_keeps_time_left_to_right_and_puts_labels_on_the_right():
    rows = [
        make_row(label="Tôt", current=date(2025, 1, 10)),
        make_row(label="Tard", current=date(2025, 9, 10)),
    ]
    _, ltr = render(rows)
    early, late = row_groups(ltr)
    assert due_marker_x(early) < due_marker_x(late)
    assert float(label_of(early).get("x")) < due_marker_x(early)

    _, rtl = render(rows, rtl=True)
    assert rtl.get("direction") == "rtl"
    early, late = row_groups(rtl)
    # Later is further right, as in French; the labels stand right of the plot.
    assert due_marker_x(early) < due_marker_x(late)
    assert float(label_of(late).get("x")) > due_marker_x(late)
    # A month's label starts at its tick and reads into the month (rightwards).
    months = with_class(rtl, "tl-month", "text")
    assert months and all(m.get("text-anchor") == "end" for m in months)


def test_slipped_milestone_shows_both_markers_and_the_slip_in_days():
    baseline = date(2025, 4, 1)
    _, root = render(
        [
            make_row(label="Glissé", baseline=baseline, current=baseline + timedelta(days=14)),
            make_row(label="À l'heure", baseline=baseline, current=baseline),
        ]
    )
    slipped, on_time = row_groups(root)
    assert len(with_class(slipped, "tl-baseline", "polygon")) == 1
    assert len(with_class(slipped, "tl-current", "polygon")) == 1
    assert len(with_class(slipped, "tl-slip", "line")) == 1
    text = tooltip(slipped)
    assert "+14" in text
    assert "2025-04-01" in text and "2025-04-15" in text
    assert LABELS.status_names["planned"] in text

    assert with_class(on_time, "tl-baseline") == []
    assert with_class(on_time, "tl-slip") == []
    assert "(" not in tooltip(on_time)


def test_bar_spans_from_start_to_due_date():
    _, root = render(
        [make_row(start=date(2025, 2, 1), current=date(2025, 5, 1), status="approved")]
    )
    (row,) = row_groups(root)
    (bar,) = with_class(row, "tl-bar", "rect")
    assert "tl-status-approved" in classes(bar)
    left = float(bar.get("x"))
    right = left + float(bar.get("width"))
    assert left < right
    assert abs(right - due_marker_x(row)) < 0.2


def test_late_and_cancelled_rows_are_marked():
    _, root = render(
        [
            make_row(label="En retard", late=True, status="in_progress"),
            make_row(label="Annulé", status="cancelled"),
            make_row(label="Normal"),
        ]
    )
    late, cancelled, normal = row_groups(root)
    assert "tl-late" in classes(late)
    assert with_class(late, "tl-current")[0].get("fill") == "#c53030"
    assert "tl-cancelled" in classes(cancelled)
    assert float(cancelled.get("opacity")) < 1
    assert "tl-late" not in classes(normal)
    assert normal.get("opacity") is None


def test_no_inline_style_and_no_script_or_style_element():
    svg, root = render(
        [
            make_row(start=date(2025, 1, 1), baseline=date(2025, 2, 1), late=True),
            make_row(status="cancelled", url="/x"),
        ],
    )
    for element in root.iter():
        assert "style" not in element.attrib
        assert element.tag not in (f"{NS}script", f"{NS}style")
    assert "style=" not in svg
    assert "<script" not in svg.lower()


def test_month_ticks_are_labelled_locale_neutrally():
    _, root = render([make_row(start=date(2025, 1, 20), current=date(2025, 6, 10))])
    months = [t.text for t in with_class(root, "tl-month", "text")]
    assert "2025-03" in months
    assert all(re.fullmatch(r"\d{4}-\d{2}", m) for m in months)
    assert months == sorted(months)


def test_group_headers_appear_once_per_group():
    rows = [
        make_row(group="Action A", label="a1"),
        make_row(group="Action A", label="a2"),
        make_row(group="Action <B>", label="b1"),
        make_row(group="Action C", label="c1"),
        make_row(group="Action C", label="c2"),
    ]
    _, root = render(rows)
    headers = ["".join(g.itertext()) for g in with_class(root, "tl-group", "g")]
    assert headers == ["Action A", "Action <B>", "Action C"]


def test_output_is_deterministic():
    rows = [make_row(label=f"J{i}", current=TODAY + timedelta(days=i * 9)) for i in range(30)]
    assert render(rows)[0] == render(rows)[0]


def test_two_thousand_rows_render():
    rows = [
        make_row(
            label=f"Jalon {i}",
            group=f"Action {i // 10}",
            start=TODAY + timedelta(days=i % 400 - 200),
            current=TODAY + timedelta(days=i % 400 - 170),
            baseline=TODAY + timedelta(days=i % 400 - 180) if i % 3 else None,
            status="in_progress",
            late=i % 7 == 0,
        )
        for i in range(2000)
    ]
    _, root = render(rows)
    assert len(row_groups(root)) == 2000
    assert len(with_class(root, "tl-group", "g")) == 200


def test_months_and_days_read_as_the_page_writes_them():
    import dataclasses

    french = dataclasses.replace(
        LABELS,
        month=lambda d: f"mois {d.month}/{d.year}",
        day=lambda d: f"le {d.day}/{d.month}",
    )
    row = make_row(baseline=TODAY - timedelta(days=30), current=TODAY + timedelta(days=20))
    svg = render_timeline([row], today=TODAY, labels=french)
    months = [t.text for t in parse(svg).iter(f"{NS}text") if "tl-month" in classes(t)]
    assert months and all(m.startswith("mois ") for m in months)
    assert f"Date de référence: le {row.baseline.day}/{row.baseline.month}" in svg
    assert not re.search(r"\d{4}-\d{2}", svg)  # no ISO month or day left
