"""Demo digital coverage: the diagnostic's indicators with each city's baseline and target,
and candidate public digital spaces (EPN) and connected zones with their assessments."""

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models.coverage import Indicator, SiteKind
from portal.models.milestones import Milestone
from portal.models.organizations import City, Organization
from portal.models.plans import Action, Domain, Plan
from portal.models.users import Role, RoleAssignment, User
from portal.services import coverage
from seeds import reference
from seeds.people import moment, people_by_role

# (code, name, unit, domain code, higher is better)
# (code, name, unit, domain code, higher is better)
INDICATORS = [
    ("menages_fibre", "Ménages raccordables à la fibre", "%", "infrastructures", True),
    ("zones_wifi", "Zones publiques Wi-Fi ouvertes", "zones", "infrastructures", True),
    ("ecoles_connectees", "Écoles connectées au haut débit", "%", "education", True),
    (
        "eservices",
        "Démarches communales disponibles en ligne",
        "démarches",
        "e-administration",
        True,
    ),
    ("postes_epn", "Postes en EPN pour 10 000 habitants", "postes", "emploi", True),
    ("distance_epn", "Distance moyenne au plus proche EPN", "km", "infrastructures", False),
]
# Their names and units in English and Arabic.
INDICATOR_NAMES = {
    "menages_fibre": (
        "Households that can be connected to fibre",
        "الأسر القابلة للربط بالألياف البصرية",
        "%",
        "%",
    ),
    "zones_wifi": (
        "Public Wi-Fi zones open",
        "المناطق العمومية المزودة بشبكة Wi-Fi",
        "zones",
        "منطقة",
    ),
    "ecoles_connectees": ("Schools with broadband", "المدارس الموصولة بالصبيب العالي", "%", "%"),
    "eservices": (
        "Commune procedures available online",
        "المساطر الجماعية المتاحة عبر الإنترنت",
        "procedures",
        "مسطرة",
    ),
    "postes_epn": (
        "Public digital space workstations per 10,000 inhabitants",
        "حواسيب الفضاءات العمومية الرقمية لكل 10000 نسمة",
        "workstations",
        "حاسوب",
    ),
    "distance_epn": (
        "Average distance to the nearest public digital space",
        "متوسط المسافة إلى أقرب فضاء عمومي رقمي",
        "km",
        "كلم",
    ),
}

# Per city: (baseline, target) per indicator code, and how far along the city is today
# (share of the way covered at the latest measurement).
TARGETS = {
    "marrakech": {
        "pace": 0.55,
        "values": {
            "menages_fibre": ("38", "75"),
            "zones_wifi": ("6", "40"),
            "ecoles_connectees": ("52", "95"),
            "eservices": ("12", "60"),
            "postes_epn": ("1.8", "6"),
            "distance_epn": ("4.2", "1.5"),
        },
        # A district target, to show that indicators may be set below the city.
        "districts": [("menages_fibre", "Médina", "21", "65")],
    },
    "fes": {
        "pace": 0.4,
        "values": {
            "menages_fibre": ("31", "70"),
            "zones_wifi": ("4", "30"),
            "ecoles_connectees": ("47", "90"),
            "eservices": ("9", "50"),
            "postes_epn": ("1.2", "5"),
            "distance_epn": ("5.1", "2"),
        },
        "districts": [("zones_wifi", "Fès el-Bali", "1", "12")],
    },
    "agadir": {
        "pace": 0.25,
        "values": {
            "menages_fibre": ("44", "80"),
            "zones_wifi": ("5", "28"),
            "ecoles_connectees": ("58", "95"),
            "eservices": ("10", "45"),
            "postes_epn": ("1.5", "5"),
            "distance_epn": ("3.8", "1.5"),
        },
        "districts": [],
    },
}

SOURCES = ("ANRT — observatoire des marchés", "Enquête programme SDTN", "Commune — service SI")

EPN_CRITERIA = """! Local disponible et raccordé à l'électricité
! Engagement écrit de l'organisme d'accueil
Population desservie | 30
Distance à l'EPN existant le plus proche | 20
Accessibilité (transports, PMR) | 20
Fréquentation attendue | 15
Raccordement haut débit disponible | 15"""

ZONE_CRITERIA = """! Autorisation d'occupation du domaine public
Fréquentation du lieu | 35
Raccordement et énergie disponibles | 25
Population desservie | 20
Sécurité et éclairage | 20"""

