"""Bids: who bids and until when, late bids, resubmissions, and the administrative check."""

from decimal import Decimal as D

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Bid, EliminationCheck
from portal.services import tenders
from portal.services.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from tests.tenders.helpers import (
    AFTER,
    DEADLINE,
    EARLY,
    LATE,
    NOW,
    ON_TIME,
    S,
    advance_to,
    bid,
    check,
    criterion,
    declare,
    drafted,
    move,
    published,
    ranking_of,
    refused,
    score,
)


def test_a_contributor_bids_for_its_own_organisation_only_while_published(w):
    tender = drafted(w)
    lot = tender.lots[0]
    draft = refused(TransitionNotAllowed, bid, w.bidders[0], lot, "900000.00")
    assert "ne reçoit pas d'offres" in draft.message
    move(w.secretariat, tender, S.PUBLISHED, now=NOW)

    alpha, beta = w.firms[0].id, w.firms[1].id
    for someone, firm in [
        (w.bidders[0], beta),  # a contributor, for another organisation
        (w.secretariat, alpha),
        (w.president, alpha),
        (w.admin, alpha),
        (w.central, alpha),
    ]:
        refused(
            NotAllowed,
            tenders.submit_bid,
            someone,
            lot,
            bidder_id=firm,
            price="900000.00",
            now=ON_TIME,
        )
    for price in ("0", "-5", "12.345", "beaucoup"):
        assert refused(InvalidInput, bid, w.bidders[0], lot, price).field == "price"
    assert db.session.scalar(sa.select(sa.func.count(Bid.id))) == 0

    offer = bid(w.bidders[0], lot, "900 000,00")
    assert (offer.bidder_id, offer.late, offer.admissible) == (alpha, False, None)
    at_deadline = bid(w.bidders[1], lot, "950000.00", now=DEADLINE)
    assert not at_deadline.late
    move(w.secretariat, tender, S.SUBMISSIONS_CLOSED)
    closed = refused(TransitionNotAllowed, bid, w.bidders[2], lot, "800000.00", now=AFTER)
    assert "ne reçoit pas d'offres" in closed.message
    assert len(lot.bids) == 2


def test_a_bid_after_the_deadline_is_recorded_late_not_admitted_and_never_changed(w):
    tender = published(w)
    lot = tender.lots[0]
    on_time = bid(w.bidders[0], lot, "900000.00")
    late = bid(w.bidders[1], lot, "700000.00", now=LATE)
    assert (late.late, late.admissible, late.received_at) == (True, False, LATE)
    assert "après la date limite" in late.inadmissibility_reason
    again = refused(TransitionNotAllowed, bid, w.bidders[1], lot, "690000.00", now=LATE)
    assert "ne se modifie plus" in again.message
    # An on-time bid is not replaced by a late one either.
    refused(TransitionNotAllowed, bid, w.bidders[0], lot, "600000.00", now=LATE)
    assert (on_time.late, on_time.received_at) == (False, ON_TIME)

    advance_to(w, tender, S.ADMINISTRATIVE_CHECK)
    refused(TransitionNotAllowed, check, w, late)
    advance_to(w, tender, S.FINANCIAL_OPENING)  # the late bid awaits no check
    assert tenders.admitted_bids(tender) == [on_time]
    assert tenders.price_of(on_time) == D("900000.00")
    ranking, _ = ranking_of(tender)
    assert list(ranking.bids.values()) == [on_time]  # the late price enters nothing
    db.session.expire_all()
    assert (late.sealed_price, late.late, late.admissible) == (D("700000.00"), True, False)


def test_a_resubmission_before_the_deadline_replaces_the_price(w):
    tender = published(w, lots=(("Réseau", "600000.00"), ("Plateforme", "400000.00")))
    network, platform = tender.lots
    first = bid(w.bidders[0], network, "950000.00", now=EARLY)
    second = bid(w.bidders[0], network, "930000.00", now=ON_TIME)
    other_lot = bid(w.bidders[0], platform, "390000.00")
    assert second.id == first.id and other_lot.id != first.id
    assert second.received_at == ON_TIME
    per_lot = db.session.execute(
        sa.select(Bid.lot_id, sa.func.count(Bid.id)).group_by(Bid.lot_id).order_by(Bid.lot_id)
    ).all()
    assert [tuple(row) for row in per_lot] == [(network.id, 1), (platform.id, 1)]

    advance_to(w, tender, S.FINANCIAL_OPENING)
    assert tenders.price_of(second) == D("930000.00")
    assert tenders.price_of(other_lot) == D("390000.00")


# --- The administrative check -----------------------------------------------------------------


def test_the_administrative_check_passes_or_fails_each_condition_with_a_reason(w):
    tender = published(w)
    lot = tender.lots[0]
    a = bid(w.bidders[0], lot, "900000.00")
    b = bid(w.bidders[1], lot, "950000.00")
    c = bid(w.bidders[2], lot, "990000.00")
    early = refused(TransitionNotAllowed, check, w, a)
    assert "n'est pas en cours" in early.message
    advance_to(w, tender, S.ADMINISTRATIVE_CHECK)

    refused(
        NotAllowed,
        tenders.check_bid,
        w.president,
        a,
        results={},
        expected_version=a.version,
    )
    fiscal = criterion(tender, "Attestation fiscale")
    bond = criterion(tender, "Caution provisoire")
    half = refused(
        InvalidInput,
        tenders.check_bid,
        w.secretariat,
        a,
        results={fiscal.id: (True, "")},
        expected_version=a.version,
    )
    assert half.field == "checks" and "« Caution provisoire »" in half.message
    no_reason = refused(
        InvalidInput,
        tenders.check_bid,
        w.secretariat,
        b,
        results={fiscal.id: (True, ""), bond.id: (False, "  ")},
        expected_version=b.version,
    )
    assert no_reason.field == "checks" and "« Caution provisoire »" in no_reason.message
    assert (a.admissible, b.admissible) == (None, None)

    check(w, a)
    check(w, b, failed={"Caution provisoire": "Caution non jointe au dossier"})
    assert a.admissible is True and a.inadmissibility_reason == ""
    assert b.admissible is False
    assert b.inadmissibility_reason == "Caution provisoire : Caution non jointe au dossier"
    stored = {
        (e.criterion_id, e.passed, e.reason)
        for e in db.session.scalars(
            sa.select(EliminationCheck).where(EliminationCheck.bid_id == b.id)
        )
    }
    assert stored == {(fiscal.id, True, ""), (bond.id, False, "Caution non jointe au dossier")}

    waiting = refused(TransitionNotAllowed, move, w.secretariat, tender, S.TECHNICAL_EVALUATION)
    assert "1 offre" in waiting.message and "vérification administrative" in waiting.message
    check(w, c)
    move(w.secretariat, tender, S.TECHNICAL_EVALUATION)
    assert tenders.admitted_bids(tender) == [a, c]
    declare(w.president, tender)
    refused(InvalidInput, score, w.president, b, "Méthodologie", "30")  # not admitted
    refused(TransitionNotAllowed, check, w, c)  # the check is over
