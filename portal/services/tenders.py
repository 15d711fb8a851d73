"""Provider selection: the procedure's rules.

The stages follow one another and never go back; each move is recorded (who, when, why).
The financial offers are sealed until the financial opening: `price_of` is the only reader
of `Bid.sealed_price`, and it refuses before that stage, whoever asks. Committee members see
bids only after declaring no conflict of interest, and others' scores only after submitting
their own. The ranking is computed by `services.selection`, the same code as the simulation.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified

from portal import authz, labels
from portal.authz import Permission
from portal.extensions import db
from portal.models.organizations import City, Organization
from portal.models.plans import Action
from portal.models.tenders import (
    FINAL_STAGES,
    SCORING_ROLES,
    Bid,
    CommitteeMember,
    CommitteeRole,
    Consensus,
    Criterion,
    CriterionKind,
    Declaration,
    EliminationCheck,
    FinancialMethod,
    Lot,
    LotOutcome,
    Normalization,
    Procedure,
    Score,
    Tender,
    TenderCategory,
    TenderEvent,
    TenderStage,
)
from portal.models.types import utcnow
from portal.models.users import Role, User
from portal.services import audit, inputs, notifications, selection
from portal.services.dates import check_day
from portal.services.errors import (
    InvalidInput,
    NotAllowed,
    TransitionNotAllowed,
    ensure_current,
)

S = TenderStage
ORDER = [
    S.DRAFT,
    S.PUBLISHED,
    S.SUBMISSIONS_CLOSED,
    S.ADMINISTRATIVE_CHECK,
    S.TECHNICAL_EVALUATION,
    S.TECHNICAL_LOCKED,
    S.FINANCIAL_OPENING,
    S.FINANCIAL_EVALUATION,
    S.RANKING,
    S.AWARD_PROPOSED,
    S.AWARDED,
]
FINAL = FINAL_STAGES
NEXT = dict(pairwise(ORDER))
HUNDRED = Decimal(100)

STAGE_LABELS = labels.TENDER_STAGE_LABELS
STALE = _l("Cette fiche a été modifiée par quelqu'un d'autre entre-temps. Rechargez-la.")


class SealedOffer(NotAllowed):
    """A financial offer asked for before the financial opening."""


def reached(tender: Tender, stage: TenderStage) -> bool:
    """Whether the procedure has gone as far as `stage` (a final failure counts as not)."""
    if tender.stage in (S.UNSUCCESSFUL, S.CANCELLED):
        return False
    return ORDER.index(tender.stage) >= ORDER.index(stage)


def envelopes_open(tender: Tender) -> bool:
    history = tender.stage in (S.UNSUCCESSFUL, S.CANCELLED) and _was_opened(tender)
    return reached(tender, S.FINANCIAL_OPENING) or history


def _was_opened(tender: Tender) -> bool:
    return (
        db.session.scalar(
            sa.select(TenderEvent.id).where(
                TenderEvent.tender_id == tender.id,
                TenderEvent.to_stage == S.FINANCIAL_OPENING,
            )
        )
        is not None
    )


def price_of(bid: Bid, tender: Tender | None = None) -> Decimal:
    """The bid's price, once the envelopes are open; refused before, whoever asks."""
    if tender is None or tender.id != bid.lot.tender_id:
        tender = bid.lot.tender  # another tender's opening never unseals this one
    if not envelopes_open(tender):
        raise SealedOffer(_l("Offre financière scellée jusqu'à l'ouverture des plis."))
    return bid.sealed_price


# --- Who may do what --------------------------------------------------------------------------


def may_manage(user: User, tender: Tender | None = None) -> bool:
    city_id = tender.city_id if tender is not None else authz.ANYWHERE
    return authz.can(user, Permission.TENDERS_MANAGE, city_id=city_id)


def membership(user: User, tender: Tender) -> CommitteeMember | None:
    return next((m for m in tender.members if m.user_id == user.id), None)


def may_see_bids(user: User, tender: Tender) -> bool:
    """Bids (never prices before the opening): the secretariat and the committee members who
    declared no conflict; everyone who follows tenders once the ranking is out."""
    if may_manage(user, tender):
        return True
    member = membership(user, tender)
    if member is not None:
        return member.cleared
    return reached(tender, S.RANKING) and authz.can(
        user, Permission.TENDERS_VIEW, city_id=tender.city_id
    )


def is_president(user: User, tender: Tender) -> bool:
    """The committee's chair, cleared of any conflict: only then may it act as chair."""
    member = membership(user, tender)
    return member is not None and member.role is CommitteeRole.PRESIDENT and member.cleared


def may_score(user: User, tender: Tender) -> bool:
    member = membership(user, tender)
    return member is not None and member.cleared and member.role in SCORING_ROLES


def may_bid(user: User, tender: Tender) -> bool:
    """What the page offers a bidder; submit_bid checks the organisation it bids for too."""
    return (
        tender.stage is S.PUBLISHED
        and user.organization_id is not None
        and authz.can(user, Permission.TENDERS_BID, organization_id=user.organization_id)
    )


def committee_open(tender: Tender) -> bool:
    """The committee can be completed until the technical scores are locked."""
    return not reached(tender, S.TECHNICAL_LOCKED) and tender.stage not in FINAL


@dataclass(frozen=True)
class TenderActions:
    """What a person may do on the tender's page: the same checks the actions make."""

    edit_draft: bool
    edit_committee: bool
    bid: bool
    check_bids: bool
    declare: bool
    score: bool
    consensus: bool
    justify: bool
    moves: list


