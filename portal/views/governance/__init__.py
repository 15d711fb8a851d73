"""Local governance's pages: the bodies and their members, their meetings and agendas, the
follow-up actions and the decisions register.

One blueprint (base), its routes by subject: bodies, meetings, minutes, follow_up, report."""

# Importing the modules registers their routes on the blueprint.
from portal.views.governance import bodies, follow_up, meetings, minutes, report  # noqa: F401
from portal.views.governance.base import bp  # noqa: F401
