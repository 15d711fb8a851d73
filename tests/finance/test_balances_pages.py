"""The overview's balances computed by hand, exact exports, blank filters on the lists."""

import csv
import io
import re
from decimal import Decimal

import openpyxl
import pytest

from portal.models import Role
from tests.conftest import browser, text
from tests.finance.page_helpers import act, installment, signed

# The pages run on a fixed date (the service tests pass theirs to the service).
pytestmark = pytest.mark.usefixtures("_today")


# --- Balances and exports ---------------------------------------------------------------------


def figures(page: str, block_id: str) -> dict[str, str]:
    block = page.split(f'id="{block_id}"')[1].split("</section>")[0]
    found = re.findall(r"<span>([^<]+)</span><strong>([^<]+)</strong>", block)
    return {label: value.replace("\u202f", " ").replace("\xa0", " ") for label, value in found}


def test_balances_show_the_hand_computed_figures(app, world):
    found, _secretariat = signed(app, world)
    first, _second = found.installments
    payee, payer = browser(app, world["payee"]), browser(app, world["payer"])
    act(payee, first, "invoice", reference="F-1", day="2026-02-01")
    # 4000 invoiced and due on 1 March: overdue on 1 June; 6000 due in September.
    local = browser(app, world["local"])
    assert figures(text(local.get("/finance")), "totals") == {
        "Engagé": "10 000,00",
        "Facturé": "4 000,00",
        "Payé": "0,00",
        "Reste dû": "10 000,00",
        "En retard": "4 000,00",
        "Contesté": "0,00",
    }
    act(payer, installment(app, first.id), "pay", reference="V-1", day="2026-05-30")
    page = text(local.get("/finance"))
    assert figures(page, "totals") == {
        "Engagé": "10 000,00",
        "Facturé": "4 000,00",
        "Payé": "4 000,00",
        "Reste dû": "6 000,00",
        "En retard": "0,00",
        "Contesté": "0,00",
    }
    matrix = page.split('id="matrix"')[1].split("</table>")[0]
    assert re.search(r'data-cell="IAM→RADEEMA">6.000,00<', matrix)
    # The operator sees the same line from its side: it owes, it does not receive.
    page = text(payer.get("/finance"))
    assert 'data-org="IAM" data-side="payable"' in page
    assert 'data-org="IAM" data-side="receivable"' not in page


def test_exports_hold_the_amounts_exactly_as_stored(app, world):
    signed(app, world, total="1234567,89", lines=(("2026-03-01", "1234567,89"),))
    client = browser(app, world["payer"])
    response = client.get("/finance/agreements/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "N°" and len(rows) == 2
    # The decimal comma French spreadsheets read as a number.
    assert rows[1][10] == "1234567,89"  # total
    assert rows[1][12] == "1234567,89"  # outstanding

    response = client.get("/finance/installments/export.xlsx?when=all")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][6] == "Montant (MAD)"
    assert Decimal(str(values[1][6])) == Decimal("1234567.89")
    assert values[1][8] == "Oui"  # overdue on 1 June


# --- Blank filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/finance?city=%20",
        "/finance/agreements?city=%20&organization=%20&status=%20&purpose=%09",
        "/finance/agreements/export.csv?organization=%20",
        "/finance/installments?when=%20&city=%20",
        "/finance/installments/export.xlsx?organization=%20",
        "/finance/assets?kind=%20&city=%20",
        "/milestones?status=%20&city=%20&domain=%20&horizon=%20&organization=%20&sort=%20",
        "/commitments?city=%20&organization=%20&status=%20",
    ],
)
def test_a_blank_filter_value_means_all(app, world, url):
    _found, secretariat = signed(app, world)
    response = secretariat.get(url)
    assert response.status_code == 200
    if url.startswith("/finance/agreements?"):
        assert "Redevance des fourreaux" in text(response)


def test_blank_filters_on_the_administration_lists(app, make_user):
    admin = browser(app, make_user(role=Role.ADMIN))
    for url in (
        "/admin/users?role=%20&city=%20&organization=%20",
        "/admin/organizations?kind=%20&city=%20",
    ):
        assert admin.get(url).status_code == 200, url