# Per city: the host organisations' short names (commune first), then the sites:
# (kind, name, district, latitude, longitude, estimated cost MAD).
SITES = {
    "marrakech": (
        ("CU Marrakech", "AUM"),
        [
            ("digital_space", "EPN Dar Chabab Médina", "Médina", "31.6312", "-7.9890", "850000"),
            (
                "digital_space",
                "EPN Maison de quartier Sidi Youssef",
                "Sidi Youssef Ben Ali",
                "31.6168",
                "-7.9603",
                "780000",
            ),
            ("digital_space", "EPN Bibliothèque Guéliz", "Guéliz", "31.6372", "-8.0105", "920000"),
            (
                "digital_space",
                "EPN Centre social Daoudiate",
                "Daoudiate",
                "31.6561",
                "-8.0046",
                "700000",
            ),
            ("digital_space", "EPN Complexe M'hamid", "M'hamid", "31.5880", "-8.0420", "810000"),
            (
                "digital_space",
                "EPN Foyer féminin Massira",
                "Massira",
                "31.6060",
                "-8.0630",
                "650000",
            ),
            ("digital_space", "EPN Annakhil", "Annakhil", "31.6680", "-7.9620", "760000"),
            ("connected_zone", "Place Jemaa el-Fna", "Médina", "31.6258", "-7.9891", "420000"),
            (
                "connected_zone",
                "Jardin Majorelle (abords)",
                "Guéliz",
                "31.6417",
                "-8.0032",
                "260000",
            ),
            (
                "connected_zone",
                "Gare routière Bab Doukkala",
                "Médina",
                "31.6347",
                "-7.9982",
                "310000",
            ),
            ("connected_zone", "Parc Lalla Hasna", "Médina", "31.6242", "-7.9945", "280000"),
            ("connected_zone", "Place du 16 Novembre", "Guéliz", "31.6348", "-8.0093", "240000"),
            (
                "connected_zone",
                "Souk Sidi Youssef",
                "Sidi Youssef Ben Ali",
                "31.6150",
                "-7.9570",
                "300000",
            ),
            ("connected_zone", "Jardin de la Ménara", "Ménara", "31.6139", "-8.0218", "350000"),
        ],
    ),
    "fes": (
        ("CU Fès", "AUF"),
        [
            ("digital_space", "EPN Dar Batha", "Fès el-Bali", "34.0610", "-4.9834", "880000"),
            (
                "digital_space",
                "EPN Maison des jeunes Fès-Jdid",
                "Fès-Jdid",
                "34.0540",
                "-4.9930",
                "720000",
            ),
            ("digital_space", "EPN Bibliothèque Agdal", "Agdal", "34.0330", "-5.0050", "900000"),
            (
                "digital_space",
                "EPN Centre social Zouagha",
                "Zouagha",
                "34.0260",
                "-5.0420",
                "690000",
            ),
            ("digital_space", "EPN Jnan El Ouard", "Jnan El Ouard", "34.0740", "-4.9760", "740000"),
            ("digital_space", "EPN Saïss Université", "Saïss", "33.9950", "-4.9920", "830000"),
            ("connected_zone", "Place Seffarine", "Fès el-Bali", "34.0636", "-4.9737", "380000"),
            ("connected_zone", "Bab Boujloud", "Fès el-Bali", "34.0617", "-4.9837", "360000"),
            ("connected_zone", "Place Florence", "Agdal", "34.0420", "-5.0000", "250000"),
            ("connected_zone", "Jardin Jnan Sbil", "Fès-Jdid", "34.0580", "-4.9900", "290000"),
            ("connected_zone", "Gare ferroviaire de Fès", "Agdal", "34.0468", "-4.9997", "310000"),
            ("connected_zone", "Place R'cif", "Fès el-Bali", "34.0612", "-4.9740", "330000"),
        ],
    ),
    "agadir": (
        ("CU Agadir", "AUA"),
        [
            ("digital_space", "EPN Talborjt", "Talborjt", "30.4240", "-9.5990", "760000"),
            (
                "digital_space",
                "EPN Maison de quartier Dakhla",
                "Dakhla",
                "30.4140",
                "-9.5660",
                "700000",
            ),
            ("digital_space", "EPN Hay Mohammadi", "Hay Mohammadi", "30.4060", "-9.5470", "720000"),
            ("digital_space", "EPN Anza", "Anza", "30.4460", "-9.6580", "680000"),
            ("digital_space", "EPN Tikiouine", "Tikiouine", "30.3880", "-9.5180", "650000"),
            ("connected_zone", "Corniche d'Agadir", "Founty", "30.4150", "-9.6050", "400000"),
            ("connected_zone", "Souk El Had", "Bensergao", "30.4130", "-9.5820", "370000"),
            ("connected_zone", "Place Al Amal", "Talborjt", "30.4220", "-9.5960", "240000"),
            ("connected_zone", "Vallée des Oiseaux", "Talborjt", "30.4230", "-9.6010", "230000"),
            ("connected_zone", "Marina d'Agadir", "Founty", "30.4310", "-9.6230", "320000"),
            ("connected_zone", "Gare routière d'Agadir", "Charaf", "30.4020", "-9.5630", "300000"),
        ],
    ),
}

