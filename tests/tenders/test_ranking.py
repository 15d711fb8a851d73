"""Rankings against figures computed by hand, and abnormally low offers' justifications."""

from datetime import timedelta
from decimal import Decimal as D

from portal.extensions import db
from portal.models import LotOutcome
from portal.services import selection, tenders
from portal.services.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from portal.services.tenders import CriterionInput
from tests.tenders.helpers import (
    AFTER,
    LATE,
    S,
    advance_to,
    assert_audit_keeps_prices_out,
    bid,
    check,
    declare,
    events,
    member_of,
    move,
    published,
    ranking_of,
    refused,
    score,
    submit,
)

# --- The weighted method, from bids to award --------------------------------------------------


WEIGHTED_SCORES = {  # bidder -> criterion -> (president, member)
    0: {"Méthodologie": ("36", "34"), "Chef de projet": ("25", "27"), "Experts": ("24", "24")},
    1: {"Méthodologie": ("38", "38"), "Chef de projet": ("28", "28"), "Experts": ("27", "29")},
    2: {"Méthodologie": ("30", "28"), "Chef de projet": ("20", "22"), "Experts": ("22", "20")},
}


def test_a_weighted_tender_from_bids_to_award_matches_the_hand_computation(w):
    tender = published(w)
    lot = tender.lots[0]
    a = bid(w.bidders[0], lot, "900000.00")
    b = bid(w.bidders[1], lot, "1000000.00")
    c = bid(w.bidders[2], lot, "800000.00")
    d = bid(w.bidders[3], lot, "500000.00")  # the lowest price, but eliminated
    e = bid(w.bidders[4], lot, "400000.00", now=LATE)  # lower still, but late
    move(w.secretariat, tender, S.SUBMISSIONS_CLOSED)
    move(w.secretariat, tender, S.ADMINISTRATIVE_CHECK)
    for offer in (a, b, c):
        check(w, offer)
    check(w, d, failed={"Attestation fiscale": "Attestation périmée"})
    move(w.secretariat, tender, S.TECHNICAL_EVALUATION)

    declare(w.president, tender)
    declare(w.member, tender)
    for index, offer in enumerate((a, b, c)):
        for label, (by_president, by_member) in WEIGHTED_SCORES[index].items():
            score(w.president, offer, label, by_president)
            score(w.member, offer, label, by_member)
    submit(w.president, tender)
    submit(w.member, tender)
    # A: 35 + 26 + 24 = 85; B: 38 + 28 + 28 = 94; C: 29 + 21 + 21 = 71.
    assert tenders.technical_scores(tender) == {a.id: D("85"), b.id: D("94"), c.id: D("71")}
    move(w.president, tender, S.TECHNICAL_LOCKED)

    # The opening: at least two scoring members present, listed in the event.
    chair, scorer, witness = (member_of(u, tender) for u in (w.president, w.member, w.witness))
    for who in ([chair.id], [witness.id, chair.id], [chair.id, 10**6], []):
        error = refused(InvalidInput, move, w.president, tender, S.FINANCIAL_OPENING, present=who)
        assert error.field == "present"
    move(
        w.president,
        tender,
        S.FINANCIAL_OPENING,
        present=[witness.id, scorer.id, chair.id],
        now=AFTER + timedelta(hours=2),
    )
    opening = events(tender)[-1]
    assert (opening.to_stage, opening.actor_id, opening.occurred_at) == (
        S.FINANCIAL_OPENING,
        w.president.id,
        AFTER + timedelta(hours=2),
    )
    assert opening.present == sorted([witness.id, scorer.id, chair.id])

    move(w.president, tender, S.FINANCIAL_EVALUATION)
    move(w.president, tender, S.RANKING)
    still = refused(TransitionNotAllowed, move, w.central, tender, S.UNSUCCESSFUL)
    assert "restent en lice" in still.message

    ranking, by_bid = ranking_of(tender)
    assert set(ranking.bids.values()) == {a, b, c, d}  # the late bid is not in the running
    # Lowest qualified price: C's 800,000 (not D's 500,000, nor E's 400,000).
    # A: 100 x 800000 / 900000 = 88.89; 0.7 x 85 + 0.3 x 88.89 = 86.167 -> 86.17
    # B: 100 x 800000 / 1000000 = 80; 0.7 x 94 + 0.3 x 80 = 89.80
    # C: 100; 0.7 x 71 + 0.3 x 100 = 79.70
    figures = {
        offer.id: (r.status, r.technical_score, r.financial_score, r.combined_score, r.rank)
        for offer, r in ((o, by_bid[o.id]) for o in (a, b, c, d))
    }
    assert figures == {
        a.id: (selection.RANKED, D("85.00"), D("88.89"), D("86.17"), 2),
        b.id: (selection.RANKED, D("94.00"), D("80.00"), D("89.80"), 1),
        c.id: (selection.RANKED, D("71.00"), D("100.00"), D("79.70"), 3),
        d.id: (selection.NOT_ADMISSIBLE, None, None, None, None),
    }
    assert ranking.result.winner == str(b.id)

    move(w.president, tender, S.AWARD_PROPOSED)
    assert [o.award_proposed for o in (a, b, c, d, e)] == [False, True, False, False, False]
    assert lot.proposed_bid is b and lot.outcome is None
    for someone in (w.secretariat, w.president, w.local):
        refused(NotAllowed, move, someone, tender, S.AWARDED)
    move(w.central, tender, S.AWARDED, note="Décision n° 12/2026")
    assert tender.stage is S.AWARDED and lot.outcome is LotOutcome.AWARDED
    assert (events(tender)[-1].actor_id, events(tender)[-1].note) == (
        w.central.id,
        "Décision n° 12/2026",
    )
    assert_audit_keeps_prices_out("900000.00", "1000000.00", "800000.00", "500000.00")


