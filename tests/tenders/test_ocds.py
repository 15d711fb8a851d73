"""The tenders' OCDS releases: valid against the 1.1.5 schema and the declared extensions at
every stage, named by content, dated by change, and published for anyone once awarded."""

import json
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal import create_app
from portal.extensions import db
from portal.models import Role, Tender, TenderEvent
from portal.services import ocds
from tests.conftest import login, statements
from tests.ocds_schema import errors
from tests.tenders.helpers import (
    AFTER,
    NOW,
    ON_TIME,
    S,
    advance_to,
    bid,
    drafted,
    edit_tender,
    move,
    specify,
    step,
)

URI = "https://sdtn.example.ma/open-data/ocds/1.json"


@pytest.fixture
def procedure(w):
    """The procedure's people (secretariat, committee, bidders), as the service tests have them."""
    return w


def package_of(tender) -> dict:
    db.session.flush()
    db.session.expire_all()
    return ocds.tender_package(db.session.get(Tender, tender.id), uri=URI)


def valid(package: dict) -> dict:
    assert errors(package) == []
    empty = [path for path, value in _walk(package) if value in ("", [], {}, None)]
    assert empty == [], "OCDS asks to omit empty fields"
    return package["releases"][0]


def _walk(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}/{key}", item
            yield from _walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{path}/{index}", item
            yield from _walk(item, f"{path}/{index}")


def test_the_schema_check_catches_what_the_issue_found():
    """The check itself fails on the defects an outside validator reported."""
    release = {
        "ocid": "ocds-sdtn-AO-1",
        "id": "1",
        "date": "2026-03-02T09:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
    }
    base = {
        "uri": URI,
        "version": "1.1",
        "publishedDate": "2026-03-02T09:00:00Z",
        "publisher": {"name": "SDTN"},
        "releases": [release],
    }
    assert errors(base) == []
    assert any("uri" in e for e in errors(base | {"uri": "ocds-sdtn/AO-1.json"}))
    # Undeclared, the bids extension's fields are not checked; declared, they are.
    bad_bid = {"bids": {"details": [{"id": "B1", "status": "opened"}]}}
    assert errors(base | {"releases": [release | bad_bid]}) == []
    declared = base | {"extensions": [ocds.EXTENSIONS[0]], "releases": [release | bad_bid]}
    assert any("opened" in e for e in errors(declared))
    assert any(
        "extensions" in e
        for e in errors(base | {"extensions": ["https://example.org/unknown/extension.json"]})
    )


def test_each_stage_validates_and_a_release_changes_only_with_its_content(procedure):
    w = procedure
    draft_time = NOW - timedelta(days=3)
    with time_machine.travel(draft_time, tick=False):
        tender = drafted(w)
    first = valid(package_of(tender))
    assert first["tag"] == ["planning"] and first["tender"]["status"] == "planned"
    assert first["date"] == draft_time.isoformat()
    # Downloading again later, nothing changed: the same release, the same date.
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        assert package_of(tender) == package_of(tender)
        assert valid(package_of(tender))["id"] == first["id"]
        # An edit of the draft is a new release, dated by the edit.
        edit_tender(w, tender, title="Étude du schéma directeur (version révisée)")
        edited = valid(package_of(tender))
    assert edited["id"] != first["id"]
    assert edited["date"] == (NOW - timedelta(days=1)).isoformat()
    # The criteria alone changed: a new release too, dated by that change.
    grid_time = NOW - timedelta(hours=12)
    with time_machine.travel(grid_time, tick=False):
        specify(w, tender, technical_threshold="60")
        regraded = valid(package_of(tender))
    assert regraded["id"] != edited["id"] and regraded["date"] == grid_time.isoformat()

    move(w.secretariat, tender, S.PUBLISHED, now=NOW)
    published = valid(package_of(tender))
    assert published["tender"]["status"] == "active" and published["date"] == NOW.isoformat()
    assert published["id"] != edited["id"]
    lot = tender.lots[0]
    offers = [
        bid(user, lot, price) for user, price in zip(w.bidders, ("900000", "950000"), strict=False)
    ]
    # A sealed bid changes nothing that is published.
    assert valid(package_of(tender))["id"] == published["id"]

    # The moves behind the seal, each on its own day, publish nothing new.
    for day in range(1, 7):
        step(w, tender, at=AFTER + timedelta(days=day))
        sealed = valid(package_of(tender))
        assert (sealed["id"], sealed["date"]) == (published["id"], published["date"])
    assert tender.stage is S.FINANCIAL_EVALUATION
    ranked_at = AFTER + timedelta(days=7)
    step(w, tender, at=ranked_at)
    ranked = valid(package_of(tender))
    assert ranked["date"] == ranked_at.isoformat() and ranked["id"] != published["id"]
    values = {b["id"]: b["value"]["amount"] for b in ranked["bids"]["details"]}
    assert values == {
        f"AO-2026-001-BID-{offers[0].id}": 900000.0,
        f"AO-2026-001-BID-{offers[1].id}": 950000.0,
    }
    assert {b["date"] for b in ranked["bids"]["details"]} == {ON_TIME.isoformat()}

    step(w, tender, at=ranked_at + timedelta(days=1))
    (award,) = valid(package_of(tender))["awards"]
    assert award["status"] == "pending"
    awarded_at = ranked_at + timedelta(days=2)
    move(w.central, tender, S.AWARDED, now=awarded_at)
    final = valid(package_of(tender))
    assert final["tag"] == ["award"] and final["tender"]["status"] == "complete"
    assert final["date"] == awarded_at.isoformat()
    (award,) = final["awards"]
    assert award["status"] == "active" and award["suppliers"][0]["id"].startswith("ORG-")