# Where each city stands: for EPN and for zones, the sites (by their position in the list of
# that kind) that were selected, how far the first ones went, and one rejected.
DECISIONS = {
    "selected": (0, 1, 2),
    "opened": (0,),
    "in_deployment": (1,),
    "rejected": (4,),
    "unassessed": (-1,),  # the last proposed site of each kind waits for its assessment
}


def load_coverage(today: date) -> dict[str, int]:
    """The diagnostic's indicators with each city's baseline, target and measurements, and
    candidate sites taken through assessment, decision, deployment and opening by the real
    rules, dated in the past."""

    added = {"indicators": 0, "coverage_targets": 0, "sites": 0}
    people = people_by_role()
    secretariat = people.get(Role.SECRETARIAT)
    evaluators = db.session.scalars(
        sa.select(User)
        .join(RoleAssignment)
        .where(RoleAssignment.role == Role.EVALUATOR)
        .order_by(User.id)
    ).all()
    domains = {d.code: d.id for d in db.session.scalars(sa.select(Domain))}
    if (
        secretariat is None
        or len(evaluators) < 2
        or db.session.scalar(sa.select(sa.func.count(Indicator.id)))
        or any(code not in domains for *_, code, _better in INDICATORS)
    ):
        return added
    indicators = {}
    for position, (code, name, unit, domain, better) in enumerate(INDICATORS):
        indicators[code] = coverage.save_indicator(
            secretariat,
            None,
            code=code,
            name=name,
            unit=unit,
            domain_id=domains[domain],
            higher_is_better=better,
            position=position,
            names=dict(
                zip(
                    ("name_en", "name_ar", "unit_en", "unit_ar"), INDICATOR_NAMES[code], strict=True
                )
            ),
        )
        added["indicators"] += 1
    cities = {c.slug: c for c in db.session.scalars(sa.select(City))}
    baseline_day = date(today.year - 2, 1, 15)
    target_day = date(today.year + 4, 12, 31)
    for slug, plan in TARGETS.items():
        city = cities.get(slug)
        if city is None:
            continue
        rows = [(code, "", *values) for code, values in plan["values"].items()]
        rows += list(plan["districts"])
        for number, (code, district, baseline, goal) in enumerate(rows):
            target = coverage.save_target(
                secretariat,
                None,
                indicator_id=indicators[code].id,
                city_id=city.id,
                district=district,
                baseline_value=baseline,
                baseline_date=baseline_day,
                target_value=goal,
                target_date=target_day,
            )
            added["coverage_targets"] += 1
            start, end = Decimal(baseline), Decimal(goal)
            # Two measurements a year apart, the latest `pace` of the way along.
            for days_ago, share in ((420, plan["pace"] / 2), (45, plan["pace"])):
                value = start + (end - start) * Decimal(str(share))
                coverage.record_measurement(
                    secretariat,
                    target,
                    value=value.quantize(Decimal("0.1")),
                    measured_on=today - timedelta(days=days_ago),
                    source=SOURCES[number % len(SOURCES)],
                    today=today,
                )
    for slug, (hosts, sites) in SITES.items():
        city = cities.get(slug)
        local = people.get((Role.LOCAL_DECISION_MAKER, city.id)) if city else None
        if city is None or local is None:
            continue
        added["sites"] += _coverage_sites(
            city, hosts, sites, secretariat, local, evaluators[:2], today
        )
    db.session.flush()
    return added


