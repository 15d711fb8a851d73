"""What the tender page tests share: the prices, the grid, a signed-in browser, the tender."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Tender

# Prices no page may show before the financial opening (and easy to spot in a page).
PRICES = {"ADC": "987654.32", "MCS": "876543.21", "RSN": "765432.10"}
SPEC = """! Attestation fiscale en cours de validité
Méthodologie | 60
- Compréhension des termes de référence | 20
- Plan de travail | 40
Équipe | 40"""


def tender(app) -> Tender:
    with app.app_context():
        found = db.session.scalars(sa.select(Tender)).one()
        db.session.expunge(found)
        return found
