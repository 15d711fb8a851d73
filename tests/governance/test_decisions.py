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
        register = text(local.get("/governance/decisions?follow_up=carried_out"))
        assert "Approuvé en séance" in register
        assert "Exécutée sur l'objet : Approuver (niveau local)" in register
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


def test_the_national_committee_selects_a_site_and_awards_a_tender(app, demo_data):
    """With the demo: the central decision-maker, as the committee's secretary, carries out
    the decisions the ministry takes on sites and tenders; a site not yet assessed is
    refused by the site's own rule, and nothing of that decision is kept."""
    from portal import clock
    from portal.models import (
        Body,
        BodyKind,
        Site,
        SiteEvent,
        SiteStatus,
        Tender,
        TenderEvent,
        TenderStage,
        User,
    )
    from portal.models.types import utcnow
    from portal.services import governance, tasks
    from portal.services.errors import TransitionNotAllowed

    def person(email):
        return db.session.scalar(sa.select(User).where(User.email == email))

    with app.test_request_context():
        now = utcnow()
        at = tasks.At(clock.local_date(now), now)
        secretariat, central = person("secretariat@sdtn.demo"), person("central@sdtn.demo")
        body = db.session.scalar(sa.select(Body).where(Body.kind == BodyKind.NATIONAL))
        # The demo's tender under evaluation has come to its proposed award.
        evaluated = db.session.scalar(
            sa.select(Tender).where(Tender.stage == TenderStage.TECHNICAL_EVALUATION)
        )
        evaluated.stage = TenderStage.AWARD_PROPOSED
        governance.set_member(secretariat, body, user_id=central.id, role="secretary")
        meeting = governance.save_meeting(
            secretariat,
            None,
            body=body,
            day=at.today - timedelta(days=1),
            starts=datetime.min.time().replace(hour=10),
            ends=datetime.min.time().replace(hour=12),
            place="Rabat",
        )
        db.session.flush()
        offered = {p.key: p for p in governance.proposals(meeting, at)}
        site_key = next(k for k in offered if k.startswith("site_decide:"))
        tender_key = next(k for k in offered if k.startswith("tender_award:"))
        governance.add_proposed(
            central, meeting, [site_key, tender_key], at, expected_version=meeting.version
        )
        db.session.flush()
        governance.record_attendance(
            central,
            meeting,
            {m.user_id: "present" for m in body.members},
            now=now,
            expected_version=meeting.version,
        )
        db.session.commit()
        site_item, tender_item = meeting.items
        for item, name, text_ in (
            (site_item, "select", "Site retenu par le comité national"),
            (tender_item, "award", "Attribution confirmée"),
        ):
            governance.record_outcome(
                central,
                meeting,
                item.id,
                outcome="decision",
                text=text_,
                carry_out=name,
                now=now,
                expected_version=meeting.version,
            )
            db.session.commit()
        site = db.session.get(Site, site_item.object_id)
        assert site.status is SiteStatus.SELECTED and site.decision_note.startswith("Site retenu")
        assert (
            db.session.scalar(
                sa.select(SiteEvent.meeting_id)
                .where(SiteEvent.site_id == site.id)
                .order_by(SiteEvent.id.desc())
            )
            == meeting.id
        )
        tender = db.session.get(Tender, tender_item.object_id)
        assert tender.stage is TenderStage.AWARDED
        assert (
            db.session.scalar(
                sa.select(TenderEvent.meeting_id)
                .where(TenderEvent.tender_id == tender.id)
                .order_by(TenderEvent.id.desc())
            )
            == meeting.id
        )

        # A site never assessed: its own rule refuses the selection; nothing is recorded.
        unassessed = Site(
            city_id=site.city_id,
            kind=site.kind,
            name="Maison de quartier sans évaluation",
            district=site.district,
            address=site.address,
            host_organization_id=site.host_organization_id,
            estimated_cost=site.estimated_cost,
            latitude=site.latitude,
            longitude=site.longitude,
            status=SiteStatus.ASSESSED,
            status_since=at.today,
        )
        db.session.add(unassessed)
        db.session.flush()
        item = AgendaItem(
            meeting_id=meeting.id,
            position=3,
            title=unassessed.name,
            source="site_decide",
            object_id=unassessed.id,
            link_id=unassessed.id,
            city_id=unassessed.city_id,
        )
        db.session.add(item)
        db.session.commit()
        try:
            governance.record_outcome(
                central,
                meeting,
                item.id,
                outcome="decision",
                text="Retenu",
                carry_out="select",
                now=now,
                expected_version=meeting.version,
            )
        except TransitionNotAllowed as refused:
            assert "pas encore été évalué" in str(refused.message)
        else:
            raise AssertionError("an unassessed site was selected")
        db.session.rollback()
        assert db.session.get(Site, unassessed.id).status is SiteStatus.ASSESSED
        assert db.session.get(AgendaItem, item.id).outcome is None
