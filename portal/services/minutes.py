"""What a tender leaves on record once ranked: the minutes (procès-verbal, a PDF in the
reader's language)
and the OCDS release (JSON). Both read the same data through the rules of services.tenders,
so neither can show a price before the opening."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf.enums import XPos, YPos

from portal.bidi import listed
from portal.extensions import db
from portal.models.tenders import (
    SCORING_ROLES,
    CommitteeRole,
    EliminationCheck,
    FinancialMethod,
    Score,
    Tender,
    TenderCategory,
    TenderEvent,
    TenderStage,
)
from portal.names import local
from portal.services import selection
from portal.services import tenders as rules
from portal.services.documents import PdfDocument

STATUS_TEXT = {
    selection.RANKED: _l("classée"),
    selection.NOT_ADMISSIBLE: _l("non admise"),
    selection.BELOW_THRESHOLD: _l("sous le seuil technique"),
    selection.ABNORMALLY_LOW: _l("anormalement basse"),
    selection.EXCESSIVE: _l("excessive"),
}


def available(tender: Tender) -> bool:
    """The record is complete once the ranking is established."""
    return rules.reached(tender, TenderStage.RANKING) or (
        tender.stage in (TenderStage.UNSUCCESSFUL, TenderStage.CANCELLED)
        and rules.envelopes_open(tender)
    )


def _money(value: Decimal) -> str:
    return f"{format_decimal(value, format='#,##0.00')} MAD"


def _score(value: Decimal | None, decimals: int) -> str:
    """Rounded half up, as the engine rounds, then written the French way."""
    if value is None:
        return "—"
    rounded = selection.round_published(value, decimals)
    return format_decimal(rounded, format="0." + "0" * decimals if decimals else "0")


def minutes_pdf(tender: Tender) -> bytes:
    """The procès-verbal: committee and declarations, bids, eliminations with reasons,
    technical scores per criterion and member, financial and combined scores, ranking,
    outcome and every move of the procedure. In the reader's language (French outside a
    request)."""
    if not available(tender):
        raise rules.SealedOffer(_("Le procès-verbal est établi une fois le classement fait."))
    return _build(tender)


def _build(tender: Tender) -> bytes:
    decimals = tender.decimals
    pdf = PdfDocument(f"PV {tender.reference}")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.font("B", 15)
    pdf.multi_cell(
        0,
        8,
        _("Procès-verbal de la commission d'évaluation"),
        align=pdf.align,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.font("B", 11)
    pdf.multi_cell(
        0,
        6,
        f"{tender.reference} — {tender.title}",
        align=pdf.align,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.font("", 9)
    method = method_text(tender)
    for label, value in (
        (_("Périmètre"), local(tender.city) if tender.city else _("Tout le programme")),
        (_("Estimation"), _money(tender.estimate)),
        (_("Date limite de remise des offres"), _moment(tender.submission_deadline)),
        (_("Méthode"), method),
        (
            _("Seuil technique"),
            format_decimal(tender.technical_threshold) if tender.technical_threshold else "—",
        ),
        (_("Décimales publiées"), str(decimals)),
    ):
        pdf.labelled(label, value)

    pdf.heading(_("1. Commission et déclarations d'intérêts"))
    roles = {
        CommitteeRole.PRESIDENT: _("Président"),
        CommitteeRole.RAPPORTEUR: _("Rapporteur"),
        CommitteeRole.MEMBER: _("Membre"),
        CommitteeRole.OBSERVER: _("Observateur"),
    }
    pdf.grid(
        [_("Membre"), _("Rôle"), _("Déclaration"), _("Date")],
        [
            [
                m.user.full_name,
                roles[m.role],
                _("absence de conflit")
                if m.cleared
                else (_("conflit déclaré, récusé") if m.recused else _("aucune")),
                _moment(m.declared_at),
            ]
            for m in tender.members
        ],
        [60, 30, 60, 40],
    )

    checks = {
        (c.bid_id, c.criterion_id): c
        for c in db.session.scalars(
            sa.select(EliminationCheck).where(
                EliminationCheck.bid_id.in_([b.id for lot in tender.lots for b in lot.bids])
            )
        )
    }
    pdf.heading(_("2. Offres reçues et examen administratif"))
    rows = []
    for lot in tender.lots:
        for bid in lot.bids:
            if bid.late:
                verdict = _("hors délai, non admise")
            elif bid.admissible:
                verdict = _("admise")
            else:
                verdict = _("écartée : %(reason)s", reason=bid.inadmissibility_reason)
            rows.append([str(lot.number), bid.bidder.name, _moment(bid.received_at), verdict])
    pdf.grid(
        [_("Lot"), _("Soumissionnaire"), _("Reçue le"), _("Recevabilité")], rows, [12, 60, 35, 83]
    )
    eliminatory = rules.eliminatory_criteria(tender)
    if eliminatory:
        pdf.ln(2)
        pdf.line_text(_("Critères éliminatoires :"))
        rows = []
        for lot in tender.lots:
            for bid in lot.bids:
                for criterion in eliminatory:
                    check = checks.get((bid.id, criterion.id))
                    if check is None:
                        continue
                    rows.append(
                        [
                            bid.bidder.short_name,
                            local(criterion, "label"),
                            _("satisfait") if check.passed else _("non satisfait"),
                            check.reason,
                        ]
                    )
        pdf.grid([_("Offre"), _("Critère"), _("Résultat"), _("Motif")], rows, [30, 70, 30, 60])

    pdf.heading(_("3. Évaluation technique"))
    leaves = rules.leaf_criteria(tender)
    table = rules.technical_table(tender)
    technical = rules.technical_scores(tender)
    scorers = [m for m in tender.members if m.role in SCORING_ROLES and m.cleared]
    justifications = {
        (s.member_id, s.bid_id, s.criterion_id): s.justification
        for s in db.session.scalars(
            sa.select(Score).where(Score.member_id.in_([m.id for m in scorers]))
        )
    }
    for lot in tender.lots:
        for bid in lot.bids:
            if bid.id not in table:
                continue
            pdf.font("B", 9)
            pdf.line_text(
                _(
                    "%(bidder)s — note technique : %(score)s",
                    bidder=bid.bidder.name,
                    score=_score(technical[bid.id], decimals),
                )
            )
            pdf.font("", 8)
            rows = []
            for criterion in leaves:
                cell = table[bid.id][criterion.id]
                marks = listed(
                    (
                        f"{m.user.full_name} {format_decimal(cell.points[m.id])}"
                        + (
                            f" ({justifications[(m.id, bid.id, criterion.id)]})"
                            if (m.id, bid.id, criterion.id) in justifications
                            else ""
                        )
                        for m in scorers
                        if m.id in cell.points
                    ),
                    strong=True,
                )
                retained = _score(cell.retained, decimals)
                if cell.consensus is not None:
                    retained += " " + _("(consensus : %(reason)s)", reason=cell.consensus.reason)
                rows.append(
                    [
                        f"{local(criterion, 'label')} /{format_decimal(criterion.max_points)}",
                        marks,
                        retained,
                    ]
                )
            pdf.grid([_("Critère"), _("Notes des membres"), _("Note retenue")], rows, [55, 95, 40])
            pdf.font("", 9)
            pdf.ln(1)

    pdf.heading(_("4. Évaluation financière et classement"))
    opening = db.session.scalar(
        sa.select(TenderEvent).where(
            TenderEvent.tender_id == tender.id,
            TenderEvent.to_stage == TenderStage.FINANCIAL_OPENING,
        )
    )
    if opening is not None:
        present = [m.user.full_name for m in tender.members if m.id in (opening.present or [])]
        pdf.line_text(
            _(
                "Plis financiers ouverts le %(day)s en présence de : %(names)s.",
                day=_moment(opening.occurred_at),
                names=listed(present) or "—",
            )
        )
    rankings = rules.rank(tender)
    prices = rules.opened_prices(tender, rankings)
    for ranking in rankings:
        pdf.font("B", 9)
        pdf.line_text(
            _(
                "Lot %(n)d : %(title)s (estimation %(estimate)s)",
                n=ranking.lot.number,
                title=ranking.lot.title,
                estimate=_money(ranking.lot.estimate),
            )
        )
        pdf.font("", 8)
        if ranking.result.reference_price is not None:
            pdf.line_text(
                _("Prix de référence : %(price)s", price=_money(ranking.result.reference_price))
            )
        ordered = sorted(ranking.result.bids, key=lambda r: (r.rank is None, r.rank or 0, r.bidder))
        rows = []
        for outcome in ordered:
            bid = ranking.bids[outcome.bidder]
            rows.append(
                [
                    str(outcome.rank) if outcome.rank else "—",
                    bid.bidder.name,
                    str(STATUS_TEXT[outcome.status]),
                    _money(prices[bid.id]) if bid.id in prices else _("non ouverte"),
                    _score(outcome.technical_score, decimals),
                    _score(outcome.financial_score, decimals),
                    _score(outcome.combined_score, decimals),
                ]
            )
        pdf.grid(
            [
                _("Rang"),
                _("Soumissionnaire"),
                _("Statut"),
                _("Offre"),
                _("Technique"),
                _("Financière"),
                _("Combinée"),
            ],
            rows,
            [12, 48, 30, 34, 22, 22, 22],
        )
        for bid in ranking.lot.bids:
            if bid.justification_accepted is not None:
                pdf.line_text(
                    _(
                        "Justification de l'offre anormalement basse de %(bidder)s : "
                        "%(decision)s — %(text)s",
                        bidder=bid.bidder.name,
                        decision=_("acceptée") if bid.justification_accepted else _("rejetée"),
                        text=bid.justification,
                    )
                )
        pdf.font("", 9)

    pdf.heading(_("5. Résultat"))
    for lot in tender.lots:
        proposed = lot.proposed_bid
        if lot.outcome is not None and lot.outcome.value == "unsuccessful":
            text = _("infructueux")
        elif proposed is not None:
            text = _(
                "%(bidder)s pour %(price)s",
                bidder=proposed.bidder.name,
                price=_money(rules.price_of(proposed, tender)),
            )
        else:
            text = _("en attente de la proposition d'attribution")
        pdf.line_text(_("Lot %(n)d : %(outcome)s", n=lot.number, outcome=text))
    pdf.line_text(_("État de la procédure : %(stage)s", stage=rules.STAGE_LABELS[tender.stage]))

    pdf.heading(_("6. Déroulement de la procédure"))
    events = db.session.scalars(
        sa.select(TenderEvent)
        .where(TenderEvent.tender_id == tender.id)
        .order_by(TenderEvent.occurred_at, TenderEvent.id)
    ).all()
    pdf.grid(
        [_("Date"), _("Étape"), _("Par"), _("Observation")],
        [
            [
                _moment(e.occurred_at),
                str(rules.STAGE_LABELS[e.to_stage]),
                e.actor.full_name if e.actor else "—",
                e.note,
            ]
            for e in events
        ],
        [35, 50, 45, 60],
    )
    return bytes(pdf.output())


def method_text(tender: Tender) -> str:
    """How the bids are compared, in a sentence of the current language."""
    return {
        FinancialMethod.WEIGHTED: _(
            "pondérée qualité-coût (technique %(t)s, financière %(f)s)",
            t=format_decimal(tender.technical_weight or 0),
            f=format_decimal(tender.financial_weight or 0),
        ),
        FinancialMethod.LOWEST_PRICE: _("moins-disant parmi les offres qualifiées"),
        FinancialMethod.REFERENCE_PRICE: _(
            "prix de référence (offre excessive au-delà de +%(a)s %%, anormalement basse en "
            "deçà de −%(b)s %%)",
            a=format_decimal(tender.excessive_above),
            b=format_decimal(
                tender.abnormal_below_works
                if tender.category is TenderCategory.WORKS
                else tender.abnormal_below_other
            ),
        ),
    }[tender.method]


def _moment(value: datetime | None) -> str:
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else "—"
