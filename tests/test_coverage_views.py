"""Digital coverage through its pages: forms that refuse bad input and change nothing, who may
act, the map's data and policy, and the ranking's exports read back."""

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from portal import clock
from portal.extensions import db
from portal.models import (
    Assessment,
    City,
    IndicatorTarget,
    Measurement,
    OrganizationKind,
    Role,
    Site,
    SiteKind,
    SiteStatus,
)
from portal.services import coverage
from tests.conftest import login, statements

TODAY = date(2026, 6, 1)
CRITERIA = "! Local disponible\nPopulation desservie | 60\nAccessibilité | 40"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def browser(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def edit_form(app, site_id: int) -> dict:
    """The site's edit form as it loads: what the tests post, changed where they say."""
    with app.app_context():
        site = db.session.get(Site, site_id)
        return {
            "city_id": site.city_id,
            "kind": "digital_space",
            "district": site.district,
            "name": site.name,
            "address": site.address,
            "latitude": "31.64",
            "longitude": "-7.99",
            "host_organization_id": site.host_organization_id,
            "estimated_cost": "700000",
            "action_id": 0,
            "version": site.version,
        }


@pytest.fixture
def world(app, make_city, make_org, make_user, make_domain):
    city = make_city(name="Marrakech", slug="marrakech")
    elsewhere = make_city(name="Agadir", slug="agadir")
    commune = make_org(city=city, short_name="CU Marrakech", kind=OrganizationKind.COMMUNE)
    utility = make_org(city=city, short_name="RADEEMA", kind=OrganizationKind.UTILITY)
    people = {
        "secretariat": make_user(role=Role.SECRETARIAT),
        "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        "local_elsewhere": make_user(role=Role.LOCAL_DECISION_MAKER, city=elsewhere),
        "first": make_user(role=Role.EVALUATOR),
        "second": make_user(role=Role.EVALUATOR),
        "host": make_user(role=Role.CONTRIBUTOR, organization=commune),
        "stranger": make_user(role=Role.CONTRIBUTOR, organization=utility),
        "observer": make_user(role=Role.OBSERVER),
    }
    make_domain()
    with app.app_context():
        s = {k: db.session.merge(v) for k, v in people.items()}
        city_row = db.session.merge(city)
        coverage.save_criteria(s["secretariat"], city_row, SiteKind.DIGITAL_SPACE, CRITERIA)
        sites = {}
        for name, lat in (
            ("EPN Médina", "31.63"),
            ("EPN Guéliz", "31.64"),
            ("EPN Massira", "31.6"),
        ):
            sites[name] = coverage.save_site(
                s["secretariat"],
                None,
                city_id=city.id,
                district=name.split()[1],
                kind="digital_space",
                name=name,
                address="Marrakech",
                latitude=lat,
                longitude="-7.99",
                host_organization_id=commune.id,
                estimated_cost="700000",
                today=date(2026, 3, 1),
            )
        db.session.flush()
        grid = coverage.criteria_set(city.id, SiteKind.DIGITAL_SPACE).criteria
        gate, population, access = grid

        def assess(user, site, pop, acc, passed=True):
            coverage.save_assessment(
                user,
                site,
                {
                    gate.id: coverage.AnswerInput(
                        passed=passed, reason="" if passed else "Pas de local"
                    ),
                    population.id: coverage.AnswerInput(points=pop),
                    access.id: coverage.AnswerInput(points=acc),
                },
                today=date(2026, 4, 1),
            )

        # Médina: (50 + 45) / 2 + (30 + 33) / 2 = 47.5 + 31.5 = 79.00
        assess(s["first"], sites["EPN Médina"], "50", "30")
        assess(s["second"], sites["EPN Médina"], "45", "33")
        # Guéliz: (40 + 41) / 2 + (35 + 36.5) / 2 = 40.5 + 35.75 = 76.25
        assess(s["first"], sites["EPN Guéliz"], "40", "35")
        assess(s["second"], sites["EPN Guéliz"], "41", "36.5")
        # Massira: 58 + 39 = 97, but the premises are missing: eliminated.
        assess(s["first"], sites["EPN Massira"], "58", "39", passed=False)
        db.session.commit()
        ids = {name: site.id for name, site in sites.items()}
    return {**people, "city": city, "elsewhere": elsewhere, "commune": commune, "sites": ids}


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


def test_a_site_outside_morocco_is_refused_and_nothing_is_created(app, world):
    client = browser(app, world["secretariat"])
    form = {
        "city_id": world["city"].id,
        "kind": "digital_space",
        "district": "Centre",
        "name": "EPN Paris",
        "address": "Paris",
        "latitude": "48.8566",
        "longitude": "2.3522",
        "host_organization_id": world["commune"].id,
        "estimated_cost": "500000",
        "action_id": 0,
    }
    response = client.post("/coverage/sites/new", data=form)
    assert response.status_code == 422
    assert "Hors du Maroc : entre 20.5 et 36.0." in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Site.id))) == 3
    response = client.post(
        "/coverage/sites/new", data=form | {"latitude": "31,6295", "longitude": "-7.9811"}
    )
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(sa.select(Site).where(Site.name == "EPN Paris"))
        assert (created.latitude, created.status) == (Decimal("31.629500"), SiteStatus.PROPOSED)