def _coverage_sites(city, hosts, sites, secretariat, local, evaluators, today) -> int:
    organizations = {o.short_name: o for o in db.session.scalars(sa.select(Organization))}
    action = db.session.scalar(
        sa.select(Action)
        .join(Plan)
        .join(Domain, Action.domain_id == Domain.id)
        .where(Plan.city_id == city.id, Domain.code == "infrastructures")
        .order_by(Action.code)
        .limit(1)
    )
    milestone_ids = (
        db.session.scalars(
            sa.select(Milestone.id)
            .where(Milestone.action_id == action.id)
            .order_by(Milestone.due_date)
            .limit(1)
        ).all()
        if action
        else []
    )
    for kind, text in (
        (SiteKind.DIGITAL_SPACE, EPN_CRITERIA),
        (SiteKind.CONNECTED_ZONE, ZONE_CRITERIA),
    ):
        published = coverage.save_criteria(secretariat, city, kind, text)
        db.session.flush()
        coverage.label_criteria(
            secretariat,
            published,
            reference.criteria_labels(published.criteria),
            expected_version=published.version,
        )
    db.session.flush()
    created = 0
    for kind in SiteKind:
        rows = [row for row in sites if row[0] == kind.value]
        grid = coverage.criteria_set(city.id, kind).criteria
        for index, (_kind, name, district, lat, lng, cost) in enumerate(rows):
            chosen = index in DECISIONS["selected"]
            site = coverage.save_site(
                secretariat,
                None,
                city_id=city.id,
                district=district,
                kind=kind.value,
                name=name,
                address=f"{district}, {city.name}",
                latitude=lat,
                longitude=lng,
                host_organization_id=organizations[hosts[index % 2]].id,
                estimated_cost=cost,
                action_id=action.id if action and chosen else None,
                milestone_ids=milestone_ids if chosen else (),
                today=today - timedelta(days=150),
            )
            created += 1
            if index - len(rows) in DECISIONS["unassessed"]:
                continue
            db.session.flush()
            # Earlier sites in the list are the stronger ones; each assessor sees it a little
            # differently. The rejected one lacks its premises.
            quality = Decimal("0.92") - Decimal("0.07") * index
            for number, assessor in enumerate(evaluators):
                answers = {}
                for criterion in grid:
                    if criterion.eliminatory:
                        failed = (
                            index in DECISIONS["rejected"]
                            and number == 0
                            and criterion.position == 0
                        )
                        answers[criterion.id] = coverage.AnswerInput(
                            passed=not failed,
                            reason="Local non raccordé : travaux lourds à prévoir"
                            if failed
                            else "",
                        )
                        continue
                    nudge = Decimal("0.04") * (1 if (number + criterion.position) % 2 else -1)
                    share = min(max(quality + nudge, Decimal(0)), Decimal(1))
                    points = (criterion.weight * share * 2).quantize(Decimal(1)) / 2
                    answers[criterion.id] = coverage.AnswerInput(points=str(points))
                coverage.save_assessment(
                    assessor,
                    site,
                    answers,
                    comment="Visite sur place effectuée." if number == 0 else "",
                    today=today - timedelta(days=120 - number),
                    now=moment(today, number - 120),
                )
            db.session.flush()
            _coverage_decisions(site, index, secretariat, local, today)
    return created


def _coverage_decisions(site, index, secretariat, local, today) -> None:
    def step(actor, status, days_ago, note=""):
        coverage.move(
            actor,
            site,
            status,
            note=note,
            on_date=today - timedelta(days=days_ago),
            today=today,
            expected_version=site.version,
            now=moment(today, -days_ago),
        )
        db.session.flush()

    if index in DECISIONS["rejected"]:
        step(local, "rejected", 90, "Local non raccordé ; coût de mise à niveau hors enveloppe.")
        return
    if index not in DECISIONS["selected"]:
        return
    step(local, "selected", 90, f"Classé n° {index + 1} ; retenu dans l'enveloppe de l'action.")
    if index not in DECISIONS["opened"] + DECISIONS["in_deployment"]:
        return
    step(secretariat, "in_deployment", 70)
    digital = site.kind is SiteKind.DIGITAL_SPACE
    coverage.record_figures(
        secretariat,
        site,
        seats=16 if digital else None,
        wifi_capacity=None if digital else 250,
        weekly_users=None,
        figures_on=today - timedelta(days=60),
        today=today,
        expected_version=site.version,
    )
    db.session.flush()
    if index not in DECISIONS["opened"]:
        return
    step(secretariat, "open", 30)
    coverage.record_figures(
        secretariat,
        site,
        seats=site.seats,
        wifi_capacity=site.wifi_capacity,
        weekly_users=340 if digital else 2100,
        figures_on=today - timedelta(days=3),
        today=today,
        expected_version=site.version,
    )
    db.session.flush()
