"""Tabular exports: CSV for French Excel and XLSX, read back the way a spreadsheet would."""

import csv
import enum
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
from flask_babel import force_locale

from portal.services.exports import safe_sheet_title, to_csv, to_xlsx

HEADERS = ["Ville", "Échéance", "Montant", "Note", "En retard", "Statut"]


class Status(enum.Enum):
    PLANNED = "planned"


def read_csv(body: bytes, separator: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=separator))


def read_xlsx(body: bytes):
    return openpyxl.load_workbook(io.BytesIO(body)).active


def sheet_xml(body: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


# --- CSV --------------------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_semicolons_and_crlf():
    body = to_csv(["Ville", "Échéance"], [("Fès", date(2026, 3, 1))])
    assert body.startswith(b"\xef\xbb\xbf")
    assert body == "\ufeffVille;Échéance\r\nFès;2026-03-01\r\n".encode()


def test_csv_values_read_back_exactly(app):
    rows = [
        ("Fès", date(2026, 12, 31), Decimal("1234567.89"), None, True, Status.PLANNED),
        ("Agadir", date(2027, 1, 1), Decimal("0.10"), "Ligne 1\nligne; 2", False, None),
    ]
    with app.test_request_context():
        headers, first, second = read_csv(to_csv(HEADERS, rows))
        with force_locale("en"):
            english = read_csv(to_csv(HEADERS, rows), separator=",")
    assert headers == HEADERS
    # Yes or no in words, and the decimal mark French spreadsheets read as a number.
    assert first == ["Fès", "2026-12-31", "1234567,89", "", "Oui", "planned"]
    assert second == ["Agadir", "2027-01-01", "0,10", "Ligne 1\nligne; 2", "Non", ""]
    # An English reader's spreadsheet splits on "," and reads a decimal point.
    assert english[1][:5] == ["Fès", "2026-12-31", "1234567.89", "", "Yes"]
    assert [english[2][3], english[2][4]] == ["Ligne 1\nligne; 2", "No"]


def test_csv_decimals_are_never_floats_or_scientific():
    values = [Decimal("0.10"), Decimal("1E+3"), Decimal("123456789012.34"), Decimal("-5.00")]
    (row,) = read_csv(to_csv(["a", "b", "c", "d"], [values]))[1:]
    assert row == ["0,10", "1000", "123456789012,34", "-5,00"]


def test_csv_datetimes_are_iso_8601_with_their_offset():
    moment = datetime(2026, 5, 9, 7, 35, 25, tzinfo=UTC)
    (row,) = read_csv(to_csv(["t"], [(moment,)]))[1:]
    assert row == ["2026-05-09T07:35:25+00:00"]
    assert datetime.fromisoformat(row[0]) == moment


def test_csv_neutralises_formulas_in_text_but_not_numbers():
    texts = ['=HYPERLINK("http://example.org","Cliquez")', "+1", "@SUM(A1:A2)", "-2+3", "\tx"]
    rows = [(text, Decimal("-5.00"), -7) for text in texts]
    body = read_csv(to_csv(["Texte", "Montant", "Entier"], rows))[1:]
    assert [row[0] for row in body] == ["'" + text for text in texts]
    assert {(row[1], row[2]) for row in body} == {("-5,00", "-7")}


def test_csv_leaves_ordinary_text_alone():
    (row,) = read_csv(to_csv(["a", "b"], [("Plan 2026 = ok", "O'Neil")]))[1:]
    assert row == ["Plan 2026 = ok", "O'Neil"]


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_header_is_bold_and_frozen():
    sheet = read_xlsx(to_xlsx(HEADERS, [("Fès",) + (None,) * 5], sheet_title="Jalons"))
    assert [c.value for c in sheet[1]] == HEADERS
    assert all(c.font.bold for c in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet["A2"].value == "Fès"


def test_xlsx_dates_are_real_dates():
    due = date(2026, 12, 31)
    moment = datetime(2026, 5, 9, 7, 35, 25, tzinfo=UTC)
    sheet = read_xlsx(to_xlsx(["Échéance", "Modifié"], [(due, moment)], sheet_title="Jalons"))
    cell, stamp = sheet["A2"], sheet["B2"]
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    value = cell.value.date() if isinstance(cell.value, datetime) else cell.value
    assert value == due
    # Excel has no time zones: the wall-clock time is kept.
    assert stamp.is_date and stamp.value == datetime(2026, 5, 9, 7, 35, 25)


def test_xlsx_amounts_are_numbers_exact_to_the_cent():
    amounts = [Decimal("1234567.89"), Decimal("0.10"), Decimal("-5.00"), Decimal("999999999999.99")]
    sheet = read_xlsx(to_xlsx(["Montant"], [(a,) for a in amounts], sheet_title="Budget"))
    cells = [sheet.cell(row=i, column=1) for i in range(2, 2 + len(amounts))]
    # openpyxl reads numbers back as float (int when there are no cents): IEEE doubles.
    assert all(isinstance(c.value, int | float) and c.data_type == "n" for c in cells)
    assert all(c.number_format == "#,##0.00" for c in cells)
    for cell, amount in zip(cells, amounts, strict=True):
        assert Decimal(str(cell.value)).quantize(Decimal("0.01")) == amount


def test_xlsx_stores_formula_like_text_as_text():
    texts = ["=1+1", '=HYPERLINK("http://example.org","Cliquez")', "+1", "@SUM(A1)", "#N/A"]
    body = to_xlsx(["Texte"], [(t,) for t in texts], sheet_title="Jalons")
    sheet = read_xlsx(body)
    cells = [sheet.cell(row=i, column=1) for i in range(2, 2 + len(texts))]
    assert [c.value for c in cells] == texts
    assert all(c.data_type == "s" for c in cells)
    assert cells[0].quotePrefix  # Excel keeps it text even when the cell is edited
    # No formula anywhere in the file, whatever reader opens it.
    assert b"<f>" not in sheet_xml(body)


def test_xlsx_other_values(app):
    rows = [(True, 7, Status.PLANNED, None, "a\x01b", Decimal("NaN"))]
    with app.test_request_context():
        sheet = read_xlsx(to_xlsx(list("abcdef"), rows, sheet_title="x"))
    assert [c.value for c in sheet[2]] == ["Oui", 7, "planned", None, "ab", "NaN"]


def test_xlsx_column_widths_follow_content_within_a_cap():
    rows = [("Fès", "x" * 200, date(2026, 1, 1))]
    sheet = read_xlsx(to_xlsx(["V", "Description", "Échéance"], rows, sheet_title="Jalons"))
    widths = {k: sheet.column_dimensions[k].width for k in "ABC"}
    assert widths["B"] == 60
    assert 8 <= widths["A"] < widths["C"] < widths["B"]


def test_sheet_title_is_sanitised_and_truncated():
    assert safe_sheet_title("Jalons [Fès]: 2026/2027 *?\\") == "Jalons Fès 20262027 "
    assert safe_sheet_title("Plan directeur de transformation numérique") == (
        "Plan directeur de transformatio"
    )
    assert len(safe_sheet_title("x" * 100)) == 31
    assert safe_sheet_title("[]") == "Export"
    assert safe_sheet_title("'cité'") == "cité"
    body = to_xlsx(["a"], [], sheet_title="Jalons [Fès]: 2026/2027 — Plan directeur numérique")
    title = read_xlsx(body).title
    assert title == "Jalons Fès 20262027 — Plan dire"
    assert len(title) == 31


def test_xlsx_without_rows_still_has_its_header():
    sheet = read_xlsx(to_xlsx(["Ville", "Échéance"], [], sheet_title="Jalons"))
    assert [c.value for c in sheet[1]] == ["Ville", "Échéance"]
    assert sheet.max_row == 1


def test_ten_thousand_rows_export(app):
    row = ("Fès", "Marrakech", "D1", "Titre d'un jalon assez long", 42, True)
    row += (date(2026, 6, 30), Decimal("1234.56"), None, "=1+1", Status.PLANNED, -3)
    rows = [(i, *row[1:]) for i in range(10_000)]
    headers = [f"Col {i}" for i in range(12)]
    with app.test_request_context():
        body = to_xlsx(headers, iter(rows), sheet_title="Jalons")  # a generator streams too
        exported = read_csv(to_csv(headers, rows))
    xml = sheet_xml(body)
    assert xml.count(b"<row ") == 10_001
    assert b'r="A10001"' in xml and b'r="A10002"' not in xml
    assert len(exported) == 10_001


def test_xlsx_numbers_show_the_decimals_they_have():
    rows = [(Decimal("31.668000"), Decimal("-7.981234"), Decimal("1234.50"), Decimal("42"))]
    sheet = read_xlsx(to_xlsx(["Lat", "Lng", "Montant", "Nombre"], rows, sheet_title="Sites"))
    cells = next(sheet.iter_rows(min_row=2, max_row=2))
    # A coordinate keeps its six decimals (not shown as money), an amount its cents.
    assert [c.number_format for c in cells] == ["#,##0.000000", "#,##0.000000", "#,##0.00", "#,##0"]
    assert cells[0].value == 31.668
