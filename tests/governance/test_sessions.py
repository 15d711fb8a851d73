"""At and after a meeting: apologies, attendance and the quorum, what each item came to, and
the follow-up actions their owners close."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.extensions import db
from portal.models import (
    ActionStatus,
    FollowUpAction,
    Meeting,
    MeetingStatus,
    OrganizationKind,
    Role,
)
from tests.conftest import browser, text
from tests.governance.test_bodies_and_meetings import make_body, schedule

BEFORE = datetime(2026, 6, 10, 9, tzinfo=UTC)
DURING = datetime(2026, 6, 15, 10, tzinfo=UTC)  # the meeting runs 09:00-11:30 UTC


@pytest.fixture
def world(app, make_city, make_user, make_org):
    with time_machine.travel(BEFORE, tick=False):
        fes = make_city(name="Fès", slug="fes")
        radeef = make_org(city=fes, short_name="RADEEF", kind=OrganizationKind.UTILITY)
        yield {
            "fes": fes,
            "radeef": radeef,
            "secretariat": make_user(role=Role.SECRETARIAT),
            "local": make_user(role=Role.LOCAL_DECISION_MAKER, city=fes),
            "secretary": make_user(role=Role.CONTRIBUTOR),
            "member": make_user(role=Role.CONTRIBUTOR, organization=radeef),
            "colleague": make_user(role=Role.CONTRIBUTOR, organization=radeef),
            "outsider": make_user(role=Role.OBSERVER),
            "reader": make_user(role=Role.OBSERVER, organization=radeef),
        }


def meeting_with_items(app, world):
    with time_machine.travel(BEFORE, tick=False):
        body_url = make_body(app, world)
        secretary = browser(app, world["secretary"])
        meeting_url = schedule(secretary, body_url).headers["Location"]
        for title in ("Budget 2027", "Réseau de fourreaux"):
            with app.app_context():
                version = db.session.scalar(sa.select(Meeting.version))
            answer = secretary.post(
                f"{meeting_url}/agenda", data={"title": title, "version": version}
            )
            assert answer.status_code == 302
    return meeting_url, secretary


def state(app):
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        return meeting, [item.id for item in meeting.items]


def test_members_send_apologies_before_the_meeting_only(app, world):
    meeting_url, _secretary = meeting_with_items(app, world)
    member = browser(app, world["member"])
    with time_machine.travel(BEFORE, tick=False):
        assert member.post(f"{meeting_url}/apologies").status_code == 302
        assert "Vous vous êtes excusé" in text(member.get(meeting_url))
        # The secretariat reads the meeting but is not a member: no apologies to send.
        assert (
            browser(app, world["secretariat"]).post(f"{meeting_url}/apologies").status_code == 403
        )
    with time_machine.travel(DURING, tick=False):
        member = browser(app, world["member"])  # signed in again: days went by
        late = member.post(f"{meeting_url}/apologies")
        assert late.status_code == 422 and "a commencé" in text(late)


def test_attendance_sets_the_quorum_and_a_body_without_it_does_not_decide(app, world):
    meeting_url, secretary = meeting_with_items(app, world)
    meeting, (budget, network) = state(app)
    people = {p: world[p].id for p in ("local", "secretary", "member")}
    with time_machine.travel(BEFORE, tick=False):
        early = secretary.post(
            f"{meeting_url}/attendance",
            data={
                "version": meeting.version,
                **{f"presence-{i}": "present" for i in people.values()},
            },
        )
        assert early.status_code == 422 and "une fois la réunion commencée" in text(early)
    with time_machine.travel(DURING, tick=False):
        secretary = browser(app, world["secretary"])
        # The chair came, the voting member sent apologies: 1 of the 2 required.
        answer = secretary.post(
            f"{meeting_url}/attendance",
            data={
                "version": meeting.version,
                f"presence-{people['local']}": "present",
                f"presence-{people['secretary']}": "present",
                f"presence-{people['member']}": "apologised",
            },
        )
        assert answer.status_code == 302, text(answer)
        page = text(secretary.get(meeting_url))
        assert "Quorum : 1 présents sur 2 requis" in page and "Non atteint" in page
        meeting, _ = state(app)
        assert meeting.status is MeetingStatus.HELD
        refused = secretary.post(
            f"{meeting_url}/agenda/{budget}/outcome",
            data={
                f"o{budget}-outcome": "decision",
                f"o{budget}-text": "Budget adopté",
                f"o{budget}-version": meeting.version,
            },
        )
        assert refused.status_code == 422
        body = refused.get_data(as_text=True)
        assert f'id="o{budget}-outcome-errors"' in body and "Budget adopté" in body
        informed = secretary.post(
            f"{meeting_url}/agenda/{budget}/outcome",
            data={
                f"o{budget}-outcome": "information",
                f"o{budget}-text": "Présenté, à revoir",
                f"o{budget}-version": meeting.version,
            },
        )
        assert informed.status_code == 302, text(informed)
        meeting, _ = state(app)
        # Attendance corrected: the member came after all; now the body decides.
        answer = secretary.post(
            f"{meeting_url}/attendance",
            data={
                "version": meeting.version,
                **{f"presence-{i}": "present" for i in people.values()},
            },
        )
        assert answer.status_code == 302
        meeting, _ = state(app)
        decided = secretary.post(
            f"{meeting_url}/agenda/{network}/outcome",
            data={
                f"o{network}-outcome": "decision",
                f"o{network}-text": "Tracé retenu",
                f"o{network}-version": meeting.version,
            },
        )
        assert decided.status_code == 302
        page = text(browser(app, world["member"]).get(meeting_url))
        assert 'Décision</strong> : <span class="prewrap">Tracé retenu' in page


def test_a_follow_up_action_goes_to_its_owner_who_closes_it(app, world):
    meeting_url, secretary = meeting_with_items(app, world)
    meeting, (budget, _network) = state(app)
    people = {p: world[p].id for p in ("local", "secretary", "member")}
    with time_machine.travel(DURING, tick=False):
        secretary = browser(app, world["secretary"])
        secretary.post(
            f"{meeting_url}/attendance",
            data={
                "version": meeting.version,
                **{f"presence-{i}": "present" for i in people.values()},
            },
        )
        meeting, _ = state(app)
        prefix = f"o{budget}-"
        base = {
            prefix + "outcome": "action",
            prefix + "text": "Chiffrer le raccordement",
            prefix + "version": meeting.version,
        }
        missing = secretary.post(f"{meeting_url}/agenda/{budget}/outcome", data=base)
        assert missing.status_code == 422
        assert f'id="{prefix}owner_organization_id-errors"' in missing.get_data(as_text=True)
        wrong_person = secretary.post(
            f"{meeting_url}/agenda/{budget}/outcome",
            data={
                **base,
                prefix + "owner_organization_id": world["radeef"].id,
                prefix + "owner_user_id": world["outsider"].id,
                prefix + "due_on": "2026-07-15",
            },
        )
        assert wrong_person.status_code == 422 and "pas de cet organisme" in text(wrong_person)
        reader = secretary.post(
            f"{meeting_url}/agenda/{budget}/outcome",
            data={
                **base,
                prefix + "owner_organization_id": world["radeef"].id,
                prefix + "owner_user_id": world["reader"].id,
                prefix + "due_on": "2026-07-15",
            },
        )
        assert reader.status_code == 422 and "ne fait que lire" in text(reader)
        given = secretary.post(
            f"{meeting_url}/agenda/{budget}/outcome",
            data={
                **base,
                prefix + "owner_organization_id": world["radeef"].id,
                prefix + "due_on": "2026-07-15",
            },
        )
        assert given.status_code == 302, text(given)
    with time_machine.travel(DURING + timedelta(days=40), tick=False):
        colleague = browser(app, world["colleague"])  # of the owner organisation
        assert "Chiffrer le raccordement" in text(colleague.get("/tasks"))
        page = text(colleague.get("/governance/actions?state=late"))
        assert "Chiffrer le raccordement" in page and "en retard" in page
        with app.app_context():
            action = db.session.scalar(sa.select(FollowUpAction))
        key = f"a{action.id}-"
        # Only the secretary abandons it, and with a reason.
        refused = colleague.post(
            f"/governance/actions/{action.id}/close",
            data={
                key + "status": "cancelled",
                key + "note": "Plus utile",
                key + "version": action.version,
            },
        )
        assert refused.status_code == 403
        done = colleague.post(
            f"/governance/actions/{action.id}/close",
            data={
                key + "status": "done",
                key + "note": "Devis transmis",
                key + "version": action.version,
            },
        )
        assert done.status_code == 302, text(done)
        with app.app_context():
            assert db.session.scalar(sa.select(FollowUpAction.status)) is ActionStatus.DONE
        assert "Chiffrer le raccordement" not in text(colleague.get("/tasks"))
        outsider = browser(app, world["outsider"])
        assert "Chiffrer le raccordement" not in text(outsider.get("/governance/actions?state="))
        # An observer of the owner organisation reads the action (its role holds no task).
        reader = browser(app, world["reader"])
        assert "Chiffrer le raccordement" in text(reader.get("/governance/actions?state="))