# --- The reference price and abnormally low offers --------------------------------------------


def reference_grid() -> list[CriterionInput]:
    return [
        CriterionInput("Attestation fiscale", "eliminatory"),
        CriterionInput("Offre technique", "technical", "100"),
    ]


REFERENCE = {
    "category": "works",
    "criteria": reference_grid(),
    "method": "reference_price",
    "technical_weight": "",
    "financial_weight": "",
    "technical_threshold": "",
}


def test_a_reference_price_tender_decides_the_abnormally_low_offer_before_the_ranking(w):
    tender = published(w, **REFERENCE)
    lot = tender.lots[0]  # estimate 1,000,000: below 800,000 is abnormally low (works, 20 %)
    x = bid(w.bidders[0], lot, "700000.00")  # abnormally low
    y = bid(w.bidders[1], lot, "950000.00")
    z = bid(w.bidders[2], lot, "1100000.00")
    v = bid(w.bidders[3], lot, "1300000.00")  # above 1,200,000: excessive
    advance_to(w, tender, S.FINANCIAL_OPENING)
    early = refused(
        TransitionNotAllowed,
        tenders.decide_justification,
        w.president,
        x,
        accepted=False,
        justification="Prix du béton sous le coût des matériaux",
    )
    assert "n'est pas en cours" in early.message
    move(w.president, tender, S.FINANCIAL_EVALUATION)
    assert tenders.abnormally_low_pending(tender) == [x]

    pending = refused(TransitionNotAllowed, move, w.president, tender, S.RANKING)
    assert "anormalement basses" in pending.message
    refused(
        NotAllowed,
        tenders.decide_justification,
        w.member,
        x,
        accepted=True,
        justification="Sous-traitance locale",
    )
    refused(
        InvalidInput, tenders.decide_justification, w.president, x, accepted=False, justification=""
    )
    tenders.decide_justification(
        w.president, x, accepted=False, justification="Prix du béton sous le coût des matériaux"
    )
    db.session.flush()
    assert (x.justification_accepted, tenders.abnormally_low_pending(tender)) == (False, [])
    move(w.president, tender, S.RANKING)

    # Retained: Y and Z; reference = (1,000,000 + (950,000 + 1,100,000) / 2) / 2 = 1,012,500.
    ranking, by_bid = ranking_of(tender)
    assert ranking.result.reference_price == D("1012500.00")
    assert {o.id: (by_bid[o.id].status, by_bid[o.id].rank) for o in (x, y, z, v)} == {
        x.id: (selection.ABNORMALLY_LOW, None),
        y.id: (selection.RANKED, 1),  # the closest below the reference
        z.id: (selection.RANKED, 2),
        v.id: (selection.EXCESSIVE, None),
    }
    move(w.president, tender, S.AWARD_PROPOSED)
    assert lot.proposed_bid is y and lot.reference_price == D("1012500.00")


def test_a_justification_is_decided_once_and_only_for_an_abnormally_low_bid(w):
    tender = published(w, category="works", method="reference_price", technical_threshold="")
    lot = tender.lots[0]
    low = bid(w.bidders[0], lot, "500000.00")  # the lot's estimate is 1 000 000: -50 %
    fair = bid(w.bidders[1], lot, "950000.00")
    advance_to(w, tender, S.FINANCIAL_EVALUATION)
    wrong = refused(
        TransitionNotAllowed,
        tenders.decide_justification,
        w.president,
        fair,
        accepted=True,
        justification="Sans objet",
    )
    assert "pas anormalement basse" in wrong.message
    tenders.decide_justification(w.president, low, accepted=False, justification="Prix non tenable")
    again = refused(
        TransitionNotAllowed,
        tenders.decide_justification,
        w.president,
        low,
        accepted=True,
        justification="Nouvelle note",
    )
    assert "déjà prise" in again.message
    assert low.justification_accepted is False
