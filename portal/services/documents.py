"""The portal's PDF documents (minutes, rankings): A4, in the reader's language, DejaVu for
Latin and Arabic letters (Arabic joined by HarfBuzz, mixed lines ordered by the bidi
algorithm), right to left in Arabic, a running footer with the title and the page."""

from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from portal.bidi import right_to_left

FONTS = Path(__file__).resolve().parent.parent / "fonts"


class PdfDocument(FPDF):
    def __init__(self, title: str, orientation: str = "portrait"):
        super().__init__(orientation=orientation, format="A4")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSansCondensed.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSansCondensed-Bold.ttf"))
        self.rtl = right_to_left()
        self.align = "R" if self.rtl else "L"
        # Each paragraph runs in the document's direction, whatever its first letter: an
        # Arabic line that starts with a reference (AO-2026-01) still reads from the right.
        self.set_text_shaping(True, direction="rtl" if self.rtl else "ltr")
        self.set_auto_page_break(auto=True, margin=15)
        self.doc_title = title
        self.set_title(title)
        self.set_creator("Portail SDTN")

    def font(self, style: str = "", size: float = 9) -> None:
        self.set_font("DejaVu", style, size)

    def footer(self):
        self.set_y(-12)
        self.font("", 8)
        self.cell(
            0,
            8,
            _(
                "%(title)s — page %(page)s/%(pages)s",
                title=self.doc_title,
                page=self.page_no(),
                pages="{nb}",
            ),
            align="C",
        )

    def heading(self, text: str) -> None:
        self.ln(3)
        self.font("B", 12)
        self.multi_cell(0, 7, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font("", 9)

    def line_text(self, text: str) -> None:
        self.multi_cell(0, 5, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def labelled(self, label: str, value: str) -> None:
        """A "label: value" line, with the colon the language writes."""
        self.line_text(_("%(label)s : %(value)s", label=label, value=value))

    def grid(self, headers: list[str], rows: list[list[str]], widths: list[float]) -> None:
        if self.rtl:
            # Columns run from the right: the first one stands at the right edge.
            headers, widths = headers[::-1], widths[::-1]
            rows = [row[::-1] for row in rows]
        with self.table(
            col_widths=widths,
            text_align="RIGHT" if self.rtl else "LEFT",
            line_height=5,
            first_row_as_headings=True,
        ) as table:
            head = table.row()
            for text in headers:
                head.cell(text)
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(text)
