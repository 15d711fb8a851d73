"""Sealed offers: no price read before the financial opening, and envelopes never opened."""

import inspect
from datetime import timedelta
from decimal import Decimal as D

import pytest

from portal.services import tenders
from portal.services.tenders import SealedOffer
from tests.tenders.helpers import (
    DEADLINE,
    EARLY,
    S,
    advance_to,
    assert_audit_keeps_prices_out,
    bid,
    declare,
    move,
    published,
    refused,
    score,
    score_the_rest,
    step,
    submit,
)

SEALED_STAGES = [
    S.PUBLISHED,
    S.SUBMISSIONS_CLOSED,
    S.ADMINISTRATIVE_CHECK,
    S.TECHNICAL_EVALUATION,
    S.TECHNICAL_LOCKED,
]


def test_offers_stay_sealed_until_the_financial_opening_whoever_asks(w):
    # No user goes in: no role, administrators and the secretariat included, opens an envelope.
    assert list(inspect.signature(tenders.price_of).parameters) == ["bid", "tender"]
    assert list(inspect.signature(tenders.rank).parameters) == ["tender"]
    tender = published(w)
    lot = tender.lots[0]
    prices = ["987654.32", "876543.21"]
    offers = [bid(w.bidders[0], lot, "999999.99", now=EARLY)]
    assert_audit_keeps_prices_out("999999.99")
    offers[0] = bid(w.bidders[0], lot, prices[0])  # replaced before the deadline
    offers.append(bid(w.bidders[1], lot, prices[1]))
    assert "987654" not in repr(offers[0])

    seen = []
    while tender.stage is not S.FINANCIAL_OPENING:
        # The secretariat sees the bids all along, never a price.
        assert tenders.may_see_bids(w.secretariat, tender)
        assert not tenders.may_see_bids(w.admin, tender)
        for offer in offers:
            refused(SealedOffer, tenders.price_of, offer)
            refused(SealedOffer, tenders.price_of, offer, tender)
        refused(SealedOffer, tenders.rank, tender)
        assert_audit_keeps_prices_out("999999.99", *prices)
        seen.append(tender.stage)
        step(w, tender)
    assert seen == SEALED_STAGES

    assert [tenders.price_of(o) for o in offers] == [D(p) for p in prices]
    assert tenders.rank(tender)[0].result.winner is not None
    advance_to(w, tender, S.AWARDED)
    assert_audit_keeps_prices_out("999999.99", *prices)


def test_an_offer_of_a_tender_cancelled_before_the_opening_stays_sealed(w):
    tender = published(w)
    offer = bid(w.bidders[0], tender.lots[0], "900000.00")
    advance_to(w, tender, S.TECHNICAL_LOCKED)
    move(w.secretariat, tender, S.CANCELLED, note="Besoin redéfini")
    refused(SealedOffer, tenders.price_of, offer)
    refused(SealedOffer, tenders.rank, tender)


def test_another_tenders_opening_does_not_unseal_an_offer(w):
    """`price_of(bid, tender)` trusts the tender it is given: passing one whose envelopes are
    open reads the price of a bid whose own envelope is still sealed."""
    opened = published(w, "AO-2026-001")
    bid(w.bidders[0], opened.lots[0], "900000.00")
    advance_to(w, opened, S.FINANCIAL_OPENING)
    sealed = published(w, "AO-2026-002")
    offer = bid(w.bidders[1], sealed.lots[0], "987654.32")
    with pytest.raises(SealedOffer):
        tenders.price_of(offer, opened)


def test_the_late_and_the_technically_failed_envelopes_stay_closed_after_the_opening(w):
    tender = published(w, technical_threshold="70")
    lot = tender.lots[0]
    good = bid(w.bidders[0], lot, "900000.00")
    poor = bid(w.bidders[1], lot, "800000.00")
    late = bid(w.bidders[2], lot, "700000.00", now=DEADLINE + timedelta(minutes=5))
    advance_to(w, tender, S.TECHNICAL_EVALUATION)
    for person in (w.president, w.member):
        declare(person, tender)
        score(person, poor, "Méthodologie", "10")
        score(person, poor, "Chef de projet", "10")
        score(person, poor, "Experts", "10")
        score_the_rest(person, tender)
        submit(person, tender)
    advance_to(w, tender, S.FINANCIAL_OPENING)
    assert tenders.opened_prices(tender) == {good.id: D("900000.00")}
    assert late.late and poor.id not in tenders.opened_prices(tender)
