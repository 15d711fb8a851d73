"""The diagnostic the master plan starts from.

By subject: services (the inventory of digital services), expectations (the territories'
needs, their qualification and the matrix against the actions), consultations (the public
consultation) and outcomes (telling its residents what became of their expectation); every
name is re-exported here."""

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
    merge_targets,
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
