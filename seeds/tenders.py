"""Demo tenders: the plans study (finished), the medina's public Wi-Fi (being scored) and
Agadir's services platform (open to offers)."""

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
