"""The demo's diagnostic: about twenty digital services per city with their maturity at the
diagnostic and now, and a year of monthly use, entered through the real rules."""

from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.models.diagnostic import DigitalService, ServiceUse
from portal.models.organizations import City, Organization
from portal.models.plans import Domain
from portal.models.users import Role
from portal.services import diagnostic
from seeds.people import people_by_role

# (service, domain, who renders it, channels, level at the diagnostic, level now, monthly
# use in Marrakech). "commune", "agency" and "utility" are the city's own.
SERVICES = [
    ("Extrait d'acte de naissance", "e-administration", "commune", ["web", "counter"], 2, 4, 9000),
    ("Légalisation de signature", "e-administration", "commune", ["counter"], 1, 1, 15000),
    ("Certificat de résidence", "e-administration", "commune", ["web", "counter"], 1, 3, 4200),
    (
        "Paiement de la taxe d'habitation",
        "e-administration",
        "commune",
        ["web", "mobile"],
        2,
        4,
        3100,
    ),
    ("Autorisation de construire", "e-administration", "agency", ["web"], 3, 4, 650),
    (
        "Note de renseignements urbanistiques",
        "e-administration",
        "agency",
        ["web", "kiosk"],
        2,
        3,
        900,
    ),
    ("Réclamations des habitants", "e-administration", "commune", ["web", "mobile"], 2, 3, 1800),
    ("Rendez-vous au centre de santé", "sante", "commune", ["mobile", "counter"], 1, 2, 2500),
    ("Carte des pharmacies de garde", "sante", "commune", ["web", "mobile"], 1, 1, 7000),
    ("Offres d'emploi locales", "emploi", "commune", ["web"], 1, 2, 5200),
    (
        "Inscription aux formations de l'espace numérique",
        "emploi",
        "commune",
        ["counter"],
        1,
        2,
        300,
    ),
    ("Inscription scolaire", "education", "commune", ["counter"], 1, 1, 1200),
    ("Bourses et aides scolaires", "education", "commune", ["web", "counter"], 1, 2, 400),
    ("Information touristique", "tourisme", "commune", ["web", "mobile", "kiosk"], 1, 2, 26000),
    ("Réservation des visites guidées", "tourisme", "commune", ["web"], 2, 4, 1300),
    (
        "Autorisation d'occupation du domaine public",
        "activite-economique",
        "commune",
        ["counter"],
        1,
        2,
        250,
    ),
    ("Création d'entreprise", "activite-economique", "commune", ["web", "counter"], 2, 3, 480),
    (
        "Paiement des factures d'eau et d'électricité",
        "infrastructures",
        "utility",
        ["web", "mobile", "counter"],
        3,
        4,
        61000,
    ),
    ("Demande de branchement", "infrastructures", "utility", ["web", "counter"], 2, 3, 900),
    ("Horaires et trajets des bus", "mobilite", "commune", ["web", "mobile"], 1, 3, 38000),
]
SCALE = {"marrakech": 1.0, "fes": 0.8, "agadir": 0.55}
# Owners of each city: its commune, urban agency and utility.
OWNERS = {
    "marrakech": ("CU Marrakech", "AUM", "RADEEMA"),
    "fes": ("CU Fès", "AUF", "RADEEF"),
    "agadir": ("CU Agadir", "AUA", "RAMSA"),
}


def load_diagnostic(today: date) -> int:
    secretariat = people_by_role().get(Role.SECRETARIAT)
    if secretariat is None or db.session.scalar(sa.select(DigitalService.id)):
        return 0
    domains = {d.code: d.id for d in db.session.scalars(sa.select(Domain))}
    organizations = {o.short_name: o.id for o in db.session.scalars(sa.select(Organization))}
    baseline_on = date(today.year - 1, 1, 15)
    added = 0
    for city in db.session.scalars(sa.select(City).order_by(City.name)):
        if city.slug not in OWNERS:
            continue
        commune, agency, utility = OWNERS[city.slug]
        owners = {"commune": commune, "agency": agency, "utility": utility}
        for number, (name, domain, who, channels, before, now, monthly) in enumerate(SERVICES):
            if domain not in domains or owners[who] not in organizations:
                continue
            # Agadir has not yet caught up on two of them.
            level = before if city.slug == "agadir" and number % 7 == 3 else now
            found = diagnostic.save_service(
                secretariat,
                None,
                city_id=city.id,
                name=name,
                provider_id=organizations[owners[who]],
                domain_id=domains[domain],
                channels=channels,
                baseline_level=before,
                baseline_on=baseline_on,
                level=level,
                level_on=today,
            )
            db.session.flush()
            # A year of use, growing as the service matures: figures imported from the
            # providers' statistics, not typed month by month (no audit entry each).
            for months_ago in range(12, 0, -1):
                year, month = divmod(today.year * 12 + today.month - 1 - months_ago, 12)
                found.uses.append(
                    ServiceUse(
                        month=date(year, month + 1, 1),
                        volume=int(monthly * SCALE[city.slug] * (1 + (12 - months_ago) * 0.02)),
                    )
                )
            db.session.flush()
            added += 1
    return added


