"""Demo tenders: the plans study (finished), the medina's public Wi-Fi (being scored) and
Agadir's services platform (open to offers)."""

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models.organizations import City, Organization
from portal.models.tenders import Tender, TenderStage
from portal.models.users import Role, RoleAssignment, User
from portal.services import tenders
from seeds.people import people_by_role
from seeds.reference import criteria_labels

# (label, points or None for eliminatory, [(sub-criterion, points)])
STUDY_CRITERIA = """! Attestation fiscale en cours de validité
! Caution provisoire
Méthodologie | 40
- Compréhension des termes de référence | 15
- Plan de travail et calendrier | 25
Références en transformation numérique urbaine | 25
Équipe proposée | 35"""

# Bidder, price, passes the eliminatory checks, points per member:
# (understanding /15, plan /25, references /25, team /35) for the chair then the member.
STUDY_BIDS = [
    ("ADC", "4180000.00", True, ((13, 21, 22, 30), (12, 22, 21, 31))),
    ("MUL", "4420000.00", True, ((12, 22, 20, 29), (13, 21, 21, 30))),
    ("MCS", "3990000.00", True, ((8, 14, 12, 20), (9, 13, 14, 21))),  # below the threshold
    ("RSN", "3650000.00", False, None),  # no provisional guarantee: eliminated
]

WIFI_CRITERIA = """! Attestation fiscale en cours de validité
! Références de déploiement Wi-Fi en site historique
Architecture et couverture | 50
Plan d'intégration patrimoniale | 30
Exploitation et maintenance | 20"""

WIFI_BIDS = [("RSN", "2650000.00"), ("IAM", "2980000.00"), ("Orange", "2400000.00")]

PLATFORM_CRITERIA = """! Attestation fiscale en cours de validité
! Références de plateformes de services aux usagers
Architecture et sécurité | 40
Ergonomie et accessibilité, en arabe et en français | 30
Équipe et plan de déploiement | 30"""

# (title, estimate): the platform itself, then its hosting and support.
PLATFORM_LOTS = [
    ("Plateforme de démarches en ligne", "2400000.00"),
    ("Hébergement et assistance aux usagers", "800000.00"),
]

# Bidder, lot number, price, days before the demo's day it was received.
PLATFORM_BIDS = [("MUL", 1, "2250000.00", -3)]


