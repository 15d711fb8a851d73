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

# The demo's criteria (tenders and sites) in English and Arabic, by their French label.
CRITERIA_LABELS = {
    "Local disponible et raccordé à l'électricité": (
        "Premises available and connected to electricity",
        "مقر متوفر ومربوط بشبكة الكهرباء",
    ),
    "Engagement écrit de l'organisme d'accueil": (
        "Written commitment of the host organisation",
        "التزام كتابي من الهيئة المستضيفة",
    ),
    "Population desservie": ("Population served", "الساكنة المستفيدة"),
    "Distance à l'EPN existant le plus proche": (
        "Distance to the nearest existing public digital space",
        "المسافة إلى أقرب فضاء رقمي عمومي قائم",
    ),
    "Accessibilité (transports, PMR)": (
        "Accessibility (transport, reduced mobility)",
        "سهولة الولوج (النقل، الأشخاص ذوو الحركة المحدودة)",
    ),
    "Fréquentation attendue": ("Expected attendance", "الإقبال المتوقع"),
    "Raccordement haut débit disponible": (
        "Broadband connection available",
        "توفر الربط بالصبيب العالي",
    ),
    "Autorisation d'occupation du domaine public": (
        "Public domain occupancy permit",
        "رخصة الاحتلال المؤقت للملك العمومي",
    ),
    "Fréquentation du lieu": ("Footfall at the place", "نسبة ارتياد المكان"),
    "Raccordement et énergie disponibles": ("Connection and power available", "توفر الربط والطاقة"),
    "Sécurité et éclairage": ("Safety and lighting", "الأمن والإنارة"),
    "Attestation fiscale en cours de validité": (
        "Valid tax clearance certificate",
        "شهادة جبائية سارية المفعول",
    ),
    "Caution provisoire": ("Bid bond", "الضمان المؤقت"),
    "Méthodologie": ("Methodology", "المنهجية"),
    "Compréhension des termes de référence": (
        "Understanding of the terms of reference",
        "فهم الشروط المرجعية",
    ),
    "Plan de travail et calendrier": ("Work plan and schedule", "خطة العمل والجدول الزمني"),
    "Références en transformation numérique urbaine": (
        "References in urban digital transformation",
        "المراجع في التحول الرقمي الحضري",
    ),
    "Équipe proposée": ("Proposed team", "الفريق المقترح"),
    "Références de déploiement Wi-Fi en site historique": (
        "References in Wi-Fi deployment at historic sites",
        "مراجع في نشر شبكات Wi-Fi بالمواقع التاريخية",
    ),
    "Architecture et couverture": ("Architecture and coverage", "البنية والتغطية"),
    "Plan d'intégration patrimoniale": (
        "Heritage integration plan",
        "خطة الإدماج في النسيج التراثي",
    ),
    "Exploitation et maintenance": ("Operation and maintenance", "الاستغلال والصيانة"),
    "Références de plateformes de services aux usagers": (
        "References in public-service platforms",
        "مراجع في منصات الخدمات الموجهة للمرتفقين",
    ),
    "Architecture et sécurité": ("Architecture and security", "البنية والأمن"),
    "Ergonomie et accessibilité, en arabe et en français": (
        "Usability and accessibility, in Arabic and French",
        "سهولة الاستخدام والولوج، بالعربية والفرنسية",
    ),
    "Équipe et plan de déploiement": ("Team and deployment plan", "الفريق وخطة النشر"),
}


def criteria_labels(criteria) -> dict[int, tuple[str, str]]:
    """The demo's labels for `criteria`, by id, as the services take them."""
    return {c.id: CRITERIA_LABELS[c.label] for c in criteria if c.label in CRITERIA_LABELS}
