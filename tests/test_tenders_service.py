"""Provider selection, checked on the service: the stages and who moves them, the frozen
specification, sealed offers, bids, declarations of interest, independent scoring and
consensus, the administrative check, and rankings against figures computed by hand."""

import inspect
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AuditEvent,
    Bid,
    CommitteeRole,
    EliminationCheck,
    LotOutcome,
    OrganizationKind,
    Role,
    Score,
    TenderEvent,
    TenderStage,
)
from portal.services import selection, tenders
from portal.services.errors import InvalidInput, NotAllowed, StaleObject, TransitionNotAllowed
from portal.services.tenders import CriterionInput, SealedOffer

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
SEALED_STAGES = [
    S.PUBLISHED,
    S.SUBMISSIONS_CLOSED,
    S.ADMINISTRATIVE_CHECK,
    S.TECHNICAL_EVALUATION,
    S.TECHNICAL_LOCKED,
]
SCORING = {CommitteeRole.PRESIDENT, CommitteeRole.RAPPORTEUR, CommitteeRole.MEMBER}
WHY = "Conforme aux termes de référence"


# --- The world: the secretariat, the ministry, evaluators, bidders, onlookers -----------------


@pytest.fixture
def w(ctx, make_city, make_org, make_user):
    city, other_city = make_city(name="Marrakech"), make_city(name="Agadir")
    firms = [
        make_org(short_name=name, kind=OrganizationKind.CONSULTANT)
        for name in ("ALPHA", "BETA", "GAMMA", "DELTA", "EPSILON")
    ]
    return SimpleNamespace(
        city=city,
        other_city=other_city,
        firms=firms,
        bidders=[make_user(role=Role.CONTRIBUTOR, organization=firm) for firm in firms],
        secretariat=make_user(role=Role.SECRETARIAT),
        central=make_user(role=Role.CENTRAL_DECISION_MAKER),
        local=make_user(role=Role.LOCAL_DECISION_MAKER, city=city),
        admin=make_user(role=Role.ADMIN),
        observer=make_user(role=Role.OBSERVER, city=city),
        observer_other=make_user(role=Role.OBSERVER, city=other_city),
        president=make_user(role=Role.EVALUATOR),
        member=make_user(role=Role.EVALUATOR),
        rapporteur=make_user(role=Role.EVALUATOR),
        witness=make_user(role=Role.EVALUATOR),  # sits as the committee's observer
        outsider=make_user(role=Role.EVALUATOR),  # on no committee
    )


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


# --- 1. The stages ----------------------------------------------------------------------------


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


# --- 2. Publication and the specification -----------------------------------------------------


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


# --- 3. Sealed offers -------------------------------------------------------------------------


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


# --- 4. Bids ----------------------------------------------------------------------------------


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


# --- 5. Declarations and the committee --------------------------------------------------------


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


# --- 6. Scoring: independent, then consensus --------------------------------------------------


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


# --- 7. The administrative check --------------------------------------------------------------


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


# --- 8. The whole flow to a ranking -----------------------------------------------------------


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


# --- 9. Unsuccessful --------------------------------------------------------------------------


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


# --- Review findings: declarations on record, quorum, early unsuccessful, justifications ------


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


def test_long_labels_and_an_unknown_city_are_refused_with_a_message(w):
    tender = new_tender(w)
    error = refused(InvalidInput, set_lots, w, tender, [("x" * 201, "1000")])
    assert "trop long" in error.message
    long_grid = [CriterionInput("x" * 301, "eliminatory"), *grid()]
    error = refused(InvalidInput, specify, w, tender, long_grid)
    assert "au plus 300 caractères" in error.message
    error = refused(InvalidInput, edit_tender, w, tender, city_id=999_999)
    assert error.field == "city_id"


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
