"""The RACI matrix: its rules, the grid people click, the city-wide view and its export."""

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, OrganizationKind, RaciAssignment, RaciRole, Role
from portal.services import raci
from portal.services.errors import InvalidInput, NotAllowed
from tests.conftest import login


@pytest.fixture
def matrix(make_city, make_org, make_plan, make_action, make_user):
    city, elsewhere = make_city(name="Fès", slug="fes"), make_city(name="Agadir", slug="agadir")
    commune = make_org(city=city, short_name="CUF", kind=OrganizationKind.COMMUNE)
    utility = make_org(city=city, short_name="RADEEF", kind=OrganizationKind.UTILITY)
    operator = make_org(short_name="IAM", kind=OrganizationKind.TELECOM_OPERATOR)
    foreign = make_org(city=elsewhere, short_name="RAMSA", kind=OrganizationKind.UTILITY)
    action = make_action(plan=make_plan(city=city), code="FES-01", lead_organization=commune)
    return {
        "city": city,
        "commune": commune,
        "utility": utility,
        "operator": operator,
        "foreign": foreign,
        "action": action,
        "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        "local_elsewhere": make_user(role=Role.LOCAL_DECISION_MAKER, city=elsewhere),
        "secretariat": make_user(role=Role.SECRETARIAT),
        "contributor": make_user(role=Role.CONTRIBUTOR, organization=utility),
    }


def letters(app, action_id):
    with app.app_context():
        return {
            o: r.value
            for o, r in db.session.execute(
                sa.select(RaciAssignment.organization_id, RaciAssignment.role).where(
                    RaciAssignment.action_id == action_id
                )
            )
        }


def click(client, m, org, letter):
    return client.post(
        f"/actions/{m['action'].id}/raci",
        data={"organization_id": org.id, "role": letter},
        headers={"HX-Request": "true"},
    )


def signed_in(app, user):
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


# --- Rules ----------------------------------------------------------------------------------


def test_a_click_sets_a_letter_and_a_second_click_takes_it_back(ctx, matrix):
    from portal.models import Action

    action = db.session.get(Action, matrix["action"].id)
    who = matrix["secretariat"]
    assert raci.toggle(who, action, matrix["utility"].id, RaciRole.CONSULTED) is RaciRole.CONSULTED
    assert raci.toggle(who, action, matrix["utility"].id, RaciRole.INFORMED) is RaciRole.INFORMED
    assert raci.toggle(who, action, matrix["utility"].id, RaciRole.INFORMED) is None
    assert raci.letters_of(action.id) == {}


def test_only_one_organisation_is_accountable(ctx, matrix):
    from portal.models import Action

    action = db.session.get(Action, matrix["action"].id)
    who = matrix["local"]
    raci.toggle(who, action, matrix["commune"].id, RaciRole.ACCOUNTABLE)
    with pytest.raises(InvalidInput) as refused:
        raci.toggle(who, action, matrix["utility"].id, RaciRole.ACCOUNTABLE)
    assert "c'est déjà CUF" in str(refused.value.message)


def test_the_last_responsible_cannot_be_removed(ctx, matrix):
    from portal.models import Action

    action = db.session.get(Action, matrix["action"].id)
    who = matrix["local"]
    raci.toggle(who, action, matrix["utility"].id, RaciRole.RESPONSIBLE)
    for attempt in (RaciRole.RESPONSIBLE, RaciRole.CONSULTED, RaciRole.ACCOUNTABLE):
        with pytest.raises(InvalidInput) as refused:
            raci.toggle(who, action, matrix["utility"].id, attempt)
        assert "seul organisme qui réalise" in str(refused.value.message)
        # The message speaks of the letter that was clicked.
        if attempt is not RaciRole.RESPONSIBLE:
            assert f"Donner le {attempt.value} à " in str(refused.value.message)
    raci.toggle(who, action, matrix["commune"].id, RaciRole.RESPONSIBLE)
    assert raci.toggle(who, action, matrix["utility"].id, RaciRole.RESPONSIBLE) is None


def test_completeness_needs_one_accountable_and_a_responsible(ctx):
    assert len(raci.gaps([])) == 2
    assert len(raci.gaps([RaciRole.ACCOUNTABLE])) == 1
    assert raci.gaps([RaciRole.ACCOUNTABLE, RaciRole.RESPONSIBLE, RaciRole.INFORMED]) == []


