"""What the tender service tests share: dates, who moves each stage, the procedure's steps."""

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Bid, CommitteeRole, Score, TenderEvent, TenderStage
from portal.services import tenders
from portal.services.tenders import CriterionInput

S = TenderStage
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # drafting and publication
DEADLINE = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)  # submission deadline
EARLY = DEADLINE - timedelta(days=5)
ON_TIME = DEADLINE - timedelta(days=2)
LATE = DEADLINE + timedelta(minutes=1)
AFTER = DEADLINE + timedelta(days=1)  # closing, checks, scoring and the rest

# Who moves the procedure on to each stage (an independent statement of the rules).
SECRETARIAT_MOVES = {
    S.PUBLISHED,
    S.SUBMISSIONS_CLOSED,
    S.ADMINISTRATIVE_CHECK,
    S.TECHNICAL_EVALUATION,
}
PRESIDENT_MOVES = {
    S.TECHNICAL_LOCKED,
    S.FINANCIAL_OPENING,
    S.FINANCIAL_EVALUATION,
    S.RANKING,
    S.AWARD_PROPOSED,
}

SCORING = {CommitteeRole.PRESIDENT, CommitteeRole.RAPPORTEUR, CommitteeRole.MEMBER}
WHY = "Conforme aux termes de référence"


# --- Drafting and moving a tender -------------------------------------------------------------


def refused(error, call, *args, **kw):
    with pytest.raises(error) as caught:
        call(*args, **kw)
    assert caught.value.message, "a refusal always says why"
    return caught.value


def new_tender(w, reference="AO-2026-001", *, category="services", deadline=DEADLINE):
    tender = tenders.save_tender(
        w.secretariat,
        None,
        reference=reference,
        title="Étude du schéma directeur de la transformation numérique",
        city_id=w.city.id,
        action_id=None,
        category=category,
        procedure="open_call",
        estimate="1000000.00",
        publication_date=NOW.date(),
        submission_deadline=deadline,
        opening_session=None,
        evaluation_due=None,
    )
    db.session.flush()
    return tender


def edit_tender(w, tender, **changes):
    values = {
        "reference": tender.reference,
        "title": tender.title,
        "city_id": tender.city_id,
        "action_id": tender.action_id,
        "category": tender.category.value,
        "procedure": tender.procedure.value,
        "estimate": str(tender.estimate),
        "publication_date": tender.publication_date,
        "submission_deadline": tender.submission_deadline,
        "opening_session": tender.opening_session,
        "evaluation_due": tender.evaluation_due,
        **changes,
    }
    tenders.save_tender(w.secretariat, tender, expected_version=tender.version, **values)
    db.session.flush()


ONE_LOT = (("Lot unique", "1000000.00"),)


def set_lots(w, tender, lots=ONE_LOT):
    tenders.save_lots(w.secretariat, tender, list(lots), expected_version=tender.version)
    db.session.flush()


def grid() -> list[CriterionInput]:
    """Two eliminatory conditions; 40 + 60 technical points, the 60 split 30 + 30."""
    return [
        CriterionInput("Attestation fiscale", "eliminatory"),
        CriterionInput("Caution provisoire", "eliminatory"),
        CriterionInput("Méthodologie", "technical", "40"),
        CriterionInput(
            "Équipe",
            "technical",
            "60",
            [
                CriterionInput("Chef de projet", "technical", "30"),
                CriterionInput("Experts", "technical", "30"),
            ],
        ),
    ]


WEIGHTED = {
    "method": "weighted",
    "technical_weight": "0.7",
    "financial_weight": "0.3",
    "technical_threshold": "70",
    "normalization": "raw",
    "decimals": 2,
}


def specify(w, tender, criteria=None, **settings):
    tenders.save_specification(
        w.secretariat,
        tender,
        criteria=grid() if criteria is None else criteria,
        expected_version=tender.version,
        **{**WEIGHTED, **settings},
    )
    db.session.flush()


def name_committee(w, tender, members=None):
    if members is None:
        members = [(w.president, "president"), (w.member, "member"), (w.witness, "observer")]
    tenders.set_committee(
        w.secretariat,
        tender,
        [(user.id, role) for user, role in members],
        expected_version=tender.version,
    )
    db.session.flush()


def move(actor, tender, stage, *, now=AFTER, **kw):
    tenders.advance(actor, tender, stage, now=now, expected_version=tender.version, **kw)
    db.session.flush()


def drafted(w, reference="AO-2026-001", *, lots=ONE_LOT, criteria=None, committee=None, **spec):
    tender = new_tender(w, reference, category=spec.pop("category", "services"))
    set_lots(w, tender, lots)
    specify(w, tender, criteria, **spec)
    name_committee(w, tender, committee)
    return tender


def published(w, *args, **kw):
    tender = drafted(w, *args, **kw)
    move(w.secretariat, tender, S.PUBLISHED, now=NOW)
    return tender


