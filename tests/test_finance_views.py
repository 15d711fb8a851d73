"""Financial counterparts through the pages: forms, refusals, access, balances, exports."""

import csv
import io
import re
from datetime import date
from decimal import Decimal
from html import unescape

import openpyxl
import pytest
import sqlalchemy as sa

from portal import clock
from portal.extensions import db
from portal.models import (
    Agreement,
    AgreementStatus,
    AuditEvent,
    Installment,
    InstallmentStatus,
    OrganizationKind,
    Role,
    SharedAsset,
    StoredFile,
)
from tests.conftest import login

TODAY = date(2026, 6, 1)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def world(make_city, make_org, make_user):
    city, elsewhere = make_city(name="Marrakech", slug="marrakech"), make_city(name="Fès")
    utility = make_org(city=city, short_name="RADEEMA", kind=OrganizationKind.UTILITY)
    operator = make_org(short_name="IAM", kind=OrganizationKind.TELECOM_OPERATOR)
    third = make_org(short_name="Orange", kind=OrganizationKind.TELECOM_OPERATOR)
    return {
        "city": city,
        "elsewhere": elsewhere,
        "utility": utility,
        "operator": operator,
        "third": third,
        "secretariat": make_user(role=Role.SECRETARIAT),
        "payer": make_user(role=Role.CONTRIBUTOR, organization=operator),
        "payee": make_user(role=Role.CONTRIBUTOR, organization=utility),
        "outsider": make_user(role=Role.CONTRIBUTOR, organization=third),
        "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        "local_elsewhere": make_user(role=Role.LOCAL_DECISION_MAKER, city=elsewhere),
        "central": make_user(role=Role.CENTRAL_DECISION_MAKER),
        "observer": make_user(role=Role.OBSERVER),
    }


def browser(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def create(client, world, **change):
    data = {
        "city_id": world["city"].id,
        "payer_id": world["operator"].id,
        "payee_id": world["utility"].id,
        "purpose": "usage_fee",
        "title": "Redevance des fourreaux",
        "action_id": 0,
        "asset_id": 0,
        "total": "10000,00",
        "start_date": "2026-01-01",
        "convention_reference": "",
        **change,
    }
    return client.post("/finance/agreements/new", data=data)


def agreement(app, agreement_id=None) -> Agreement:
    with app.app_context():
        query = sa.select(Agreement).order_by(Agreement.id)
        if agreement_id:
            query = query.where(Agreement.id == agreement_id)
        found = db.session.scalars(query).first()
        if found is not None:
            found.installments  # noqa: B018 (loaded before detaching)
            db.session.expunge_all()
        return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def signed(app, world, *, total="10000,00", lines=(("2026-03-01", "4000"), ("2026-09-01", "6000"))):
    """A signed agreement IAM -> RADEEMA, through the secretariat's pages."""
    secretariat = browser(app, world["secretariat"])
    assert create(secretariat, world, total=total).status_code == 302
    found = agreement(app)
    response = secretariat.post(
        f"/finance/agreements/{found.id}/schedule",
        data={
            "mode": "manual",
            "version": found.version,
            "due_date": [d for d, _ in lines],
            "amount": [a for _, a in lines],
        },
    )
    assert response.status_code == 302, text(response)
    found = agreement(app, found.id)
    response = secretariat.post(
        f"/finance/agreements/{found.id}/sign",
        data={
            "signed_on": "2026-01-05",
            "convention_reference": "CONV-2026-001",
            "version": found.version,
        },
    )
    assert response.status_code == 302, text(response)
    return agreement(app, found.id), secretariat


def act(client, installment, action, **data):
    return client.post(
        f"/finance/installments/{installment.id}/act",
        data={"action": action, "version": installment.version, **data},
    )


def installment(app, installment_id) -> Installment:
    with app.app_context():
        found = db.session.get(Installment, installment_id)
        db.session.expunge(found)
        return found


# --- Agreements and schedules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"payee_id": "same"}, "Le payeur et le bénéficiaire doivent différer."),
        ({"total": "12,345"}, "Le montant a au plus deux décimales."),
        ({"total": "-5"}, "Le montant doit être positif ou nul."),
        ({"total": "0"}, "Le montant doit être supérieur à zéro."),
        ({"total": "beaucoup"}, "Montant invalide."),
        ({"start_date": "9999-01-01"}, "Date hors de la plage admise"),
    ],
)
def test_a_wrong_agreement_is_refused_with_a_message_and_nothing_stored(
    app, world, change, message
):
    if change.get("payee_id") == "same":
        change["payee_id"] = world["operator"].id
    response = create(browser(app, world["secretariat"]), world, **change)
    assert response.status_code == 422
    assert message in text(response)
    assert count(app, Agreement) == 0


