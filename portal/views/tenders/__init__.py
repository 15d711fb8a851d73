"""Provider selection: tenders, their specification, committee, bids, scoring and ranking.

One blueprint (base), its routes by subject: pages, drafting, procedure, scoring."""

# Importing the modules registers their routes on the blueprint.
from portal.views.tenders import drafting, pages, procedure, scoring  # noqa: F401
from portal.views.tenders.base import bp  # noqa: F401
