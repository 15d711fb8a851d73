"""A city's involvement scenarios: the list, a scenario's business model, and its drafting
(details, parties, cash-flow lines).

One blueprint (base), its routes by subject: pages, drafting."""

# Importing the modules registers their routes on the blueprint.
from portal.views.scenarios import drafting, pages  # noqa: F401
from portal.views.scenarios.base import bp  # noqa: F401
