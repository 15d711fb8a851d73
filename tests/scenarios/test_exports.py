"""The comparison exported: a landscape PDF read back, and a workbook whose figures are
numbers, with each scenario's lines and yearly flows."""

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import browser
from tests.scenarios.helpers import drafted


def test_the_comparison_exports_read_back(app, world):
    client = browser(app, world["secretariat"])
    drafted(app, client, "Réseau municipal")
    drafted(app, client, "Concession")

    response = client.get("/scenarios/cities/marrakech/comparison.xlsx")
    assert response.headers["Content-Disposition"].endswith('scenarios-marrakech.xlsx"')
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "Comparaison" and len(book.sheetnames) == 5
    rows = {row[0]: row[1:] for row in book["Comparaison"].iter_rows(values_only=True)}
    assert rows["Indicateur"] == ("Concession", "Réseau municipal")
    # The project: -1,000 then +500 a year for four years at 10 %: 584.93.
    assert rows["VAN du projet (MAD)"] == (584.93, 584.93)
    assert rows["Retour sur investissement (année)"] == (2, 2)
    lines = list(book[book.sheetnames[1]].iter_rows(values_only=True))
    assert lines[0][0] == "Libellé" and lines[1][0] == "Fourreaux" and lines[1][8] == 1000
    flows = list(book[book.sheetnames[2]].iter_rows(values_only=True))
    assert flows[0] == ("Partie", "0", "1", "2", "3", "4")
    assert flows[-1] == ("Projet, cumulé", -1000, -500, 0, 500, 1000)

    response = client.get("/scenarios/cities/marrakech/comparison.pdf")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    first = reader.pages[0]
    assert first.mediabox.width > first.mediabox.height  # landscape
    content = "\n".join(page.extract_text() for page in reader.pages)
    assert "Scénarios de Marrakech" in content and "584,93" in content
    assert "Location des fourreaux" in content and "Opérateur" in content
    assert client.get("/scenarios/cities/marrakech/comparison.csv").status_code == 404


def test_an_export_holds_only_what_its_reader_may_see(app, world):
    drafted(app, browser(app, world["secretariat"]), "Brouillon")
    observer = browser(app, world["observer"])
    book = load_workbook(
        io.BytesIO(observer.get("/scenarios/cities/marrakech/comparison.xlsx").data)
    )
    assert book.sheetnames == ["Comparaison"]
    pdf = observer.get("/scenarios/cities/marrakech/comparison.pdf").data
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Brouillon" not in text and "Aucun scénario" in text
