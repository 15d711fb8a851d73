"""The stages in order, each move by its own people, cancellation, quorum, unsuccessful end."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from portal.extensions import db
from portal.models import LotOutcome, TenderStage
from portal.services import selection, tenders
from portal.services.errors import InvalidInput, NotAllowed, StaleObject, TransitionNotAllowed
from portal.services.tenders import SealedOffer
from tests.tenders.helpers import (
    AFTER,
    NOW,
    SECRETARIAT_MOVES,
    S,
    advance_to,
    bid,
    check,
    declare,
    drafted,
    events,
    member_of,
    move,
    mover,
    prepare,
    present,
    published,
    ranking_of,
    refused,
    score_the_rest,
    submit,
)

# --- The stages -------------------------------------------------------------------------------


def test_the_stages_follow_in_order_each_move_recorded_with_who_and_when(w):
    tender = drafted(w)
    lot = tender.lots[0]
    wrong = {
        "secretariat": [w.president, w.central, w.admin, w.bidders[0]],
        "president": [w.secretariat, w.member, w.central, w.admin],
        "central": [w.secretariat, w.president, w.local, w.admin],
    }
    moments = {}
    while tender.stage is not S.AWARDED:
        here, ahead = tender.stage, tenders.NEXT[tender.stage]
        if here is S.PUBLISHED:
            bid(w.bidders[0], lot, "900000.00")
            bid(w.bidders[1], lot, "950000.00")
        # No skipping, no going back, no staying: only the next stage is reachable.
        for target in tenders.ORDER:
            if target is not ahead:
                refused(TransitionNotAllowed, move, w.secretariat, tender, target)
                assert tender.stage is here
        prepare(w, tender, ahead)
        group = "secretariat" if ahead in SECRETARIAT_MOVES else "president"
        for someone in wrong[group if ahead is not S.AWARDED else "central"]:
            error = refused(NotAllowed, move, someone, tender, ahead)
            assert type(error) is NotAllowed and tender.stage is here
        moments[ahead] = NOW if ahead is S.PUBLISHED else AFTER + timedelta(hours=len(moments))
        extra = {"present": present(tender)} if ahead is S.FINANCIAL_OPENING else {}
        move(mover(w, ahead), tender, ahead, now=moments[ahead], **extra)
        assert tender.stage is ahead

    # Read back: every move, in order, with who made it and when.
    db.session.expire_all()
    history = events(tender)
    assert [(e.from_stage, e.to_stage) for e in history] == [
        (None, S.DRAFT),
        *zip(tenders.ORDER, tenders.ORDER[1:], strict=False),
    ]
    assert history[0].actor_id == w.secretariat.id
    for event in history[1:]:
        assert event.actor_id == mover(w, event.to_stage).id
        assert event.occurred_at == moments[event.to_stage]
    assert lot.outcome is LotOutcome.AWARDED

    # Nothing moves after the award, whoever asks, not even a cancellation.
    for target in TenderStage:
        for someone in (w.secretariat, w.central):
            error = refused(TransitionNotAllowed, move, someone, tender, target, note="Motif")
            assert "close" in error.message
    assert tender.stage is S.AWARDED and len(events(tender)) == len(history)


def test_a_skip_names_both_stages_and_a_stale_form_is_refused(w):
    tender = published(w)
    bid(w.bidders[0], tender.lots[0], "900000.00")
    error = refused(TransitionNotAllowed, move, w.secretariat, tender, S.TECHNICAL_EVALUATION)
    assert "Publié" in error.message and "Évaluation technique" in error.message
    assert "aucune étape ne se saute" in error.message
    back = refused(TransitionNotAllowed, move, w.secretariat, tender, S.DRAFT)
    assert "ni ne se rouvre" in back.message
    # A page loaded before someone else's move is refused, not replayed.
    old = tender.version
    move(w.secretariat, tender, S.SUBMISSIONS_CLOSED)
    with pytest.raises(StaleObject):
        tenders.advance(
            w.secretariat, tender, S.ADMINISTRATIVE_CHECK, now=AFTER, expected_version=old
        )
    with pytest.raises(StaleObject):
        tenders.advance(w.secretariat, tender, S.ADMINISTRATIVE_CHECK, now=AFTER)
    assert tender.stage is S.SUBMISSIONS_CLOSED


def test_a_cancellation_needs_a_reason_and_is_final(w):
    tender = published(w)
    lot = tender.lots[0]
    bid(w.bidders[0], lot, "900000.00")
    advance_to(w, tender, S.TECHNICAL_EVALUATION)
    for someone in (w.local, w.president, w.admin, w.bidders[0]):
        refused(NotAllowed, move, someone, tender, S.CANCELLED, note="Budget retiré")
    blank = refused(InvalidInput, move, w.secretariat, tender, S.CANCELLED, note="  ")
    assert blank.field == "note" and tender.stage is S.TECHNICAL_EVALUATION

    move(w.secretariat, tender, S.CANCELLED, note="Budget retiré par la commune")
    assert tender.stage is S.CANCELLED and tender.cancel_reason == "Budget retiré par la commune"
    last = events(tender)[-1]
    assert (last.from_stage, last.to_stage, last.actor_id, last.note) == (
        S.TECHNICAL_EVALUATION,
        S.CANCELLED,
        w.secretariat.id,
        "Budget retiré par la commune",
    )
    # Final: no stage, no declaration, no bid; the offers never open.
    for target in TenderStage:
        refused(TransitionNotAllowed, move, w.central, tender, target, note="Encore")
    refused(TransitionNotAllowed, declare, w.president, tender)
    refused(TransitionNotAllowed, bid, w.bidders[1], lot, "800000.00")
    refused(SealedOffer, tenders.price_of, lot.bids[0])

    # The ministry may cancel too, from the draft on.
    other = drafted(w, "AO-2026-002")
    move(w.central, other, S.CANCELLED, note="Procédure relancée sous un autre lot")
    assert other.stage is S.CANCELLED


# --- The financial opening's quorum -----------------------------------------------------------


def test_the_opening_quorum_counts_each_present_scoring_member_once(w):
    tender = published(w)
    bid(w.bidders[0], tender.lots[0], "900000.00")
    advance_to(w, tender, S.TECHNICAL_LOCKED)
    chair = member_of(w.president, tender)
    error = refused(
        InvalidInput, move, w.president, tender, S.FINANCIAL_OPENING, present=[chair.id, chair.id]
    )
    assert error.field == "present" and tender.stage is S.TECHNICAL_LOCKED


def test_a_recused_member_does_not_count_as_a_scoring_member_present(w):
    committee = [(w.president, "president"), (w.member, "member"), (w.rapporteur, "rapporteur")]
    tender = published(w, committee=committee)
    bid(w.bidders[0], tender.lots[0], "900000.00")
    advance_to(w, tender, S.TECHNICAL_EVALUATION)
    declare(w.rapporteur, tender, conflict=True, note="Conjoint salarié chez ALPHA")
    advance_to(w, tender, S.TECHNICAL_LOCKED)
    chair, recused = member_of(w.president, tender), member_of(w.rapporteur, tender)
    error = refused(
        InvalidInput,
        move,
        w.president,
        tender,
        S.FINANCIAL_OPENING,
        present=[chair.id, recused.id],
    )
    assert error.field == "present" and tender.stage is S.TECHNICAL_LOCKED


# --- Unsuccessful -----------------------------------------------------------------------------


def test_a_tender_is_unsuccessful_when_no_bid_is_admitted_not_while_bids_are_pending(w):
    tender = published(w)
    lot = tender.lots[0]
    offer = bid(w.bidders[0], lot, "900000.00")
    early = refused(TransitionNotAllowed, move, w.central, tender, S.UNSUCCESSFUL)
    assert "infructueuse" in early.message and "remise des offres" in early.message
    move(w.secretariat, tender, S.SUBMISSIONS_CLOSED)
    pending = refused(TransitionNotAllowed, move, w.central, tender, S.UNSUCCESSFUL)
    assert "restent en lice" in pending.message
    move(w.secretariat, tender, S.ADMINISTRATIVE_CHECK)
    check(w, offer, failed={"Attestation fiscale": "Aucune attestation"})
    for someone in (w.secretariat, w.president, w.local):
        refused(NotAllowed, move, someone, tender, S.UNSUCCESSFUL)
    move(w.central, tender, S.UNSUCCESSFUL, note="Aucune offre recevable")
    assert tender.stage is S.UNSUCCESSFUL and lot.outcome is LotOutcome.UNSUCCESSFUL
    last = events(tender)[-1]
    assert (last.from_stage, last.to_stage, last.actor_id) == (
        S.ADMINISTRATIVE_CHECK,
        S.UNSUCCESSFUL,
        w.central.id,
    )
    refused(SealedOffer, tenders.price_of, offer)  # never opened: sealed for good
    for target in TenderStage:
        refused(TransitionNotAllowed, move, w.secretariat, tender, target, note="Relance")

    # No bid at all: unsuccessful as soon as the submissions are closed.
    empty = published(w, "AO-2026-002")
    move(w.secretariat, empty, S.SUBMISSIONS_CLOSED)
    move(w.central, empty, S.UNSUCCESSFUL)
    assert empty.stage is S.UNSUCCESSFUL


def test_with_no_qualified_bid_the_award_is_refused_and_the_tender_is_unsuccessful(w):
    tender = published(w)  # technical threshold 70
    lot = tender.lots[0]
    offers = [bid(w.bidders[0], lot, "900000.00"), bid(w.bidders[1], lot, "800000.00")]
    advance_to(w, tender, S.TECHNICAL_EVALUATION)
    for user in (w.president, w.member):
        declare(user, tender)
        score_the_rest(user, tender, share=D("0.6"))  # 24 + 18 + 18 = 60 < 70
        submit(user, tender)
    advance_to(w, tender, S.RANKING)
    _, by_bid = ranking_of(tender)
    assert {by_bid[o.id].status for o in offers} == {selection.BELOW_THRESHOLD}

    error = refused(TransitionNotAllowed, move, w.president, tender, S.AWARD_PROPOSED)
    assert "Aucune offre qualifiée" in error.message and "infructueux" in error.message
    assert tender.stage is S.RANKING
    move(w.central, tender, S.UNSUCCESSFUL, note="Aucune offre au-dessus du seuil")
    assert tender.stage is S.UNSUCCESSFUL and lot.outcome is LotOutcome.UNSUCCESSFUL
    assert not any(o.award_proposed for o in offers)
    # Opened before the end: the prices remain readable for the minutes.
    assert [tenders.price_of(o) for o in offers] == [D("900000.00"), D("800000.00")]


def test_no_bid_reaching_the_threshold_ends_the_tender_without_opening_envelopes(w):
    tender = published(w, technical_threshold="70")
    offer = bid(w.bidders[0], tender.lots[0], "900000.00")
    advance_to(w, tender, S.TECHNICAL_EVALUATION)
    for person in (w.president, w.member):
        declare(person, tender)
        score_the_rest(person, tender, share=D("0.5"))  # 50 out of 100
        submit(person, tender)
    move(w.president, tender, S.TECHNICAL_LOCKED)
    move(w.central, tender, S.UNSUCCESSFUL, note="Aucune offre au seuil technique")
    assert tender.stage is S.UNSUCCESSFUL
    refused(tenders.SealedOffer, tenders.price_of, offer)  # its envelope was never opened