def test_an_assessor_over_the_maximum_is_told_and_nothing_is_saved(app, world):
    client = browser(app, world["first"])
    with app.app_context():
        site = coverage.save_site(
            db.session.merge(world["secretariat"]),
            None,
            city_id=world["city"].id,
            district="Daoudiate",
            kind="digital_space",
            name="EPN Daoudiate",
            address="Marrakech",
            latitude="31.65",
            longitude="-8.0",
            host_organization_id=world["commune"].id,
            estimated_cost="600000",
            today=date(2026, 5, 1),
        )
        db.session.commit()
        site_id = site.id
        gate, population, access = coverage.criteria_set(
            world["city"].id, SiteKind.DIGITAL_SPACE
        ).criteria
        names = (f"criterion-{gate.id}", f"criterion-{population.id}", f"criterion-{access.id}")
    url = f"/coverage/sites/{site_id}/assessment"
    page = text(client.get(url))
    assert "Population desservie — sur 60 points" in page
    response = client.post(url, data={names[0]: "yes", names[1]: "61", names[2]: "20"})
    assert response.status_code == 422
    assert "« Population desservie » : une note entre 0 et 60, deux décimales au plus." in text(
        response
    )
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Assessment.id)).where(Assessment.site_id == site_id)
            )
            == 0
        )
    response = client.post(url, data={names[0]: "yes", names[1]: "55.5", names[2]: "20"})
    assert response.status_code == 302
    page = text(client.get(f"/coverage/sites/{site_id}"))
    assert "Évalué" in page and "Score : 75,50 / 100" in page
    # The city may decide now, and is told that one assessor of two has scored.
    decider = text(browser(app, world["local"]).get(f"/coverage/sites/{site_id}"))
    assert "1 évaluation sur 2 : la décision peut attendre celles qui manquent." in decider


def test_deciding_takes_the_city_and_a_written_justification(app, world):
    site_id = world["sites"]["EPN Médina"]
    url = f"/coverage/sites/{site_id}/decision"
    form = {"to_status": "selected", "note": "Premier du classement.", "version": 0}
    with app.app_context():
        form["version"] = db.session.get(Site, site_id).version
    response = browser(app, world["local_elsewhere"]).post(url, data=form)
    assert response.status_code == 403
    local = browser(app, world["local"])
    response = local.post(url, data=form | {"note": ""})
    assert response.status_code == 422
    assert "Une justification écrite est requise." in text(response)
    with app.app_context():
        assert db.session.get(Site, site_id).status is SiteStatus.ASSESSED
    assert local.post(url, data=form).status_code == 302
    ranking = text(local.get("/coverage/cities/marrakech/ranking/digital_space"))
    assert "Retenu" in ranking and "Premier du classement." in ranking

    # The eliminated site cannot be selected, whatever its points.
    eliminated = world["sites"]["EPN Massira"]
    with app.app_context():
        version = db.session.get(Site, eliminated).version
    response = local.post(
        f"/coverage/sites/{eliminated}/decision",
        data={"to_status": "selected", "note": "Meilleur score", "version": version},
    )
    assert response.status_code == 422
    assert "ne remplit pas le critère éliminatoire « Local disponible »" in text(response)
    # The justification typed comes back in its own field, under the refusal.
    assert ">Meilleur score</textarea>" in text(response)


def test_a_stale_site_edit_is_refused_and_keeps_the_other_edit(app, world):
    client = browser(app, world["secretariat"])
    site_id = world["sites"]["EPN Guéliz"]
    form = edit_form(app, site_id) | {"name": "EPN Guéliz — bibliothèque"}
    assert client.post(f"/coverage/sites/{site_id}/edit", data=form).status_code == 302
    response = client.post(f"/coverage/sites/{site_id}/edit", data=form | {"name": "Autre nom"})
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Site, site_id).name == "EPN Guéliz — bibliothèque"


