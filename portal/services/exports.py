"""Tabular exports (CSV for French Excel, XLSX) with values exactly as stored.

Both formats neutralise spreadsheet formulas hidden in text (CSV/formula injection, OWASP).

XLSX numbers are IEEE doubles: a `Decimal` is written as a number (openpyxl formats it with
16 significant digits), so an amount is exact to the cent below 10^13. Reading the file back
with openpyxl gives a `float` (or an `int` when the amount has no cents, e.g. 5.00 -> 5), never
a `Decimal`. The CSV keeps the exact decimal text.
"""

import csv
import enum
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from flask import has_request_context
from flask_babel import get_locale, gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Text starting with one of these can be run as a formula by a spreadsheet (OWASP list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

SHEET_TITLE_MAX = 31  # Excel's limit
SHEET_TITLE_FORBIDDEN = frozenset("[]:*?/\\")
CELL_TEXT_MAX = 32_767  # Excel's limit; longer cells make Excel "repair" the file
WIDTH_SAMPLE_ROWS = 200  # widths are estimated on the first rows so the rest can stream
WIDTH_MIN, WIDTH_MAX = 8, 60


def _yes_no(value: bool) -> str:
    # In the reader's language, as the rest of the export ("Oui"/"Non", "Yes"/"No").
    return gettext("Oui") if value else gettext("Non")


# --- CSV --------------------------------------------------------------------------------------


def _csv_text(value: object, decimal_point: str = ".") -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, date):  # datetime too: isoformat keeps the UTC offset
        return value.isoformat()
    if isinstance(value, Decimal):
        # Exact digits, never scientific notation, with the reader's decimal mark.
        return format(value, "f").replace(".", decimal_point)
    if isinstance(value, str):
        # Only text is neutralised: a negative number must stay a number.
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


# The reader's spreadsheet conventions: French Excel and LibreOffice split on ";" and read
# "1234,50" as a number; English ones split on "," and read "1234.50"; Moroccan Arabic
# (ar_MA) writes a decimal comma, as French does.
CSV_CONVENTIONS = {"fr": (";", ","), "en": (",", "."), "ar": (";", ",")}


def csv_conventions() -> tuple[str, str]:
    """(separator, decimal mark) for the reader's language; French outside a request."""
    language = get_locale().language if has_request_context() and get_locale() else "fr"
    return CSV_CONVENTIONS.get(language, CSV_CONVENTIONS["fr"])


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV that the reader's spreadsheet opens as is: UTF-8 with BOM, CRLF, and the
    separator and decimal mark of the reader's language (see CSV_CONVENTIONS)."""
    separator, decimal_point = csv_conventions()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow([_csv_text(h) for h in headers])
    writer.writerows([_csv_text(v, decimal_point) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- XLSX -------------------------------------------------------------------------------------


def safe_sheet_title(title: str) -> str:
    """A title Excel accepts: no []:*?/\\, at most 31 characters, no apostrophe at either end."""
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", title)
    cleaned = "".join(c for c in cleaned if c not in SHEET_TITLE_FORBIDDEN)
    return cleaned[:SHEET_TITLE_MAX].strip("'") or "Export"


def _xlsx_value(value: object) -> object:
    """The value openpyxl should store: native numbers and dates, anything else as text."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return _yes_no(value)
    if value is None or isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        # NaN and infinities have no Excel number: openpyxl would write an empty cell.
        return value if value.is_finite() else str(value)
    if isinstance(value, datetime):
        # Excel has no time zones: keep the wall-clock time the caller chose to show.
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    # Control characters are invalid in the sheet XML; openpyxl would refuse the whole file.
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:CELL_TEXT_MAX]


def _display_width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, date):
        return len(DATE_FORMAT)
    if isinstance(value, Decimal):
        return len(format(value, ",.2f"))
    return max((len(line) for line in str(value).splitlines()), default=0)


def _decimal_format(value: Decimal) -> str:
    """Grouped digits and as many decimals as the value keeps: an amount shows its cents
    (#,##0.00), a coordinate its six decimals, a count none."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "#,##0" + ("." + "0" * places if places else "")


def _text_cell(sheet: WriteOnlyWorksheet, text: str, *, bold: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet)
    cell.value = text
    # Override openpyxl's guess: "=..." would become a formula, and "#N/A" an error value.
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True  # Excel keeps it text even when someone edits the cell
    if bold is not None:
        cell.font = bold
    return cell


def _xlsx_row(sheet: WriteOnlyWorksheet, values: Sequence[object]) -> list[object]:
    row: list[object] = []
    for value in values:
        if isinstance(value, str):
            # Plain text goes through untouched: cheaper than a cell object per value.
            risky = value.startswith((*FORMULA_STARTS, "#"))
            row.append(_text_cell(sheet, value) if risky else value)
        elif isinstance(value, Decimal):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = _decimal_format(value)
            row.append(cell)
        elif isinstance(value, date):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
            row.append(cell)
        else:
            row.append(value)
    return row


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[object]], *, sheet_title: str) -> bytes:
    """One sheet: bold, frozen header row; real dates and numbers; text never run as formula."""
    return to_xlsx_book([(sheet_title, headers, rows)])


def to_xlsx_book(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> bytes:
    """Several sheets written as `to_xlsx` writes one; titles made safe and unique."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for title, headers, rows in sheets:
        safe = safe_sheet_title(title)
        candidate, n = safe, 2
        while candidate.lower() in used:
            suffix = f" ({n})"
            candidate, n = safe[: SHEET_TITLE_MAX - len(suffix)] + suffix, n + 1
        used.add(candidate.lower())
        _write_sheet(workbook.create_sheet(title=candidate), headers, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    prepared: Iterator[list[object]] = ([_xlsx_value(v) for v in row] for row in rows)
    # A streamed sheet writes its column widths before the rows: estimate them on a sample.
    sample = list(itertools.islice(prepared, WIDTH_SAMPLE_ROWS))
    header_texts = [_xlsx_value(h) for h in headers]
    for index, header in enumerate(header_texts, start=1):
        widest = max(
            [_display_width(header)]
            + [_display_width(r[index - 1]) for r in sample if len(r) >= index]
        )
        width = min(max(widest + 2, WIDTH_MIN), WIDTH_MAX)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, str(h), bold=bold) for h in header_texts])
    for values in itertools.chain(sample, prepared):
        sheet.append(_xlsx_row(sheet, values))
