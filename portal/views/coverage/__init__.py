"""Digital coverage: indicators against targets, candidate sites on a map and in a list,
their criteria, assessments, ranking and status.

One blueprint (base), its routes by resource: indicators, sites, ranking."""

# Importing the modules registers their routes on the blueprint.
from portal.views.coverage import indicators, ranking, sites  # noqa: F401
from portal.views.coverage.base import bp  # noqa: F401
