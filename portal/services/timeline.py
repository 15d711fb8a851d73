"""A Gantt-like timeline of milestones, rendered server-side as one SVG string.

Pure: no Flask, no database, no clock (`today` is passed in). The SVG holds no inline style,
no <style> and no script, so it can sit inline under a strict Content-Security-Policy:
presentation attributes give the default look and the `tl-*` classes let a stylesheet
restyle it. The root sets `direction` explicitly because inline SVG would otherwise inherit
it from the HTML page and flip every `text-anchor`.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

ROW_HEIGHT = 28
HEADER_HEIGHT = 48
BOTTOM_PAD = 8
SIDE_PAD = 8
GAP = 12  # between the label column and the plot
LABEL_INDENT = 12  # rows sit under their group header
LABEL_MAX_CHARS = 40
GROUP_MAX_CHARS = 90
MIN_WIDTH = 480
MIN_MONTH_LABEL_SPACING = 72  # px; "sept. 2026" is about 60 px wide at 11 px
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60)
BAR_HALF = 5
MARKER_R = 6
BASELINE_R = 5

STATUS_FILLS = {
    "planned": "#a0aec0",
    "in_progress": "#3182ce",
    "submitted": "#805ad5",
    "approved_locally": "#48bb78",
    "approved": "#276749",
    "returned": "#dd6b20",
    "cancelled": "#cbd5e0",
}
DEFAULT_FILL = "#718096"
LATE_FILL = "#c53030"
LATE_TEXT_FILL = "#9b2c2c"
TEXT_FILL = "#1a202c"
MUTED_TEXT_FILL = "#4a5568"
GRID_STROKE = "#e2e8f0"
RULE_STROKE = "#cbd5e0"
TODAY_STROKE = "#c53030"

_SVG_NS = "http://www.w3.org/2000/svg"
_CLASS_UNSAFE = re.compile(r"[^a-z0-9_-]")
# Control characters are not allowed in XML 1.0; drop them rather than emit a broken document.
_XML_INVALID = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))
_SAFE_SCHEMES = ("http:", "https:", "mailto:")
# User text takes its direction from its own first letter, so a French title in an Arabic
# chart (or the reverse) keeps its punctuation and ellipsis where its reader expects them.
_BIDI = ' unicode-bidi="plaintext"'


@dataclass(frozen=True)
class TimelineRow:
    label: str
    group: str
    baseline: date | None
    current: date
    start: date | None
    status: str
    late: bool
    url: str | None = None


def _iso_month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class TimelineLabels:
    today: str
    baseline: str
    current: str
    title: str
    status_names: dict[str, str]
    # How days and months read: the page passes the reader's locale ("juil. 2026").
    month: Callable[[date], str] = _iso_month
    day: Callable[[date], str] = date.isoformat


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(value: str) -> str:
    return escape(value.translate(_XML_INVALID))


def _attr(value: str) -> str:
    return quoteattr(value.translate(_XML_INVALID))


def _truncate(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    return value[: limit - 1].rstrip() + "…"


def _safe_url(url: str | None) -> str | None:
    """Relative URLs and http(s)/mailto only: a stored `javascript:` link must not render."""
    if not url:
        return None
    url = url.translate(_XML_INVALID).strip()
    head = re.split(r"[/?#]", url, maxsplit=1)[0]
    if ":" in head and not head.lower().startswith(_SAFE_SCHEMES):
        return None
    return url or None


def _diamond(x: float, y: float, r: float) -> str:
    return (
        f"{_num(x)},{_num(y - r)} {_num(x + r)},{_num(y)} "
        f"{_num(x)},{_num(y + r)} {_num(x - r)},{_num(y)}"
    )


def _months(first: date, last: date) -> list[date]:
    """First days of the months that fall inside [first, last]."""
    year, month = first.year, first.month
    if first.day != 1:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    out = []
    while (day := date(year, month, 1)) <= last:
        out.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _tooltip(row: TimelineRow, labels: TimelineLabels) -> str:
    lines = [row.label, labels.status_names.get(row.status, row.status)]
    if row.baseline is not None:
        lines.append(f"{labels.baseline}: {labels.day(row.baseline)}")
    current = f"{labels.current}: {labels.day(row.current)}"
    if row.baseline is not None and row.baseline != row.current:
        current += f" ({(row.current - row.baseline).days:+d})"
    lines.append(current)
    return "\n".join(lines)


def render_timeline(
    rows: list[TimelineRow],
    *,
    today: date,
    labels: TimelineLabels,
    rtl: bool = False,
    width: int = 960,
) -> str:
    """The timeline as an inline `<svg>` element, or "" when there is nothing to draw."""
    if not rows:
        return ""
    if width < MIN_WIDTH:
        raise ValueError(f"width must be at least {MIN_WIDTH}")

    # Time axis: every date that will be drawn, plus today, padded by ~3 % (a week at least).
    dates = [today]
    for row in rows:
        dates.append(row.current)
        if row.baseline is not None:
            dates.append(row.baseline)
        if row.start is not None:
            dates.append(row.start)
    pad = timedelta(days=max(7, (max(dates) - min(dates)).days // 30))
    first, last = min(dates) - pad, max(dates) + pad
    origin = first.toordinal()

    label_width = min(300, width // 3)
    plot_width = width - 2 * SIDE_PAD - label_width - GAP
    if rtl:
        plot_lo, plot_hi = SIDE_PAD, SIDE_PAD + plot_width
        label_edge = width - SIDE_PAD
    else:
        plot_lo, plot_hi = width - SIDE_PAD - plot_width, width - SIDE_PAD
        label_edge = SIDE_PAD
    scale = plot_width / (last - first).days

    def x_of(day: date) -> float:
        # Time runs left to right in every language, as on a printed chart; right to left
        # only moves the labels to the right-hand side.
        return plot_lo + (day.toordinal() - origin) * scale

    # `start`/`end` follow the root's `direction`; these pick the physical side.
    extends_right = "end" if rtl else "start"
    extends_left = "start" if rtl else "end"

    line_count = len(rows) + sum(
        1 for i, row in enumerate(rows) if i == 0 or row.group != rows[i - 1].group
    )
    body_top = HEADER_HEIGHT
    height = body_top + line_count * ROW_HEIGHT + BOTTOM_PAD
    bottom = height - BOTTOM_PAD

    parts: list[str] = []
    add = parts.append

    # Legend, in the label column above the rows.
    inward = -1 if rtl else 1  # from the label edge towards the plot
    legend_marker_x = label_edge + inward * MARKER_R
    legend_text_x = label_edge + inward * (2 * MARKER_R + 6)
    add('<g class="tl-legend" font-size="11">')
    add(
        f'<polygon class="tl-marker tl-current" points="{_diamond(legend_marker_x, 14, MARKER_R)}"'
        f' fill="{DEFAULT_FILL}" stroke="{TEXT_FILL}" stroke-width="1"/>'
        f'<text x="{_num(legend_text_x)}" y="18" fill="{TEXT_FILL}">{_text(labels.current)}</text>'
    )
    add(
        f'<polygon class="tl-baseline" points="{_diamond(legend_marker_x, 34, BASELINE_R)}"'
        f' fill="none" stroke="{MUTED_TEXT_FILL}" stroke-width="1.5"/>'
        f'<text x="{_num(legend_text_x)}" y="38" fill="{TEXT_FILL}">{_text(labels.baseline)}</text>'
    )
    add("</g>")

    # Month ticks, with a label (and grid line) every `step` months so labels never collide.
    months = _months(first, last)
    px_per_month = scale * 30.44
    step = next((s for s in MONTH_STEPS if s * px_per_month >= MIN_MONTH_LABEL_SPACING), 120)
    add('<g class="tl-axis" font-size="11">')
    add(
        f'<line class="tl-axis-line" x1="{plot_lo}" y1="{body_top}" x2="{plot_hi}"'
        f' y2="{body_top}" stroke="{RULE_STROKE}" stroke-width="1"/>'
    )
    for month in months:
        x = x_of(month)
        if (month.year * 12 + month.month - 1) % step:
            if px_per_month >= 3:
                add(
                    f'<line class="tl-tick" x1="{_num(x)}" y1="{body_top - 4}" x2="{_num(x)}"'
                    f' y2="{body_top}" stroke="{RULE_STROKE}" stroke-width="1"/>'
                )
            continue
        add(
            f'<line class="tl-grid" x1="{_num(x)}" y1="4" x2="{_num(x)}" y2="{bottom}"'
            f' stroke="{GRID_STROKE}" stroke-width="1"/>'
        )
        # The label reads into its month; skip it if it would run past the end of the plot.
        if plot_hi - x >= MIN_MONTH_LABEL_SPACING - 12:
            add(
                f'<text class="tl-month" x="{_num(x + 3)}" y="16"'
                f' text-anchor="{extends_right}" fill="{MUTED_TEXT_FILL}"{_BIDI}>'
                f"{_text(labels.month(month))}</text>"
            )
    add("</g>")

    y = body_top
    previous_group: str | None = None
    for row in rows:
        if row.group != previous_group:
            previous_group = row.group
            group_text = _truncate(row.group, GROUP_MAX_CHARS)
            add('<g class="tl-group">')
            if group_text != row.group:
                add(f"<title>{_text(row.group)}</title>")
            add(
                f'<line class="tl-group-rule" x1="0" y1="{y}" x2="{width}" y2="{y}"'
                f' stroke="{RULE_STROKE}" stroke-width="1"/>'
                f'<text class="tl-group-label" x="{label_edge}" y="{y + 18}" font-size="12"'
                f' font-weight="bold" fill="{TEXT_FILL}"{_BIDI}>{_text(group_text)}</text>'
            )
            add("</g>")
            y += ROW_HEIGHT
        _render_row(parts, row, y, width, label_edge + inward * LABEL_INDENT, x_of, labels)
        y += ROW_HEIGHT

    # Today goes last so it stays visible over bars.
    today_x = x_of(today)
    if today_x - plot_lo < 40:
        today_anchor = extends_right
    elif plot_hi - today_x < 40:
        today_anchor = extends_left
    else:
        today_anchor = "middle"
    add(
        f'<g class="tl-today"><title>{_text(labels.today)}: {_text(labels.day(today))}</title>'
        f'<line x1="{_num(today_x)}" y1="22" x2="{_num(today_x)}" y2="{bottom}"'
        f' stroke="{TODAY_STROKE}" stroke-width="1.5"/>'
        f'<text class="tl-today-label" x="{_num(today_x)}" y="36" font-size="11"'
        f' text-anchor="{today_anchor}" fill="{TODAY_STROKE}">{_text(labels.today)}</text></g>'
    )

    body = "".join(parts)
    # Deterministic yet distinct per chart, so two timelines on one page keep unique ids.
    title_id = "tl-title-" + hashlib.blake2s(body.encode(), digest_size=5).hexdigest()
    # A figure, not an image: its rows' labels are links a keyboard must reach.
    return (
        f'<svg xmlns="{_SVG_NS}" class="tl-chart{" tl-rtl" if rtl else ""}" role="figure"'
        f' aria-labelledby="{title_id}" viewBox="0 0 {width} {height}" width="100%"'
        f' height="{height}" direction="{"rtl" if rtl else "ltr"}"'
        f' font-family="system-ui, sans-serif" font-size="12">'
        f'<title id="{title_id}">{_text(labels.title)}</title>{body}</svg>'
    )


def _render_row(
    parts: list[str],
    row: TimelineRow,
    top: int,
    width: int,
    label_x: int,
    x_of: Callable[[date], float],
    labels: TimelineLabels,
) -> None:
    add = parts.append
    mid = top + ROW_HEIGHT // 2
    status_class = "tl-status-" + _CLASS_UNSAFE.sub("-", row.status.lower())
    cancelled = row.status == "cancelled"
    fill = LATE_FILL if row.late else STATUS_FILLS.get(row.status, DEFAULT_FILL)

    row_class = "tl-row"
    if row.late:
        row_class += " tl-late"
    if cancelled:
        row_class += " tl-cancelled"
    muted = ' opacity="0.55"' if cancelled else ""
    add(f'<g class="{row_class}"{muted}>')
    add(f"<title>{_text(_tooltip(row, labels))}</title>")
    # Transparent, not "none": the whole row then answers the hover with the tooltip.
    add(
        f'<rect class="tl-row-bg" x="0" y="{top}" width="{width}" height="{ROW_HEIGHT}"'
        f' fill="transparent"/>'
    )

    label_fill = LATE_TEXT_FILL if row.late else TEXT_FILL
    label = (
        f'<text class="tl-label" x="{label_x}" y="{mid + 4}"'
        f' fill="{label_fill}"{_BIDI}>{_text(_truncate(row.label, LABEL_MAX_CHARS))}</text>'
    )
    url = _safe_url(row.url)
    if url is not None:
        label = f'<a class="tl-link" href={_attr(url)}>{label}</a>'
    add(label)

    current_x = x_of(row.current)
    if row.start is not None:
        start_x = x_of(row.start)
        left, right = min(start_x, current_x), max(start_x, current_x)
        add(
            f'<rect class="tl-bar {status_class}" x="{_num(left)}" y="{mid - BAR_HALF}"'
            f' width="{_num(max(right - left, 2))}" height="{2 * BAR_HALF}" rx="2"'
            f' fill="{fill}"/>'
        )
    if row.baseline is not None and row.baseline != row.current:
        baseline_x = x_of(row.baseline)
        add(
            f'<line class="tl-slip" x1="{_num(baseline_x)}" y1="{mid}" x2="{_num(current_x)}"'
            f' y2="{mid}" stroke="{MUTED_TEXT_FILL}" stroke-width="1" stroke-dasharray="3 2"/>'
            f'<polygon class="tl-baseline" points="{_diamond(baseline_x, mid, BASELINE_R)}"'
            f' fill="none" stroke="{MUTED_TEXT_FILL}" stroke-width="1.5"/>'
        )
    add(
        f'<polygon class="tl-marker tl-current {status_class}"'
        f' points="{_diamond(current_x, mid, MARKER_R)}" fill="{fill}"'
        f' stroke="{TEXT_FILL}" stroke-width="1"/>'
    )
    add("</g>")