# --- Bids, declarations, checks and scores ----------------------------------------------------


def bid(user, lot, price, *, now=ON_TIME) -> Bid:
    offer = tenders.submit_bid(user, lot, bidder_id=user.organization_id, price=price, now=now)
    db.session.flush()
    return offer


def declare(user, tender, *, conflict=False, note=""):
    tenders.declare(user, tender, conflict=conflict, note=note, now=AFTER)
    db.session.flush()


def check(w, offer, failed=None):
    """The administrative check: every eliminatory criterion passed but those in `failed`."""
    failed = failed or {}
    results = {
        c.id: (c.label not in failed, failed.get(c.label, ""))
        for c in tenders.eliminatory_criteria(offer.lot.tender)
    }
    tenders.check_bid(w.secretariat, offer, results=results, expected_version=offer.version)
    db.session.flush()


def criterion(tender, label):
    return next(c for c in tender.criteria if c.label == label)


def score(user, offer, label, points, justification=WHY):
    tender = offer.lot.tender
    result = tenders.record_score(
        user, offer, criterion(tender, label), points=points, justification=justification
    )
    db.session.flush()
    return result


def submit(user, tender):
    tenders.submit_scores(user, tender, now=AFTER)
    db.session.flush()


def consensus(user, offer, label, points, reason="Accord après discussion en séance"):
    tenders.set_consensus(
        user, offer, criterion(offer.lot.tender, label), points=points, reason=reason
    )
    db.session.flush()


def member_of(user, tender):
    return tenders.membership(user, tender)


def score_the_rest(user, tender, share=D("0.8")):
    """Every cell the member has not scored yet: `share` of the criterion's maximum."""
    member = member_of(user, tender)
    done = {
        (s.bid_id, s.criterion_id)
        for s in db.session.scalars(sa.select(Score).where(Score.member_id == member.id))
    }
    for offer in tenders.admitted_bids(tender):
        for leaf in tenders.leaf_criteria(tender):
            if (offer.id, leaf.id) not in done:
                tenders.record_score(
                    user, offer, leaf, points=f"{leaf.max_points * share:f}", justification=WHY
                )
    db.session.flush()


# --- The plain procedure, step by step --------------------------------------------------------


def mover(w, stage):
    if stage in SECRETARIAT_MOVES:
        return w.secretariat
    if stage in PRESIDENT_MOVES:
        return w.president
    return w.central


def prepare(w, tender, stage):
    """What the plain procedure does before it moves on to `stage`: every unchecked bid
    passes the check; every scoring member declares no conflict, scores and submits."""
    if stage is S.TECHNICAL_EVALUATION:
        for lot in tender.lots:
            for offer in lot.bids:
                if offer.admissible is None:
                    check(w, offer)
    elif stage is S.TECHNICAL_LOCKED:
        for member in list(tender.members):
            if member.role not in SCORING or member.recused or member.scores_submitted_at:
                continue
            if member.declaration is None:
                declare(member.user, tender)
            score_the_rest(member.user, tender)
            submit(member.user, tender)


def present(tender) -> list[int]:
    return [m.id for m in tender.members if m.role in SCORING and m.cleared]


def step(w, tender, *, at=AFTER):
    stage = tenders.NEXT[tender.stage]
    prepare(w, tender, stage)
    move(
        mover(w, stage),
        tender,
        stage,
        now=NOW if stage is S.PUBLISHED else at,
        present=present(tender) if stage is S.FINANCIAL_OPENING else None,
    )


def advance_to(w, tender, target):
    while tender.stage is not target:
        step(w, tender)


# --- Reading back -----------------------------------------------------------------------------


def events(tender) -> list[TenderEvent]:
    return list(
        db.session.scalars(
            sa.select(TenderEvent)
            .where(TenderEvent.tender_id == tender.id)
            .order_by(TenderEvent.id)
        )
    )


def ranking_of(tender, lot_index=0):
    ranking = tenders.rank(tender)[lot_index]
    by_bid = {ranking.bids[r.bidder].id: r for r in ranking.result.bids}
    return ranking, by_bid


# A number as it may be written: 987654.32, 987654,32, 987 654,32 (with a space or a
# non-breaking one), 1 000 000,00 or 1000000.
NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f]\d{3}|[.,]\d+)*")


def assert_audit_keeps_prices_out(*prices: str):
    """No audit event carries a price, whatever its writing."""
    text = json.dumps(
        [
            [e.action, e.actor_label, e.object_type, e.object_id, e.details]
            for e in db.session.scalars(sa.select(AuditEvent))
        ],
        ensure_ascii=False,
        default=str,
    )
    written = {re.sub(r"\D", "", number) for number in NUMBER.findall(text)}
    for price in prices:
        assert {price.replace(".", ""), price.split(".")[0]}.isdisjoint(written), (
            f"the audit trail shows the price {price}"
        )
