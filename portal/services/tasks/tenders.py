"""Tasks of provider selection: each stage of a tender waits on someone (the secretariat, a
committee member, its chair, the ministry), and an open tender on the providers that may bid."""

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from portal.authz import Permission
from portal.models.organizations import Organization, OrganizationKind
from portal.models.tenders import (
    FINAL_STAGES,
    SCORING_ROLES,
    Bid,
    CommitteeMember,
    CommitteeRole,
    Declaration,
    FinancialMethod,
    Lot,
    Tender,
    TenderStage,
)
from portal.services.tasks.base import At, Kind, Person, shape

S = TenderStage
# Who answers calls for tenders: providers and consultancies (not utilities or operators).
BIDDER_KINDS = (OrganizationKind.PROVIDER, OrganizationKind.CONSULTANT)


def _tender_url(task, cities) -> str:
    return url_for("tenders.detail", tender_id=task.link_id)


def _tenders(*condition, due_on=None, due_at=None, since_at=None):
    def source(at: At):
        return shape(
            sa.select(Tender).where(*(c(at) if callable(c) else c for c in condition)),
            item_id=Tender.id,
            title=Tender.reference + " — " + Tender.title,
            city_id=Tender.city_id,
            state=Tender.stage,
            due_on=due_on,
            due_at=due_at,
            since_at=since_at,
        )

    return source


def _manager(person: Person):
    return person.holds(Permission.TENDERS_MANAGE, city_id=Tender.city_id)


def _member(*conditions):
    """Someone on the tender's committee, in the position the conditions describe."""

    def holder(person: Person):
        member = aliased(CommitteeMember)
        return sa.exists().where(
            member.tender_id == Tender.id,
            member.user_id == person.id,
            *(c(member) for c in conditions),
        )

    return holder


def _cleared(member):
    return member.declaration == Declaration.NO_CONFLICT


def _scoring(member):
    return member.role.in_(SCORING_ROLES)


def _chair(member):
    return member.role == CommitteeRole.PRESIDENT


def _bidder(person: Person):
    """A provider or consultancy of the tender's city (any city's, for a programme-wide
    tender; a national one, for every city) that has not bid on every lot."""
    organization = aliased(Organization)
    lot = aliased(Lot)
    bid = aliased(Bid)
    return sa.and_(
        person.holds(
            Permission.TENDERS_BID,
            object_organization_id=person.organization_id,
        ),
        sa.exists().where(
            organization.id == person.organization_id,
            organization.kind.in_(BIDDER_KINDS),
            sa.or_(
                organization.city_id.is_(None),
                Tender.city_id.is_(None),
                organization.city_id == Tender.city_id,
            ),
        ),
        sa.exists().where(
            lot.tender_id == Tender.id,
            # Two levels down: the person (the users table, for "who") is the outer one's.
            ~sa.exists()
            .where(bid.lot_id == lot.id, bid.bidder_id == person.organization_id)
            .correlate_except(bid),
        ),
    )


def _all_scores_in(at: At):
    member = aliased(CommitteeMember)
    return ~sa.exists().where(
        member.tender_id == Tender.id,
        member.role.in_(SCORING_ROLES),
        sa.or_(member.declaration.is_(None), member.declaration != Declaration.CONFLICT),
        member.scores_submitted_at.is_(None),
    )


OPEN_STAGES = [stage for stage in S if stage not in FINAL_STAGES]
DECLARATION_DUE = sa.func.coalesce(Tender.opening_session, Tender.submission_deadline)

