"""Small server-side charts of a value over time, as SVG: no script and no inline style, so
that the pages' Content-Security-Policy holds. The commitment and indicator charts use it."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape

AXIS = "#4a5568"
TARGET = "#2f855a"
TODAY = "#c53030"
SERIES = "#2b6cb0"
MUTED = "#718096"


@dataclass
class TimeChart:
    """Days from `first` to `last` across, values from `low` to `high` up, inside the margins."""

    first: date
    last: date
    low: Decimal
    high: Decimal
    css_class: str
    title: str
    width: int = 360
    height: int = 150
    pad: int = 30
    left: int | None = None  # the left margin, when it differs from `pad` (room for values)
    parts: list[str] = field(default_factory=list)

    def __post_init__(self):
        if self.high == self.low:
            self.high = self.low + 1
        self.span = max((self.last - self.first).days, 1)
        self.start = self.pad if self.left is None else self.left
        # Time runs left to right in every language: the root's direction is fixed, or an
        # Arabic page would flip every text-anchor; each label orders its own letters.
        self.parts.append(
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
            f'class="{self.css_class}" role="img" aria-label="{escape(self.title)}" '
            f'direction="ltr">'
        )

    @property
    def end(self) -> int:
        return self.width - self.pad

    @property
    def bottom(self) -> int:
        return self.height - self.pad

    def x(self, day: date) -> float:
        return self.start + (self.end - self.start) * (day - self.first).days / self.span

    def y(self, value: Decimal) -> float:
        share = float((value - self.low) / (self.high - self.low))
        return self.bottom - share * (self.height - 2 * self.pad)

    def add(self, svg: str) -> None:
        self.parts.append(svg)

    def level(self, value: Decimal, css: str, stroke: str, dash: str) -> None:
        """A horizontal line across the chart at `value`."""
        y = f"{self.y(value):.1f}"
        self.add(
            f'<line class="{css}" x1="{self.start}" x2="{self.end}" y1="{y}" y2="{y}" '
            f'stroke="{stroke}" stroke-dasharray="{dash}"/>'
        )

    def day_line(self, day: date, css: str, stroke: str, dash: str | None = None) -> None:
        """A vertical line at `day`, from the top margin to the axis."""
        x = f"{self.x(day):.1f}"
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(
            f'<line class="{css}" x1="{x}" x2="{x}" y1="{self.pad / 2}" y2="{self.bottom}" '
            f'stroke="{stroke}"{dashes}/>'
        )

    def label(self, x, y, text: str, *, size=10, fill=AXIS, anchor=None, css=None) -> None:
        kind = f'class="{css}" ' if css else ""
        position = f' text-anchor="{anchor}"' if anchor else ""
        self.add(
            f'<text {kind}x="{x}" y="{y}"{position} font-size="{size}" fill="{fill}"'
            f' unicode-bidi="plaintext">{escape(text)}</text>'
        )

    def axes(self, *, first: str, last: str, low: str, high: str) -> None:
        """The time axis from `first` to `last` and the value axis from `low` to `high`."""
        bottom, start = self.bottom, self.start
        self.add(
            f'<line x1="{start}" x2="{self.end}" y1="{bottom}" y2="{bottom}" stroke="{AXIS}"/>'
            f'<line x1="{start}" x2="{start}" y1="{self.pad / 2}" y2="{bottom}" stroke="{AXIS}"/>'
        )
        self.label(start, bottom + 14, first, css="chart-x")
        self.label(self.end, bottom + 14, last, css="chart-x", anchor="end")
        self.label(start - 4, f"{self.y(self.low) + 3:.1f}", low, css="chart-y", anchor="end")
        self.label(start - 4, f"{self.y(self.high) + 3:.1f}", high, css="chart-y", anchor="end")

    def path(self, points: list[tuple[date, Decimal]], css: str) -> None:
        """The points joined, in order."""
        joined = " ".join(f"{self.x(d):.1f},{self.y(v):.1f}" for d, v in points)
        self.add(f'<polyline class="{css}" points="{joined}" fill="none" stroke="{SERIES}"/>')

    def dot(self, day: date, value: Decimal, css: str, *, fill: str, stroke=None, r=4, title=None):
        outline = f' stroke="{stroke}"' if stroke else ""
        tip = f"<title>{escape(title)}</title></circle>" if title is not None else "/>"
        self.add(
            f'<circle class="{css}" cx="{self.x(day):.1f}" cy="{self.y(value):.1f}" r="{r}" '
            f'fill="{fill}"{outline}' + (">" + tip if title is not None else tip)
        )

    def svg(self) -> str:
        return "".join([*self.parts, "</svg>"])