def test_figures_come_from_the_programme_or_the_hosting_organisation(app, world):
    site_id = world["sites"]["EPN Médina"]
    with app.app_context():
        site = db.session.get(Site, site_id)
        coverage.move(
            db.session.merge(world["local"]),
            site,
            "selected",
            note="Premier",
            on_date=None,
            today=TODAY,
            expected_version=site.version,
        )
        db.session.flush()
        coverage.move(
            db.session.merge(world["secretariat"]),
            site,
            "in_deployment",
            note="",
            on_date=None,
            today=TODAY,
            expected_version=site.version,
        )
        db.session.commit()
        version = site.version
    url = f"/coverage/sites/{site_id}/figures"
    response = browser(app, world["stranger"]).post(url, data={"seats": "12", "version": version})
    assert response.status_code == 403
    host = browser(app, world["host"])
    response = host.post(url, data={"seats": "12", "weekly_users": "300", "version": version})
    assert response.status_code == 422
    assert "La fréquentation se mesure une fois le site ouvert." in text(response)
    assert host.post(url, data={"seats": "12", "version": version}).status_code == 302
    with app.app_context():
        assert db.session.get(Site, site_id).seats == 12


def test_the_map_carries_the_sites_and_lets_the_tile_server_in(app, world):
    client = browser(app, world["observer"])
    response = client.get("/coverage/map?kind=digital_space")
    page = text(response)
    markers = json.loads(
        re.search(r'<script type="application/json" id="coverage-markers">(.*?)</script>', page)[1]
    )
    assert sorted(m["name"] for m in markers) == ["EPN Guéliz", "EPN Massira", "EPN Médina"]
    assert {m["status"] for m in markers} == {"assessed"}
    assert "3 sites sur la carte" in page
    assert (
        "img-src 'self' data: https://tile.openstreetmap.org"
        in response.headers["Content-Security-Policy"]
    )
    assert "3 sites sur la carte" not in text(client.get("/coverage/map?kind=connected_zone"))
    app.config["MAP_TILE_URL"] = ""
    try:
        response = client.get("/coverage/map")
    finally:
        app.config["MAP_TILE_URL"] = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "img-src 'self' data:;" in response.headers["Content-Security-Policy"]
    assert 'data-tiles=""' in text(response)


def test_the_city_page_compares_baseline_measure_and_target(app, world, make_domain):
    secretariat = browser(app, world["secretariat"])
    with app.app_context():
        user = db.session.merge(world["secretariat"])
        indicator = coverage.save_indicator(
            user,
            None,
            code="fibre",
            name="Ménages fibrés",
            unit="%",
            domain_id=make_domain(code="infra", name="Infrastructures").id,
        )
        target = coverage.save_target(
            user,
            None,
            indicator_id=indicator.id,
            city_id=world["city"].id,
            baseline_value="20",
            baseline_date=date(2025, 1, 1),
            target_value="60",
            target_date=date(2029, 1, 1),
        )
        db.session.commit()
        target_id = target.id
    url = f"/coverage/targets/{target_id}/measurements"
    response = secretariat.post(
        url, data={"value": "40", "measured_on": "2026-07-01", "source": "ANRT"}
    )
    assert response.status_code == 303
    page = text(secretariat.get("/coverage/cities/marrakech"))
    assert "Une mesure ne peut pas être datée du futur." in page
    assert (
        secretariat.post(
            url, data={"value": "40", "measured_on": "2026-05-01", "source": "ANRT T1"}
        ).status_code
        == 302
    )
    page = text(secretariat.get("/coverage/cities/marrakech"))
    # (40 - 20) / (60 - 20) = 50 % of the way; 516 of 1461 days = 35.3 % of the time.
    assert "50 % du chemin parcouru, 35,3 % du temps écoulé" in page
    assert 'class="indicator-chart"' in page and "Dans les temps" in page
    programme = text(secretariat.get("/coverage"))
    assert "Ménages fibrés" in programme and "50 % du chemin" in programme
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Measurement.id))) == 1


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


