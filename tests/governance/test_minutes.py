"""A held meeting's minutes: drafted by the secretary, circulated to the members for comments
for a set number of days, adopted by the chair and frozen, then a PDF in each language;
a correction is an erratum in the next meeting's minutes."""

import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine
from pypdf import PdfReader

from portal.extensions import db
from portal.models import (
    ActionStatus,
    FollowUpAction,
    Meeting,
    MinutesStatus,
    OutboxMessage,
    ReminderKind,
)
from tests.conftest import browser, text
from tests.governance.test_sessions import (
    DURING,
    meeting_with_items,
    world,  # noqa: F401
)


def _version(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Meeting.version).order_by(Meeting.id))


def _meeting(app) -> Meeting:
    with app.app_context():
        return db.session.scalar(sa.select(Meeting).order_by(Meeting.id))


def _pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(page.extract_text() for page in pages).replace("\u200f", "")


def _held(app, world):
    """The meeting of test_sessions, held with everyone present, its two items decided or
    turned into an action."""
    meeting_url, secretary = meeting_with_items(app, world)
    with app.app_context():
        budget, network = (i.id for i in db.session.scalar(sa.select(Meeting)).items)
    with time_machine.travel(DURING, tick=False):
        secretary = browser(app, world["secretary"])
        premature = secretary.post(
            f"{meeting_url}/minutes", data={"minutes_text": "Trop tôt", "version": _version(app)}
        )
        assert premature.status_code == 422 and "une fois la réunion tenue" in text(premature)
        people = [world[p].id for p in ("local", "secretary", "member")]
        answer = secretary.post(
            f"{meeting_url}/attendance",
            data={"version": _version(app), **{f"presence-{i}": "present" for i in people}},
        )
        assert answer.status_code == 302
        for item, values in (
            (budget, {"outcome": "decision", "text": "Budget 2027 adopté"}),
            (
                network,
                {
                    "outcome": "action",
                    "text": "Chiffrer le réseau de fourreaux",
                    "owner_organization_id": world["radeef"].id,
                    "due_on": "2026-07-15",
                },
            ),
        ):
            answer = secretary.post(
                f"{meeting_url}/agenda/{item}/outcome",
                data={f"o{item}-{k}": v for k, v in {**values, "version": _version(app)}.items()},
            )
            assert answer.status_code == 302, text(answer)
    return meeting_url