def test_the_award_criteria_are_broken_down_not_left_in_free_text(procedure):
    w = procedure
    tender = drafted(w)
    release = valid(package_of(tender))
    (lot,) = release["tender"]["lots"]
    # 40 + (30 + 30) technical points weighted 0.7, the price 0.3: each criterion's share of
    # the final mark, a sub-criterion named with its parent; the threshold on its own.
    breakdown = [
        (
            c["type"],
            c["name"],
            [
                (round(n["number"], 6), n.get("weight"), n.get("threshold"))
                for n in c.get("numbers", [])
            ],
        )
        for c in lot["awardCriteria"]["criteria"]
    ]
    assert breakdown == [
        ("quality", "Méthodologie", [(0.28, "decimalExact", None)]),
        ("quality", "Équipe — Chef de projet", [(0.21, "decimalExact", None)]),
        ("quality", "Équipe — Experts", [(0.21, "decimalExact", None)]),
        ("quality", "Note technique (seuil d'admission)", [(70.0, None, "minimumScore")]),
        ("price", "Prix", [(0.3, "decimalExact", None)]),
    ]
    assert release["tender"]["eligibilityCriteria"] == "Attestation fiscale; Caution provisoire"
    # A day without a time starts at midnight in Morocco (UTC+1 in June), not in Greenwich.
    edit_tender(w, tender, publication_date=date(2026, 6, 1))
    period = valid(package_of(tender))["tender"]["tenderPeriod"]
    assert period["startDate"] == "2026-05-31T23:00:00+00:00"
    assert release["tender"]["awardCriteria"] == "ratedCriteria"

    specify(w, tender, method="lowest_price", technical_weight=None, financial_weight=None)
    release = valid(package_of(tender))
    criteria = release["tender"]["lots"][0]["awardCriteria"]["criteria"]
    # Under the lowest price, the technical criteria weigh nothing: they lead to the threshold.
    assert criteria == [
        {"type": "quality", "name": "Méthodologie"},
        {"type": "quality", "name": "Équipe — Chef de projet"},
        {"type": "quality", "name": "Équipe — Experts"},
        {
            "type": "quality",
            "name": "Note technique (seuil d'admission)",
            "numbers": [{"number": 70.0, "threshold": "minimumScore"}],
        },
        {"type": "price", "name": "Prix"},
    ]
    assert release["tender"]["awardCriteria"] == "priceOnly"


def test_a_cancelled_tender_is_a_cancellation_release(procedure):
    w = procedure
    tender = drafted(w)
    move(w.secretariat, tender, S.PUBLISHED, now=NOW)
    move(w.secretariat, tender, S.CANCELLED, now=AFTER, note="Besoin redéfini")
    release = valid(package_of(tender))
    assert release["tag"] == ["tenderCancellation"]
    assert release["tender"]["status"] == "cancelled"
    assert "awards" not in release


def test_an_award_proposed_then_cancelled_is_published_cancelled(procedure):
    w = procedure
    tender = drafted(w)
    move(w.secretariat, tender, S.PUBLISHED, now=NOW)
    bid(w.bidders[0], tender.lots[0], "900000")
    advance_to(w, tender, S.AWARD_PROPOSED)
    move(w.central, tender, S.CANCELLED, now=AFTER, note="Crédits annulés")
    release = valid(package_of(tender))
    (award,) = release["awards"]
    assert award["status"] == "cancelled" and "value" not in award
    assert release["tag"] == ["tenderCancellation"]


