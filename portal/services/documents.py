"""The portal's PDF documents (minutes, rankings): A4, DejaVu for French and Arabic
letters, a running footer with the title and the page number."""

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONTS = Path(__file__).resolve().parent.parent / "fonts"


class PdfDocument(FPDF):
    def __init__(self, title: str, orientation: str = "portrait"):
        super().__init__(orientation=orientation, format="A4")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSansCondensed.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSansCondensed-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=15)
        self.doc_title = title
        self.set_title(title)
        self.set_creator("Portail SDTN")

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 8, f"{self.doc_title} — page {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font("DejaVu", "B", 12)
        self.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("DejaVu", "", 9)

    def line_text(self, text: str) -> None:
        self.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, headers: list[str], rows: list[list[str]], widths: list[float]) -> None:
        with self.table(
            col_widths=widths,
            text_align="LEFT",
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
