"""Demo involvement scenarios: three per city with plausible figures in MAD, drafted and
decided through the real rules: Marrakech's municipal network approved, Fès's concession
waiting for the ministry, Agadir's all still drafts."""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models.coverage import Indicator
from portal.models.organizations import City, Organization
from portal.models.scenarios import Scenario
from portal.models.users import Role
from portal.services import scenarios
from seeds.people import moment, people_by_role

# Per city: its size against Marrakech's, its utility, the operator of its gap funding.
CITIES = {
    "marrakech": (Decimal("1.0"), "RADEEMA", "IAM"),
    "fes": (Decimal("0.8"), "RADEEF", "Orange"),
    "agadir": (Decimal("0.6"), "RAMSA", "inwi"),
}

# A scenario: (name, model, horizon, rate %, description, parties, lines, set-up, coverage).
# Parties are "commune", "utility", "operator" (organisations of the city) or a name of
# their own; a line is (label, kind, party or (from, to, transfer kind), start, end, MAD a
# year at Marrakech's size, growth %).
MUNICIPAL = (
    "Réseau municipal de fourreaux loué aux opérateurs",
    "public_operation",
    20,
    "6",
    "La commune pose les fourreaux et la fibre passive avec le distributeur lors de ses "
    "propres travaux, puis les loue aux opérateurs, qui allument le réseau et vendent les "
    "services.",
    ["commune", "utility", "operator"],
    [
        ("Génie civil et fourreaux", "capex", "commune", 0, 2, "28000000", "0"),
        ("Tranchées communes avec le distributeur", "capex", "utility", 0, 1, "4000000", "0"),
        (
            "Quote-part des tranchées",
            "transfer",
            ("commune", "utility", "other"),
            0,
            1,
            "2000000",
            "0",
        ),
        ("Maintenance du réseau passif", "opex", "commune", 3, 20, "1200000", "2"),
        (
            "Location des fourreaux et IRU",
            "transfer",
            ("operator", "commune", "rental_fee"),
            3,
            20,
            "5400000",
            "3",
        ),
        ("Équipements actifs", "capex", "operator", 2, 3, "9000000", "0"),
        (
            "Exploitation et commercialisation",
            "opex",
            "operator",
            3,
            20,
            "11000000",
            "2",
        ),
        ("Abonnements", "revenue", "operator", 3, 20, "22000000", "4"),
    ],
    {
        "layers": {
            "passive": ("commune", "commune"),
            "active": ("operator", "operator"),
            "retail": ("", "operator"),
        },
        "risks": {
            "construction": ("commune", "Marchés de travaux à prix forfaitaire"),
            "demand": ("operator", "Loyers garantis sur 5 ans"),
            "operation": ("commune", ""),
            "regulatory": ("", "Partagé avec l'ANRT"),
            "financing": ("commune", "Budget d'équipement de la commune"),
        },
    },
    {"households_passed": 180000, "sites_connected": 420, "wifi_zones": 12},
)
CONCESSION = (
    "Concession de 20 ans avec subvention du service universel",
    "concession",
    20,
    "7",
    "Un concessionnaire choisi par appel d'offres conçoit, finance, construit et exploite le "
    "réseau ; il verse une redevance à la commune et reçoit une subvention du fonds du "
    "service universel pour les quartiers peu rentables. Le réseau passif revient à la "
    "commune en fin de concession.",
    ["commune", "Concessionnaire"],
    [
        ("Construction du réseau", "capex", "Concessionnaire", 0, 2, "30000000", "0"),
        ("Subvention du service universel", "subsidy", "Concessionnaire", 0, 2, "8000000", "0"),
        ("Exploitation et maintenance", "opex", "Concessionnaire", 3, 20, "4000000", "2"),
        ("Services de gros et de détail", "revenue", "Concessionnaire", 3, 20, "14000000", "4"),
        (
            "Redevance de concession",
            "transfer",
            ("Concessionnaire", "commune", "concession_fee"),
            3,
            20,
            "1500000",
            "2",
        ),
        ("Contrôle de la concession", "opex", "commune", 0, 20, "300000", "2"),
    ],
    {
        "layers": {
            "passive": ("commune", "Concessionnaire"),
            "active": ("Concessionnaire", "Concessionnaire"),
            "retail": ("Concessionnaire", "Concessionnaire"),
        },
        "risks": {
            "construction": ("Concessionnaire", ""),
            "demand": ("Concessionnaire", ""),
            "operation": ("Concessionnaire", "Pénalités de disponibilité"),
            "regulatory": ("commune", ""),
            "financing": ("Concessionnaire", "Fonds propres et dette bancaire"),
        },
    },
    {"households_passed": 150000, "sites_connected": 300},
)
SDL = (
    "Société de développement local avec le distributeur",
    "joint_venture",
    20,
    "6",
    "La commune et le distributeur d'eau et d'électricité créent une SDL qui construit et "
    "exploite le réseau passif et le loue aux opérateurs ; les dividendes reviennent aux "
    "actionnaires.",
    ["commune", "utility", "SDL Numérique"],
    [
        (
            "Apport au capital de la SDL",
            "transfer",
            ("commune", "SDL Numérique", "capital_contribution"),
            0,
            0,
            "15000000",
            "0",
        ),
        (
            "Apport au capital de la SDL",
            "transfer",
            ("utility", "SDL Numérique", "capital_contribution"),
            0,
            0,
            "10000000",
            "0",
        ),
        ("Construction du réseau passif", "capex", "SDL Numérique", 0, 2, "25000000", "0"),
        ("Exploitation", "opex", "SDL Numérique", 3, 20, "3000000", "2"),
        ("Location aux opérateurs", "revenue", "SDL Numérique", 3, 20, "11000000", "4"),
        ("Dividendes", "transfer", ("SDL Numérique", "commune", "dividend"), 6, 20, "1800000", "3"),
        ("Dividendes", "transfer", ("SDL Numérique", "utility", "dividend"), 6, 20, "1200000", "3"),
    ],
    {
        "layers": {
            "passive": ("SDL Numérique", "SDL Numérique"),
            "active": ("", ""),
            "retail": ("", ""),
        },
        "risks": {
            "construction": ("SDL Numérique", ""),
            "demand": ("SDL Numérique", "Contrats de location pluriannuels"),
            "financing": ("commune", "Apports des actionnaires"),
        },
    },
    {"households_passed": 120000, "sites_connected": 250},
)
GAP = (
    "Subvention d'équilibre pour les quartiers périphériques",
    "gap_funding",
    15,
    "6",
    "La commune finance l'écart de rentabilité d'un opérateur qui s'engage à couvrir les "
    "quartiers périphériques qu'il ne couvrirait pas seul.",
    ["commune", "operator"],
    [
        (
            "Subvention d'équilibre",
            "transfer",
            ("commune", "operator", "subsidy"),
            0,
            2,
            "6000000",
            "0",
        ),
        ("Déploiement", "capex", "operator", 0, 2, "14000000", "0"),
        ("Exploitation", "opex", "operator", 2, 15, "2100000", "2"),
        ("Abonnements", "revenue", "operator", 2, 15, "5200000", "3"),
    ],
    {
        "layers": {
            "passive": ("operator", "operator"),
            "active": ("operator", "operator"),
            "retail": ("operator", "operator"),
        },
        "risks": {"demand": ("operator", "Clause de reprise si la couverture n'est pas tenue")},
    },
    {"households_passed": 40000},
)