def test_minutes_are_circulated_commented_adopted_and_frozen(app, world):
    meeting_url = _held(app, world)
    with time_machine.travel(DURING + timedelta(hours=3), tick=False):
        secretary = browser(app, world["secretary"])
        # No earlier meeting: nothing for an erratum to correct.
        refused = secretary.post(
            f"{meeting_url}/minutes",
            data={
                "minutes_text": "Échanges sur le budget.",
                "erratum": "x",
                "version": _version(app),
            },
        )
        assert refused.status_code == 422
        assert 'id="erratum-errors"' in refused.get_data(as_text=True)
        assert "pas d'erratum à noter" in text(refused)
        assert "Échanges sur le budget." in text(refused)  # what was typed comes back
        saved = secretary.post(
            f"{meeting_url}/minutes",
            data={"minutes_text": "Échanges sur le budget.", "version": _version(app)},
        )
        assert saved.status_code == 302
        member = browser(app, world["member"])
        page = text(member.get(meeting_url))
        assert "Projet" in page and "Échanges sur le budget." in page
        # A member reads the draft; only the secretary writes it.
        assert (
            member.post(
                f"{meeting_url}/minutes",
                data={"minutes_text": "Réécrit", "version": _version(app)},
            ).status_code
            == 403
        )
        wrong = secretary.post(
            f"{meeting_url}/minutes/circulate", data={"days": "0", "version": _version(app)}
        )
        assert wrong.status_code == 422
        body = wrong.get_data(as_text=True)
        assert 'id="days-errors"' in body and 'value="0"' in body
        circulated = secretary.post(
            f"{meeting_url}/minutes/circulate", data={"days": "5", "version": _version(app)}
        )
        assert circulated.status_code == 302
        meeting = _meeting(app)
        assert meeting.minutes_status is MinutesStatus.CIRCULATED
        assert meeting.comments_until == DURING.date() + timedelta(days=5)
        with app.app_context():
            told = db.session.scalars(
                sa.select(OutboxMessage.recipient_id).where(
                    OutboxMessage.kind == ReminderKind.MINUTES_CIRCULATED
                )
            ).all()
        assert set(told) == {world["local"].id, world["member"].id}
        member = browser(app, world["member"])
        assert (
            member.post(
                f"{meeting_url}/minutes/comments",
                data={"comment": "Préciser le montant voté."},
            ).status_code
            == 302
        )
        chair = browser(app, world["local"])
        assert "Préciser le montant voté." in text(chair.get(meeting_url))
        early = chair.post(f"{meeting_url}/minutes/adopt", data={"version": _version(app)})
        assert early.status_code == 422 and "pour leurs remarques" in text(early)
        # The secretary amends the draft in answer to the comments.
        assert (
            secretary.post(
                f"{meeting_url}/minutes",
                data={
                    "minutes_text": "Échanges sur le budget : 1,2 MDH votés.",
                    "version": _version(app),
                },
            ).status_code
            == 302
        )
        assert (
            secretary.post(
                f"{meeting_url}/minutes/adopt", data={"version": _version(app)}
            ).status_code
            == 403
        )

    with time_machine.travel(DURING + timedelta(days=6), tick=False):
        member = browser(app, world["member"])
        late = member.post(f"{meeting_url}/minutes/comments", data={"comment": "Trop tard"})
        assert late.status_code == 422 and "pas ouvert aux remarques" in text(late)
        chair = browser(app, world["local"])
        adopted = chair.post(f"{meeting_url}/minutes/adopt", data={"version": _version(app)})
        assert adopted.status_code == 302, text(adopted)
        secretary = browser(app, world["secretary"])
        frozen = secretary.post(
            f"{meeting_url}/minutes",
            data={"minutes_text": "Réécrit après coup", "version": _version(app)},
        )
        assert frozen.status_code == 422 and "il ne change plus" in text(frozen)
        with app.app_context():
            items = db.session.scalar(sa.select(Meeting)).items
        changed = secretary.post(
            f"{meeting_url}/agenda/{items[0].id}/outcome",
            data={
                f"o{items[0].id}-outcome": "information",
                f"o{items[0].id}-text": "Autre",
                f"o{items[0].id}-version": _version(app),
            },
        )
        assert changed.status_code == 422
        # Nor who came: the quorum the decisions rested on is part of the record.
        people = [world[p].id for p in ("local", "secretary", "member")]
        recounted = secretary.post(
            f"{meeting_url}/attendance",
            data={"version": _version(app), **{f"presence-{i}": "absent" for i in people}},
        )
        assert recounted.status_code == 422 and "il ne change plus" in text(recounted)
        # The action is done later: the adopted minutes still say what was asked.
        with app.app_context():
            action = db.session.scalar(sa.select(FollowUpAction))
            action.status = ActionStatus.DONE
            db.session.commit()
        reader = browser(app, world["member"])
        files = {}
        for lang in ("fr", "en", "ar"):
            response = reader.get(f"{meeting_url}/minutes.{lang}.pdf")
            assert response.status_code == 200 and response.mimetype == "application/pdf"
            files[lang] = _pdf_text(response.data)
        assert "Procès-verbal de la réunion du 15 juin 2026" in files["fr"]
        assert "Budget 2027 adopté" in files["fr"] and "1,2 MDH votés" in files["fr"]
        assert "Chiffrer le réseau de fourreaux" in files["fr"] and "RADEEF" in files["fr"]
        assert "Minutes of the meeting of June 15, 2026" in files["en"]
        assert "محضر اجتماع" in files["ar"] and "Budget 2027 adopté" in files["ar"]
        # Not adopted: no file; outside the body: nothing at all.
        assert (
            browser(app, world["outsider"]).get(f"{meeting_url}/minutes.fr.pdf").status_code == 404
        )


def test_an_erratum_corrects_the_previous_minutes_in_the_next(app, world):
    meeting_url = _held(app, world)
    with time_machine.travel(DURING + timedelta(days=30), tick=False):
        secretary = browser(app, world["secretary"])
        with app.app_context():
            body_id = db.session.scalar(sa.select(Meeting.body_id))
        later = secretary.post(
            f"/governance/bodies/{body_id}/meetings/new",
            data={"day": "2026-07-20", "starts": "10:00", "ends": "11:00", "place": "Mairie"},
        )
        assert later.status_code == 302
        next_url = later.headers["Location"]
    with time_machine.travel(datetime(2026, 7, 20, 10, tzinfo=UTC), tick=False):
        secretary = browser(app, world["secretary"])
        with app.app_context():
            version = db.session.scalar(
                sa.select(Meeting.version).where(Meeting.id != _meeting(app).id)
            )
        people = [world[p].id for p in ("local", "secretary", "member")]
        assert (
            secretary.post(
                f"{next_url}/attendance",
                data={"version": version, **{f"presence-{i}": "present" for i in people}},
            ).status_code
            == 302
        )
        with app.app_context():
            version = db.session.scalar(
                sa.select(Meeting.version).where(Meeting.id != _meeting(app).id)
            )
        saved = secretary.post(
            f"{next_url}/minutes",
            data={
                "minutes_text": "Point d'étape.",
                "erratum": "Lire 1,3 MDH au lieu de 1,2 MDH.",
                "version": version,
            },
        )
        assert saved.status_code == 302, text(saved)
        page = text(secretary.get(next_url))
        assert "Erratum au procès-verbal de la réunion précédente" in page
        assert "Lire 1,3 MDH au lieu de 1,2 MDH." in page
    assert meeting_url
