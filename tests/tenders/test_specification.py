"""Drafting a tender: what publication needs, the frozen specification, grids refused."""

from datetime import timedelta
from decimal import Decimal as D

from portal.extensions import db
from portal.services import tenders
from portal.services.errors import InvalidInput, TransitionNotAllowed
from portal.services.tenders import CriterionInput
from tests.tenders.helpers import (
    DEADLINE,
    NOW,
    S,
    advance_to,
    bid,
    edit_tender,
    events,
    grid,
    move,
    name_committee,
    new_tender,
    published,
    refused,
    set_lots,
    specify,
)


def test_publication_needs_lots_criteria_a_future_deadline_and_a_president(w):
    tender = new_tender(w, deadline=None)

    def publish(now=NOW):
        return refused(TransitionNotAllowed, move, w.secretariat, tender, S.PUBLISHED, now=now)

    assert "grille de critères" in publish().message
    set_lots(w, tender)
    assert "grille de critères" in publish().message
    specify(w, tender)
    assert "date limite" in publish().message
    edit_tender(w, tender, submission_deadline=NOW - timedelta(hours=1))
    assert "date limite" in publish().message
    assert "date limite" in publish(now=DEADLINE).message  # the deadline itself is too late
    edit_tender(w, tender, submission_deadline=DEADLINE)
    assert "président" in publish().message
    assert tender.stage is S.DRAFT and len(events(tender)) == 1

    name_committee(w, tender)
    move(w.secretariat, tender, S.PUBLISHED, now=NOW)
    assert tender.stage is S.PUBLISHED


def test_the_specification_is_frozen_once_published(w):
    tender = published(w)
    before = [(c.label, c.kind, c.max_points) for c in tender.criteria]
    frozen = refused(
        TransitionNotAllowed, specify, w, tender, method="lowest_price", technical_threshold=""
    )
    assert "figé" in frozen.message
    refused(TransitionNotAllowed, set_lots, w, tender, [("Autre lot", "5000.00")])
    refused(TransitionNotAllowed, edit_tender, w, tender, estimate="1.00")
    db.session.expire_all()
    assert [(c.label, c.kind, c.max_points) for c in tender.criteria] == before
    assert tender.method.value == "weighted" and tender.technical_weight == D("0.7")
    assert [(lot.title, lot.estimate) for lot in tender.lots] == [("Lot unique", D("1000000"))]
    assert tender.estimate == D("1000000")


def test_the_specification_is_refused_when_it_cannot_work(w):
    tender = new_tender(w)
    set_lots(w, tender)

    def technical(*points):
        return [CriterionInput(f"Critère {n}", "technical", p) for n, p in enumerate(points, 1)]

    short = refused(InvalidInput, specify, w, tender, technical("40", "50"))
    assert short.field == "criteria"
    assert "totalisent 90 points" in short.message and "100" in short.message
    over = refused(InvalidInput, specify, w, tender, technical("40", "60.01"))
    assert "totalisent 100.01 points" in over.message
    split = [
        CriterionInput("Méthodologie", "technical", "40"),
        CriterionInput(
            "Équipe",
            "technical",
            "60",
            [
                CriterionInput("Chef de projet", "technical", "30"),
                CriterionInput("Experts", "technical", "25"),
            ],
        ),
    ]
    children = refused(InvalidInput, specify, w, tender, split)
    assert "« Équipe »" in children.message and "55 points sur 60" in children.message
    only_gates = [CriterionInput("Attestation fiscale", "eliminatory")]
    assert (
        "Au moins un critère technique"
        in refused(InvalidInput, specify, w, tender, only_gates).message
    )

    weights = refused(
        InvalidInput, specify, w, tender, technical_weight="0.7", financial_weight="0.2"
    )
    assert weights.field == "technical_weight" and "totaliser 1" in weights.message
    missing = refused(InvalidInput, specify, w, tender, financial_weight="")
    assert missing.field == "financial_weight"
    assert tender.criteria == [] and tender.technical_weight is None  # nothing half-saved

    # The reference-price method works from the estimate: a tender without one cannot use it.
    reference = {"method": "reference_price", "technical_weight": "", "financial_weight": ""}
    tender.estimate = D("0")
    estimate = refused(InvalidInput, specify, w, tender, **reference)
    assert "prix de référence demande l'estimation" in estimate.message
    tender.estimate = D("1000000.00")
    db.session.flush()
    specify(w, tender, **reference)
    assert tender.method.value == "reference_price"
    assert (tender.technical_weight, tender.financial_weight) == (None, None)
    # Saved: the sub-criteria are scored, their parent is not.
    specify(w, tender)
    assert [c.label for c in tenders.leaf_criteria(tender)] == [
        "Méthodologie",
        "Chef de projet",
        "Experts",
    ]
    assert [c.label for c in tenders.eliminatory_criteria(tender)] == [
        "Attestation fiscale",
        "Caution provisoire",
    ]


def test_weights_are_applied_as_published_or_refused_at_the_specification(w):
    """Weights are stored with three decimals (Numeric(4, 3)). A specification accepted with
    more must keep them: otherwise, at the next request, the ranking refuses the weights the
    specification accepted, after the whole evaluation is done."""
    tender = new_tender(w)
    set_lots(w, tender)
    try:
        specify(w, tender, technical_weight="0.6005", financial_weight="0.3995")
    except InvalidInput as error:
        assert error.field in ("technical_weight", "financial_weight")
        return
    name_committee(w, tender)
    move(w.secretariat, tender, S.PUBLISHED, now=NOW)
    bid(w.bidders[0], tender.lots[0], "900000.00")
    advance_to(w, tender, S.FINANCIAL_OPENING)
    db.session.expire_all()  # the next request reads the tender back
    assert tenders.rank(tender)[0].result.winner is not None
    assert (tender.technical_weight, tender.financial_weight) == (D("0.6005"), D("0.3995"))


def test_long_labels_and_an_unknown_city_are_refused_with_a_message(w):
    tender = new_tender(w)
    error = refused(InvalidInput, set_lots, w, tender, [("x" * 201, "1000")])
    assert "trop long" in error.message
    long_grid = [CriterionInput("x" * 301, "eliminatory"), *grid()]
    error = refused(InvalidInput, specify, w, tender, long_grid)
    assert "au plus 300 caractères" in error.message
    error = refused(InvalidInput, edit_tender, w, tender, city_id=999_999)
    assert error.field == "city_id"