# The territories' expectations, per domain: (text, district, importance, population).
EXPECTATIONS = {
    "sante": [
        ("Prendre rendez-vous en ligne dans les centres de santé", "Médina", 5, 60000),
        ("Connaître les pharmacies de garde sur son téléphone", "", 3, 400000),
        ("Téléconsultation pour les douars rattachés à la commune", "Périphérie", 4, 12000),
        ("Dossier de vaccination des enfants consultable en ligne", "", 3, 90000),
        ("Résultats d'analyses reçus par message", "", 3, 150000),
    ],
    "emploi": [
        ("Offres d'emploi locales envoyées par SMS", "", 4, 150000),
        (
            "Formations au numérique pour les jeunes sans diplôme",
            "Quartiers périphériques",
            5,
            30000,
        ),
        ("Espace de coworking public équipé", "Centre", 2, 4000),
        ("Annuaire en ligne des artisans", "Médina", 2, 9000),
    ],
    "education": [
        ("Inscription scolaire en ligne", "", 4, 80000),
        ("Connexion haut débit dans toutes les écoles", "", 5, 120000),
        ("Prêt de tablettes aux élèves", "Périphérie", 3, 8000),
        ("Cours de soutien en ligne", "", 3, 60000),
    ],
    "tourisme": [
        ("Wi-Fi public sur les places touristiques", "Médina", 4, 250000),
        ("Billetterie en ligne des monuments", "", 3, 200000),
        ("Signalétique numérique multilingue", "Médina", 2, 250000),
        ("Carte des hébergements classés", "", 2, 200000),
    ],
    "activite-economique": [
        ("Créer son entreprise sans se déplacer", "", 4, 15000),
        ("Paiement électronique chez les commerçants des souks", "Médina", 3, 6000),
        ("Zones d'activité raccordées à la fibre", "Zone industrielle", 5, 2500),
    ],
    "e-administration": [
        ("Suivre sa demande d'autorisation de construire en ligne", "", 4, 20000),
        ("Payer la taxe d'habitation en ligne", "", 3, 100000),
        ("Recevoir ses actes d'état civil sans se déplacer", "", 5, 400000),
        ("Guichet unique des réclamations", "", 3, 400000),
    ],
    "infrastructures": [
        ("Fibre jusqu'au domicile dans les nouveaux lotissements", "Extensions", 4, 35000),
        ("Couverture mobile dans les quartiers périphériques", "Périphérie", 5, 50000),
    ],
    "mobilite": [
        ("Horaires de bus en temps réel", "", 4, 300000),
        ("Paiement du stationnement par téléphone", "Centre", 2, 60000),
        ("Signalement des pannes d'éclairage public", "", 3, 400000),
        ("Itinéraires accessibles aux personnes à mobilité réduite", "", 3, 25000),
    ],
}


