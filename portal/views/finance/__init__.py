"""Who pays whom: balances, agreements and their schedules, payments, shared assets.

One blueprint (base), its routes by resource: balances, agreements, installments, assets."""

# Importing the modules registers their routes on the blueprint.
from portal.views.finance import agreements, assets, balances, installments  # noqa: F401
from portal.views.finance.base import bp  # noqa: F401