def test_an_open_site_keeps_its_capacity(app, world):
    site_id = world["sites"]["EPN Médina"]
    with app.app_context():
        site = db.session.get(Site, site_id)
        for actor, status in (("local", "selected"), ("secretariat", "in_deployment")):
            coverage.move(
                db.session.merge(world[actor]),
                site,
                status,
                note="Premier",
                on_date=None,
                today=TODAY,
                expected_version=site.version,
            )
            db.session.flush()
        secretariat = db.session.merge(world["secretariat"])
        coverage.record_figures(
            secretariat,
            site,
            seats=14,
            wifi_capacity=None,
            weekly_users=None,
            figures_on=None,
            today=TODAY,
            expected_version=site.version,
        )
        db.session.flush()
        coverage.move(
            secretariat,
            site,
            "open",
            note="",
            on_date=None,
            today=TODAY,
            expected_version=site.version,
        )
        db.session.commit()
        version = site.version
    client = browser(app, world["host"])
    response = client.post(
        f"/coverage/sites/{site_id}/figures", data={"weekly_users": "150", "version": version}
    )
    assert response.status_code == 422
    assert "Un site ouvert garde sa capacité." in text(response)
    with app.app_context():
        assert (
            db.session.get(Site, site_id).seats,
            db.session.get(Site, site_id).weekly_users,
        ) == (14, None)


def test_the_site_page_gives_the_rank_among_its_city_and_kind(app, world):
    client = browser(app, world["observer"])
    page = text(client.get(f"/coverage/sites/{world['sites']['EPN Guéliz']}"))
    assert "Score : 76,25 / 100 — rang 2" in page
    page = text(client.get(f"/coverage/sites/{world['sites']['EPN Massira']}"))
    assert "Score : 97,00 / 100" in page and "rang" not in page.split("Score :")[1][:30]
    assert "Éliminé : Local disponible (Pas de local)" in page


def test_the_sites_list_exports_what_its_filters_show(app, world, make_org):
    client = browser(app, world["observer"])
    page = text(client.get("/coverage/sites?city=marrakech&status=assessed"))
    assert "/coverage/sites/export.csv?city=marrakech&amp;status=assessed" in client.get(
        "/coverage/sites?city=marrakech&status=assessed"
    ).get_data(as_text=True)
    assert "3 sites" in page
    response = client.get("/coverage/sites/export.csv?city=marrakech&status=assessed")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Site", "Ville", "Quartier", "Type"]
    assert sorted(r[0] for r in rows[1:]) == ["EPN Guéliz", "EPN Massira", "EPN Médina"]
    assert {(r[1], r[3], r[9]) for r in rows[1:]} == {
        ("Marrakech", "Espace public numérique", "Évalué")
    }
    empty = client.get("/coverage/sites/export.xlsx?city=agadir")
    sheet = load_workbook(io.BytesIO(empty.data)).active
    assert sheet.max_row == 1  # the header only


def test_a_wrong_measurement_can_be_deleted_and_the_latest_is_read_again(app, world, make_domain):
    secretariat = browser(app, world["secretariat"])
    with app.app_context():
        user = db.session.merge(world["secretariat"])
        indicator = coverage.save_indicator(
            user,
            None,
            code="wifi",
            name="Zones Wi-Fi",
            unit="zones",
            domain_id=make_domain(code="infra", name="Infrastructures").id,
        )
        target = coverage.save_target(
            user,
            None,
            indicator_id=indicator.id,
            city_id=world["city"].id,
            baseline_value="2",
            baseline_date=date(2025, 1, 1),
            target_value="12",
            target_date=date(2029, 1, 1),
        )
        for value, day in (("4", date(2025, 6, 1)), ("40", date(2026, 3, 1))):
            coverage.record_measurement(
                user, target, value=value, measured_on=day, source="Commune", today=TODAY
            )
        db.session.commit()
        wrong = db.session.scalar(sa.select(Measurement.id).where(Measurement.value == 40))
        target_id = target.id
    response = browser(app, world["local"]).post(f"/coverage/measurements/{wrong}/delete")
    assert response.status_code == 403
    response = secretariat.post(f"/coverage/measurements/{wrong}/delete")
    assert response.status_code == 302
    with app.app_context():
        target = db.session.get(IndicatorTarget, target_id)
        assert (target.current_value, target.current_date) == (Decimal("4.00"), date(2025, 6, 1))
        assert [m.value for m in target.measurements] == [Decimal("4.00")]


