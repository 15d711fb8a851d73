"""The decisions register: every decision a person may read, filtered and exported; and a
milestone's page names the meetings that dealt with it."""

import csv
import io

import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import Meeting, MilestoneStatus
from tests.conftest import browser, text
from tests.governance.test_bodies_and_meetings import make_body, schedule
from tests.governance.test_sessions import BEFORE, DURING, world  # noqa: F401


def held_meeting_deciding(app, world, make_milestone, make_action, make_plan):
    with time_machine.travel(BEFORE, tick=False):
        action = make_action(plan=make_plan(city=world["fes"]), code="F1")
        milestone = make_milestone(
            action=action, title="Cahier des charges validé", status=MilestoneStatus.SUBMITTED
        )
        body_url = make_body(app, world)
        secretary = browser(app, world["secretary"])
        meeting_url = schedule(secretary, body_url).headers["Location"]
        with app.app_context():
            version = db.session.scalar(sa.select(Meeting.version))
        added = secretary.post(
            f"{meeting_url}/agenda/proposed",
            data={"keys": [f"milestone_approve_local:{milestone.id}"], "version": version},
        )
        assert added.status_code == 302, text(added)
    with time_machine.travel(DURING, tick=False):
        secretary = browser(app, world["secretary"])
        with app.app_context():
            meeting = db.session.scalar(sa.select(Meeting))
            version, [item] = meeting.version, [i.id for i in meeting.items]
        people = (world["local"].id, world["secretary"].id, world["member"].id)
        secretary.post(
            f"{meeting_url}/attendance",
            data={"version": version, **{f"presence-{i}": "present" for i in people}},
        )
        with app.app_context():
            version = db.session.scalar(sa.select(Meeting.version))
        decided = secretary.post(
            f"{meeting_url}/agenda/{item}/outcome",
            data={
                f"o{item}-outcome": "decision",
                f"o{item}-text": "Le cahier des charges est validé sous réserve du lot 2",
                f"o{item}-version": version,
            },
        )
        assert decided.status_code == 302, text(decided)
    return meeting_url, milestone


def test_the_register_lists_what_a_person_may_read_filtered_and_exported(
    app,
    world,
    make_milestone,
    make_action,
    make_plan,
):
    _meeting_url, milestone = held_meeting_deciding(
        app, world, make_milestone, make_action, make_plan
    )
    decision = "Le cahier des charges est validé sous réserve du lot 2"
    with time_machine.travel(DURING, tick=False):
        member = browser(app, world["member"])
        page = text(member.get("/governance/decisions"))
        assert decision in page and "1 décision" in page
        assert decision in text(member.get(f"/governance/decisions?city={world['fes'].id}"))
        assert decision in text(
            member.get("/governance/decisions?source=milestone_approve_local&start=2026-06-15")
        )
        # Searched by its words, and by what became of it: recorded, not carried out.
        assert decision in text(member.get("/governance/decisions?q=lot+2&follow_up=recorded"))
        for filtered in (
            "?source=free",
            "?start=2026-06-16",
            "?end=2026-06-14",
            "?q=fibre",
            "?follow_up=carried_out",
            "?follow_up=free",
        ):
            assert decision not in text(member.get(f"/governance/decisions{filtered}")), filtered
        rows = list(
            csv.reader(
                io.StringIO(member.get("/governance/decisions.csv").data.decode("utf-8-sig")),
                delimiter=";",
            )
        )
        assert rows[1][1] == "Comité de pilotage de Fès" and rows[1][5] == decision
        assert rows[1][6] == "Notée, sans exécution sur l'objet"
        book = load_workbook(io.BytesIO(member.get("/governance/decisions.xlsx").data))
        assert list(book.active.iter_rows(values_only=True))[1][5] == decision
        # The milestone's page names the meeting and what it decided.
        detail = text(member.get(f"/milestones/{milestone.id}"))
        assert "Passé en instance" in detail and decision in detail
        # Someone outside the body reads neither, until the meeting is published.
        outsider = browser(app, world["outsider"])
        assert decision not in text(outsider.get("/governance/decisions"))
        assert decision not in text(outsider.get(f"/milestones/{milestone.id}"))
        assert decision not in outsider.get("/governance/decisions.csv").data.decode("utf-8-sig")
        with app.app_context():
            meeting = db.session.scalar(sa.select(Meeting))
            meeting.published = True
            db.session.commit()
        assert decision in text(outsider.get("/governance/decisions"))


def test_a_bad_filter_is_ignored_rather_than_refused(app, world):
    with time_machine.travel(DURING, tick=False):
        member = browser(app, world["member"])
        response = member.get("/governance/decisions?start=pas-une-date&source=nimporte&body=x")
        assert response.status_code == 200 and "0 décision" in text(response)


def test_an_objects_page_names_the_meetings_its_reader_may_read(app, world):
    """The same section on every object's page: here a scenario the city's committee
    endorsed."""
    from decimal import Decimal

    from portal.models import (
        AgendaItem,
        Body,
        BodyKind,
        BodyMember,
        InvestmentModel,
        LineKind,
        MemberRole,
        Outcome,
        Scenario,
        ScenarioLine,
        ScenarioParty,
        ScenarioStatus,
    )

    decision = "Le comité avalise le scénario de réseau municipal"
    with app.app_context():
        party = ScenarioParty(name="Commune")
        scenario = Scenario(
            city_id=world["fes"].id,
            name="Réseau municipal",
            investment_model=InvestmentModel.PUBLIC_OPERATION,
            # Recommended: past the drafters, everyone with a role reads it.
            status=ScenarioStatus.SUBMITTED,
            parties=[party],
            lines=[
                ScenarioLine(
                    label="Fourreaux", kind=LineKind.CAPEX, party=party, amount=Decimal("10")
                )
            ],
        )
        body = Body(kind=BodyKind.STEERING, name="Comité de Fès", city_id=world["fes"].id)
        body.members.append(BodyMember(user_id=world["local"].id, role=MemberRole.CHAIR))
        meeting = Meeting(body=body, starts_at=BEFORE, ends_at=DURING, place="Salle")
        meeting.items.append(
            AgendaItem(
                position=1,
                title="Réseau municipal",
                source="scenario_endorse",
                link_id=0,
                outcome=Outcome.DECISION,
                outcome_text=decision,
            )
        )
        db.session.add_all([scenario, body, meeting])
        db.session.flush()
        meeting.items[0].link_id = meeting.items[0].object_id = scenario.id
        db.session.commit()
        scenario_id = scenario.id
    with time_machine.travel(DURING, tick=False):
        local = browser(app, world["local"])
        page = text(local.get(f"/scenarios/{scenario_id}"))
        assert "Passé en instance" in page and decision in page
        outsider = browser(app, world["outsider"])  # reads the scenario, not the meeting
        response = outsider.get(f"/scenarios/{scenario_id}")
        assert response.status_code == 200 and "Réseau municipal" in text(response)
        assert decision not in text(response)
