"""Demo accounts: one per role, and a local decision-maker per pilot city."""

from portal.models.users import Role

# Documented in the README; `make run` prints it with the accounts.
DEMO_PASSWORD = "sdtn-demo-2026"  # noqa: S105 (a published demo password)

# (email, full name, organisation short name, [(role, city slug or None)])
USERS = [
    ("admin@sdtn.demo", "Amina Berrada", "DUAT", [(Role.ADMIN, None)]),
    ("central@sdtn.demo", "Youssef El Idrissi", "DUAT", [(Role.CENTRAL_DECISION_MAKER, None)]),
    (
        "local.marrakech@sdtn.demo",
        "Khadija Ouazzani",
        "CU Marrakech",
        [(Role.LOCAL_DECISION_MAKER, "marrakech")],
    ),
    ("local.fes@sdtn.demo", "Omar Benjelloun", "CU Fès", [(Role.LOCAL_DECISION_MAKER, "fes")]),
    (
        "local.agadir@sdtn.demo",
        "Fatima Zahra Amrani",
        "CU Agadir",
        [(Role.LOCAL_DECISION_MAKER, "agadir")],
    ),
    ("contributeur@sdtn.demo", "Hicham Tazi", "RADEEMA", [(Role.CONTRIBUTOR, None)]),
    ("radeef@sdtn.demo", "Meryem Fassi", "RADEEF", [(Role.CONTRIBUTOR, None)]),
    ("ramsa@sdtn.demo", "Said Oubaha", "RAMSA", [(Role.CONTRIBUTOR, None)]),
    ("iam@sdtn.demo", "Karim Bennani", "IAM", [(Role.CONTRIBUTOR, None)]),
    ("orange@sdtn.demo", "Sofia Kettani", "Orange", [(Role.CONTRIBUTOR, None)]),
    ("inwi@sdtn.demo", "Anas Sqalli", "inwi", [(Role.CONTRIBUTOR, None)]),
    ("secretariat@sdtn.demo", "Salma Chraibi", "DUAT", [(Role.SECRETARIAT, None)]),
    ("evaluateur@sdtn.demo", "Rachid Alaoui", "DUAT", [(Role.EVALUATOR, None)]),
    ("evaluatrice@sdtn.demo", "Leila Mansouri", "AUM", [(Role.EVALUATOR, None)]),
    # The providers that bid in the demo's tenders.
    ("adc@sdtn.demo", "Youssef Berrechid", "ADC", [(Role.CONTRIBUTOR, None)]),
    ("rsn@sdtn.demo", "Imane Ait Lahcen", "RSN", [(Role.CONTRIBUTOR, None)]),
    ("mcs@sdtn.demo", "Driss Kabbaj", "MCS", [(Role.CONTRIBUTOR, None)]),
    ("mul@sdtn.demo", "Sara Benkirane", "MUL", [(Role.CONTRIBUTOR, None)]),
    ("observateur@sdtn.demo", "Nadia Lahlou", "ANRT", [(Role.OBSERVER, None)]),
]
