"""A tender as Open Contracting Data (OCDS 1.1 with the bids, lots and award-criteria
extensions). Bid values and scores appear once the ranking is established, through the same
rules as the minutes, so no release can show a price before the opening."""

import hashlib
import json
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.extensions import db
from portal.models.tenders import (
    FinancialMethod,
    LotOutcome,
    Procedure,
    Tender,
    TenderCategory,
    TenderEvent,
    TenderStage,
)
from portal.services import minutes
from portal.services import tenders as rules

VERSION = "1.1"
# The extension.json of each extension the releases use, at the version they are checked against.
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/"
    "v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/"
    "v1.1.5/extension.json",
    # No release tag: the commit the tests' copy comes from.
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_awardCriteria_extension/"
    "9391240f353e8536992938fe9f7987cd89235331/extension.json",
)
# What the Open Contracting Partnership hands out: "ocds-" and six lowercase letters or digits.
REGISTERED_PREFIX = re.compile(r"ocds-[a-z0-9]{6}")

CATEGORY = {
    TenderCategory.WORKS: "works",
    TenderCategory.SUPPLIES: "goods",
    TenderCategory.SERVICES: "services",
    TenderCategory.STUDIES: "services",
}
METHOD = {
    Procedure.OPEN_CALL: "open",
    Procedure.RESTRICTED: "selective",
    Procedure.PRESELECTION: "selective",
    Procedure.CONSULTATION: "limited",
}
# Both price methods rank the technically qualified bids on their price alone.
AWARD_CRITERIA = {
    FinancialMethod.WEIGHTED: "ratedCriteria",
    FinancialMethod.LOWEST_PRICE: "priceOnly",
    FinancialMethod.REFERENCE_PRICE: "priceOnly",
}
# The moves after which the release says something new: publication, the ranking (bids and
# scores), the proposal (a pending award) and the end. The others happen behind the seal.
PUBLISHING_MOVES = (
    TenderStage.DRAFT,
    TenderStage.PUBLISHED,
    TenderStage.RANKING,
    TenderStage.AWARD_PROPOSED,
    TenderStage.AWARDED,
    TenderStage.UNSUCCESSFUL,
    TenderStage.CANCELLED,
)
TENDER_STATUS = {
    TenderStage.DRAFT: "planned",
    TenderStage.AWARDED: "complete",
    TenderStage.UNSUCCESSFUL: "unsuccessful",
    TenderStage.CANCELLED: "cancelled",
}


def prefix_is_registered(prefix: str) -> bool:
    return REGISTERED_PREFIX.fullmatch(prefix) is not None


def ocid(tender: Tender, prefix: str) -> str:
    return f"{prefix}-{tender.reference}"


