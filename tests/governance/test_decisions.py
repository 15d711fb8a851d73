"""A meeting's decision that carries out its object's own transition: only for the person
recording it who holds the object's own right, through the object's own rules, with the
meeting named in the object's history."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

from portal.extensions import db
from portal.models import (
    AgendaItem,
    ChangeRequest,
    ChangeRequestStatus,
    Meeting,
    Milestone,
    MilestoneEvent,
    MilestoneStatus,
)
from portal.services import milestones as milestone_rules
from tests.conftest import browser, text
from tests.governance.test_bodies_and_meetings import (
    TODAY,
    make_body,
    schedule,
    world,  # noqa: F401
)

BEFORE = datetime(2026, 5, 20, 9, tzinfo=UTC)
DURING = datetime(2026, 6, 15, 10, tzinfo=UTC)  # the meeting runs 09:00-11:30 UTC


def _meeting(app):
    with app.app_context():
        return db.session.scalar(sa.select(Meeting).order_by(Meeting.id.desc()))


def _held_meeting(app, world, body_url, runner, keys, people):
    """A meeting scheduled by `runner` with the proposed items `keys`, then held with every
    member present."""
    with time_machine.travel(BEFORE, tick=False):
        client = browser(app, world[runner])
        meeting_url = schedule(client, body_url).headers["Location"]
        added = client.post(
            f"{meeting_url}/agenda/proposed",
            data={"keys": keys, "version": _meeting(app).version},
        )
        assert added.status_code == 302, text(added)
    with time_machine.travel(DURING, tick=False):
        client = browser(app, world[runner])
        held = client.post(
            f"{meeting_url}/attendance",
            data={
                "version": _meeting(app).version,
                **{f"presence-{world[p].id}": "present" for p in people},
            },
        )
        assert held.status_code == 302, text(held)
    return meeting_url


def _items(app) -> dict[str, int]:
    with app.app_context():
        return {
            item.source or item.title: item.id
            for item in db.session.scalars(sa.select(AgendaItem).order_by(AgendaItem.position))
        }


def _decide(client, meeting_url, item_id, text_, carry_out="", version=None):
    return client.post(
        f"{meeting_url}/agenda/{item_id}/outcome",
        data={
            f"o{item_id}-outcome": "decision",
            f"o{item_id}-text": text_,
            f"o{item_id}-carry_out": carry_out,
            f"o{item_id}-version": version,
        },
    )


def test_a_decision_approves_a_milestone_only_for_whom_the_milestone_allows_it(app, world):
    waiting = world["milestones"]["waiting"]
    with time_machine.travel(BEFORE, tick=False):
        body_url = make_body(app, world)
    meeting_url = _held_meeting(
        app,
        world,
        body_url,
        "secretary",
        [f"milestone_approve_local:{waiting.id}"],
        ("local", "secretary", "member"),
    )
    item = _items(app)["milestone_approve_local"]
    with time_machine.travel(DURING, tick=False):
        # The body's secretary is a contributor: the milestone's page would not let them
        # approve it, so neither does the meeting.
        secretary = browser(app, world["secretary"])
        page = text(secretary.get(meeting_url))
        assert f'id="cannot-carry-{item}"' in page
        refused = _decide(
            secretary,
            meeting_url,
            item,
            "Approuvé en séance",
            "approve_local",
            _meeting(app).version,
        )
        assert refused.status_code == 403
        assert "Vous n'avez pas le droit de faire cette action sur ce jalon" in text(refused)
        with app.app_context():
            assert db.session.get(Milestone, waiting.id).status is MilestoneStatus.SUBMITTED
            assert db.session.get(AgendaItem, item).outcome is None

        # The city's decision-maker becomes the body's secretary (and the contributor its
        # chair, so that the quorum holds): the approval is theirs.
        secretariat = browser(app, world["secretariat"])
        for person, role in (("local", "secretary"), ("secretary", "chair")):
            answer = secretariat.post(
                f"{body_url}/members", data={"user_id": world[person].id, "role": role}
            )
            assert answer.status_code == 302
        local = browser(app, world["local"])
        page = local.get(meeting_url).get_data(as_text=True)
        assert f'name="o{item}-carry_out"' in page and 'value="approve_local"' in page
        # A transition of another level is refused by the milestone's own rules.
        central = _decide(
            local, meeting_url, item, "Validé", "approve_central", _meeting(app).version
        )
        assert central.status_code == 422
        assert "ne s'applique pas à ce point" in text(central)
        done = _decide(
            local, meeting_url, item, "Approuvé en séance", "approve_local", _meeting(app).version
        )
        assert done.status_code == 302, text(done)
        with app.app_context():
            assert db.session.get(Milestone, waiting.id).status is MilestoneStatus.APPROVED_LOCALLY
            event = db.session.scalars(
                sa.select(MilestoneEvent)
                .where(MilestoneEvent.milestone_id == waiting.id)
                .order_by(MilestoneEvent.id.desc())
            ).first()
            meeting_id = _meeting(app).id
            assert event.details["meeting"] == meeting_id and event.comment == "Approuvé en séance"
        history = local.get(f"/milestones/{waiting.id}").get_data(as_text=True)
        assert "Décision prise en réunion" in history
        assert f'href="/governance/meetings/{meeting_id}"' in history
        assert "Exécutée sur l'objet : Approuver (niveau local)" in text(local.get(meeting_url))
        # Carried out, the decision no longer changes: the milestone moved on.
        again = _decide(local, meeting_url, item, "Autre texte", "", _meeting(app).version)
        assert again.status_code == 422 and "elle ne change plus" in text(again)


def test_the_national_committee_accepts_a_due_date_change(app, world, make_user):
    late = world["milestones"]["late"]
    with time_machine.travel(BEFORE, tick=False):
        with app.app_context():
            change = milestone_rules._request_change(
                db.session.get(type(world["secretariat"]), world["secretariat"].id),
                db.session.get(Milestone, late.id),
                TODAY + timedelta(days=60),
                "Retard du fournisseur",
            )
            db.session.commit()
            change_id = change.id
        body_url = make_body(app, world, kind="national", city=False, name="Comité national")
        # The central decision-maker keeps the national committee's secretariat.
        browser(app, world["secretariat"]).post(
            f"{body_url}/members", data={"user_id": world["central"].id, "role": "secretary"}
        )
    meeting_url = _held_meeting(
        app,
        world,
        body_url,
        "central",
        [f"change_request_decide:{change_id}"],
        ("local", "central", "member", "secretary"),
    )
    item = _items(app)["change_request_decide"]
    with time_machine.travel(DURING, tick=False):
        central = browser(app, world["central"])
        done = _decide(
            central, meeting_url, item, "Report accordé", "accept", _meeting(app).version
        )
        assert done.status_code == 302, text(done)
        with app.app_context():
            change = db.session.get(ChangeRequest, change_id)
            assert change.status is ChangeRequestStatus.ACCEPTED
            assert change.milestone.due_date == TODAY + timedelta(days=60)
        page = central.get(f"/milestones/{late.id}").get_data(as_text=True)
        assert "Décision prise en réunion" in page and "Comité national" in page
