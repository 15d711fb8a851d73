"""Who sees the bids once they are ranked, and the actions each person's page offers."""

from portal.services import tenders
from portal.services.errors import NotAllowed, TransitionNotAllowed
from tests.tenders.helpers import S, advance_to, bid, consensus, declare, move, published, refused


def test_once_ranked_the_bids_are_shown_to_followers_of_the_tenders_city_only(w):
    tender = published(w)
    bid(w.bidders[0], tender.lots[0], "900000.00")
    advance_to(w, tender, S.FINANCIAL_EVALUATION)
    assert not tenders.may_see_bids(w.observer, tender)
    move(w.president, tender, S.RANKING)
    assert tenders.may_see_bids(w.observer, tender)
    assert tenders.may_see_bids(w.local, tender)
    # An observer's rights hold only within their city (authz.CITY_SCOPED_ROLES).
    assert not tenders.may_see_bids(w.observer_other, tender)


def test_the_page_offers_each_person_what_the_actions_accept(w):
    """A chair who declared a conflict is offered no chair's form, and the service refuses
    it the same; the committee stays open to the secretariat until the technical lock."""
    tender = published(w)
    offer = bid(w.bidders[0], tender.lots[0], "900000")
    declare(w.president, tender, conflict=True, note="Ancien associé du soumissionnaire")
    declare(w.member, tender)
    advance_to(w, tender, S.TECHNICAL_EVALUATION)

    chair = tenders.allowed_actions(w.president, tender)
    assert not (chair.consensus or chair.score or chair.declare)
    refused(NotAllowed, consensus, w.president, offer, "Méthodologie", "30")
    member = tenders.allowed_actions(w.member, tender)
    assert member.score and not member.consensus and not member.declare
    assert tenders.allowed_actions(w.rapporteur, tender).declare is False  # not on it
    secretariat = tenders.allowed_actions(w.secretariat, tender)
    assert secretariat.edit_committee and not secretariat.edit_draft
    assert not secretariat.check_bids and not secretariat.bid
    assert tenders.allowed_actions(w.bidders[1], tender).bid is False  # the call is closed

    # Another procedure, its scores locked: the committee is closed, on the page and for good.
    other = published(w, "AO-2026-002")
    bid(w.bidders[0], other.lots[0], "900000")
    advance_to(w, other, S.TECHNICAL_LOCKED)
    assert not tenders.allowed_actions(w.secretariat, other).edit_committee
    refused(
        TransitionNotAllowed,
        tenders.set_committee,
        w.secretariat,
        other,
        [(w.member.id, "president")],
        expected_version=other.version,
    )