KINDS = (
    Kind(
        name="tender_publish",
        page="tender",
        label=_l("Appels d'offres à publier"),
        verb=_l("Compléter et publier"),
        waiting=_l("En préparation par le secrétariat"),
        permission=Permission.TENDERS_MANAGE,
        source=_tenders(Tender.stage == S.DRAFT, since_at=Tender.created_at),
        holder=_manager,
        url=_tender_url,
    ),
    Kind(
        name="tender_bid",
        page="tender",
        label=_l("Appels d'offres ouverts à votre offre"),
        verb=_l("Déposer une offre"),
        waiting=_l("Remise des offres en cours"),
        permission=Permission.TENDERS_BID,
        source=_tenders(
            Tender.stage == S.PUBLISHED,
            # An offer sent after the deadline is recorded late and not admitted.
            lambda at: Tender.submission_deadline > at.now,
            due_at=Tender.submission_deadline,
        ),
        holder=_bidder,
        url=_tender_url,
        # Who has not bid yet is nobody else's business.
        public_holders=False,
    ),
    Kind(
        name="tender_close",
        page="tender",
        label=_l("Remises d'offres à clore"),
        verb=_l("Clore la remise des offres"),
        waiting=_l("Date limite atteinte : le secrétariat clôt la remise des offres"),
        permission=Permission.TENDERS_MANAGE,
        source=_tenders(
            Tender.stage == S.PUBLISHED,
            # Closing before the deadline is refused.
            lambda at: Tender.submission_deadline <= at.now,
            due_at=Tender.submission_deadline,
        ),
        holder=_manager,
        url=_tender_url,
    ),
    Kind(
        name="tender_check",
        page="tender",
        label=_l("Offres à vérifier (vérification administrative)"),
        verb=_l("Vérifier les offres"),
        waiting=_l("En attente de la vérification administrative par le secrétariat"),
        permission=Permission.TENDERS_MANAGE,
        source=_tenders(
            Tender.stage.in_([S.SUBMISSIONS_CLOSED, S.ADMINISTRATIVE_CHECK]),
            due_on=Tender.evaluation_due,
        ),
        holder=_manager,
        url=_tender_url,
        state_labels={
            S.SUBMISSIONS_CLOSED.value: _l("Ouvrir la vérification administrative"),
            S.ADMINISTRATIVE_CHECK.value: _l(
                "Vérifier les offres, puis lancer l'évaluation technique"
            ),
        },
    ),
    Kind(
        name="tender_declaration",
        page="tender",
        label=_l("Déclarations d'intérêts à signer"),
        verb=_l("Signer la déclaration"),
        waiting=_l("Déclaration de conflit d'intérêts attendue"),
        permission=Permission.TENDERS_EVALUATE,
        source=_tenders(Tender.stage.in_(OPEN_STAGES), due_at=DECLARATION_DUE),
        holder=_member(lambda m: m.declaration.is_(None)),
        holder_pending=True,
        url=lambda task, cities: url_for("tenders.detail", tender_id=task.link_id) + "#declaration",
    ),
    Kind(
        name="tender_scores",
        page="tender",
        label=_l("Notes à remettre"),
        verb=_l("Noter les offres et remettre ses notes"),
        waiting=_l("Évaluation technique : notes attendues"),
        permission=Permission.TENDERS_EVALUATE,
        source=_tenders(Tender.stage == S.TECHNICAL_EVALUATION, due_on=Tender.evaluation_due),
        holder=_member(_cleared, _scoring, lambda m: m.scores_submitted_at.is_(None)),
        holder_pending=True,
        url=lambda task, cities: url_for("tenders.scoring", tender_id=task.link_id),
    ),
    Kind(
        name="tender_consensus",
        page="tender",
        label=_l("Évaluations techniques à conclure (consensus, verrouillage)"),
        verb=_l("Fixer les consensus et verrouiller"),
        waiting=_l("Notes remises : le président fixe les consensus et verrouille"),
        permission=Permission.TENDERS_EVALUATE,
        source=_tenders(
            Tender.stage == S.TECHNICAL_EVALUATION, _all_scores_in, due_on=Tender.evaluation_due
        ),
        holder=_member(_cleared, _chair),
        url=_tender_url,
    ),
    Kind(
        name="tender_opening",
        page="tender",
        label=_l("Plis financiers à ouvrir"),
        verb=_l("Ouvrir les plis en séance"),
        waiting=_l("Résultat technique verrouillé : séance d'ouverture des plis"),
        permission=Permission.TENDERS_EVALUATE,
        source=_tenders(Tender.stage == S.TECHNICAL_LOCKED, due_at=Tender.opening_session),
        holder=_member(_cleared, _chair),
        url=_tender_url,
    ),
    Kind(
        name="tender_justification",
        page="tender",
        label=_l("Offres anormalement basses à trancher"),
        verb=_l("Trancher les justifications, puis classer"),
        waiting=_l("Justifications des offres anormalement basses à trancher par le président"),
        permission=Permission.TENDERS_EVALUATE,
        source=_tenders(
            Tender.stage == S.FINANCIAL_EVALUATION,
            Tender.method == FinancialMethod.REFERENCE_PRICE,
            due_on=Tender.evaluation_due,
        ),
        holder=_member(_cleared, _chair),
        url=_tender_url,
    ),
    Kind(
        name="tender_ranking",
        page="tender",
        label=_l("Évaluations financières à mener jusqu'à la proposition d'attribution"),
        verb=_l("Mener l'évaluation financière"),
        waiting=_l("Évaluation financière menée par le président de la commission"),
        permission=Permission.TENDERS_EVALUATE,
        source=_tenders(
            sa.or_(
                Tender.stage.in_([S.FINANCIAL_OPENING, S.RANKING]),
                sa.and_(
                    Tender.stage == S.FINANCIAL_EVALUATION,
                    Tender.method != FinancialMethod.REFERENCE_PRICE,
                ),
            ),
            due_on=Tender.evaluation_due,
        ),
        holder=_member(_cleared, _chair),
        url=_tender_url,
        state_labels={
            S.FINANCIAL_OPENING.value: _l("Lancer l'évaluation financière"),
            S.FINANCIAL_EVALUATION.value: _l("Classer les offres"),
            S.RANKING.value: _l("Proposer l'attribution"),
        },
    ),
    Kind(
        name="tender_award",
        page="tender",
        label=_l("Attributions à décider"),
        verb=_l("Attribuer ou déclarer infructueux"),
        waiting=_l("Attribution proposée, en attente de la décision du ministère"),
        permission=Permission.TENDERS_DECIDE,
        source=_tenders(Tender.stage == S.AWARD_PROPOSED, due_on=Tender.evaluation_due),
        holder=lambda person: person.holds(Permission.TENDERS_DECIDE, city_id=Tender.city_id),
        url=_tender_url,
    ),
)