@dataclass(frozen=True)
class Criteria:
    """What the tender list is filtered by; `valid` is False when the filters were not."""

    stage: TenderStage | None = None
    city_id: int | None = None
    valid: bool = True


def filtered_query(criteria: Criteria, user: User):
    """The tenders `user` may list that match `criteria`, newest first."""
    query = sa.select(Tender).options(joinedload(Tender.city))
    if not may_manage(user):
        query = query.where(Tender.stage != S.DRAFT)  # a draft is the secretariat's own
    if not criteria.valid:
        return query.where(sa.false())
    if criteria.stage is not None:
        query = query.where(Tender.stage == criteria.stage)
    if criteria.city_id is not None:
        query = query.where(Tender.city_id == criteria.city_id)
    return query.order_by(Tender.created_at.desc(), Tender.id.desc())


def allowed_actions(user: User, tender: Tender) -> TenderActions:
    manage = may_manage(user, tender)
    member = membership(user, tender)
    chair = is_president(user, tender)
    return TenderActions(
        edit_draft=manage and tender.stage is S.DRAFT,
        edit_committee=manage and committee_open(tender),
        bid=may_bid(user, tender),
        check_bids=manage and tender.stage is S.ADMINISTRATIVE_CHECK,
        declare=member is not None and member.declaration is None and tender.stage not in FINAL,
        score=may_score(user, tender) and tender.stage is S.TECHNICAL_EVALUATION,
        consensus=chair and tender.stage is S.TECHNICAL_EVALUATION,
        justify=chair and tender.stage is S.FINANCIAL_EVALUATION,
        moves=allowed_moves(user, tender),
    )


def _require_manage(actor: User, tender: Tender | None = None) -> None:
    if not may_manage(actor, tender):
        raise NotAllowed(_l("Seul le secrétariat du programme conduit la procédure."))


def _president(actor: User, tender: Tender) -> CommitteeMember:
    if not is_president(actor, tender):
        raise NotAllowed(_l("Cette étape revient au président de la commission."))
    return membership(actor, tender)


# --- Tenders, lots and the specification ------------------------------------------------------


def _enum(kind, value, field: str):
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(_l("Valeur inconnue."), field=field) from None


def _require_draft(tender: Tender) -> None:
    if tender.stage is not S.DRAFT:
        raise TransitionNotAllowed(
            _l("Publié, l'appel d'offres est figé : critères, lots et méthode ne changent plus.")
        )