def _moment(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        # A day starts at midnight in Morocco, not in Greenwich.
        zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
        value = datetime.combine(value, time(), zone)
    return _aware(value).isoformat()


def _amount(value: Decimal) -> dict:
    return {"amount": float(value), "currency": "MAD"}


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def prune(value):
    """The value without empty strings, nulls, empty lists or empty objects, at any depth:
    OCDS asks publishers to omit a field rather than publish it empty."""
    if isinstance(value, dict):
        kept = {key: prune(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        kept = [prune(item) for item in value]
        return [item for item in kept if item not in (None, "", [], {})]
    return value


def changed_at(tenders: list[Tender]) -> dict[int, datetime]:
    """When each tender's published data last changed. Once published a tender is edited no
    more: only the moves that publish something change it, so the last of them says when; a
    draft also changes with each edit. One query for any number of tenders."""
    ids = [t.id for t in tenders]
    moved = dict(
        db.session.execute(
            sa.select(TenderEvent.tender_id, sa.func.max(TenderEvent.occurred_at))
            .where(TenderEvent.tender_id.in_(ids), TenderEvent.to_stage.in_(PUBLISHING_MOVES))
            .group_by(TenderEvent.tender_id)
        ).all()
    )
    result = {}
    for tender in tenders:
        moments = [moved.get(tender.id) or tender.created_at]
        if tender.stage is TenderStage.DRAFT:
            moments.append(tender.updated_at)
        # SQLite hands back the aggregate as text.
        moments = [datetime.fromisoformat(m) if isinstance(m, str) else m for m in moments]
        result[tender.id] = max(_aware(m) for m in moments if m is not None)
    return result


def _aware(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def release(tender: Tender, *, publisher: str, prefix: str, changed: datetime) -> dict:
    """The tender's current release. Its id is derived from its content, so it changes
    exactly when the content does; its date is when the content last changed."""
    identifier = ocid(tender, prefix)
    complete = minutes.available(tender)
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
                "date": _moment(bid.received_at),
                "status": {None: "pending", False: "disqualified"}.get(bid.admissible, "valid"),
                "tenderers": [{"id": party["id"], "name": party["name"]}],
                "relatedLots": [f"LOT-{lot.number}"],
            }
            outcome = outcomes.get(str(bid.id))
            if outcome is not None:
                if bid.id in prices:
                    detail["value"] = _amount(prices[bid.id])
                # The scores have no field in OCDS: an additional object, one per bid.
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
            if lot.outcome is LotOutcome.UNSUCCESSFUL:
                award["status"] = "unsuccessful"
            elif proposed is not None and tender.stage is TenderStage.CANCELLED:
                # Proposed, then the whole procedure was cancelled.
                award.update(
                    status="cancelled",
                    suppliers=[_reference(parties[f"ORG-{proposed.bidder_id}"])],
                    relatedBid=f"{tender.reference}-BID-{proposed.id}",
                )
            elif proposed is not None:
                supplier = parties[f"ORG-{proposed.bidder_id}"]
                if "supplier" not in supplier["roles"] and lot.outcome is not None:
                    supplier["roles"].append("supplier")
                award.update(
                    status="active" if lot.outcome is not None else "pending",
                    value=_amount(rules.price_of(proposed, tender)),
                    suppliers=[_reference(supplier)],
                    relatedBid=f"{tender.reference}-BID-{proposed.id}",
                )
            awards.append(award)
    criteria = _award_criteria(tender)
    with force_locale("fr"):
        method = minutes.method_text(tender)
    content = {
        "ocid": identifier,
        "tag": _tag(tender, awards),
        "initiationType": "tender",
        "language": "fr",
        "parties": list(parties.values()),
        "buyer": buyer,
        "tender": {
            "id": tender.reference,
            "title": tender.title,
            "status": TENDER_STATUS.get(tender.stage, "active"),
            "procurementMethod": METHOD[tender.procedure],
            "procurementMethodDetails": tender.procedure.value,
            "mainProcurementCategory": CATEGORY[tender.category],
            "value": _amount(tender.estimate),
            "tenderPeriod": {
                "startDate": _moment(tender.publication_date),
                "endDate": _moment(tender.submission_deadline),
            },
            "awardCriteria": AWARD_CRITERIA[tender.method],
            "awardCriteriaDetails": method[:1].upper() + method[1:] + ".",
            "eligibilityCriteria": "; ".join(c.label for c in rules.eliminatory_criteria(tender)),
            "lots": [
                {
                    "id": f"LOT-{lot.number}",
                    "title": lot.title,
                    "value": _amount(lot.estimate),
                    "awardCriteria": criteria,
                }
                for lot in tender.lots
            ],
        },
        "bids": {"details": bids},
        "awards": awards,
    }
    if complete:
        # Counted once the ranking is out: during the call it would tell bidders too much.
        content["tender"]["numberOfTenderers"] = len(
            {b.bidder_id for lot in tender.lots for b in lot.bids}
        )
    content = prune(content)
    digest = hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return {"ocid": identifier, "id": f"{identifier}-{digest[:16]}", "date": _moment(changed)} | {
        key: value for key, value in content.items() if key != "ocid"
    }


def _reference(party: dict) -> dict:
    return {"id": party["id"], "name": party["name"]}


def _tag(tender: Tender, awards: list) -> list[str]:
    if tender.stage is TenderStage.DRAFT:
        return ["planning"]
    if tender.stage is TenderStage.CANCELLED:
        return ["tenderCancellation"]
    return ["award"] if awards else ["tender"]


def _award_criteria(tender: Tender) -> dict:
    """The grid as the award-criteria extension breaks it down. Weighted: each technical
    criterion's share of the final mark, then the price's. Price only: the technical criteria
    count towards the threshold and weigh nothing in the ranking, which is by price."""
    leaves = rules.leaf_criteria(tender)
    weighted = AWARD_CRITERIA[tender.method] == "ratedCriteria" and (
        tender.technical_weight is not None and tender.financial_weight is not None
    )
    total = sum((leaf.max_points or 0 for leaf in leaves), Decimal(0))
    criteria = []
    for leaf in leaves:
        criterion = {
            "type": "quality",
            "name": f"{leaf.parent.label} — {leaf.label}" if leaf.parent else leaf.label,
        }
        if weighted and total:
            share = leaf.max_points / total * tender.technical_weight
            criterion["numbers"] = [{"number": float(share), "weight": "decimalExact"}]
        criteria.append(criterion)
    with force_locale("fr"):
        if tender.technical_threshold is not None:
            criteria.append(
                {
                    "type": "quality",
                    "name": _("Note technique (seuil d'admission)"),
                    "numbers": [
                        {
                            "number": float(tender.technical_threshold),
                            "threshold": "minimumScore",
                        }
                    ],
                }
            )
        price = {"type": "price", "name": _("Prix")}
    if weighted:
        price["numbers"] = [{"number": float(tender.financial_weight), "weight": "decimalExact"}]
    criteria.append(price)
    return {"criteria": criteria}


def package(releases: list[dict], *, uri: str, publisher: str, license: str = "") -> dict:
    """A release package: published when its newest release changed, so that the same
    content downloads byte for byte the same."""
    return prune(
        {
            "uri": uri,
            "version": VERSION,
            "extensions": list(EXTENSIONS),
            "publishedDate": max(r["date"] for r in releases),
            "publisher": {"name": publisher},
            "license": license,
            "releases": releases,
        }
    )


def tender_package(tender: Tender, *, uri: str) -> dict:
    """The tender's current release in a package published at `uri`."""
    config = current_app.config
    publisher = config["OCDS_PUBLISHER"]
    changed = changed_at([tender])[tender.id]
    current = release(tender, publisher=publisher, prefix=config["OCDS_PREFIX"], changed=changed)
    return package([current], uri=uri, publisher=publisher, license=config["OCDS_LICENSE"])
