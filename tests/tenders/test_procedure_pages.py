"""The procedure through the pages, draft to award: sealed prices, stages, bids, minutes."""

import io
import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from pypdf import PdfReader

from portal.extensions import db
from portal.models import (
    AuditEvent,
    Bid,
    CommitteeMember,
    Criterion,
    Tender,
    TenderEvent,
    TenderStage,
)
from tests.conftest import browser, text
from tests.tenders.page_helpers import PRICES, SPEC, tender


def move(client, app, stage, **data):
    current = tender(app)
    return client.post(
        f"/tenders/{current.id}/stage",
        data={"to_stage": stage, "version": current.version, **data},
    )


def members(app) -> dict[str, CommitteeMember]:
    with app.app_context():
        rows = db.session.scalars(sa.select(CommitteeMember)).all()
        db.session.expunge_all()
        return {m.role.value: m for m in rows}


def prepare(app, world) -> None:
    """The secretariat drafts the tender, its lot, its grid and its committee, and publishes."""
    secretariat = browser(app, world["secretariat"])
    response = secretariat.post(
        "/tenders/new",
        data={
            "reference": "AO-2026-01",
            "title": "Étude des schémas directeurs",
            "city_id": world["city"].id,
            "action_id": 0,
            "category": "studies",
            "procedure": "open_call",
            "estimate": "1000000",
            "submission_deadline": (datetime.now() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302, text(response)
    current = tender(app)
    response = secretariat.post(
        f"/tenders/{current.id}/lots",
        data={"version": current.version, "lot_title": ["Lot unique"], "lot_estimate": ["1000000"]},
    )
    assert response.status_code == 302, text(response)
    current = tender(app)
    response = secretariat.post(
        f"/tenders/{current.id}/specification",
        data={
            "criteria": SPEC,
            "method": "weighted",
            "technical_weight": "0,8",
            "financial_weight": "0,2",
            "technical_threshold": "70",
            "normalization": "raw",
            "decimals": "2",
            "excessive_above": "20",
            "abnormal_below_works": "20",
            "abnormal_below_other": "25",
            "spread_limit": "20",
            "version": current.version,
        },
    )
    assert response.status_code == 302, text(response)
    current = tender(app)
    response = secretariat.post(
        f"/tenders/{current.id}/committee",
        data={
            "version": current.version,
            "member_user": [world["president"].id, world["member"].id],
            "member_role": ["president", "member"],
        },
    )
    assert response.status_code == 302, text(response)
    assert move(secretariat, app, "published").status_code == 302


def test_a_tender_goes_from_draft_to_award_and_prices_stay_sealed_until_the_opening(app, world):
    prepare(app, world)
    current = tender(app)
    with app.app_context():
        lot_id = db.session.scalar(sa.select(Tender).where(Tender.id == current.id)).lots[0].id
    for name, price in PRICES.items():
        bidder = browser(app, world["bidders"][name])
        response = bidder.post(f"/tenders/{current.id}/lots/{lot_id}/bid", data={"price": price})
        assert response.status_code == 302, text(response)

    secretariat = browser(app, world["secretariat"])
    everyone = {
        who: browser(app, world[who])
        for who in ("secretariat", "president", "member", "central", "admin", "observer")
    }

    def sealed_everywhere():
        for who, client in everyone.items():
            for url in (f"/tenders/{current.id}", "/tenders", "/admin/audit"):
                page = text(client.get(url))
                for price in PRICES.values():
                    assert price not in page and price.replace(".", ",") not in page, (who, url)

    sealed_everywhere()
    # Time passes: the deadline is behind us.
    with app.app_context():
        row = db.session.get(Tender, current.id)
        row.submission_deadline = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    for stage in ("submissions_closed", "administrative_check"):
        assert move(secretariat, app, stage).status_code == 302

    with app.app_context():
        bids = {b.bidder.short_name: b.id for b in db.session.scalars(sa.select(Bid))}
        criterion = db.session.scalar(
            sa.select(Criterion).where(Criterion.label.startswith("Attestation"))
        )
    for name, bid_id in bids.items():
        passed = name != "RSN"
        data = {
            "version": 1,
            f"check_{criterion.id}": "pass" if passed else "fail",
            f"reason_{criterion.id}": "" if passed else "Attestation expirée",
        }
        response = secretariat.post(f"/tenders/{current.id}/bids/{bid_id}/check", data=data)
        assert response.status_code == 302, text(response)
    assert move(secretariat, app, "technical_evaluation").status_code == 302
    sealed_everywhere()

    # Without a declaration, a member sees no bid and cannot score.
    president, member = everyone["president"], everyone["member"]
    assert "ADC Conseil" not in text(president.get(f"/tenders/{current.id}"))
    assert president.get(f"/tenders/{current.id}/scoring").status_code == 403
    for client in (president, member):
        response = client.post(f"/tenders/{current.id}/declaration", data={"conflict": "no"})
        assert response.status_code == 302
    assert "ADC Conseil" in text(president.get(f"/tenders/{current.id}"))

    with app.app_context():
        leaves = {
            c.label: c.id
            for c in db.session.scalars(
                sa.select(Criterion).where(Criterion.max_points.isnot(None))
            )
        }
    marks = {
        # (understanding /20, plan /40, team /40) per member; ADC 84 and 86, MCS 70 and 74.
        "president": {"ADC": ("18", "36", "30"), "MCS": ("14", "30", "26")},
        "member": {"ADC": ("17", "35", "34"), "MCS": ("15", "32", "27")},
    }
    labels = ("Compréhension des termes de référence", "Plan de travail", "Équipe")
    for who, client in (("president", president), ("member", member)):
        data = {"version": 1, "submit": "1"}
        for name, points in marks[who].items():
            for label, value in zip(labels, points, strict=True):
                data[f"points_{bids[name]}_{leaves[label]}"] = value
                data[f"why_{bids[name]}_{leaves[label]}"] = "Conforme aux termes de référence"
        response = client.post(f"/tenders/{current.id}/scoring", data=data)
        assert response.status_code == 302, text(response)
    page = text(president.get(f"/tenders/{current.id}"))
    assert 'id="technical"' in page
    assert move(president, app, "technical_locked").status_code == 302
    sealed_everywhere()

    # The opening: the president lists who is present.
    present = members(app)
    response = move(
        president,
        app,
        "financial_opening",
        present=[present["president"].id, present["member"].id],
    )
    assert response.status_code == 302, text(response)
    page = text(president.get(f"/tenders/{current.id}"))
    assert "987\u202f654,32" in page or "987 654,32" in page.replace("\xa0", " ")
    with app.app_context():
        opening = db.session.scalar(
            sa.select(TenderEvent).where(TenderEvent.to_stage == TenderStage.FINANCIAL_OPENING)
        )
        assert opening.present == sorted([present["president"].id, present["member"].id])

    for stage in ("financial_evaluation", "ranking", "award_proposed"):
        assert move(president, app, stage).status_code == 302, stage
    page = text(everyone["central"].get(f"/tenders/{current.id}"))
    # ADC: technical (84 + 86) / 2 = 85; MCS: 72; RSN eliminated, its lower price unused.
    # ADC: financial 100 x 876543.21 / 987654.32 = 88.75; combined 0.8 x 85 + 0.2 x 88.75
    # = 85.75. MCS: financial 100; combined 0.8 x 72 + 20 = 77.60.
    ranking = page.split('id="ranking-table-1"')[1].split("</table>")[0]
    assert "85,75" in ranking and "77,60" in ranking and "88,75" in ranking
    assert ranking.index("ADC Conseil") < ranking.index("MCS Conseil")
    assert "(attributaire proposé)" in ranking.split("MCS Conseil")[0]
    assert move(everyone["central"], app, "awarded").status_code == 302
    assert tender(app).stage is TenderStage.AWARDED

    # The minutes, in French, show every number; the OCDS release says who won and why.
    response = everyone["observer"].get(f"/tenders/{current.id}/minutes.pdf")
    assert response.content_type == "application/pdf"
    # Named after the tender's reference, as people file it.
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="PV-{tender(app).reference}.pdf"'
    )
    minutes = (
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
        .replace("\u202f", " ")
        .replace("\xa0", " ")
    )
    for expected in (
        "Procès-verbal de la commission d'évaluation",
        "Rachid Alaoui",
        "absence de conflit",
        "Attestation expirée",
        "85,00",
        "88,75",
        "85,75",
        "77,60",
        "987 654,32 MAD",
        "Attribué",
    ):
        assert expected in minutes, expected
    # Labels given after the award still reach the minutes' Arabic readers.
    label_criteria(app, everyone["secretariat"], {"Plan de travail": ("", "خطة العمل")})
    arabic_minutes_read_right_to_left(everyone["observer"], current.id)
    package = json.loads(everyone["observer"].get(f"/tenders/{current.id}/ocds.json").data)
    release = package["releases"][0]
    assert release["tender"]["status"] == "complete"
    assert release["tender"]["mainProcurementCategory"] == "services"
    (award,) = release["awards"]
    assert award["status"] == "active" and award["value"] == {
        "amount": 987654.32,
        "currency": "MAD",
    }
    assert award["suppliers"][0]["name"] == "ADC Conseil"
    evaluations = {
        b["tenderers"][0]["name"]: b.get("evaluation") for b in release["bids"]["details"]
    }
    assert evaluations["ADC Conseil"]["combinedScore"] == "85.75"
    assert evaluations["RSN Conseil"]["status"] == "not_admissible"

    with app.app_context():
        details = " ".join(str(e.details) for e in db.session.scalars(sa.select(AuditEvent)))
    for price in PRICES.values():
        assert price not in details


def test_a_stage_cannot_be_skipped_and_others_cannot_move_it(app, world):
    prepare(app, world)
    secretariat = browser(app, world["secretariat"])
    response = move(secretariat, app, "technical_evaluation")
    assert response.status_code == 422
    assert "aucune étape ne se saute" in text(response)
    assert move(browser(app, world["observer"]), app, "submissions_closed").status_code == 403
    assert tender(app).stage is TenderStage.PUBLISHED


def test_before_the_ranking_there_are_no_minutes_and_the_ocds_release_has_no_bid(app, world):
    prepare(app, world)
    current = tender(app)
    with app.app_context():
        lot_id = db.session.get(Tender, current.id).lots[0].id
    bidder = browser(app, world["bidders"]["ADC"])
    bidder.post(f"/tenders/{current.id}/lots/{lot_id}/bid", data={"price": PRICES["ADC"]})
    secretariat = browser(app, world["secretariat"])
    assert secretariat.get(f"/tenders/{current.id}/minutes.pdf").status_code == 404
    package = json.loads(secretariat.get(f"/tenders/{current.id}/ocds.json").data)
    release = package["releases"][0]
    # Empty containers are left out, as OCDS asks.
    assert "bids" not in release and "awards" not in release
    assert "numberOfTenderers" not in release["tender"]  # how many bid is told with the ranking
    assert PRICES["ADC"] not in json.dumps(package)


def test_a_bids_documents_are_for_the_committee_and_the_bidder(app, world):
    prepare(app, world)
    current = tender(app)
    with app.app_context():
        lot_id = db.session.get(Tender, current.id).lots[0].id
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    bidder = browser(app, world["bidders"]["ADC"])
    response = bidder.post(
        f"/tenders/{current.id}/lots/{lot_id}/bid",
        data={"price": PRICES["ADC"], "documents": [(io.BytesIO(pdf), "offre-technique.pdf")]},
    )
    assert response.status_code == 302, text(response)
    with app.app_context():
        bid = db.session.scalars(sa.select(Bid)).one()
        url = f"/tenders/{current.id}/bids/{bid.id}/files/{bid.files[0].id}"
    assert bidder.get(url).data == pdf
    assert browser(app, world["secretariat"]).get(url).data == pdf
    # A competitor, and a member who has not declared, do not get it.
    assert browser(app, world["bidders"]["MCS"]).get(url).status_code == 404
    assert browser(app, world["president"]).get(url).status_code == 404


def test_a_bidder_gets_its_receipt_but_neither_its_rivals_nor_the_committee(app, world):
    prepare(app, world)
    current = tender(app)
    with app.app_context():
        lot_id = db.session.get(Tender, current.id).lots[0].id
    for name in ("ADC", "MCS"):
        bidder = browser(app, world["bidders"][name])
        bidder.post(f"/tenders/{current.id}/lots/{lot_id}/bid", data={"price": PRICES[name]})
    page = text(browser(app, world["bidders"]["ADC"]).get(f"/tenders/{current.id}"))
    assert 'id="own-bids"' in page and "reçue le" in page
    assert "MCS Conseil" not in page  # a rival's offer
    assert "Rachid Alaoui" not in page and "Leila Mansouri" not in page  # the committee
    for price in PRICES.values():
        assert price not in page and price.replace(".", ",") not in page


def arabic_minutes_read_right_to_left(reader, tender_id: int) -> None:
    """The minutes in Arabic for a reader who chose it: the Arabic title, the names and the
    Moroccan-written figures read back from the text, and the title set against the right
    edge (checked on the rendered page)."""
    import pypdfium2

    reader.post("/account/language", data={"language": "ar"})
    data = reader.get(f"/tenders/{tender_id}/minutes.pdf").data
    pages = PdfReader(io.BytesIO(data)).pages
    text = " ".join(page.extract_text() for page in pages).replace("\u200f", "")
    for expected in ("محضر لجنة التقييم", "Rachid Alaoui", "987.654,32", "85,75", "خطة العمل"):
        assert expected in text, expected
    image = pypdfium2.PdfDocument(data)[0].render(scale=1).to_pil().convert("L")
    # The title's band (the first 25 mm below the top margin): where its ink lies.
    band = image.crop((0, 0, image.width, int(image.height * 25 / 297)))
    left, _top, right, _bottom = band.point(lambda v: 255 if v < 128 else 0).getbbox()
    margin = image.width * 10 / 210
    assert right > image.width - margin - 5  # against the right margin
    assert left > image.width / 3  # and nowhere near the left one
    reader.post("/account/language", data={"language": "fr"})


def label_criteria(app, secretariat, labels: dict[str, tuple[str, str]], **typed):
    """The secretariat's criteria labels page, sent with `labels` (English, Arabic) by French
    label, the others left empty; `typed` sets fields by name."""
    current = tender(app)
    data = {"version": current.version}
    for label, criterion_id in criteria_ids(app).items():
        en, ar = labels.get(label, ("", ""))
        data[f"en_{criterion_id}"], data[f"ar_{criterion_id}"] = en, ar
    return secretariat.post(f"/tenders/{current.id}/specification/labels", data={**data, **typed})


def criteria_ids(app) -> dict[str, int]:
    with app.app_context():
        return {c.label: c.id for c in db.session.scalars(sa.select(Criterion))}


def test_criteria_get_english_and_arabic_labels_after_publication(app, world):
    prepare(app, world)
    secretariat = browser(app, world["secretariat"])
    current = tender(app)
    page = text(secretariat.get(f"/tenders/{current.id}/specification/labels"))
    assert "Compréhension des termes de référence" in page and "Libellé en arabe" in page

    # A label too long is refused on its own field; what was typed comes back, nothing is kept.
    equipe = criteria_ids(app)["Équipe"]
    response = label_criteria(
        app,
        secretariat,
        {"Méthodologie": ("Methodology", "المنهجية")},
        **{f"en_{equipe}": "T" * 301},
    )
    assert response.status_code == 422
    page = text(response)
    assert "300 caractères" in page
    assert f'aria-describedby="en_{equipe}-errors"' in page
    assert 'value="المنهجية"' in page
    with app.app_context():
        assert not any(db.session.scalars(sa.select(Criterion.label_ar)))

    labels = {
        "Méthodologie": ("Methodology", "المنهجية"),
        "Plan de travail": ("Work plan", "خطة العمل"),
    }
    assert label_criteria(app, secretariat, labels).status_code == 302
    # Sent again on the version it was loaded with: stale, and refused.
    stale = secretariat.post(
        f"/tenders/{current.id}/specification/labels",
        data={"version": current.version, f"ar_{equipe}": "الفريق"},
    )
    assert stale.status_code == 409
    assert "modifiée par quelqu'un d'autre" in text(stale)

    observer = browser(app, world["observer"])
    observer.post("/account/language", data={"language": "ar"})
    page = text(observer.get(f"/tenders/{current.id}"))
    assert "<bdi>المنهجية</bdi>" in page and "<bdi>خطة العمل</bdi>" in page
    assert "Méthodologie" not in page
    # Untranslated, the French label stands.
    assert "<bdi>Équipe</bdi>" in page
    observer.post("/account/language", data={"language": "en"})
    page = text(observer.get(f"/tenders/{current.id}"))
    assert "Methodology" in page and "Work plan" in page and "Méthodologie" not in page
    # The OCDS release is the record, in the language it was published in.
    assert "Méthodologie" in observer.get(f"/tenders/{current.id}/ocds.json").get_data(as_text=True)
    with app.app_context():
        (event,) = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "tender.criteria_labelled")
        ).all()
        assert ["Méthodologie", "Methodology", "المنهجية"] in event.details["labels"]