def save_tender(
    actor: User,
    tender: Tender | None,
    *,
    reference,
    title,
    city_id: int | None,
    action_id: int | None,
    category,
    procedure,
    estimate,
    publication_date: date | None,
    submission_deadline: datetime | None,
    opening_session: datetime | None,
    evaluation_due: date | None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Tender:
    if tender is not None:
        ensure_current(tender, expected_version, STALE)
        _require_manage(actor, tender)
        _require_draft(tender)
    if not authz.can(actor, Permission.TENDERS_MANAGE, city_id=city_id):
        raise NotAllowed(_l("Seul le secrétariat du programme conduit la procédure."))
    if city_id and db.session.get(City, city_id) is None:
        raise InvalidInput(_l("Ville inconnue."), field="city_id")
    if action_id:
        action = db.session.get(Action, action_id)
        if action is None or (city_id is not None and action.plan.city_id != city_id):
            raise InvalidInput(
                _l("Cette action n'est pas du plan de cette ville."), field="action_id"
            )
    for day, name in ((publication_date, "publication_date"), (evaluation_due, "evaluation_due")):
        check_day(day, name)
    for moment, name in (
        (submission_deadline, "submission_deadline"),
        (opening_session, "opening_session"),
    ):
        check_day(moment.date() if moment else None, name)
    if submission_deadline and opening_session and opening_session < submission_deadline:
        raise InvalidInput(
            _l("La séance d'ouverture suit la date limite de remise des offres."),
            field="opening_session",
        )
    values = {
        "reference": inputs.text(reference, "reference"),
        "title": inputs.text(title, "title"),
        "city_id": city_id or None,
        "action_id": action_id or None,
        "category": _enum(TenderCategory, category, "category"),
        "procedure": _enum(Procedure, procedure, "procedure"),
        "estimate": inputs.amount(estimate, "estimate"),
        "publication_date": publication_date,
        "submission_deadline": submission_deadline,
        "opening_session": opening_session,
        "evaluation_due": evaluation_due,
    }
    if values["estimate"] <= 0:
        raise InvalidInput(_l("L'estimation doit être positive."), field="estimate")
    clash = sa.select(Tender.id).where(Tender.reference == values["reference"])
    if tender is not None:
        clash = clash.where(Tender.id != tender.id)
    if db.session.scalar(clash) is not None:
        raise InvalidInput(_l("Cette référence existe déjà."), field="reference")
    if tender is None:
        tender = Tender(**values)
        db.session.add(tender)
        db.session.flush()
        db.session.add(
            TenderEvent(
                tender_id=tender.id, to_stage=S.DRAFT, actor=actor, occurred_at=now or utcnow()
            )
        )
        audit.record(actor, "tender.created", obj=tender, details={"reference": tender.reference})
        return tender
    for key, value in values.items():
        setattr(tender, key, value)
    audit.record(actor, "tender.updated", obj=tender, details={"reference": tender.reference})
    return tender


def save_lots(actor: User, tender: Tender, lots: list[tuple[str, object]], *, expected_version):
    """Replace the lots (title, estimate) of a draft tender."""
    _require_manage(actor, tender)
    ensure_current(tender, expected_version, STALE)
    _require_draft(tender)
    parsed = []
    for index, (title, estimate) in enumerate(lots, start=1):
        if not (title or "").strip() and not str(estimate or "").strip():
            continue
        amount = inputs.amount(estimate, "lots")
        if amount <= 0:
            raise InvalidInput(
                _l("Lot %(n)d : l'estimation doit être positive.", n=index), field="lots"
            )
        title = inputs.text(title, "lots")
        if len(title) > Lot.title.type.length:
            raise InvalidInput(_l("Lot %(n)d : intitulé trop long.", n=index), field="lots")
        parsed.append((title, amount))
    if not parsed:
        raise InvalidInput(_l("Un appel d'offres compte au moins un lot."), field="lots")
    tender.lots.clear()
    db.session.flush()
    tender.lots.extend(
        Lot(number=n, title=title, estimate=amount) for n, (title, amount) in enumerate(parsed, 1)
    )
    flag_modified(tender, "title")  # the lots change: so does the tender's version
    audit.record(actor, "tender.lots_set", obj=tender, details={"lots": len(parsed)})


CriterionInput = selection.CriterionInput


def save_specification(
    actor: User,
    tender: Tender,
    *,
    criteria: list[CriterionInput],
    method,
    technical_weight,
    financial_weight,
    technical_threshold,
    normalization,
    decimals,
    excessive_above="20",
    abnormal_below_works="20",
    abnormal_below_other="25",
    spread_limit="20",
    expected_version: int | None = None,
) -> None:
    """Fix the criteria and the method before publication; refused when they cannot work."""
    _require_manage(actor, tender)
    ensure_current(tender, expected_version, STALE)
    _require_draft(tender)

    def number(value, name, *, required=False, places=2):
        text = str(value if value is not None else "").strip().replace(",", ".")
        if not text:
            if required:
                raise InvalidInput(_l("Ce champ est obligatoire."), field=name)
            return None
        parsed = selection.parse_decimal(text, name)
        # Stored with this many decimals: more would be rounded away after publication.
        if parsed != parsed.quantize(Decimal(1).scaleb(-places)):
            raise InvalidInput(_l("Au plus %(n)d décimales.", n=places), field=name)
        return parsed

    method_value = _enum(FinancialMethod, method, "method")
    weighted = method_value is FinancialMethod.WEIGHTED
    settings = {
        "method": method_value,
        "technical_weight": number(
            technical_weight, "technical_weight", required=weighted, places=3
        ),
        "financial_weight": number(
            financial_weight, "financial_weight", required=weighted, places=3
        ),
        "technical_threshold": number(technical_threshold, "technical_threshold"),
        "normalization": _enum(Normalization, normalization, "normalization"),
        "excessive_above": number(excessive_above, "excessive_above", required=True),
        "abnormal_below_works": number(abnormal_below_works, "abnormal_below_works", required=True),
        "abnormal_below_other": number(abnormal_below_other, "abnormal_below_other", required=True),
        "spread_limit": number(spread_limit, "spread_limit", required=True),
    }
    try:
        settings["decimals"] = int(decimals)
    except (TypeError, ValueError):
        raise InvalidInput(_l("Entre 0 et 6 décimales."), field="decimals") from None
    if not weighted:
        settings["technical_weight"] = settings["financial_weight"] = None
    if not 0 < settings["spread_limit"] <= 100:
        raise InvalidInput(_l("Un pourcentage entre 0 et 100."), field="spread_limit")
    # The engine checks the method's own settings, the same way for the portal and the CLI.
    selection.validate(_method_for(tender, tender.estimate, **settings), [])

    grid = selection.check_grid(criteria, label_limit=Criterion.label.type.length)
    rows = [
        (
            row.label,
            CriterionKind.ELIMINATORY if row.eliminatory else CriterionKind.TECHNICAL,
            row.points,
            position,
            row.children,
        )
        for position, row in enumerate(grid)
    ]
    tender.criteria.clear()
    db.session.flush()
    for label, kind, points, position, children in rows:
        # Sub-criteria sort right after their parent: 100, 101, 102, 200...
        parent = Criterion(kind=kind, label=label, max_points=points, position=position * 100)
        tender.criteria.append(parent)
        for index, (child_label, child_points) in enumerate(children):
            tender.criteria.append(
                Criterion(
                    kind=kind,
                    label=child_label,
                    max_points=child_points,
                    position=position * 100 + index + 1,
                    parent=parent,
                )
            )
    for key, value in settings.items():
        setattr(tender, key, value)
    flag_modified(tender, "title")  # the criteria change: so does the tender's version
    audit.record(
        actor,
        "tender.specification_set",
        obj=tender,
        details={
            "method": method_value.value,
            "criteria": [[label, kind.value, str(points)] for label, kind, points, *_ in rows],
        },
    )


def leaf_criteria(tender: Tender) -> list[Criterion]:
    """The technical criteria that are scored: sub-criteria, or criteria without any."""
    parents = {c.parent_id for c in tender.criteria if c.parent_id}
    return [c for c in tender.criteria if c.kind is CriterionKind.TECHNICAL and c.id not in parents]


def eliminatory_criteria(tender: Tender) -> list[Criterion]:
    return [c for c in tender.criteria if c.kind is CriterionKind.ELIMINATORY]


def _method_for(tender: Tender, estimate: Decimal | None, **override) -> selection.Method:
    values = {
        "method": tender.method,
        "technical_weight": tender.technical_weight,
        "financial_weight": tender.financial_weight,
        "technical_threshold": tender.technical_threshold,
        "normalization": tender.normalization,
        "decimals": tender.decimals,
        "excessive_above": tender.excessive_above,
        "abnormal_below_works": tender.abnormal_below_works,
        "abnormal_below_other": tender.abnormal_below_other,
        **override,
    }
    values.pop("spread_limit", None)
    return selection.Method(
        method=values["method"].value,
        category=tender.category.value,
        estimate=estimate,
        technical_weight=values["technical_weight"],
        financial_weight=values["financial_weight"],
        technical_threshold=values["technical_threshold"],
        normalization=values["normalization"].value,
        decimals=values["decimals"],
        excessive_above=values["excessive_above"],
        abnormal_below_works=values["abnormal_below_works"],
        abnormal_below_other=values["abnormal_below_other"],
    )


# --- The committee ----------------------------------------------------------------------------


def set_committee(
    actor: User,
    tender: Tender,
    members: list[tuple[int, str]],
    *,
    expected_version,
    now: datetime | None = None,
):
    """Name the committee (before the bids are examined): one president, evaluators only."""
    _require_manage(actor, tender)
    ensure_current(tender, expected_version, STALE)
    # Members may be added (to replace a recused one) until the technical result is locked;
    # the lock then waits for their scores too.
    if not committee_open(tender):
        raise TransitionNotAllowed(
            _l("La commission ne change plus une fois le résultat technique arrêté.")
        )
    chosen: dict[int, CommitteeRole] = {}
    for user_id, role in members:
        if not user_id:
            continue
        user = db.session.get(User, user_id)
        if (
            user is None
            or not user.active
            or not any(a.role is Role.EVALUATOR for a in user.role_assignments)
        ):
            raise InvalidInput(
                _l("Les membres de la commission sont choisis parmi les évaluateurs."),
                field="members",
            )
        if user_id in chosen:
            raise InvalidInput(_l("Une personne figure deux fois."), field="members")
        chosen[user_id] = _enum(CommitteeRole, role, "members")
    roles = list(chosen.values())
    if roles.count(CommitteeRole.PRESIDENT) != 1:
        raise InvalidInput(_l("La commission a un président, et un seul."), field="members")
    if sum(r in SCORING_ROLES for r in roles) < 2:
        raise InvalidInput(
            _l("Il faut au moins deux membres qui notent (président compris)."), field="members"
        )
    kept = {m.user_id: m for m in tender.members}
    for user_id, member in kept.items():
        if user_id in chosen:
            continue
        if member.declaration is not None:
            # A declaration stays on record: a recused member cannot be removed and re-added
            # to declare again.
            raise InvalidInput(
                _l(
                    "%(name)s a signé sa déclaration : il reste membre de la commission.",
                    name=member.user.full_name,
                ),
                field="members",
            )
        tender.members.remove(member)
    for user_id, role in chosen.items():
        if user_id in kept:
            kept[user_id].role = role
        else:
            tender.members.append(CommitteeMember(user_id=user_id, role=role))
    flag_modified(tender, "title")
    audit.record(
        actor,
        "tender.committee_set",
        obj=tender,
        details={"members": [[u, r.value] for u, r in chosen.items()]},
    )
    notifications.committee_appointed(actor, tender, set(chosen) - set(kept), now=now)


def declare(actor: User, tender: Tender, *, conflict: bool, note: str = "", now=None) -> None:
    member = membership(actor, tender)
    if member is None:
        raise NotAllowed(_l("Vous n'êtes pas membre de cette commission."))
    if member.declaration is not None:
        raise TransitionNotAllowed(_l("Votre déclaration est déjà enregistrée."))
    if tender.stage in FINAL:
        raise TransitionNotAllowed(_l("La procédure est close."))
    note = (note or "").strip()
    if conflict and not note:
        raise InvalidInput(_l("Décrivez le conflit d'intérêts."), field="note")
    member.declaration = Declaration.CONFLICT if conflict else Declaration.NO_CONFLICT
    member.declaration_note = note
    member.declared_at = now or utcnow()
    audit.record(
        actor,
        "tender.declaration",
        obj=tender,
        details={"member": member.id, "conflict": conflict, "note": note},
    )


# --- Bids -------------------------------------------------------------------------------------


def submit_bid(
    actor: User,
    lot: Lot,
    *,
    bidder_id: int,
    price,
    files=(),
    now: datetime | None = None,
) -> Bid:
    """A bidder's own offer, online. After the deadline it is recorded as late, not admitted."""
    tender = lot.tender
    if not authz.can(actor, Permission.TENDERS_BID, organization_id=bidder_id):
        raise NotAllowed(_l("Vous ne soumettez que pour votre propre organisme."))
    if actor.organization_id != bidder_id:
        raise NotAllowed(_l("Vous ne soumettez que pour votre propre organisme."))
    if tender.stage is not S.PUBLISHED:
        raise TransitionNotAllowed(_l("Cet appel d'offres ne reçoit pas d'offres."))
    if db.session.get(Organization, bidder_id) is None:
        raise InvalidInput(_l("Organisme inconnu."), field="bidder_id")
    amount = inputs.amount(price, "price")
    if amount <= 0:
        raise InvalidInput(_l("Le prix doit être positif."), field="price")
    received = now or utcnow()
    late = tender.submission_deadline is not None and received > tender.submission_deadline
    bid = db.session.scalar(sa.select(Bid).where(Bid.lot_id == lot.id, Bid.bidder_id == bidder_id))
    if bid is not None and (bid.late or late):
        raise TransitionNotAllowed(_l("La date limite est passée : l'offre ne se modifie plus."))
    if bid is None:
        bid = Bid(lot=lot, bidder_id=bidder_id, received_at=received, sealed_price=amount)
        db.session.add(bid)
    else:
        bid.received_at = received
        bid.sealed_price = amount
    bid.late = late
    if late:
        bid.admissible = False
        bid.inadmissibility_reason = str(_l("Offre reçue après la date limite."))
    bid.files = [*bid.files, *files]
    # The audit trail records that an offer came, never its price.
    audit.record(
        actor,
        "tender.bid_received",
        obj=tender,
        details={"lot": lot.number, "bidder": bidder_id, "late": late},
    )
    notifications.bid_received(actor, bid, now=received)
    return bid


def check_bid(
    actor: User,
    bid: Bid,
    *,
    results: dict[int, tuple[bool, str]],
    expected_version: int | None = None,
) -> None:
    """The administrative check: each eliminatory criterion passed, or failed with a reason."""
    tender = bid.lot.tender
    _require_manage(actor, tender)
    ensure_current(bid, expected_version, STALE)
    if tender.stage is not S.ADMINISTRATIVE_CHECK:
        raise TransitionNotAllowed(_l("La vérification administrative n'est pas en cours."))
    if bid.late:
        raise TransitionNotAllowed(_l("Une offre tardive n'est pas admise."))
    criteria = eliminatory_criteria(tender)
    failures = []
    db.session.execute(sa.delete(EliminationCheck).where(EliminationCheck.bid_id == bid.id))
    for criterion in criteria:
        passed, reason = results.get(criterion.id, (None, ""))
        if passed is None:
            raise InvalidInput(
                _l("« %(label)s » : satisfait ou non ?", label=criterion.label), field="checks"
            )
        reason = (reason or "").strip()
        if not passed and not reason:
            raise InvalidInput(
                _l(
                    "« %(label)s » : indiquez pourquoi il n'est pas satisfait.",
                    label=criterion.label,
                ),
                field="checks",
            )
        if not passed:
            failures.append(f"{criterion.label} : {reason}")
        db.session.add(
            EliminationCheck(bid_id=bid.id, criterion_id=criterion.id, passed=passed, reason=reason)
        )
    bid.admissible = not failures
    bid.inadmissibility_reason = " ; ".join(failures)
    audit.record(
        actor,
        "tender.bid_checked",
        obj=tender,
        details={"bid": bid.id, "admissible": bid.admissible, "failures": failures},
    )


# --- Scores -----------------------------------------------------------------------------------


def _scorer(actor: User, tender: Tender) -> CommitteeMember:
    if not may_score(actor, tender):
        raise NotAllowed(_l("Seuls les membres notants ayant déclaré l'absence de conflit notent."))
    member = membership(actor, tender)
    if tender.stage is not S.TECHNICAL_EVALUATION:
        raise TransitionNotAllowed(_l("L'évaluation technique n'est pas en cours."))
    return member


def admitted_bids(tender: Tender) -> list[Bid]:
    return [b for lot in tender.lots for b in lot.bids if b.admissible]


def _points(value: Decimal) -> str:
    """Points as the reader writes them ("50,00" in French)."""
    return format_decimal(value, format="#,##0.00")


def record_score(
    actor: User, bid: Bid, criterion: Criterion, *, points, justification: str
) -> Score:
    tender = bid.lot.tender
    member = _scorer(actor, tender)
    if member.scores_submitted_at is not None:
        raise TransitionNotAllowed(_l("Vos notes sont remises : elles ne changent plus."))
    if (
        not bid.admissible
        or criterion not in leaf_criteria(tender)
        or bid.lot.tender_id != (criterion.tender_id)
    ):
        raise InvalidInput(_l("Cette offre ou ce critère ne se note pas."), field="points")
    value = selection.parse_decimal(
        str(points if points is not None else "").replace(",", "."), "points"
    )
    if value is None or not 0 <= value <= criterion.max_points:
        raise InvalidInput(
            _l("Une note entre 0 et %(max)s.", max=_points(criterion.max_points)), field="points"
        )
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(_l("Deux décimales au plus."), field="points")
    justification = inputs.text(justification, "justification")
    score = db.session.scalar(
        sa.select(Score).where(
            Score.member_id == member.id, Score.bid_id == bid.id, Score.criterion_id == criterion.id
        )
    )
    if score is None:
        score = Score(member=member, bid_id=bid.id, criterion_id=criterion.id)
        db.session.add(score)
    score.points = value
    score.justification = justification
    return score


def submit_scores(actor: User, tender: Tender, *, now=None) -> None:
    member = _scorer(actor, tender)
    if member.scores_submitted_at is not None:
        raise TransitionNotAllowed(_l("Vos notes sont déjà remises."))
    expected = {(b.id, c.id) for b in admitted_bids(tender) for c in leaf_criteria(tender)}
    given = set(
        db.session.execute(
            sa.select(Score.bid_id, Score.criterion_id).where(Score.member_id == member.id)
        ).all()
    )
    missing = len(expected - given)
    if missing:
        raise TransitionNotAllowed(
            _ln(
                "Il manque %(num)d note avant de remettre votre évaluation.",
                "Il manque %(num)d notes avant de remettre votre évaluation.",
                missing,
            )
        )
    member.scores_submitted_at = now or utcnow()
    audit.record(actor, "tender.scores_submitted", obj=tender, details={"member": member.id})
    if not any(
        m.role in SCORING_ROLES and not m.recused and m.scores_submitted_at is None
        for m in tender.members
    ):
        notifications.scores_in(actor, tender, now=member.scores_submitted_at)


def visible_scores(user: User, tender: Tender) -> list[Score]:
    """A member sees their own scores, and the others' once they submitted theirs; the
    secretariat and everyone else who sees the bids, once the technical result is locked."""
    query = sa.select(Score).join(CommitteeMember).where(CommitteeMember.tender_id == tender.id)
    member = membership(user, tender)
    if reached(tender, S.TECHNICAL_LOCKED) and may_see_bids(user, tender):
        return list(db.session.scalars(query))
    if member is None or not member.cleared:
        return []
    if member.scores_submitted_at is None:
        query = query.where(Score.member_id == member.id)
    else:
        query = query.where(CommitteeMember.scores_submitted_at.is_not(None))
    return list(db.session.scalars(query))


@dataclass
class CriterionResult:
    points: dict[int, Decimal]  # member id -> points
    mean: Decimal | None
    consensus: Consensus | None
    flagged: bool

    @property
    def retained(self) -> Decimal | None:
        return self.consensus.points if self.consensus is not None else self.mean


def technical_table(tender: Tender) -> dict[int, dict[int, CriterionResult]]:
    """bid id -> criterion id -> the members' points, their mean, the consensus if any, and
    whether the spread exceeds the tender's limit. Only submitted scores count."""
    scores = db.session.scalars(
        sa.select(Score)
        .join(CommitteeMember)
        .where(
            CommitteeMember.tender_id == tender.id,
            CommitteeMember.scores_submitted_at.is_not(None),
        )
    ).all()
    consensus = {
        (c.bid_id, c.criterion_id): c
        for c in db.session.scalars(
            sa.select(Consensus).where(Consensus.bid_id.in_([b.id for b in admitted_bids(tender)]))
        )
    }
    by_cell: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    for score in scores:
        by_cell[(score.bid_id, score.criterion_id)][score.member_id] = score.points
    table: dict[int, dict[int, CriterionResult]] = {}
    for bid in admitted_bids(tender):
        row = table[bid.id] = {}
        for criterion in leaf_criteria(tender):
            points = by_cell.get((bid.id, criterion.id), {})
            mean = sum(points.values()) / len(points) if points else None
            spread = max(points.values()) - min(points.values()) if points else Decimal(0)
            row[criterion.id] = CriterionResult(
                points=points,
                mean=mean,
                consensus=consensus.get((bid.id, criterion.id)),
                flagged=spread > criterion.max_points * tender.spread_limit / HUNDRED,
            )
    return table


def technical_scores(tender: Tender) -> dict[int, Decimal]:
    """Each admitted bid's technical score: the sum of its retained points."""
    table = technical_table(tender)
    return {
        bid_id: sum((r.retained or Decimal(0) for r in row.values()), Decimal(0))
        for bid_id, row in table.items()
    }


def set_consensus(
    actor: User, bid: Bid, criterion: Criterion, *, points, reason: str, now=None
) -> None:
    tender = bid.lot.tender
    _president(actor, tender)
    if tender.stage is not S.TECHNICAL_EVALUATION:
        raise TransitionNotAllowed(_l("L'évaluation technique n'est pas en cours."))
    if not bid.admissible or criterion not in leaf_criteria(tender):
        raise InvalidInput(_l("Cette offre ou ce critère ne se note pas."), field="points")
    if any(
        m.role in SCORING_ROLES and not m.recused and m.scores_submitted_at is None
        for m in tender.members
    ):
        raise TransitionNotAllowed(
            _l("Le consensus se fixe une fois les notes de tous les membres remises.")
        )
    value = selection.parse_decimal(
        str(points if points is not None else "").replace(",", "."), "points"
    )
    if value is None or not 0 <= value <= criterion.max_points:
        raise InvalidInput(
            _l("Une note entre 0 et %(max)s.", max=_points(criterion.max_points)), field="points"
        )
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(_l("Deux décimales au plus."), field="points")
    reason = inputs.text(reason, "reason")
    existing = db.session.scalar(
        sa.select(Consensus).where(
            Consensus.bid_id == bid.id, Consensus.criterion_id == criterion.id
        )
    )
    if existing is None:
        existing = Consensus(bid_id=bid.id, criterion_id=criterion.id)
        db.session.add(existing)
    existing.points = value
    existing.reason = reason
    existing.decided_by_id = actor.id
    existing.decided_at = now or utcnow()
    audit.record(
        actor,
        "tender.consensus",
        obj=tender,
        # The points themselves are in the minutes, not in a trail the administrator reads.
        details={"bid": bid.id, "criterion": criterion.id, "reason": reason},
    )


def decide_justification(actor: User, bid: Bid, *, accepted: bool, justification: str) -> None:
    """The committee's decision on an abnormally low offer's written justification."""
    tender = bid.lot.tender
    _president(actor, tender)
    if tender.stage is not S.FINANCIAL_EVALUATION:
        raise TransitionNotAllowed(_l("L'évaluation financière n'est pas en cours."))
    if bid.justification_accepted is not None:
        raise TransitionNotAllowed(_l("La décision sur cette justification est déjà prise."))
    if bid not in abnormally_low_pending(tender):
        raise TransitionNotAllowed(_l("Cette offre n'est pas anormalement basse."))
    bid.justification = inputs.text(justification, "justification")
    bid.justification_accepted = accepted
    audit.record(
        actor, "tender.justification", obj=tender, details={"bid": bid.id, "accepted": accepted}
    )


# --- The ranking ------------------------------------------------------------------------------


@dataclass
class LotRanking:
    lot: Lot
    result: selection.Result
    bids: dict[str, Bid]  # the engine's bidder key (bid id as text) -> bid


def rank(tender: Tender) -> list[LotRanking]:
    """Each lot's result by the tender's method, from the stored scores and opened prices."""
    if not envelopes_open(tender):
        raise SealedOffer(_l("Offre financière scellée jusqu'à l'ouverture des plis."))
    scores = technical_scores(tender)
    rankings = []
    for lot in tender.lots:
        candidates = [b for b in lot.bids if not b.late]
        inputs = [
            selection.Bid(
                bidder=str(b.id),
                technical_score=scores.get(b.id),
                price=price_of(b, tender) if b.admissible else None,
                admissible=bool(b.admissible),
                justification_accepted=bool(b.justification_accepted),
            )
            for b in candidates
        ]
        result = selection.evaluate(_method_for(tender, lot.estimate), inputs)
        rankings.append(LotRanking(lot, result, {str(b.id): b for b in candidates}))
    return rankings


def abnormally_low_pending(tender: Tender) -> list[Bid]:
    """Abnormally low offers whose justification the committee has not decided yet."""
    if tender.method is not FinancialMethod.REFERENCE_PRICE:
        return []
    pending = []
    for ranking in rank(tender):
        for outcome in ranking.result.bids:
            bid = ranking.bids[outcome.bidder]
            if outcome.status == selection.ABNORMALLY_LOW and bid.justification_accepted is None:
                pending.append(bid)
    return pending


# --- The stages -------------------------------------------------------------------------------


def advance(
    actor: User,
    tender: Tender,
    to_stage: TenderStage,
    *,
    note: str = "",
    present: list[int] | None = None,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> None:
    """Move the procedure on by one stage (or end it); each move has its conditions."""
    ensure_current(tender, expected_version, STALE)
    now = now or utcnow()
    before = tender.stage
    if before in FINAL:
        raise TransitionNotAllowed(_l("La procédure est close."))
    note = (note or "").strip()
    if to_stage is S.CANCELLED:
        if not (may_manage(actor, tender) or authz.can(actor, Permission.TENDERS_DECIDE)):
            raise NotAllowed(_l("Seuls le secrétariat et le ministère annulent une procédure."))
        if not note:
            raise InvalidInput(_l("Indiquez le motif de l'annulation."), field="note")
        tender.cancel_reason = note
    elif to_stage is S.UNSUCCESSFUL or (to_stage is S.AWARDED and before is S.AWARD_PROPOSED):
        _decide(actor, tender, to_stage, before)
    elif NEXT.get(before) is not to_stage:
        raise TransitionNotAllowed(
            _l(
                "Impossible de passer de « %(from)s » à « %(to)s » : aucune étape ne se saute "
                "ni ne se rouvre.",
                **{"from": STAGE_LABELS[before], "to": STAGE_LABELS[to_stage]},
            )
        )
    else:
        _check_move(actor, tender, to_stage, now=now, present=present)
    tender.stage = to_stage
    event = TenderEvent(
        tender_id=tender.id,
        from_stage=before,
        to_stage=to_stage,
        actor=actor,
        occurred_at=now,
        note=note,
        present=sorted(set(present or [])),
    )
    db.session.add(event)
    audit.record(
        actor,
        "tender.stage",
        obj=tender,
        details={
            "from": before.value,
            "to": to_stage.value,
            "note": note,
            "present": event.present,
        },
    )
    notifications.tender_moved(actor, tender, to_stage, before=before, note=note, now=now)


def _check_move(actor, tender, to_stage, *, now, present) -> None:
    if to_stage in (S.PUBLISHED, S.SUBMISSIONS_CLOSED, S.ADMINISTRATIVE_CHECK):
        _require_manage(actor, tender)
    if to_stage is S.PUBLISHED:
        if not tender.lots or not leaf_criteria(tender):
            raise TransitionNotAllowed(
                _l("Avant de publier, il faut au moins un lot et la grille de critères.")
            )
        if tender.submission_deadline is None or tender.submission_deadline <= now:
            raise TransitionNotAllowed(
                _l("Avant de publier, il faut une date limite de remise des offres à venir.")
            )
        if not any(m.role is CommitteeRole.PRESIDENT for m in tender.members):
            raise TransitionNotAllowed(
                _l("Avant de publier, il faut composer la commission et son président.")
            )
    elif to_stage is S.SUBMISSIONS_CLOSED:
        if tender.submission_deadline is None or now < tender.submission_deadline:
            raise TransitionNotAllowed(_l("La date limite de remise des offres n'est pas passée."))
    elif to_stage is S.TECHNICAL_EVALUATION:
        _require_manage(actor, tender)
        unchecked = [b for lot in tender.lots for b in lot.bids if b.admissible is None]
        if unchecked:
            raise TransitionNotAllowed(
                _ln(
                    "%(num)d offre attend la vérification administrative.",
                    "%(num)d offres attendent la vérification administrative.",
                    len(unchecked),
                )
            )
    elif to_stage is S.TECHNICAL_LOCKED:
        _president(actor, tender)
        waiting = [
            m
            for m in tender.members
            if m.role in SCORING_ROLES and not m.recused and m.scores_submitted_at is None
        ]
        if waiting:
            raise TransitionNotAllowed(
                _ln(
                    "%(num)d membre n'a pas remis ses notes.",
                    "%(num)d membres n'ont pas remis leurs notes.",
                    len(waiting),
                )
            )
        scored = [
            m
            for m in tender.members
            if m.role in SCORING_ROLES and m.cleared and m.scores_submitted_at is not None
        ]
        if len(scored) < 2 and admitted_bids(tender):
            raise TransitionNotAllowed(
                _l(
                    "Il faut les notes d'au moins deux membres sans conflit : complétez la "
                    "commission."
                )
            )
        unresolved = [
            (bid_id, criterion_id)
            for bid_id, row in technical_table(tender).items()
            for criterion_id, cell in row.items()
            if cell.flagged and cell.consensus is None
        ]
        if unresolved:
            raise TransitionNotAllowed(
                _ln(
                    "%(num)d note trop dispersée attend une note de consensus.",
                    "%(num)d notes trop dispersées attendent une note de consensus.",
                    len(unresolved),
                )
            )
    elif to_stage is S.FINANCIAL_OPENING:
        _president(actor, tender)
        members = {m.id: m for m in tender.members}
        present = sorted(set(present or []))
        scorers = [p for p in present if p in members and members[p].role in SCORING_ROLES]
        if any(p not in members for p in present) or (
            len([p for p in scorers if members[p].cleared]) < 2
        ):
            raise InvalidInput(
                _l("Indiquez les membres présents : au moins deux membres notants."),
                field="present",
            )
    elif to_stage in (S.FINANCIAL_EVALUATION, S.RANKING, S.AWARD_PROPOSED):
        _president(actor, tender)
        if to_stage is S.RANKING and abnormally_low_pending(tender):
            raise TransitionNotAllowed(
                _l("Des offres anormalement basses attendent la décision sur leur justification.")
            )
        if to_stage is S.AWARD_PROPOSED:
            rankings = rank(tender)
            if not any(r.result.winner for r in rankings):
                raise TransitionNotAllowed(
                    _l(
                        "Aucune offre qualifiée : il revient au ministère de déclarer l'appel "
                        "d'offres infructueux."
                    )
                )
            for ranking in rankings:
                winner = ranking.result.winner
                for key, bid in ranking.bids.items():
                    bid.award_proposed = key == winner
                ranking.lot.reference_price = ranking.result.reference_price
                ranking.lot.outcome = None if winner else LotOutcome.UNSUCCESSFUL


def _decide(actor, tender, to_stage, before) -> None:
    if not authz.can(actor, Permission.TENDERS_DECIDE, city_id=tender.city_id):
        raise NotAllowed(_l("La décision revient au ministère."))
    if to_stage is S.AWARDED:
        for lot in tender.lots:
            lot.outcome = LotOutcome.AWARDED if lot.proposed_bid else LotOutcome.UNSUCCESSFUL
        return
    # Unsuccessful: no bid admitted, or no qualified bid once the envelopes are open.
    if not reached(tender, S.SUBMISSIONS_CLOSED):
        raise TransitionNotAllowed(
            _l("Une procédure se déclare infructueuse une fois la remise des offres close.")
        )
    pending = [b for lot in tender.lots for b in lot.bids if b.admissible or b.admissible is None]
    if envelopes_open(tender):
        qualified = any(r.result.winner for r in rank(tender))
    elif reached(tender, S.TECHNICAL_LOCKED):
        # No price needed: the threshold applies to the technical scores as scored.
        scores = technical_scores(tender)
        floor = tender.technical_threshold
        qualified = any(
            floor is None
            or selection.round_published(scores.get(b.id, Decimal(0)), tender.decimals) >= floor
            for b in pending
        )
    else:
        qualified = bool(pending)
    if qualified:
        raise TransitionNotAllowed(
            _l("Des offres restent en lice : la procédure n'est pas infructueuse.")
        )
    for lot in tender.lots:
        lot.outcome = LotOutcome.UNSUCCESSFUL
        for bid in lot.bids:
            bid.award_proposed = False


# --- The criteria grid as people type it ------------------------------------------------------


parse_criteria = selection.parse_grid


def criteria_text(tender: Tender) -> str:
    return selection.grid_text(
        (c.label, c.kind is CriterionKind.ELIMINATORY, c.max_points, 1 if c.parent_id else 0)
        for c in tender.criteria
    )


def allowed_moves(user: User, tender: Tender) -> list[TenderStage]:
    """The moves to offer `user` as buttons (the rules check again when one is pressed)."""
    if tender.stage in FINAL:
        return []
    moves = []
    following = NEXT.get(tender.stage)
    member = membership(user, tender)
    president = member is not None and member.role is CommitteeRole.PRESIDENT and member.cleared
    if following in (
        S.PUBLISHED,
        S.SUBMISSIONS_CLOSED,
        S.ADMINISTRATIVE_CHECK,
        S.TECHNICAL_EVALUATION,
    ):
        if may_manage(user, tender):
            moves.append(following)
    elif following is S.AWARDED:
        if authz.can(user, Permission.TENDERS_DECIDE, city_id=tender.city_id):
            moves.append(following)
    elif following is not None and president:
        moves.append(following)
    if reached(tender, S.SUBMISSIONS_CLOSED) and authz.can(
        user, Permission.TENDERS_DECIDE, city_id=tender.city_id
    ):
        moves.append(S.UNSUCCESSFUL)
    if may_manage(user, tender) or authz.can(user, Permission.TENDERS_DECIDE):
        moves.append(S.CANCELLED)
    return moves


UNOPENED = frozenset({selection.NOT_ADMISSIBLE, selection.BELOW_THRESHOLD})


def opened_prices(tender: Tender, rankings: list[LotRanking] | None = None) -> dict[int, Decimal]:
    """The prices read at the opening: those of the bids still in the running. A late,
    inadmissible or technically failed bid's envelope stays closed (QCBS practice)."""
    rankings = rank(tender) if rankings is None else rankings
    return {
        ranking.bids[outcome.bidder].id: price_of(ranking.bids[outcome.bidder], tender)
        for ranking in rankings
        for outcome in ranking.result.bids
        if outcome.status not in UNOPENED
    }
