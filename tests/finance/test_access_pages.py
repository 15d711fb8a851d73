"""Who sees what through the pages: agreements, assets and sharers' lines, the audit trail."""

import re

import pytest

from portal.models import AgreementStatus, InstallmentStatus, Role
from tests.conftest import browser, text
from tests.finance.page_helpers import (
    act,
    agreement,
    installment,
    make_asset,
    set_key,
    signed,
    the_asset,
)

# The pages run on a fixed date (the service tests pass theirs to the service).
pytestmark = pytest.mark.usefixtures("_today")


# --- Agreements -------------------------------------------------------------------------------


def test_only_the_parties_the_city_the_ministry_and_the_secretariat_see_an_agreement(app, world):
    found, _secretariat = signed(app, world)
    url = f"/finance/agreements/{found.id}"
    for who in ("payer", "payee", "local", "central", "secretariat"):
        client = browser(app, world[who])
        assert client.get(url).status_code == 200, who
        assert "Redevance des fourreaux" in text(client.get("/finance/agreements")), who
    for who in ("outsider", "local_elsewhere"):
        client = browser(app, world[who])
        assert client.get(url).status_code == 404, who
        assert "Redevance des fourreaux" not in text(client.get("/finance/agreements")), who
        assert "Redevance" not in text(client.get("/finance/installments/export.csv")), who
        overview = text(client.get("/finance"))
        assert "RADEEMA" not in overview, who
    assert browser(app, world["observer"]).get(url).status_code == 403
    first = found.installments[0]
    outsider = browser(app, world["outsider"])
    assert act(outsider, first, "pay", reference="V", day="2026-03-01").status_code == 404
    assert installment(app, first.id).status is InstallmentStatus.PLANNED


def test_a_party_cannot_edit_an_agreement(app, world):
    found, _secretariat = signed(app, world)
    payer = browser(app, world["payer"])
    assert payer.get(f"/finance/agreements/{found.id}/edit").status_code == 403
    response = payer.post(
        f"/finance/agreements/{found.id}/terminate", data={"reason": "x", "version": 1}
    )
    assert response.status_code == 403
    assert agreement(app, found.id).status is AgreementStatus.SIGNED


# --- Shared assets ----------------------------------------------------------------------------


def test_an_asset_is_seen_by_its_sharers_and_not_by_others(app, world, make_org, make_user):
    secretariat = browser(app, world["secretariat"])
    make_asset(secretariat, world)
    asset = the_asset(app)
    set_key(secretariat, asset, [(world["utility"].id, "60"), (world["operator"].id, "40")])
    url = f"/finance/assets/{asset.id}"
    assert browser(app, world["payer"]).get(url).status_code == 200
    assert browser(app, world["local"]).get(url).status_code == 200
    assert browser(app, world["outsider"]).get(url).status_code == 404
    assert browser(app, world["local_elsewhere"]).get(url).status_code == 404
    assert "Fourreaux" not in text(browser(app, world["outsider"]).get("/finance/assets"))


def test_a_sharer_sees_its_own_share_of_an_asset_not_the_others(app, world, make_user):
    """Each sharer's share is the amount of its agreement with the owner: the owner, the
    city's deciders and the secretariat see them all; a sharer, its own line only."""
    secretariat = browser(app, world["secretariat"])
    make_asset(secretariat, world)
    asset = the_asset(app)
    key = [(world["utility"].id, "50"), (world["operator"].id, "30"), (world["third"].id, "20")]
    set_key(secretariat, asset, key)
    url = f"/finance/assets/{asset.id}"
    hidden = "Réservé aux parties de sa convention, au ministère et au secrétariat"

    def line(page: str, org: str) -> str:
        row = re.search(rf'<tr data-org="{org}">(.*?)</tr>', page, re.S)
        return re.sub(r"\s+", " ", row.group(1))

    for reader in ("secretariat", "local", "central", "payee"):  # payee: the owner's staff
        page = text(browser(app, world[reader]).get(url))
        assert "300 000,00" in line(page, "IAM").replace("\u202f", " "), reader
        assert "200 000,00" in line(page, "Orange").replace("\u202f", " "), reader
        assert hidden not in page, reader
    page = text(browser(app, world["payer"]).get(url))  # IAM's staff
    assert "300 000,00" in line(page, "IAM").replace("\u202f", " ")
    assert hidden in line(page, "Orange") and "200 000" not in line(page, "Orange")
    assert hidden in line(page, "RADEEMA")


# --- The audit trail --------------------------------------------------------------------------


def test_the_audit_trail_does_not_show_amounts_to_the_administrator(app, world, make_user):
    signed(app, world, total="1234567,89", lines=(("2026-03-01", "1234567,89"),))
    admin = browser(app, make_user(role=Role.ADMIN))
    page = text(admin.get("/admin/audit?action=finance."))
    assert "Convention signée" in page  # that money moved is on record
    assert "1234567.89" not in page and "CONV-2026-001" not in page
    assert "Détails réservés" in page
