"""Governance bodies and their meetings through their pages: who defines a body and who runs
its meetings, what a meeting's readers see, times in Morocco's zone, and the agenda the
portal proposes from what waits in the body's scope."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from portal.extensions import db
from portal.models import Body, Meeting, MilestoneStatus, Role
from tests.conftest import browser, statements, text

TODAY = date(2026, 5, 20)


@pytest.fixture
def world(app, make_city, make_user, make_plan, make_action, make_milestone):
    with time_machine.travel(datetime(2026, 5, 20, 9, tzinfo=UTC), tick=False):
        fes = make_city(name="Fès", slug="fes")
        marrakech = make_city(name="Marrakech", slug="marrakech")
        plan = make_plan(city=fes)
        action = make_action(plan=plan, code="E1", title="Guichet numérique")
        other = make_action(plan=make_plan(city=marrakech), code="M1")
        milestones = {
            "waiting": make_milestone(
                action=action, title="Cahier des charges validé", status=MilestoneStatus.SUBMITTED
            ),
            "late": make_milestone(
                action=action,
                title="Portail ouvert",
                status=MilestoneStatus.IN_PROGRESS,
                due_date=TODAY - timedelta(days=20),
            ),
            "later": make_milestone(
                action=action, title="Bornes posées", due_date=TODAY + timedelta(days=90)
            ),
            "elsewhere": make_milestone(
                action=other, title="Jalon de Marrakech", status=MilestoneStatus.SUBMITTED
            ),
            "central": make_milestone(
                action=other, title="Attente du ministère", status=MilestoneStatus.APPROVED_LOCALLY
            ),
        }
        yield {
            "fes": fes,
            "milestones": milestones,
            "secretariat": make_user(role=Role.SECRETARIAT),
            "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=fes),
            "secretary": make_user(role=Role.CONTRIBUTOR),
            "member": make_user(role=Role.CONTRIBUTOR),
            "outsider": make_user(role=Role.OBSERVER),
            "central": make_user(role=Role.CENTRAL_DECISION_MAKER),
        }


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 5, 20, 9, tzinfo=UTC), tick=False):
        yield


def make_body(app, world, kind="steering", city=True, name="Comité de pilotage de Fès"):
    secretariat = browser(app, world["secretariat"])
    response = secretariat.post(
        "/governance/bodies/new",
        data={
            "kind": kind,
            "name": name,
            "city_id": world["fes"].id if city else 0,
            "quorum": "2",
            "meets_every_months": "3",
        },
    )
    assert response.status_code == 302, text(response)
    body_url = response.headers["Location"]
    for person, role in (
        ("local", "chair"),
        ("secretary", "secretary"),
        ("member", "member"),
    ):
        answer = secretariat.post(
            f"{body_url}/members", data={"user_id": world[person].id, "role": role}
        )
        assert answer.status_code == 302, text(answer)
    return body_url


def schedule(client, body_url, **values):
    data = {
        "day": "2026-06-15",
        "starts": "10:00",
        "ends": "12:30",
        "place": "Salle du conseil",
        "video_link": "",
        **values,
    }
    return client.post(f"{body_url}/meetings/new", data=data)


def test_the_secretariat_defines_bodies_by_the_rules(app, world, clock):
    secretariat = browser(app, world["secretariat"])
    body_url = make_body(app, world)
    refused = {
        "a steering committee without a city": (
            {"kind": "steering", "name": "Comité sans ville", "city_id": 0},
            "city_id",
        ),
        "a second one for Fès": (
            {"kind": "steering", "name": "Autre comité", "city_id": world["fes"].id},
            "kind",
        ),
        "a national committee of a city": (
            {"kind": "national", "name": "Comité national", "city_id": world["fes"].id},
            "city_id",
        ),
        "a quorum of zero": (
            {"kind": "working_group", "name": "Groupe fibre", "city_id": 0, "quorum": "0"},
            "quorum",
        ),
    }
    for case, (values, field) in refused.items():
        response = secretariat.post("/governance/bodies/new", data={"quorum": "2", **values})
        assert response.status_code == 422, case
        page = response.get_data(as_text=True)
        assert f'id="{field}-errors"' in page, case
        assert values["name"] in page, case  # what was typed comes back
    # One chair per body; the city's decision-maker defines no body.
    answer = secretariat.post(
        f"{body_url}/members", data={"user_id": world["member"].id, "role": "chair"}
    )
    assert answer.status_code == 422 and "déjà un président" in text(answer)
    local = browser(app, world["local"])
    assert local.get("/governance/bodies/new").status_code == 403
    assert (
        local.post(f"{body_url}/members", data={"user_id": world["outsider"].id}).status_code == 403
    )
    page = text(local.get(body_url))
    assert "Comité de pilotage de Fès" in page and "2 membres votants présents" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Body)) == 1


def test_the_secretary_schedules_in_moroccan_time_and_only_members_read_it(app, world, clock):
    body_url = make_body(app, world)
    member = browser(app, world["member"])
    assert schedule(member, body_url).status_code == 403  # a member reads, the secretary runs
    secretary = browser(app, world["secretary"])
    for values, field in (
        ({"ends": "09:00"}, "ends"),
        ({"place": "", "video_link": ""}, "place"),
        ({"video_link": "visio.example"}, "video_link"),
    ):
        response = schedule(secretary, body_url, **values)
        assert response.status_code == 422 and f'id="{field}-errors"' in response.get_data(
            as_text=True
        )
    response = schedule(secretary, body_url)
    assert response.status_code == 302, text(response)
    meeting_url = response.headers["Location"]
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        zone = ZoneInfo("Africa/Casablanca")
        assert meeting.starts_at == datetime(2026, 6, 15, 10, tzinfo=zone).astimezone(UTC)
        version, sequence = meeting.version, meeting.sequence
    assert "de 10:00 à 12:30, heure du Maroc" in text(member.get(meeting_url))
    outsider = browser(app, world["outsider"])
    assert outsider.get(meeting_url).status_code == 404
    # Moved: the invitation's sequence goes up; an edit from the old form is stale.
    moved = secretary.post(
        f"{meeting_url}/edit",
        data={
            "day": "2026-06-16",
            "starts": "10:00",
            "ends": "12:30",
            "place": "Salle du conseil",
            "version": version,
        },
    )
    assert moved.status_code == 302, text(moved)
    stale = secretary.post(
        f"{meeting_url}/edit",
        data={
            "day": "2026-06-17",
            "starts": "10:00",
            "ends": "12:30",
            "place": "Salle B",
            "version": version,
            "published": "y",
        },
    )
    assert stale.status_code == 409 and 'value="Salle B"' in stale.get_data(as_text=True)
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting.sequence == sequence + 1 and not meeting.published
        version = meeting.version
    published = secretary.post(
        f"{meeting_url}/edit",
        data={
            "day": "2026-06-16",
            "starts": "10:00",
            "ends": "12:30",
            "place": "Salle du conseil",
            "version": version,
            "published": "y",
        },
    )
    assert published.status_code == 302
    assert outsider.get(meeting_url).status_code == 200  # published: everyone reads it


def test_the_agenda_proposes_what_waits_in_the_bodys_scope(app, world, clock):
    body_url = make_body(app, world)
    secretary = browser(app, world["secretary"])
    meeting_url = schedule(secretary, body_url).headers["Location"]
    page = text(secretary.get(meeting_url))
    assert "Jalon à approuver (niveau local)" in page and "Cahier des charges validé" in page
    assert "Jalon en retard" in page and "Portail ouvert" in page
    assert "Bornes posées" not in page  # neither waiting nor late
    assert "Jalon de Marrakech" not in page and "Attente du ministère" not in page
    waiting = world["milestones"]["waiting"].id
    with app.app_context():
        version = db.session.scalar(sa.select(Meeting.version))
    response = secretary.post(
        f"{meeting_url}/agenda/proposed",
        data={"keys": [f"milestone_approve_local:{waiting}"], "version": version},
    )
    assert response.status_code == 302, text(response)
    page = text(secretary.get(meeting_url))
    # On the agenda, linked to the milestone's page, and no longer proposed.
    assert f'href="/milestones/{waiting}"' in page
    assert page.count("Cahier des charges validé") == 1
    with app.app_context():
        version = db.session.scalar(sa.select(Meeting.version))
    gone = secretary.post(
        f"{meeting_url}/agenda/proposed",
        data={"keys": [f"milestone_approve_local:{waiting}"], "version": version},
    )
    assert gone.status_code == 422 and "n'attend plus" in text(gone)
    free = secretary.post(
        f"{meeting_url}/agenda", data={"title": "Questions diverses", "version": version}
    )
    assert free.status_code == 302, text(free)
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        first, second = [item.id for item in meeting.items]
        version = meeting.version
    moved = secretary.post(f"{meeting_url}/agenda/{second}/up", data={"version": version})
    assert moved.status_code == 302
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert [i.title for i in meeting.items] == [
            "Questions diverses",
            "Cahier des charges validé",
        ]
    # The old version is stale now: the agenda is part of the meeting.
    stale = secretary.post(f"{meeting_url}/agenda/{first}/remove", data={"version": version})
    assert stale.status_code == 409


def test_the_national_committee_is_proposed_what_waits_on_the_ministry(app, world, clock):
    body_url = make_body(app, world, kind="national", city=False, name="Comité national")
    secretary = browser(app, world["secretary"])
    meeting_url = schedule(secretary, body_url).headers["Location"]
    page = text(secretary.get(meeting_url))
    assert "Jalon à approuver (niveau central)" in page and "Attente du ministère" in page
    assert "Cahier des charges validé" not in page  # the city decides that one


def test_the_proposal_reads_the_same_few_queries_however_much_waits(
    app, world, clock, make_milestone
):
    body_url = make_body(app, world)
    secretary = browser(app, world["secretary"])
    meeting_url = schedule(secretary, body_url).headers["Location"]
    before = statements(lambda: secretary.get(meeting_url), app)
    action = world["milestones"]["waiting"]
    with app.app_context():
        from portal.models import Action, Milestone

        found = db.session.get(Milestone, action.id)
        action_row = db.session.get(Action, found.action_id)
    for n in range(12):
        make_milestone(action=action_row, title=f"Jalon {n}", status=MilestoneStatus.SUBMITTED)
    assert statements(lambda: secretary.get(meeting_url), app) == before
