"""Reference data: the three pilot cities and the organisations that steer their SDTN."""

from portal.models.organizations import OrganizationKind as K

CITIES = [
    {
        "slug": "marrakech",
        "name": "Marrakech",
        "name_en": "Marrakesh",
        "name_ar": "مراكش",
        "region": "Marrakech-Safi",
    },
    {"slug": "fes", "name": "Fès", "name_en": "Fez", "name_ar": "فاس", "region": "Fès-Meknès"},
    {
        "slug": "agadir",
        "name": "Agadir",
        "name_en": "Agadir",
        "name_ar": "أكادير",
        "region": "Souss-Massa",
    },
]

# (short name, name, kind, city slug or None for a national organisation)
ORGANIZATIONS = [
    (
        "DUAT",
        "Ministère — Direction de l'Urbanisme et de l'Aménagement du Territoire",
        K.MINISTRY,
        None,
    ),
    ("ANRT", "Agence Nationale de Réglementation des Télécommunications", K.REGULATOR, None),
    ("AUM", "Agence Urbaine de Marrakech", K.URBAN_AGENCY, "marrakech"),
    ("AUF", "Agence Urbaine de Fès", K.URBAN_AGENCY, "fes"),
    ("AUA", "Agence Urbaine d'Agadir", K.URBAN_AGENCY, "agadir"),
    ("CU Marrakech", "Commune de Marrakech", K.COMMUNE, "marrakech"),
    ("CU Fès", "Commune de Fès", K.COMMUNE, "fes"),
    ("CU Agadir", "Commune d'Agadir", K.COMMUNE, "agadir"),
    (
        "RADEEMA",
        "Régie Autonome de Distribution d'Eau et d'Électricité de Marrakech",
        K.UTILITY,
        "marrakech",
    ),
    ("RADEEF", "Régie Autonome de Distribution d'Eau et d'Électricité de Fès", K.UTILITY, "fes"),
    ("RAMSA", "Régie Autonome Multi-Services d'Agadir", K.UTILITY, "agadir"),
    ("IAM", "Maroc Telecom", K.TELECOM_OPERATOR, None),
    ("Orange", "Orange Maroc", K.TELECOM_OPERATOR, None),
    ("inwi", "inwi", K.TELECOM_OPERATOR, None),
    ("ADC", "Atlas Digital Conseil", K.CONSULTANT, None),
    ("RSN", "Réseaux du Souss Numérique", K.PROVIDER, None),
    ("MCS", "Médina Connect Services", K.PROVIDER, None),
    ("MUL", "Maghreb Urban Lab", K.CONSULTANT, None),
]

# The names in English and Arabic of the organisations that have one (the consultancies and
# providers of the demo are known by their French or English name only).
NAMES = {
    "DUAT": (
        "Ministry — Directorate of Urban Planning and Land Management",
        "الوزارة — مديرية التعمير وإعداد التراب الوطني",
    ),
    "ANRT": ("National Telecommunications Regulatory Agency", "الوكالة الوطنية لتقنين المواصلات"),
    "AUM": ("Marrakesh Urban Agency", "الوكالة الحضرية لمراكش"),
    "AUF": ("Fez Urban Agency", "الوكالة الحضرية لفاس"),
    "AUA": ("Agadir Urban Agency", "الوكالة الحضرية لأكادير"),
    "CU Marrakech": ("Commune of Marrakesh", "جماعة مراكش"),
    "CU Fès": ("Commune of Fez", "جماعة فاس"),
    "CU Agadir": ("Commune of Agadir", "جماعة أكادير"),
    "RADEEMA": (
        "Marrakesh Water and Electricity Distribution Utility",
        "الوكالة المستقلة الجماعية لتوزيع الماء والكهرباء بمراكش",
    ),
    "RADEEF": (
        "Fez Water and Electricity Distribution Utility",
        "الوكالة المستقلة الجماعية لتوزيع الماء والكهرباء بفاس",
    ),
    "RAMSA": ("Agadir Multi-Service Utility", "الوكالة المستقلة متعددة الخدمات بأكادير"),
    "IAM": ("Maroc Telecom", "اتصالات المغرب"),
    "Orange": ("Orange Morocco", "أورنج المغرب"),
    "inwi": ("inwi", "إنوي"),
}