# Per city, its scenarios and how far each went.
PLANNED = {
    "marrakech": [(MUNICIPAL, "approved"), (CONCESSION, "draft"), (GAP, "draft")],
    "fes": [(CONCESSION, "endorsed"), (MUNICIPAL, "draft"), (GAP, "draft")],
    "agadir": [(SDL, "draft"), (CONCESSION, "draft"), (GAP, "draft")],
}
STEPS = {
    "draft": [],
    "endorsed": [("submit", -40), ("endorse", -25)],
    "approved": [("submit", -90), ("endorse", -75), ("approve", -60)],
}


def load_scenarios(today: date) -> int:
    people = people_by_role()
    secretariat, central = people.get(Role.SECRETARIAT), people.get(Role.CENTRAL_DECISION_MAKER)
    if secretariat is None or central is None or db.session.scalar(sa.select(Scenario.id)):
        return 0
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    households = db.session.scalar(sa.select(Indicator.id).where(Indicator.code == "menages_fibre"))
    wifi = db.session.scalar(sa.select(Indicator.id).where(Indicator.code == "zones_wifi"))
    added = 0
    for city in db.session.scalars(sa.select(City).order_by(City.name)):
        if city.slug not in PLANNED:
            continue
        scale, utility, operator = CITIES[city.slug]
        local = people.get((Role.LOCAL_DECISION_MAKER, city.id))
        for plan, status in PLANNED[city.slug]:
            name, model, horizon, rate, description, party_keys, lines, setup, delivered = plan
            scenario = scenarios.save_scenario(
                secretariat,
                None,
                city_id=city.id,
                name=name,
                description=description,
                investment_model=model,
                horizon_years=str(horizon),
                discount_rate=rate,
            )
            db.session.flush()
            ids = {}
            for key in party_keys:
                short = {"commune": None, "utility": utility, "operator": operator}.get(key, "")
                if key == "commune":
                    ids[key] = scenario.parties[0].id  # the commune, added with the scenario
                    continue
                org = organizations.get(short) if short else None
                party = scenarios.save_party(
                    secretariat,
                    scenario,
                    None,
                    name=org.short_name if org else key,
                    organization_id=org.id if org else None,
                    expected_version=scenario.version,
                )
                db.session.flush()
                ids[key] = party.id
            for label, kind, who, start, end, amount, growth in lines:
                sides = {}
                if kind == "transfer":
                    source, target, transfer_kind = who
                    sides = {
                        "source_id": ids[source],
                        "target_id": ids[target],
                        "transfer_kind": transfer_kind,
                    }
                else:
                    sides = {"party_id": ids[who]}
                scenarios.save_line(
                    secretariat,
                    scenario,
                    None,
                    label=label,
                    kind=kind,
                    start_year=str(start),
                    end_year=str(end),
                    amount=f"{(Decimal(amount) * scale).quantize(Decimal('1')):f}",
                    growth=growth,
                    expected_version=scenario.version,
                    **sides,
                )
                db.session.flush()
            coverage = {
                measure: (
                    str(int(count * scale)) if measure != "wifi_zones" else str(count),
                    {"households_passed": households, "wifi_zones": wifi}.get(measure),
                )
                for measure, count in delivered.items()
            }
            scenarios.save_setup(
                secretariat,
                scenario,
                layers={
                    layer: (ids.get(owner), ids.get(runner))
                    for layer, (owner, runner) in setup["layers"].items()
                },
                risks={
                    risk: (ids.get(bearer), note) for risk, (bearer, note) in setup["risks"].items()
                },
                coverage=coverage,
                expected_version=scenario.version,
            )
            db.session.flush()
            for step, days in STEPS[status]:
                actor = {"submit": secretariat, "endorse": local, "approve": central}[step]
                scenarios.move(
                    actor,
                    scenario,
                    step,
                    note="",
                    expected_version=scenario.version,
                    now=moment(today, days),
                )
                db.session.flush()
            added += 1
    return added
