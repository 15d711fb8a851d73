"""The evaluation committee: its composition, declarations of interest, and recusals."""

from portal.models import CommitteeRole
from portal.services import tenders
from portal.services.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from tests.tenders.helpers import (
    AFTER,
    S,
    advance_to,
    bid,
    declare,
    member_of,
    move,
    name_committee,
    new_tender,
    published,
    refused,
    score,
    score_the_rest,
    submit,
)


def test_without_a_declaration_of_no_conflict_bids_stay_hidden_and_nothing_is_scored(w):
    committee = [
        (w.president, "president"),
        (w.member, "member"),
        (w.rapporteur, "rapporteur"),
        (w.witness, "observer"),
    ]
    tender = published(w, committee=committee)
    offer = bid(w.bidders[0], tender.lots[0], "900000.00")
    advance_to(w, tender, S.TECHNICAL_EVALUATION)

    for user in (w.member, w.rapporteur, w.president, w.witness, w.outsider):
        assert not tenders.may_see_bids(user, tender)
        refused(NotAllowed, score, user, offer, "Méthodologie", "30")
        assert tenders.visible_scores(user, tender) == []
    refused(NotAllowed, declare, w.outsider, tender)
    # Nor does a president without a declaration lead the committee's moves.
    refused(NotAllowed, move, w.president, tender, S.TECHNICAL_LOCKED)

    # A conflict is described, and recuses.
    blank = refused(InvalidInput, declare, w.rapporteur, tender, conflict=True, note=" ")
    assert blank.field == "note" and member_of(w.rapporteur, tender).declaration is None
    declare(w.rapporteur, tender, conflict=True, note="Ancien associé du cabinet ALPHA")
    recused = member_of(w.rapporteur, tender)
    assert recused.recused and recused.declaration_note == "Ancien associé du cabinet ALPHA"
    assert not tenders.may_see_bids(w.rapporteur, tender)
    refused(NotAllowed, score, w.rapporteur, offer, "Méthodologie", "30")
    # Made once: no changing one's mind either way.
    once = refused(TransitionNotAllowed, declare, w.rapporteur, tender)
    assert "déjà enregistrée" in once.message and recused.recused

    declare(w.member, tender)
    cleared = member_of(w.member, tender)
    assert cleared.cleared and cleared.declared_at == AFTER
    assert tenders.may_see_bids(w.member, tender)
    score(w.member, offer, "Méthodologie", "30")
    refused(TransitionNotAllowed, declare, w.member, tender, conflict=True, note="Finalement")
    # The committee's observer may see the bids once cleared, but does not score.
    declare(w.witness, tender)
    assert tenders.may_see_bids(w.witness, tender)
    refused(NotAllowed, score, w.witness, offer, "Méthodologie", "30")

    # The recused member is not waited for.
    advance_to(w, tender, S.TECHNICAL_LOCKED)
    assert member_of(w.rapporteur, tender).scores_submitted_at is None
    assert tenders.visible_scores(w.rapporteur, tender) == []


def test_the_committee_is_evaluators_only_with_one_president_and_two_who_score(w):
    tender = new_tender(w)

    def compose(*members):
        return refused(InvalidInput, name_committee, w, tender, list(members))

    assert (
        "parmi les évaluateurs"
        in compose((w.president, "president"), (w.secretariat, "member")).message
    )
    assert (
        "un président, et un seul"
        in compose((w.president, "president"), (w.member, "president")).message
    )
    assert (
        "un président, et un seul" in compose((w.president, "member"), (w.member, "member")).message
    )
    assert (
        "au moins deux membres qui notent"
        in compose((w.president, "president"), (w.witness, "observer")).message
    )
    assert (
        "deux fois"
        in compose(
            (w.president, "president"), (w.member, "member"), (w.member, "rapporteur")
        ).message
    )
    assert tender.members == []
    refused(
        NotAllowed,
        tenders.set_committee,
        w.president,
        tender,
        [(w.president.id, "president"), (w.member.id, "member")],
        expected_version=tender.version,
    )

    name_committee(w, tender, [(w.president, "president"), (w.rapporteur, "rapporteur")])
    assert {(m.user_id, m.role) for m in tender.members} == {
        (w.president.id, CommitteeRole.PRESIDENT),
        (w.rapporteur.id, CommitteeRole.RAPPORTEUR),
    }


def test_a_member_who_declared_stays_on_record_and_a_recused_chair_is_replaced(w):
    tender = published(w)
    bid(w.bidders[0], tender.lots[0], "900000.00")
    advance_to(w, tender, S.TECHNICAL_EVALUATION)
    declare(w.member, tender, conflict=True, note="Ancien associé du soumissionnaire")
    # Removing her (to add her back and declare again) is refused.
    error = refused(
        InvalidInput,
        name_committee,
        w,
        tender,
        [(w.president, "president"), (w.rapporteur, "member")],
    )
    assert "reste membre" in error.message
    # One cleared scorer is not enough to lock: the committee is completed instead.
    declare(w.president, tender)
    score_the_rest(w.president, tender)
    submit(w.president, tender)
    short = refused(TransitionNotAllowed, move, w.president, tender, S.TECHNICAL_LOCKED)
    assert "au moins deux membres" in short.message
    name_committee(
        w,
        tender,
        [
            (w.president, "president"),
            (w.member, "member"),
            (w.witness, "observer"),
            (w.rapporteur, "rapporteur"),
        ],
    )
    declare(w.rapporteur, tender)
    score_the_rest(w.rapporteur, tender)
    submit(w.rapporteur, tender)
    move(w.president, tender, S.TECHNICAL_LOCKED)
    assert tender.stage is S.TECHNICAL_LOCKED
