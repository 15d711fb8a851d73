"""What a tender leaves on record once ranked: the minutes (procès-verbal, a PDF in French)
and the OCDS release (JSON). Both read the same data through the rules of services.tenders,
so neither can show a price before the opening."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import force_locale, format_datetime, format_decimal
from flask_babel import gettext as _
from fpdf.enums import XPos, YPos

from portal.extensions import db
from portal.models.tenders import (
    CommitteeRole,
    EliminationCheck,
    FinancialMethod,
    Procedure,
    Score,
    Tender,
    TenderCategory,
    TenderEvent,
    TenderStage,
)
from portal.services import selection
from portal.services import tenders as rules
from portal.services.documents import PdfDocument

STATUS_TEXT = {
    selection.RANKED: "classée",
    selection.NOT_ADMISSIBLE: "non admise",
    selection.BELOW_THRESHOLD: "sous le seuil technique",
    selection.ABNORMALLY_LOW: "anormalement basse",
    selection.EXCESSIVE: "excessive",
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
    outcome and every move of the procedure. In French, whoever downloads it."""
    if not available(tender):
        raise rules.SealedOffer(_("Le procès-verbal est établi une fois le classement fait."))
    with force_locale("fr"):
        return _build(tender)


def _build(tender: Tender) -> bytes:
    decimals = tender.decimals
    pdf = PdfDocument(f"PV {tender.reference}")
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(
        0, 8, _("Procès-verbal de la commission d'évaluation"), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(
        0, 6, f"{tender.reference} — {tender.title}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font("DejaVu", "", 9)
    method = {
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
    for label, value in (
        (_("Périmètre"), tender.city.name if tender.city else _("Tout le programme")),
        (_("Estimation"), _money(tender.estimate)),
        (_("Date limite de remise des offres"), _moment(tender.submission_deadline)),
        (_("Méthode"), method),
        (
            _("Seuil technique"),
            format_decimal(tender.technical_threshold) if tender.technical_threshold else "—",
        ),
        (_("Décimales publiées"), str(decimals)),
    ):
        pdf.line_text(f"{label} : {value}")

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
                            criterion.label,
                            _("satisfait") if check.passed else _("non satisfait"),
                            check.reason,
                        ]
                    )
        pdf.grid([_("Offre"), _("Critère"), _("Résultat"), _("Motif")], rows, [30, 70, 30, 60])

    pdf.heading(_("3. Évaluation technique"))
    leaves = rules.leaf_criteria(tender)
    table = rules.technical_table(tender)
    technical = rules.technical_scores(tender)
    scorers = [m for m in tender.members if m.role in rules.SCORING_ROLES and m.cleared]
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
            pdf.set_font("DejaVu", "B", 9)
            pdf.line_text(
                _(
                    "%(bidder)s — note technique : %(score)s",
                    bidder=bid.bidder.name,
                    score=_score(technical[bid.id], decimals),
                )
            )
            pdf.set_font("DejaVu", "", 8)
            rows = []
            for criterion in leaves:
                cell = table[bid.id][criterion.id]
                marks = " ; ".join(
                    f"{m.user.full_name} {format_decimal(cell.points[m.id])}"
                    + (
                        f" ({justifications[(m.id, bid.id, criterion.id)]})"
                        if (m.id, bid.id, criterion.id) in justifications
                        else ""
                    )
                    for m in scorers
                    if m.id in cell.points
                )
                retained = _score(cell.retained, decimals)
                if cell.consensus is not None:
                    retained += " " + _("(consensus : %(reason)s)", reason=cell.consensus.reason)
                rows.append(
                    [f"{criterion.label} /{format_decimal(criterion.max_points)}", marks, retained]
                )
            pdf.grid([_("Critère"), _("Notes des membres"), _("Note retenue")], rows, [55, 95, 40])
            pdf.set_font("DejaVu", "", 9)
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
                names=", ".join(present) or "—",
            )
        )
    rankings = rules.rank(tender)
    prices = rules.opened_prices(tender, rankings)
    for ranking in rankings:
        pdf.set_font("DejaVu", "B", 9)
        pdf.line_text(
            _(
                "Lot %(n)d : %(title)s (estimation %(estimate)s)",
                n=ranking.lot.number,
                title=ranking.lot.title,
                estimate=_money(ranking.lot.estimate),
            )
        )
        pdf.set_font("DejaVu", "", 8)
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
                    STATUS_TEXT[outcome.status],
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
        pdf.set_font("DejaVu", "", 9)

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


def _moment(value: datetime | None) -> str:
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else "—"


# --- OCDS -------------------------------------------------------------------------------------

OCDS_CATEGORY = {
    TenderCategory.WORKS: "works",
    TenderCategory.SUPPLIES: "goods",
    TenderCategory.SERVICES: "services",
    TenderCategory.STUDIES: "services",
}
OCDS_METHOD = {
    Procedure.OPEN_CALL: "open",
    Procedure.RESTRICTED: "selective",
    Procedure.PRESELECTION: "selective",
    Procedure.CONSULTATION: "limited",
}
OCDS_AWARD_CRITERIA = {
    FinancialMethod.WEIGHTED: "ratedCriteria",
    FinancialMethod.LOWEST_PRICE: "lowestCost",
    FinancialMethod.REFERENCE_PRICE: "ratedCriteria",
}