def test_numbers_past_any_range_and_ids_past_any_row_are_refused_not_a_500(app, world):
    client = browser(app, world["secretariat"])
    huge = "1e9999999"
    response = client.post(
        "/coverage/cities/agadir/criteria/connected_zone", data={"criteria": f"A | {huge}"}
    )
    assert response.status_code == 422
    assert "« A » : un maximum de points positif est requis." in text(response)
    site_id = world["sites"]["EPN Guéliz"]
    form = edit_form(app, site_id) | {"estimated_cost": huge}
    response = client.post(f"/coverage/sites/{site_id}/edit", data=form)
    assert response.status_code == 422
    # An id no row can have is an unknown choice, refused on its field like any other.
    for field in ("milestone_ids", "action_id"):
        response = client.post(
            f"/coverage/sites/{site_id}/edit",
            data=form | {"estimated_cost": "1", field: "99999999999999999999"},
        )
        assert response.status_code == 422, field
        assert "Choix inconnu : choisissez dans la liste." in text(response)
    with app.app_context():
        assert db.session.get(Site, site_id).action_id is None


def test_a_change_to_the_linked_milestones_alone_makes_a_concurrent_edit_stale(
    app, world, make_plan, make_action, make_milestone
):
    action = make_action(plan=make_plan(city=world["city"]))
    first = make_milestone(action=action, title="Étude de site")
    second = make_milestone(action=action, title="Travaux")
    client = browser(app, world["secretariat"])
    site_id = world["sites"]["EPN Guéliz"]
    form = edit_form(app, site_id)
    assert (
        client.post(
            f"/coverage/sites/{site_id}/edit", data=form | {"milestone_ids": first.id}
        ).status_code
        == 302
    )
    response = client.post(
        f"/coverage/sites/{site_id}/edit",
        data=form | {"name": "Autre", "milestone_ids": second.id},
    )
    assert response.status_code == 409
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert (site.name, [m.title for m in site.milestones]) == ("EPN Guéliz", ["Étude de site"])


def test_the_ranking_pdf_holds_twenty_criteria(app, world):
    client = browser(app, world["secretariat"])
    grid = "\n".join(f"Critère numéro {n} | 5" for n in range(1, 21))
    url = "/coverage/cities/agadir/criteria/connected_zone"
    assert client.post(url, data={"criteria": grid}).status_code == 302
    response = client.get("/coverage/cities/agadir/ranking/connected_zone/export.pdf")
    assert response.status_code == 200
    content = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "C20 — Critère numéro 20 : 5 points" in content


def test_an_assessor_sees_the_others_answers_only_after_giving_theirs(app, world, make_user):
    newcomer = make_user(role=Role.EVALUATOR)
    site_id = world["sites"]["EPN Guéliz"]
    client = browser(app, newcomer)
    page = text(client.get(f"/coverage/sites/{site_id}"))
    assert "Évaluations détaillées" not in page and "Évaluer ce site" in page
    page = text(browser(app, world["first"]).get(f"/coverage/sites/{site_id}"))
    assert "Évaluations détaillées" in page


def test_the_measurement_fields_are_labelled(app, world, make_domain):
    with app.app_context():
        user = db.session.merge(world["secretariat"])
        indicator = coverage.save_indicator(
            user,
            None,
            code="ecoles",
            name="Écoles",
            unit="%",
            domain_id=make_domain(code="edu", name="Éducation").id,
        )
        target = coverage.save_target(
            user,
            None,
            indicator_id=indicator.id,
            city_id=world["city"].id,
            baseline_value="50",
            baseline_date=date(2025, 1, 1),
            target_value="90",
            target_date=date(2029, 1, 1),
        )
        db.session.commit()
        target_id = target.id
    page = (
        browser(app, world["secretariat"]).get("/coverage/cities/marrakech").get_data(as_text=True)
    )
    for name in ("value", "measured_on", "source"):
        assert f'<label for="{name}-{target_id}">' in page
        assert f'id="{name}-{target_id}"' in page


def test_the_site_page_reads_its_history_in_the_same_number_of_queries(app, world, make_user):
    from portal.models import SiteEvent

    client = browser(app, world["observer"])
    site_id = world["sites"]["EPN Guéliz"]
    url = f"/coverage/sites/{site_id}"

    def queries() -> int:
        responses = []
        sent = statements(lambda: responses.append(client.get(url)), app)
        assert responses[0].status_code == 200
        return sent

    client.get(url)
    before = queries()
    with app.app_context():
        for n in range(8):
            db.session.add(
                SiteEvent(
                    site_id=site_id,
                    to_status=SiteStatus.ASSESSED,
                    on_date=date(2026, 4, 2),
                    actor_id=make_user(role=Role.EVALUATOR).id,
                    note=f"Note {n}",
                )
            )
        db.session.commit()
    assert queries() == before


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
