"""The diagnostic the master plan starts from.

By subject: services (the inventory of digital services); every name is re-exported here."""

from portal.services.diagnostic.services import (  # noqa: F401
    LEVELS,
    STALE,
    DomainProfile,
    city_actions,
    maturity_profile,
    may_manage,
    record_use,
    save_service,
)