def _ocds_date(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return f"{value.isoformat()}T00:00:00Z"


def ocds_release(tender: Tender, *, publisher: str, prefix: str) -> dict:
    """An OCDS 1.1 release package for the tender. Bid values and the award-criteria
    breakdown appear once the ranking is established, never before the opening."""
    ocid = f"{prefix}-{tender.reference}"
    complete = available(tender)
    buyer = {"id": "SDTN", "name": publisher}
    parties = {"SDTN": {**buyer, "roles": ["buyer", "procuringEntity"]}}
    bids, awards = [], []
    rankings = {r.lot.id: r for r in rules.rank(tender)} if complete else {}
    prices = rules.opened_prices(tender, list(rankings.values())) if complete else {}
    # Who bid, and for how much, is published with the ranking, not before.
    for lot in tender.lots if complete else []:
        outcomes = {}
        if lot.id in rankings:
            outcomes = {o.bidder: o for o in rankings[lot.id].result.bids}
        for bid in lot.bids:
            party = parties.setdefault(
                f"ORG-{bid.bidder_id}",
                {"id": f"ORG-{bid.bidder_id}", "name": bid.bidder.name, "roles": []},
            )
            if "tenderer" not in party["roles"]:
                party["roles"].append("tenderer")
            detail = {
                "id": f"{tender.reference}-BID-{bid.id}",
                "date": _ocds_date(bid.received_at),
                "status": "disqualified" if bid.admissible is False else "valid",
                "tenderers": [{"id": party["id"], "name": party["name"]}],
                "relatedLots": [f"LOT-{lot.number}"],
            }
            outcome = outcomes.get(str(bid.id))
            if outcome is not None:
                if bid.id in prices:
                    detail["value"] = {"amount": float(prices[bid.id]), "currency": "MAD"}
                detail["evaluation"] = {
                    "status": outcome.status,
                    "technicalScore": _plain(outcome.technical_score),
                    "financialScore": _plain(outcome.financial_score),
                    "combinedScore": _plain(outcome.combined_score),
                    "rank": outcome.rank,
                }
            bids.append(detail)
        proposed = lot.proposed_bid
        if lot.outcome is not None or proposed is not None:
            award = {
                "id": f"{tender.reference}-AWARD-{lot.number}",
                "title": lot.title,
                "relatedLots": [f"LOT-{lot.number}"],
            }
            if lot.outcome is not None and lot.outcome.value == "unsuccessful":
                award["status"] = "unsuccessful"
            elif proposed is not None:
                supplier = parties[f"ORG-{proposed.bidder_id}"]
                if "supplier" not in supplier["roles"] and lot.outcome is not None:
                    supplier["roles"].append("supplier")
                award.update(
                    status="active" if lot.outcome is not None else "pending",
                    value={"amount": float(rules.price_of(proposed, tender)), "currency": "MAD"},
                    suppliers=[{"id": supplier["id"], "name": supplier["name"]}],
                    relatedBid=f"{tender.reference}-BID-{proposed.id}",
                )
            awards.append(award)
    status = {
        TenderStage.AWARDED: "complete",
        TenderStage.UNSUCCESSFUL: "unsuccessful",
        TenderStage.CANCELLED: "cancelled",
    }.get(tender.stage, "active")
    leaves = rules.leaf_criteria(tender)
    release = {
        "ocid": ocid,
        "id": f"{ocid}-{tender.stage.value}",
        "date": _ocds_date(datetime.now().astimezone()),
        "tag": ["award"] if awards else ["tender"],
        "initiationType": "tender",
        "language": "fr",
        "parties": list(parties.values()),
        "buyer": buyer,
        "tender": {
            "id": tender.reference,
            "title": tender.title,
            "status": status,
            "procurementMethod": OCDS_METHOD[tender.procedure],
            "procurementMethodDetails": tender.procedure.value,
            "mainProcurementCategory": OCDS_CATEGORY[tender.category],
            "value": {"amount": float(tender.estimate), "currency": "MAD"},
            "tenderPeriod": {
                "startDate": _ocds_date(tender.publication_date),
                "endDate": _ocds_date(tender.submission_deadline),
            },
            "awardCriteria": OCDS_AWARD_CRITERIA[tender.method],
            "awardCriteriaDetails": _criteria_details(tender, leaves),
            "lots": [
                {
                    "id": f"LOT-{lot.number}",
                    "title": lot.title,
                    "value": {"amount": float(lot.estimate), "currency": "MAD"},
                }
                for lot in tender.lots
            ],
        },
        "bids": {"details": bids},
        "awards": awards,
    }
    if complete:
        # Counted once the ranking is out: during the call it would tell bidders too much.
        release["tender"]["numberOfTenderers"] = len(
            {b.bidder_id for lot in tender.lots for b in lot.bids}
        )
    return {
        "uri": f"{prefix}/{tender.reference}.json",
        "version": "1.1",
        "publishedDate": release["date"],
        "publisher": {"name": publisher},
        "releases": [release],
    }


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _criteria_details(tender: Tender, leaves) -> str:
    parts = [f"{c.label} /{c.max_points:f}" for c in leaves]
    settings = [f"method={tender.method.value}"]
    if tender.technical_weight is not None and tender.financial_weight is not None:
        settings.append(f"weights={tender.technical_weight:f}/{tender.financial_weight:f}")
    if tender.technical_threshold is not None:
        settings.append(f"threshold={tender.technical_threshold:f}")
    settings.append(f"normalization={tender.normalization.value}")
    return "; ".join(parts) + " | " + ", ".join(settings)
