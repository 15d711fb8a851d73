"""Independent technical scores until submitted, consensus on a spread, and zero points."""

from decimal import Decimal as D

from portal.services import tenders
from portal.services.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from tests.tenders.helpers import (
    AFTER,
    S,
    advance_to,
    bid,
    consensus,
    criterion,
    declare,
    member_of,
    move,
    published,
    refused,
    score,
    submit,
)


def test_members_score_alone_until_they_submit_and_consensus_settles_a_spread(w):
    tender = published(w)
    lot = tender.lots[0]
    a = bid(w.bidders[0], lot, "900000.00")
    b = bid(w.bidders[1], lot, "950000.00")
    advance_to(w, tender, S.TECHNICAL_EVALUATION)
    declare(w.president, tender)
    declare(w.member, tender)

    def ids(user):
        return {s.id for s in tenders.visible_scores(user, tender)}

    p1 = score(w.president, a, "Méthodologie", "30")
    m1 = score(w.member, a, "Méthodologie", "34")
    assert ids(w.president) == {p1.id} and ids(w.member) == {m1.id}
    assert ids(w.secretariat) == set() and ids(w.witness) == set()
    missing = refused(TransitionNotAllowed, submit, w.president, tender)
    assert "Il manque 5 note" in missing.message  # 2 bids x 3 scored criteria, 1 given

    # Points within 0 and the criterion's maximum, two decimals, a justification.
    for points in ("30.01", "-1", "quinze"):
        refused(InvalidInput, score, w.president, a, "Chef de projet", points)
    assert (
        "Une note entre 0 et 30"
        in refused(InvalidInput, score, w.president, a, "Chef de projet", "31").message
    )
    refused(InvalidInput, score, w.president, a, "Chef de projet", "12.345")
    refused(InvalidInput, score, w.president, a, "Chef de projet", "20", justification="")
    parent = refused(InvalidInput, score, w.president, a, "Équipe", "50")
    assert "ne se note pas" in parent.message
    # Until submitted, one's own score may be revised.
    assert score(w.president, a, "Méthodologie", "29").id == p1.id
    p1 = score(w.president, a, "Méthodologie", "30")

    plan = {  # bid -> criterion -> (president, member)
        a: {"Chef de projet": ("24", "30"), "Experts": ("20", "27")},
        b: {"Méthodologie": ("36", "36"), "Chef de projet": ("24", "24"), "Experts": ("24", "22")},
    }
    for offer, row in plan.items():
        for label, (by_president, _) in row.items():
            score(w.president, offer, label, by_president)
    submit(w.president, tender)
    assert member_of(w.president, tender).scores_submitted_at == AFTER
    # Submitted: the president sees no one's scores but their own until the others submit.
    assert len(ids(w.president)) == 6 and m1.id not in ids(w.president)
    assert ids(w.member) == {m1.id}
    frozen = refused(TransitionNotAllowed, score, w.president, a, "Méthodologie", "40")
    assert "ne changent plus" in frozen.message
    refused(TransitionNotAllowed, submit, w.president, tender)

    for offer, row in plan.items():
        for label, (_, by_member) in row.items():
            score(w.member, offer, label, by_member)
    submit(w.member, tender)
    assert len(ids(w.president)) == len(ids(w.member)) == 12
    assert ids(w.secretariat) == set()  # not before the technical result is locked

    # The mean of the members' points: Méthodologie (30 + 34) / 2 = 32.
    table = tenders.technical_table(tender)
    methodology = table[a.id][criterion(tender, "Méthodologie").id]
    assert (methodology.mean, methodology.flagged) == (D("32"), False)
    # 20 % of 30 points is 6: a spread of 6 passes, a spread of 7 is flagged.
    lead = table[a.id][criterion(tender, "Chef de projet").id]
    experts = table[a.id][criterion(tender, "Experts").id]
    assert (lead.mean, lead.flagged) == (D("27"), False)
    assert (experts.mean, experts.flagged) == (D("23.5"), True)
    assert tenders.technical_scores(tender) == {a.id: D("82.5"), b.id: D("83")}

    spread = refused(TransitionNotAllowed, move, w.president, tender, S.TECHNICAL_LOCKED)
    assert "1 note" in spread.message and "consensus" in spread.message
    refused(NotAllowed, consensus, w.member, a, "Experts", "22")
    no_reason = refused(InvalidInput, consensus, w.president, a, "Experts", "22", reason="")
    assert no_reason.field == "reason"
    refused(InvalidInput, consensus, w.president, a, "Experts", "30.5")
    consensus(w.president, a, "Experts", "22", reason="Deux experts sans la certification")
    experts = tenders.technical_table(tender)[a.id][criterion(tender, "Experts").id]
    assert (experts.mean, experts.retained) == (D("23.5"), D("22"))
    assert experts.consensus.reason == "Deux experts sans la certification"
    assert tenders.technical_scores(tender) == {a.id: D("81"), b.id: D("83")}

    move(w.president, tender, S.TECHNICAL_LOCKED)
    assert len(ids(w.secretariat)) == 12
    refused(TransitionNotAllowed, consensus, w.president, a, "Experts", "25")


def scoring_started(w):
    tender = published(w)
    offer = bid(w.bidders[0], tender.lots[0], "900000.00")
    advance_to(w, tender, S.TECHNICAL_EVALUATION)
    declare(w.president, tender)
    declare(w.member, tender)
    return tender, offer


def test_a_score_of_zero_points_given_as_a_number_is_accepted(w):
    """Points go from 0 to the maximum; a 0 given as a number (a form's DecimalField gives
    Decimal("0"), JSON gives 0) is a score of 0, not "no value"."""
    _, offer = scoring_started(w)
    assert score(w.president, offer, "Experts", "0").points == D("0")  # as text: accepted
    assert score(w.president, offer, "Experts", D("0")).points == D("0")
    assert score(w.member, offer, "Experts", 0).points == D("0")


def test_a_consensus_of_zero_points_given_as_a_number_is_accepted(w):
    tender, offer = scoring_started(w)
    # A consensus comes once every member has handed in their scores.
    early = refused(TransitionNotAllowed, consensus, w.president, offer, "Experts", D("0"))
    assert "une fois les notes de tous les membres remises" in early.message
    for person, points in ((w.president, "30"), (w.member, "10")):
        for label in ("Méthodologie", "Chef de projet", "Experts"):
            score(person, offer, label, points)
        submit(person, tender)
    consensus(w.president, offer, "Experts", D("0"))
    assert tenders.technical_table(tender)[offer.id][criterion(tender, "Experts").id].retained == 0
