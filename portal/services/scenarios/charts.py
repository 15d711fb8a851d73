"""A scenario's charts as SVG (no script, no inline style): each party's cumulative cash
position over the years, and a tornado of how each party's NPV moves with each sensitivity.
Years run left to right in every language; each label orders its own letters."""

from decimal import Decimal
from html import escape

from flask_babel import format_decimal

from portal.services.charts import AXIS, MUTED

# One colour per party, in the order the parties appear; a pattern repeats past eight.
PALETTE = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#2c7a7b", "#975a16", "#4a5568")
LOW, HIGH = "#c53030", "#2f855a"


def _open(width: int, height: int, css: str, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="{css}" role="img" aria-label="{escape(title)}" direction="ltr">'
    ]


def _text(x, y, text: str, *, anchor: str | None = None, size=10, fill=AXIS) -> str:
    position = f' text-anchor="{anchor}"' if anchor else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}"{position} font-size="{size}" fill="{fill}"'
        f' unicode-bidi="plaintext">{escape(text)}</text>'
    )


def _millions(value: Decimal) -> str:
    return format_decimal(value / Decimal(1_000_000), format="#,##0.#")


def cumulative_chart(evaluation, *, title: str, unit: str, legend: bool = True) -> str:
    """Each party's cumulative position by year, with the zero line; `unit` reads "M MAD".
    Without `legend` (a PDF, whose SVG text would not run right to left), it shows the
    lines and the figures only: the document writes the legend itself."""
    width, height, pad, left = 420, 210, 24, 84
    series = list(evaluation.parties.items())
    values = [v for _name, p in series for v in p.cumulative] or [Decimal(0)]
    low, high = min(min(values), Decimal(0)), max(max(values), Decimal(0))
    if high == low:
        high = low + 1
    years = evaluation.years
    legend_rows = (len(series) + 1) // 2 if legend else 0
    bottom = height - pad - 14 * legend_rows
    top = pad / 2

    def x(year: int) -> float:
        return left + (width - pad - left) * year / max(years[-1], 1)

    def y(value: Decimal) -> float:
        return bottom - float((value - low) / (high - low)) * (bottom - top)

    parts = _open(width, height, "scenario-chart", title)
    zero = y(Decimal(0))
    parts.append(
        f'<line x1="{left}" x2="{width - pad}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="{MUTED}" '
        'stroke-dasharray="3 3"/>'
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="{AXIS}"/>'
    )
    for value in (high, low):
        shown = f"{_millions(value)} {unit}".strip()
        parts.append(_text(left - 4, y(value) + 3, shown, anchor="end"))
    for year in (years[0], years[-1]):
        parts.append(
            _text(x(year), bottom + 12, str(year), anchor="end" if year == years[-1] else None)
        )
    for index, (name, position) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        dash = ' stroke-dasharray="6 3"' if index >= len(PALETTE) else ""
        points = " ".join(
            f"{x(yr):.1f},{y(v):.1f}" for yr, v in zip(years, position.cumulative, strict=True)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}>'
            f"<title>{escape(name)}</title></polyline>"
        )
        if not legend:
            continue
        column, row = index % 2, index // 2
        lx = left + column * (width - left) / 2
        ly = bottom + 26 + 14 * row
        parts.append(
            f'<line x1="{lx:.1f}" x2="{lx + 14:.1f}" y1="{ly - 3:.1f}" y2="{ly - 3:.1f}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
        )
        parts.append(_text(lx + 18, ly, name))
    parts.append("</svg>")
    return "".join(parts)


def tornado_chart(
    base: Decimal, cases: list[tuple[str, Decimal, Decimal]], *, title: str, unit: str
) -> str:
    """How far each case moves one NPV from `base`: a bar to the left for a fall, to the
    right for a rise, the widest on top; low cases red, high cases green."""
    width, pad, row = 420, 24, 26
    label_width = 130
    height = pad + row * len(cases) + 20
    cases = sorted(cases, key=lambda c: -max(abs(c[1] - base), abs(c[2] - base)))
    spread = max([abs(v - base) for _n, lo, hi in cases for v in (lo, hi)] + [Decimal(1)])
    middle = label_width + (width - label_width - pad) / 2
    half = (width - label_width - pad) / 2

    def x(value: Decimal) -> float:
        return middle + half * float((value - base) / spread)

    parts = _open(width, height, "tornado-chart", title)
    parts.append(
        f'<line x1="{middle:.1f}" x2="{middle:.1f}" y1="{pad / 2}" y2="{height - 16}" '
        f'stroke="{AXIS}"/>'
    )
    parts.append(
        _text(middle, height - 4, f"{_millions(base)} {unit}", anchor="middle", fill=MUTED)
    )
    for index, (name, low, high) in enumerate(cases):
        top = pad / 2 + index * row
        parts.append(_text(label_width - 6, top + 15, name, anchor="end"))
        for value, colour in ((low, LOW), (high, HIGH)):
            start, end = sorted((middle, x(value)))
            parts.append(
                f'<rect x="{start:.1f}" y="{top + 4:.1f}" width="{max(end - start, 0.5):.1f}" '
                f'height="{row - 10}" fill="{colour}" fill-opacity="0.75">'
                f"<title>{escape(name)} — {escape(_millions(value))} {escape(unit)}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)
