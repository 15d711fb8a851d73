"""The criteria and ranking pages: weights refused, the ranking and its exports read back."""

import csv
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from portal.extensions import db
from portal.models import City, SiteKind
from portal.models.coverage import Site, SiteCriterion
from portal.services import coverage
from tests.conftest import browser, text

# The pages run on a fixed date (the service tests pass theirs to the service).
pytestmark = pytest.mark.usefixtures("_today")


def test_the_ranking_exports_read_back_with_the_hand_computed_scores(app, world):
    client = browser(app, world["observer"])
    url = "/coverage/cities/marrakech/ranking/digital_space"
    page = text(client.get(url))
    assert page.index("EPN Médina") < page.index("EPN Guéliz") < page.index("EPN Massira")
    assert "Local disponible — Pas de local" in page
    # How many assessors each score stands on.
    assert '<td class="amount scorers">2</td>' in page

    response = client.get(url + "/export.csv")
    assert response.headers["Content-Disposition"].endswith(
        'classement-marrakech-digital_space.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:7] == [
        "Rang",
        "Site",
        "Quartier",
        "Organisme d'accueil",
        "Coût estimé (MAD)",
        "Statut",
        "Score sur 100",
    ]
    assert header[7:9] == ["Population desservie (/60)", "Accessibilité (/40)"]
    by_site = {row[1]: row for row in rows[1:]}
    assert by_site["EPN Médina"][0] == "1" and by_site["EPN Médina"][6:9] == [
        "79,00",
        "47,50",
        "31,50",
    ]
    assert by_site["EPN Guéliz"][0] == "2" and by_site["EPN Guéliz"][6:9] == [
        "76,25",
        "40,50",
        "35,75",
    ]
    assert by_site["EPN Massira"][0] == "éliminé"
    assert by_site["EPN Massira"][10] == "Local disponible : Pas de local"

    sheet = load_workbook(io.BytesIO(client.get(url + "/export.xlsx").data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][6] == "Score sur 100"
    assert [(r[0], r[1], r[6]) for r in values[1:3]] == [
        (1, "EPN Médina", 79),
        (2, "EPN Guéliz", 76.25),
    ]

    pdf = client.get(url + "/export.pdf")
    assert pdf.mimetype == "application/pdf"
    content = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Classement des sites" in content and "Marrakech" in content
    assert "EPN Médina" in content and "79,00" in content and "Pas de local" in content


def test_weights_that_do_not_add_up_are_refused_on_the_criteria_page(app, world):
    client = browser(app, world["secretariat"])
    url = "/coverage/cities/agadir/criteria/connected_zone"
    response = client.post(url, data={"criteria": "Fréquentation | 50\nSécurité | 40"})
    assert response.status_code == 422
    assert "Les critères notés totalisent 90 points : il en faut 100." in text(response)
    assert (
        client.post(url, data={"criteria": "Fréquentation | 60\nSécurité | 40"}).status_code == 302
    )
    # Marrakech's set is assessed: it no longer changes.
    response = client.post(
        "/coverage/cities/marrakech/criteria/digital_space",
        data={"criteria": "Population | 100", "version": 1},
    )
    assert response.status_code in (409, 422)
    assert "ne changent plus" in text(response)


def test_the_ranking_pdf_holds_twenty_criteria(app, world):
    client = browser(app, world["secretariat"])
    grid = "\n".join(f"Critère numéro {n} | 5" for n in range(1, 21))
    url = "/coverage/cities/agadir/criteria/connected_zone"
    assert client.post(url, data={"criteria": grid}).status_code == 302
    response = client.get("/coverage/cities/agadir/ranking/connected_zone/export.pdf")
    assert response.status_code == 200
    content = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "C20 — Critère numéro 20 : 5 points" in content


def test_the_kept_score_and_rank_match_the_ranking(app, world):
    with app.app_context():
        city = db.session.get(City, world["city"].id)
        ranking = coverage.ranking(city, SiteKind.DIGITAL_SPACE)
        kept = {
            site.name: (site.score, site.eliminated, coverage.rank_of(site))
            for site, _ in ranking.rows
        }
        computed = {
            site.name: (r.total, r.status == "eliminated", r.rank) for site, r in ranking.rows
        }
    assert kept == computed
    assert kept["EPN Médina"] == (Decimal("79.00"), False, 1)
    assert kept["EPN Massira"] == (Decimal("97.00"), True, None)


def _criteria_ids(app, slug="marrakech", kind=SiteKind.DIGITAL_SPACE) -> dict[str, int]:
    with app.app_context():
        city = db.session.scalar(sa.select(City).where(City.slug == slug))
        return {c.label: c.id for c in coverage.criteria_set(city.id, kind).criteria}


def test_assessed_criteria_get_arabic_labels_that_readers_see_in_pages_and_exports(app, world):
    secretariat = browser(app, world["secretariat"])
    url = "/coverage/cities/marrakech/criteria/digital_space/labels"
    ids = _criteria_ids(app)
    population, gate = ids["Population desservie"], ids["Local disponible"]
    fields = {f"{lang}_{i}": "" for i in ids.values() for lang in ("en", "ar")}
    typed = {
        **fields,
        f"en_{population}": "Population served",
        f"ar_{population}": "السكان المستفيدون",
        f"ar_{gate}": "مقر متوفر",
    }
    # A control character is refused on its field, the rest comes back as typed.
    response = secretariat.post(url, data={**typed, f"en_{gate}": "Premises\x07", "version": 1})
    assert response.status_code == 422
    page = text(response)
    assert f'aria-describedby="en_{gate}-errors"' in page and 'value="السكان المستفيدون"' in page
    assert _criteria_ids(app) == ids
    with app.app_context():
        assert not any(db.session.scalars(sa.select(SiteCriterion.label_ar)))

    # The sites are assessed, yet a translation is accepted: it changes no score.
    assert secretariat.post(url, data={**typed, "version": 1}).status_code == 302
    stale = secretariat.post(url, data={**typed, "version": 1})
    assert stale.status_code == 409

    reader = browser(app, world["observer"])
    reader.post("/account/language", data={"language": "ar"})
    ranking = "/coverage/cities/marrakech/ranking/digital_space"
    page = text(reader.get(ranking))
    assert "<bdi>السكان المستفيدون</bdi>" in page and "Population desservie" not in page
    assert "<bdi>Accessibilité</bdi>" in page  # untranslated: the French label stands
    header = next(
        csv.reader(
            io.StringIO(reader.get(ranking + "/export.csv").data.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert "السكان المستفيدون (/60)" in header
    pdf = reader.get(ranking + "/export.pdf").data
    content = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "مقر متوفر" in content.replace("\u200f", "")
    reader.post("/account/language", data={"language": "en"})
    assert "Population served" in text(reader.get(ranking))

    # Published again with a changed grid, the unchanged criteria keep their labels.
    agadir = "/coverage/cities/agadir/criteria/connected_zone"
    assert (
        secretariat.post(agadir, data={"criteria": "Fréquentation | 60\nSécurité | 40"}).status_code
        == 302
    )
    first = _criteria_ids(app, "agadir", SiteKind.CONNECTED_ZONE)
    labels = {f"ar_{first['Fréquentation']}": "الإقبال", "version": 1}
    assert secretariat.post(agadir + "/labels", data=labels).status_code == 302
    response = secretariat.post(
        agadir, data={"criteria": "Fréquentation | 50\nÉclairage | 50", "version": 2}
    )
    assert response.status_code == 302, text(response)
    with app.app_context():
        city = db.session.scalar(sa.select(City).where(City.slug == "agadir"))
        kept = {
            c.label: c.label_ar
            for c in coverage.criteria_set(city.id, SiteKind.CONNECTED_ZONE).criteria
        }
    assert kept == {"Fréquentation": "الإقبال", "Éclairage": ""}


def test_lists_take_the_readers_punctuation(app, world):
    """French sets a space before its semicolon, Arabic has its own comma and semicolon."""
    reader = browser(app, world["observer"])
    with app.app_context():
        site = db.session.scalar(sa.select(Site).where(Site.name == "EPN Massira"))
    page = text(reader.get(f"/coverage/sites/{site.id}"))
    assert "<dd>Marrakech, Massira</dd>" in page
    with app.app_context():
        db.session.get(City, world["city"].id).name_ar = "مراكش"
        db.session.commit()
    reader.post("/account/language", data={"language": "ar"})
    page = text(reader.get(f"/coverage/sites/{site.id}"))
    assert "<dd><bdi>مراكش</bdi>، <bdi>Massira</bdi></dd>" in page
    reader.post("/account/language", data={"language": "en"})
    assert "<dd>Marrakech, Massira</dd>" in text(reader.get(f"/coverage/sites/{site.id}"))