def test_the_awarded_tenders_are_open_data_the_others_are_not(app, demo_data, client, make_user):
    with app.app_context():
        rows = db.session.scalars(sa.select(Tender)).all()
        tenders = {t.stage: t.id for t in rows}
        others = [t.id for t in rows if t.stage is not S.AWARDED]
        awarded_at = db.session.scalar(
            sa.select(TenderEvent.occurred_at).where(
                TenderEvent.tender_id == tenders[S.AWARDED], TenderEvent.to_stage == S.AWARDED
            )
        )
    awarded = tenders[S.AWARDED]

    # Anyone, without signing in: the list, then the release.
    page = client.get("/open-data/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "AO-SDTN-2026-01" in text and "AO-MAR-2026-02" not in text
    assert f'href="/open-data/ocds/{awarded}.json"' in text
    # A data user's script, which has no session: a response any cache may keep.
    consumer = app.test_client()
    response = consumer.get(f"/open-data/ocds/{awarded}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in response.headers
    package = json.loads(response.data)
    release = valid(package)
    assert package["uri"] == f"{app.config['PORTAL_URL']}/open-data/ocds/{awarded}.json"
    assert package["extensions"] == list(ocds.EXTENSIONS)
    assert release["date"] == package["publishedDate"]
    assert datetime.fromisoformat(release["date"]) == awarded_at.replace(
        tzinfo=awarded_at.tzinfo or UTC
    )
    # The same content again: a client that has it is told so.
    again = consumer.get(
        f"/open-data/ocds/{awarded}.json", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    for tender_id in others:
        assert consumer.get(f"/open-data/ocds/{tender_id}.json").status_code == 404
    # A visitor who has a session (the list page gave one) gets it back: no shared cache.
    response = client.get(f"/open-data/ocds/{awarded}.json")
    assert "Set-Cookie" in response.headers
    assert response.headers["Cache-Control"] == "private, max-age=300"

    # Signed in, every tender's release validates, kept by no cache.
    secretariat = app.test_client()
    login(secretariat, make_user(role=Role.SECRETARIAT))
    for tender_id in tenders.values():
        response = secretariat.get(f"/tenders/{tender_id}/ocds.json")
        assert response.headers["Cache-Control"] == "private, no-store"
        package = json.loads(response.data)
        valid(package)
        assert package["uri"] == f"{app.config['PORTAL_URL']}/tenders/{tender_id}/ocds.json"
    # Opened by someone signed in, the response carries their session: no shared cache keeps it.
    response = secretariat.get(f"/open-data/ocds/{awarded}.json")
    assert response.status_code == 200
    shared = "public" in response.headers["Cache-Control"]
    assert not (shared and "Set-Cookie" in response.headers)


def test_the_open_data_list_reads_in_the_same_number_of_queries(app, demo_data, client):
    def queries() -> int:
        responses = []
        sent = statements(lambda: responses.append(client.get("/open-data/")), app)
        assert responses[0].status_code == 200
        return sent

    client.get("/open-data/")
    one = queries()
    with app.app_context():
        awarded = db.session.scalars(sa.select(Tender).where(Tender.stage == S.AWARDED)).one()
        for n in range(6):
            copy = Tender(
                reference=f"AO-COPY-{n}",
                title=f"Copie {n}",
                city_id=awarded.city_id,
                category=awarded.category,
                procedure=awarded.procedure,
                estimate=awarded.estimate,
                stage=S.AWARDED,
            )
            db.session.add(copy)
            db.session.flush()
            db.session.add(TenderEvent(tender_id=copy.id, to_stage=S.AWARDED))
        db.session.commit()
    assert queries() == one
    assert "AO-COPY-5" in client.get("/open-data/").get_data(as_text=True)


@pytest.mark.parametrize(("prefix", "warned"), [("ocds-sdtn", True), ("ocds-a1b2c3", False)])
def test_start_up_warns_when_the_ocid_prefix_is_not_a_registered_one(
    tmp_path, caplog, prefix, warned
):
    with caplog.at_level(logging.WARNING):
        create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                "SECRET_KEY": "x",
                "INSTANCE_PATH": str(tmp_path),
                "OCDS_PREFIX": prefix,
            }
        )
    assert any("OCDS_PREFIX" in r.getMessage() for r in caplog.records) is warned
