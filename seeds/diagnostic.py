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