def test_a_schedule_that_does_not_add_up_is_refused_with_the_difference(app, world):
    secretariat = browser(app, world["secretariat"])
    create(secretariat, world)
    found = agreement(app)
    response = secretariat.post(
        f"/finance/agreements/{found.id}/schedule",
        data={
            "mode": "manual",
            "version": found.version,
            "due_date": ["2026-03-01", "2026-09-01", ""],
            "amount": ["4000", "5999,99", ""],
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "écart de -0,01 MAD" in page
    assert count(app, Installment) == 0
    # The lines typed are given back for correction.
    assert 'value="5999,99"' in page


def test_a_generated_schedule_puts_the_remainder_on_the_last_installment(app, world):
    secretariat = browser(app, world["secretariat"])
    create(secretariat, world, total="1000,00")
    found = agreement(app)
    response = secretariat.post(
        f"/finance/agreements/{found.id}/schedule",
        data={
            "mode": "generate",
            "frequency": "monthly",
            "count": "3",
            "first_due": "2026-01-31",
            "version": found.version,
        },
    )
    assert response.status_code == 302
    found = agreement(app, found.id)
    assert [(i.due_date, i.amount) for i in found.installments] == [
        (date(2026, 1, 31), Decimal("333.33")),
        (date(2026, 2, 28), Decimal("333.33")),
        (date(2026, 3, 31), Decimal("333.34")),
    ]


def test_signing_freezes_the_schedule_and_a_stale_form_is_refused(app, world):
    found, secretariat = signed(app, world)
    assert found.status is AgreementStatus.SIGNED
    assert found.convention_reference == "CONV-2026-001"
    response = secretariat.post(
        f"/finance/agreements/{found.id}/schedule",
        data={"mode": "generate", "frequency": "monthly", "count": "2", "first_due": "2026-07-01"},
        follow_redirects=True,
    )
    assert "ne se modifie plus" in text(response)
    assert [i.amount for i in agreement(app, found.id).installments] == [
        Decimal("4000.00"),
        Decimal("6000.00"),
    ]
    response = secretariat.post(
        f"/finance/agreements/{found.id}/terminate",
        data={"reason": "Fin", "version": found.version - 1},
    )
    assert response.status_code == 409
    assert agreement(app, found.id).status is AgreementStatus.SIGNED


def test_terminating_cancels_what_is_open_and_keeps_what_was_paid(app, world):
    found, secretariat = signed(app, world)
    first, second = found.installments
    payer = browser(app, world["payer"])
    assert act(payer, first, "pay", reference="VIR-1", day="2026-03-02").status_code == 302
    response = secretariat.post(
        f"/finance/agreements/{found.id}/terminate",
        data={"reason": "Tracé abandonné", "version": found.version},
    )
    assert response.status_code == 302
    assert installment(app, first.id).status is InstallmentStatus.PAID
    assert installment(app, second.id).status is InstallmentStatus.CANCELLED
    assert agreement(app, found.id).status is AgreementStatus.TERMINATED


def test_the_signed_convention_is_attached_and_a_wrong_file_is_refused(app, world):
    found, secretariat = signed(app, world)
    url = f"/finance/agreements/{found.id}/document"
    bad = secretariat.post(url, data={"document": (io.BytesIO(b"plain text"), "convention.txt")})
    assert bad.status_code == 422
    assert "Type de fichier non accepté" in text(bad)
    assert count(app, StoredFile) == 0
    good = secretariat.post(url, data={"document": (io.BytesIO(PDF), "convention.pdf")})
    assert good.status_code == 302
    assert browser(app, world["payer"]).get(url).data == PDF
    assert browser(app, world["outsider"]).get(url).status_code == 404


# --- Payments ---------------------------------------------------------------------------------


def test_payer_pays_payee_confirms_and_each_side_keeps_to_its_own(app, world):
    found, _secretariat = signed(app, world)
    first = found.installments[0]
    payer, payee = browser(app, world["payer"]), browser(app, world["payee"])

    assert act(payee, first, "pay", reference="X", day="2026-03-01").status_code == 403
    assert act(payer, first, "invoice", reference="F-1", day="2026-02-01").status_code == 403
    response = act(payee, first, "invoice", reference="F-1", day="2026-07-01")
    assert response.status_code == 422
    assert "La date ne peut pas être future." in text(response)
    assert act(payee, first, "invoice", reference="F-1", day="2026-02-01").status_code == 302

    first = installment(app, first.id)
    response = act(payer, first, "pay", reference="", day="2026-03-01")
    assert response.status_code == 422
    assert "Ce champ est obligatoire." in text(response)
    assert act(payer, first, "pay", reference="VIR-77", day="2026-03-01").status_code == 302
    first = installment(app, first.id)
    assert first.status is InstallmentStatus.PAID and first.received_at is None
    page = text(payer.get(f"/finance/agreements/{found.id}"))
    assert "réception à confirmer" in page
    assert 'data-action="confirm"' not in page  # the payer does not confirm its own payment

    assert act(payer, first, "confirm").status_code == 403
    assert act(payee, first, "confirm").status_code == 302
    assert installment(app, first.id).received_at is not None
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {
        "finance.installment_invoice",
        "finance.installment_pay",
        "finance.installment_confirm",
        "finance.agreement_signed",
    } <= actions


def test_a_dispute_needs_a_reason_and_the_secretariat_resolves_it(app, world):
    found, secretariat = signed(app, world)
    first = found.installments[0]
    payer = browser(app, world["payer"])
    response = act(payer, first, "dispute", reason="  ")
    assert response.status_code == 422
    assert installment(app, first.id).status is InstallmentStatus.PLANNED
    assert act(payer, first, "dispute", reason="Linéaire surestimé").status_code == 302
    first = installment(app, first.id)
    assert first.status is InstallmentStatus.DISPUTED
    assert act(payer, first, "resolve", reason="Accord").status_code == 403
    assert act(secretariat, first, "resolve", reason="Accord trouvé").status_code == 302
    assert installment(app, first.id).status is InstallmentStatus.PLANNED


def test_a_stale_payment_form_is_refused(app, world):
    found, _secretariat = signed(app, world)
    first = found.installments[0]
    payee = browser(app, world["payee"])
    assert act(payee, first, "invoice", reference="F-1", day="2026-02-01").status_code == 302
    # `first` still carries the version read before the invoice.
    response = act(browser(app, world["payer"]), first, "pay", reference="V", day="2026-03-01")
    assert response.status_code == 409
    assert installment(app, first.id).status is InstallmentStatus.INVOICED


# --- Access -----------------------------------------------------------------------------------


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


# --- Shared assets ----------------------------------------------------------------------------


def make_asset(client, world, **change):
    data = {
        "city_id": world["city"].id,
        "owner_id": world["utility"].id,
        "kind": "duct",
        "name": "Fourreaux de la médina",
        "description": "",
        "capacity": "12,5",
        "capacity_unit": "km",
        "capital_cost": "1000000",
        "yearly_operating_cost": "30000",
        **change,
    }
    return client.post("/finance/assets/new", data=data)


def set_key(client, asset, lines, **extra):
    data = {
        "basis": "percent",
        "version": asset.version,
        "organization_id": [org for org, _ in lines],
        "weight": [weight for _, weight in lines],
        "start_date": "2026-07-01",
        "frequency": "yearly",
        "count": "3",
        "operating_years": "0",
        **extra,
    }
    return client.post(f"/finance/assets/{asset.id}/key", data=data)


def the_asset(app) -> SharedAsset:
    with app.app_context():
        found = db.session.scalars(sa.select(SharedAsset)).one()
        db.session.expunge(found)
        return found


def test_a_key_that_does_not_add_up_to_100_is_refused(app, world):
    secretariat = browser(app, world["secretariat"])
    assert make_asset(secretariat, world).status_code == 302
    asset = the_asset(app)
    lines = [
        (world["utility"].id, "40"),
        (world["operator"].id, "33,33"),
        (world["third"].id, "26,66"),
    ]
    response = set_key(secretariat, asset, lines)
    assert response.status_code == 422
    message = "Les parts totalisent 99,99 % : il faut exactement 100 % (écart de -0,01)"
    assert message in text(response)
    assert the_asset(app).version == asset.version


def test_generated_agreements_split_the_cost_and_a_key_change_asks_what_to_do(app, world):
    secretariat = browser(app, world["secretariat"])
    make_asset(secretariat, world)
    asset = the_asset(app)
    lines = [(world["utility"].id, "1"), (world["operator"].id, "1"), (world["third"].id, "1")]
    assert set_key(secretariat, asset, lines, basis="units").status_code == 302
    page = text(secretariat.get(f"/finance/assets/{asset.id}"))
    assert "33,34" in page and "333\u202f333,34".replace("\u202f", "\xa0") in page.replace(
        "\u202f", "\xa0"
    )
    response = secretariat.post(
        f"/finance/assets/{asset.id}/generate",
        data={
            "start_date": "2026-07-01",
            "frequency": "yearly",
            "count": "3",
            "version": asset.version - 1,
        },
    )
    assert response.status_code == 409  # a page loaded before the key's last change
    assert count(app, Agreement) == 0
    response = secretariat.post(
        f"/finance/assets/{asset.id}/generate",
        data={
            "start_date": "2026-07-01",
            "frequency": "yearly",
            "count": "3",
            "version": the_asset(app).version,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        totals = sorted(db.session.scalars(sa.select(Agreement.total_amount)))
    # The owner keeps the cent of the remainder: 333 333,34; the two others pay 333 333,33.
    assert totals == [Decimal("333333.33"), Decimal("333333.33")]

    asset = the_asset(app)
    new_lines = [
        (world["utility"].id, "50"),
        (world["operator"].id, "30"),
        (world["third"].id, "20"),
    ]
    response = set_key(secretariat, asset, new_lines)
    assert response.status_code == 422
    assert "choisissez de les garder" in text(response)
    response = set_key(secretariat, asset, new_lines, on_existing="keep")
    assert response.status_code == 302
    with app.app_context():
        assert sorted(db.session.scalars(sa.select(Agreement.total_amount))) == totals

    asset = the_asset(app)
    response = set_key(secretariat, asset, new_lines, on_existing="regenerate")
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.execute(sa.select(Agreement.status, Agreement.total_amount)).all()
    assert sorted(a for s, a in rows if s is AgreementStatus.DRAFT) == [
        Decimal("200000.00"),
        Decimal("300000.00"),
    ]
    assert [s for s, _a in rows].count(AgreementStatus.TERMINATED) == 2


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


def test_after_a_refusal_the_page_still_sends_people_back_to_the_agreement(app, world):
    found, _secretariat = signed(app, world)
    first = found.installments[0]
    payer = browser(app, world["payer"])
    refused = act(payer, first, "pay", reference=" ", day="2026-03-01")
    assert refused.status_code == 422
    # The page is served at the POST-only action address: its forms must not come back here.
    assert f'name="next" value="/finance/agreements/{found.id}"' in text(refused)


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


def test_the_audit_trail_does_not_show_amounts_to_the_administrator(app, world, make_user):
    signed(app, world, total="1234567,89", lines=(("2026-03-01", "1234567,89"),))
    admin = browser(app, make_user(role=Role.ADMIN))
    page = text(admin.get("/admin/audit?action=finance."))
    assert "Convention signée" in page  # that money moved is on record
    assert "1234567.89" not in page and "CONV-2026-001" not in page
    assert "Détails réservés" in page


def test_a_new_assets_key_is_saved_from_the_page_as_it_posts_it(app, world):
    secretariat = browser(app, world["secretariat"])
    make_asset(secretariat, world)
    asset = the_asset(app)
    # Without agreements the page shows no generation settings: only the key is posted.
    response = secretariat.post(
        f"/finance/assets/{asset.id}/key",
        data={
            "basis": "percent",
            "version": asset.version,
            "organization_id": [world["utility"].id, world["operator"].id],
            "weight": ["60", "40"],
        },
    )
    assert response.status_code == 302, text(response)
    assert the_asset(app).version == asset.version + 1


def test_a_schedule_posted_without_its_version_is_stale(app, world):
    secretariat = browser(app, world["secretariat"])
    create(secretariat, world)
    found = agreement(app)
    response = secretariat.post(
        f"/finance/agreements/{found.id}/schedule",
        data={"mode": "generate", "frequency": "monthly", "count": "2", "first_due": "2026-07-01"},
    )
    assert response.status_code == 409
    assert count(app, Installment) == 0


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
