"""The diagnostic the master plan starts from.

By subject: services (the inventory of digital services), consultations (the public consultation),
expectations (the territories'
needs, their qualification and the matrix against the actions); every name is re-exported
here."""

from portal.services.diagnostic.consultations import (  # noqa: F401
    is_unpublished,
    may_moderate,
    may_open,
    support_counts,
    unpublished,
)
from portal.services.diagnostic.expectations import (  # noqa: F401
    Matrix,
    answer,
    matrix,
    may_qualify,
    may_record,
    merge,
    priority,
    qualify,
    reach,
    reject,
    save_expectation,
)
from portal.services.diagnostic.infrastructure import (  # noqa: F401
    map_items,
    path_text,
    save_infrastructure,
    totals,
)
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
