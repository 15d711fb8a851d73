"""Demo plans: per city, actions across domains and horizons, each with its milestones.

Dates are offsets (in days) from the day the demo is loaded, so that some milestones are
late and others upcoming whenever the demo runs.
"""

DOMAINS = [
    ("sante", "Santé", 1),
    ("emploi", "Emploi", 2),
    ("education", "Éducation", 3),
    ("tourisme", "Tourisme", 4),
    ("activite-economique", "Activité économique", 5),
    ("e-administration", "E-administration", 6),
    ("infrastructures", "Infrastructures numériques", 7),
    ("mobilite", "Mobilité", 8),
]

# (code suffix, title, domain code, lead: "utility" | "agency" | "commune" | operator short
#  name, budget MAD, start offset days, end offset days)
ACTIONS = [
    (
        "01",
        "Fibre optique mutualisée dans les fourreaux existants",
        "infrastructures",
        "utility",
        "18500000.00",
        -200,
        300,
    ),
    (
        "02",
        "Wi-Fi public dans les places et jardins",
        "infrastructures",
        "IAM",
        "6200000.00",
        -120,
        240,
    ),
    (
        "03",
        "Guichet numérique unique des autorisations d'urbanisme",
        "e-administration",
        "agency",
        "4800000.00",
        -150,
        700,
    ),
    (
        "04",
        "Télé-consultation dans les centres de santé de quartier",
        "sante",
        "commune",
        "3900000.00",
        -60,
        900,
    ),
    (
        "05",
        "Espaces publics numériques pour l'emploi des jeunes",
        "emploi",
        "commune",
        "2750000.00",
        -30,
        500,
    ),
    (
        "06",
        "Écoles connectées et ressources pédagogiques",
        "education",
        "Orange",
        "5100000.00",
        30,
        1300,
    ),
    (
        "07",
        "Parcours touristique numérique de la médina",
        "tourisme",
        "agency",
        "2300000.00",
        -90,
        400,
    ),
    ("08", "Information voyageurs en temps réel", "mobilite", "commune", "7400000.00", 60, 1500),
]

# (title, deliverable, due offset from the action start in days)
MILESTONE_STEPS = [
    ("Diagnostic de l'existant", "Rapport de diagnostic", 45),
    ("Cahier des charges validé", "Cahier des charges", 110),
    ("Attribution du marché", "Procès-verbal d'attribution", 180),
    ("Mise en service de la première tranche", "Procès-verbal de réception", 260),
]

# The states of an action's four milestones, in order; actions take these in turn (the
# start shifts per city), so each city shows a different mix.
STATE_PATTERNS = [
    ["approved", "approved", "approved_locally", "in_progress"],
    ["approved", "submitted", "planned", "planned"],
    ["approved", "approved", "approved", "submitted"],
    ["in_progress", "planned", "planned", "planned"],
    ["approved_locally", "in_progress", "planned", "planned"],
    ["approved", "returned", "planned", "planned"],
    ["submitted", "in_progress", "planned", "planned"],
    ["approved", "approved", "in_progress", "cancelled"],
    ["approved", "in_progress", "planned", "planned"],
]

CITY_PLANS = {
    "marrakech": ("SDTN de Marrakech 2026-2030", "adopted", "MRK"),
    "fes": ("SDTN de Fès 2026-2030", "adopted", "FES"),
    "agadir": ("SDTN d'Agadir 2026-2030", "draft", "AGA"),
}
