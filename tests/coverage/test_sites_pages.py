"""Site pages: forms that refuse and change nothing, decisions, figures, the map, the list."""

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import Assessment, Role, Site, SiteKind, SiteStatus
from portal.services import coverage
from tests.conftest import browser, statements, text
from tests.coverage.page_helpers import TODAY

# The pages run on a fixed date (the service tests pass theirs to the service).
pytestmark = pytest.mark.usefixtures("_today")


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


def test_an_assessor_sees_the_others_answers_only_after_giving_theirs(app, world, make_user):
    newcomer = make_user(role=Role.EVALUATOR)
    site_id = world["sites"]["EPN Guéliz"]
    client = browser(app, newcomer)
    page = text(client.get(f"/coverage/sites/{site_id}"))
    assert "Évaluations détaillées" not in page and "Évaluer ce site" in page
    page = text(browser(app, world["first"]).get(f"/coverage/sites/{site_id}"))
    assert "Évaluations détaillées" in page


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