def load_tenders(today: date) -> int:
    """The plans study, awarded after the whole procedure, and the medina's public Wi-Fi in
    technical evaluation: every step through the real rules, dated in the past."""

    people = people_by_role()
    secretariat = people.get(Role.SECRETARIAT)
    central = people.get(Role.CENTRAL_DECISION_MAKER)
    evaluators = db.session.scalars(
        sa.select(User)
        .join(RoleAssignment)
        .where(RoleAssignment.role == Role.EVALUATOR)
        .order_by(User.id)
    ).all()
    if (
        secretariat is None
        or len(evaluators) < 2
        or db.session.scalar(sa.select(sa.func.count(Tender.id)))
    ):
        return 0
    chair, member = evaluators[:2]
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    bidders = {
        u.organization_id: u
        for u in db.session.scalars(
            sa.select(User).join(RoleAssignment).where(RoleAssignment.role == Role.CONTRIBUTOR)
        )
    }

    def moment(days: int, hour: int = 10) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=UTC)

    def prepared(reference, title, city_id, category, estimate, criteria, method, start, lots=None):
        tender = tenders.save_tender(
            secretariat,
            None,
            reference=reference,
            title=title,
            city_id=city_id,
            action_id=None,
            category=category,
            procedure="open_call",
            estimate=estimate,
            publication_date=today + timedelta(days=start),
            submission_deadline=moment(start + 30, 12),
            opening_session=moment(start + 31),
            evaluation_due=today + timedelta(days=start + 60),
            now=moment(start - 5),
        )
        db.session.flush()
        tenders.save_lots(
            secretariat, tender, lots or [(title, estimate)], expected_version=tender.version
        )
        db.session.flush()
        tenders.save_specification(
            secretariat,
            tender,
            criteria=tenders.parse_criteria(criteria),
            expected_version=tender.version,
            **method,
        )
        db.session.flush()
        tenders.label_criteria(
            secretariat, tender, criteria_labels(tender.criteria), expected_version=tender.version
        )
        db.session.flush()
        tenders.set_committee(
            secretariat,
            tender,
            [(chair.id, "president"), (member.id, "member")],
            expected_version=tender.version,
            now=moment(start - 4),
        )
        db.session.flush()
        return tender

    def move(actor, tender, stage, days, **extra):
        db.session.flush()
        tenders.advance(
            actor,
            tender,
            TenderStage(stage),
            now=moment(days),
            expected_version=tender.version,
            **extra,
        )
        db.session.flush()

    weighted = {
        "method": "weighted",
        "technical_weight": "0.8",
        "financial_weight": "0.2",
        "technical_threshold": "70",
        "normalization": "raw",
        "decimals": 2,
    }
    study = prepared(
        "AO-SDTN-2026-01",
        "Étude des schémas directeurs de transformation numérique des villes pilotes",
        None,
        "studies",
        "4500000.00",
        STUDY_CRITERIA,
        weighted,
        -120,
    )
    move(secretariat, study, "published", -120)
    lot = study.lots[0]
    for index, (name, price, _ok, _marks) in enumerate(STUDY_BIDS):
        bidder = organizations[name]
        tenders.submit_bid(
            bidders[bidder.id], lot, bidder_id=bidder.id, price=price, now=moment(-95 + index)
        )
    move(secretariat, study, "submissions_closed", -89, note="Quatre offres reçues.")
    move(secretariat, study, "administrative_check", -88)
    checks = tenders.eliminatory_criteria(study)
    for bid, (_name, _price, ok, _marks) in zip(lot.bids, STUDY_BIDS, strict=True):
        results = {c.id: (True, "") for c in checks}
        if not ok:
            results[checks[1].id] = (False, "Caution provisoire absente du dossier.")
        db.session.flush()
        tenders.check_bid(secretariat, bid, results=results, expected_version=bid.version)
    move(secretariat, study, "technical_evaluation", -87)
    for person in (chair, member):
        tenders.declare(person, study, conflict=False, now=moment(-87, 11))
    leaves = tenders.leaf_criteria(study)
    for seat, person in enumerate((chair, member)):
        for bid, (_name, _price, _ok, marks) in zip(lot.bids, STUDY_BIDS, strict=True):
            if marks is None:
                continue
            for criterion, points in zip(leaves, marks[seat], strict=True):
                tenders.record_score(
                    person,
                    bid,
                    criterion,
                    points=str(points),
                    justification="Appréciation motivée au procès-verbal de la séance.",
                )
        db.session.flush()
        tenders.submit_scores(person, study, now=moment(-80 + seat))
    move(chair, study, "technical_locked", -78)
    present = [m.id for m in study.members]
    move(chair, study, "financial_opening", -76, present=present, note="Séance publique.")
    move(chair, study, "financial_evaluation", -76)
    move(chair, study, "ranking", -75)
    move(chair, study, "award_proposed", -74)
    move(central, study, "awarded", -70, note="Attribution approuvée par le ministère.")

    wifi = prepared(
        "AO-MAR-2026-02",
        "Déploiement du Wi-Fi public de la médina de Marrakech",
        db.session.scalar(sa.select(City.id).where(City.slug == "marrakech")),
        "works",
        "2800000.00",
        WIFI_CRITERIA,
        {
            "method": "reference_price",
            "technical_threshold": "60",
            "normalization": "raw",
            "decimals": 2,
            "technical_weight": None,
            "financial_weight": None,
        },
        -40,
    )
    move(secretariat, wifi, "published", -40)
    for index, (name, price) in enumerate(WIFI_BIDS):
        bidder = organizations[name]
        tenders.submit_bid(
            bidders[bidder.id],
            wifi.lots[0],
            bidder_id=bidder.id,
            price=price,
            now=moment(-15 + index),
        )
    move(secretariat, wifi, "submissions_closed", -9)
    move(secretariat, wifi, "administrative_check", -8)
    checks = tenders.eliminatory_criteria(wifi)
    for bid in wifi.lots[0].bids:
        db.session.flush()
        tenders.check_bid(
            secretariat,
            bid,
            results={c.id: (True, "") for c in checks},
            expected_version=bid.version,
        )
    move(secretariat, wifi, "technical_evaluation", -7)
    # The chair has declared and is scoring; the member has yet to declare.
    tenders.declare(chair, wifi, conflict=False, now=moment(-7, 11))

    # Agadir's services platform, open to offers until a week from now; one offer in so far.
    platform = prepared(
        "AO-AGA-2026-03",
        "Plateforme de services numériques de la commune d'Agadir",
        db.session.scalar(sa.select(City.id).where(City.slug == "agadir")),
        "services",
        "3200000.00",
        PLATFORM_CRITERIA,
        weighted,
        -23,
        lots=PLATFORM_LOTS,
    )
    move(secretariat, platform, "published", -23)
    for name, lot_number, price, days in PLATFORM_BIDS:
        bidder = organizations[name]
        lot = next(lot for lot in platform.lots if lot.number == lot_number)
        tenders.submit_bid(
            bidders[bidder.id], lot, bidder_id=bidder.id, price=price, now=moment(days)
        )
    db.session.flush()
    return 3