def load_expectations() -> int:
    """About thirty expectations per city, from its organisations and its workshops: most
    qualified, some linked to the actions of their domain (the rest show as gaps), one merged
    as a duplicate and one rejected."""
    from portal.models.diagnostic import Expectation
    from portal.models.plans import Action, Plan

    people = people_by_role()
    secretariat = people.get(Role.SECRETARIAT)
    if secretariat is None or db.session.scalar(sa.select(Expectation.id)):
        return 0
    domains = {d.code: d.id for d in db.session.scalars(sa.select(Domain))}
    names = {d.code: d.name for d in db.session.scalars(sa.select(Domain))}
    added = 0
    for city in db.session.scalars(sa.select(City).order_by(City.name)):
        if city.slug not in OWNERS:
            continue
        commune = db.session.scalar(
            sa.select(Organization).where(Organization.short_name == OWNERS[city.slug][0])
        )
        actions = db.session.scalars(
            sa.select(Action).join(Plan).where(Plan.city_id == city.id).order_by(Action.code)
        ).all()
        by_domain: dict[int, list] = {}
        for action in actions:
            by_domain.setdefault(action.domain_id, []).append(action)
        made = []
        for code, rows in EXPECTATIONS.items():
            if code not in domains:
                continue
            for number, (text, district, importance, population) in enumerate(rows):
                workshop = number % 2 == 1
                found = diagnostic.save_expectation(
                    secretariat,
                    None,
                    city_id=city.id,
                    domain_id=domains[code],
                    district=district,
                    text=text,
                    source="workshop" if workshop else "organization",
                    organization_id=None if workshop else commune.id,
                    workshop=f"Atelier « {names[code]} » de {city.name}" if workshop else "",
                    importance=importance,
                    population=str(int(population * SCALE[city.slug])),
                )
                db.session.flush()
                made.append((found, code))
                added += 1
        for index, (found, code) in enumerate(made):
            if index % 5 != 4:  # one in five is left to qualify
                diagnostic.qualify(
                    secretariat, found, feasibility=1 + index % 5, expected_version=found.version
                )
                db.session.flush()
            answering = by_domain.get(domains[code], [])
            if answering and index % 3 != 2:  # a third of them find no action: the gaps
                diagnostic.answer(
                    secretariat, found, [answering[0].id], expected_version=found.version
                )
                db.session.flush()
        # A duplicate merged into its original, and one out of the plan's field.
        original, _code = made[0]
        duplicate = diagnostic.save_expectation(
            secretariat,
            None,
            city_id=city.id,
            domain_id=original.domain_id,
            district=original.district,
            text="Pouvoir réserver une consultation sans faire la queue",
            source="workshop",
            workshop=f"Atelier « Santé » de {city.name}",
            importance=4,
            population=str(original.population),
        )
        db.session.flush()
        diagnostic.merge(secretariat, duplicate, original, expected_version=duplicate.version)
        out_of_field = diagnostic.save_expectation(
            secretariat,
            None,
            city_id=city.id,
            domain_id=domains["mobilite"],
            text="Un tramway jusqu'à l'aéroport",
            source="organization",
            organization_id=commune.id,
            importance=3,
            population="100000",
        )
        db.session.flush()
        diagnostic.reject(
            secretariat,
            out_of_field,
            reason="Relève des transports, pas du schéma directeur numérique.",
            expected_version=out_of_field.version,
        )
        db.session.flush()
        added += 2
    return added


# What each city has before the plan: (kind, name, owner, quantity, point or line, Marrakech).
# Points and lines are given around each city's centre, shifted per city.
CENTRES = {"marrakech": (31.6295, -7.9811), "fes": (34.0331, -5.0003), "agadir": (30.4278, -9.5981)}
INFRASTRUCTURE = [
    (
        "backbone_fibre",
        "Boucle de fibre de transport",
        "utility",
        "38",
        [(0.0, 0.0), (0.03, 0.02), (0.05, -0.01), (0.02, -0.04)],
    ),
    (
        "access_fibre",
        "Fibre de desserte du centre",
        "operator",
        "120",
        [(0.0, 0.0), (0.01, 0.015), (0.02, 0.02)],
    ),
    (
        "duct",
        "Fourreaux du distributeur",
        "utility",
        "64",
        [(-0.01, 0.0), (-0.02, 0.02), (-0.03, 0.035)],
    ),
    ("tower", "Pylônes mobiles", "operator", "140", (0.015, -0.02)),
    ("data_room", "Salle technique de la commune", "commune", "1", (0.004, 0.003)),
    ("wifi_zone", "Wi-Fi de la place centrale", "commune", "3", (0.001, -0.002)),
    ("digital_space", "Espaces numériques existants", "commune", "4", (-0.006, 0.008)),
]
OPERATORS = {"marrakech": "IAM", "fes": "Orange", "agadir": "inwi"}


def load_infrastructure() -> int:
    from decimal import Decimal

    from portal.models.diagnostic import Infrastructure

    secretariat = people_by_role().get(Role.SECRETARIAT)
    if secretariat is None or db.session.scalar(sa.select(Infrastructure.id)):
        return 0
    organizations = {o.short_name: o.id for o in db.session.scalars(sa.select(Organization))}
    added = 0
    for city in db.session.scalars(sa.select(City).order_by(City.name)):
        if city.slug not in OWNERS:
            continue
        commune, _agency, utility = OWNERS[city.slug]
        owners = {"commune": commune, "utility": utility, "operator": OPERATORS[city.slug]}
        north, east = CENTRES[city.slug]
        for kind, name, who, quantity, where in INFRASTRUCTURE:
            if owners[who] not in organizations:
                continue
            scaled = Decimal(quantity) * Decimal(str(SCALE[city.slug]))
            if kind not in ("backbone_fibre", "access_fibre", "duct"):
                scaled = scaled.to_integral_value() or Decimal(1)
            point = where if isinstance(where, tuple) else None
            line = where if isinstance(where, list) else []
            diagnostic.save_infrastructure(
                secretariat,
                None,
                city_id=city.id,
                kind=kind,
                name=name,
                owner_id=organizations[owners[who]],
                quantity=f"{scaled.quantize(Decimal('0.1')):f}",
                latitude=f"{north + point[0]:.4f}" if point else "",
                longitude=f"{east + point[1]:.4f}" if point else "",
                path="\n".join(f"{north + a:.4f}, {east + b:.4f}" for a, b in line),
            )
            db.session.flush()
            added += 1
    return added
