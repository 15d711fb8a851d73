"""Local governance: bodies and their members (bodies), meetings and their agenda (meetings),
attendance, outcomes and follow-up actions (sessions), the decisions register (register);
every name is re-exported here."""

from portal.services.governance.bodies import (  # noqa: F401
    is_member,
    may_manage,
    may_run,
    remove_member,
    role_in,
    save_body,
    set_member,
)
from portal.services.governance.meetings import (  # noqa: F401
    PROPOSED,
    Proposal,
    add_free,
    add_proposed,
    cancel,
    may_read,
    move,
    proposals,
    remove,
    save_meeting,
)
from portal.services.governance.register import (  # noqa: F401
    Filters,
    actions_readable,
    concerning,
    decisions,
    readable,
)
from portal.services.governance.sessions import (  # noqa: F401
    Quorum,
    attendance_of,
    close_action,
    may_close,
    quorum,
    record_attendance,
    record_outcome,
    send_apologies,
)