def test_who_may_edit_the_matrix(ctx, matrix):
    from portal.models import Action

    action = db.session.get(Action, matrix["action"].id)
    for outsider in ("local_elsewhere", "contributor"):
        with pytest.raises(NotAllowed):
            raci.toggle(matrix[outsider], action, matrix["utility"].id, RaciRole.INFORMED)
    with pytest.raises(InvalidInput):
        raci.toggle(matrix["local"], action, matrix["foreign"].id, RaciRole.INFORMED)
    # A national operator takes part in every city's matrix.
    raci.toggle(matrix["local"], action, matrix["operator"].id, RaciRole.INFORMED)


# --- Pages ----------------------------------------------------------------------------------


def test_the_grid_is_edited_one_click_at_a_time_with_htmx(app, matrix):
    client = signed_in(app, matrix["local"])
    page = client.get(f"/actions/{matrix['action'].id}/raci").get_data(as_text=True)
    assert "Matrice incomplète" in page and 'data-cell="RADEEF-R"' in page
    response = click(client, matrix, matrix["utility"], "R")
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and 'aria-pressed="true"' in fragment
    click(client, matrix, matrix["commune"], "A")
    assert letters(app, matrix["action"].id) == {
        matrix["utility"].id: "R",
        matrix["commune"].id: "A",
    }
    assert "Matrice complète" in client.get(f"/actions/{matrix['action'].id}/raci").text
    with app.app_context():
        changes = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "raci.changed")
        ).all()
        assert [(e.details["before"], e.details["after"]) for e in changes] == [
            (None, "R"),
            (None, "A"),
        ]


def test_a_refused_click_says_why_and_changes_nothing(app, matrix):
    client = signed_in(app, matrix["local"])
    click(client, matrix, matrix["commune"], "A")
    response = click(client, matrix, matrix["utility"], "A")
    assert response.status_code == 422
    assert "qu&#39;un organisme qui rend compte" in response.get_data(as_text=True)
    assert letters(app, matrix["action"].id) == {matrix["commune"].id: "A"}
    bad = client.post(
        f"/actions/{matrix['action'].id}/raci", data={"organization_id": "x", "role": "Z"}
    )
    assert bad.status_code == 422


def test_other_cities_and_contributors_cannot_edit(app, matrix):
    for who in ("local_elsewhere", "contributor"):
        client = signed_in(app, matrix[who])
        assert click(client, matrix, matrix["utility"], "I").status_code == 403
        page = client.get(f"/actions/{matrix['action'].id}/raci").get_data(as_text=True)
        assert "raci.toggle" not in page and 'hx-post="/actions/' not in page
    assert letters(app, matrix["action"].id) == {}


def test_city_matrix_filters_and_exports(app, matrix, make_action, make_plan):
    client = signed_in(app, matrix["secretariat"])
    click(client, matrix, matrix["utility"], "R")
    click(client, matrix, matrix["commune"], "A")
    html = client.get("/cities/fes/raci").get_data(as_text=True)
    assert 'data-action="FES-01"' in html and "✓" in html
    none = client.get(f"/cities/fes/raci?organization={matrix['operator'].id}").text
    assert 'data-action="FES-01"' not in none
    assert 'data-action="FES-01"' in client.get("/cities/fes/raci?letter=A").text

    body = client.get("/cities/fes/raci/export.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    header, row = rows[0], rows[1]
    assert row[header.index("RADEEF")] == "R" and row[header.index("CUF")] == "A"
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/cities/fes/raci/export.xlsx").data))
    values = list(sheet.active.iter_rows(values_only=True))
    assert values[1][list(values[0]).index("CUF")] == "A"


def test_absurd_ids_are_refused_or_ignored_never_a_500(app, matrix):
    client = signed_in(app, matrix["local"])
    huge = "9" * 25
    response = client.post(
        f"/actions/{matrix['action'].id}/raci", data={"organization_id": huge, "role": "R"}
    )
    assert response.status_code == 422
    for url in (
        f"/cities/fes/raci?domain={huge}",
        f"/cities/fes/raci/export.csv?organization={huge}",
    ):
        assert client.get(url).status_code == 200
