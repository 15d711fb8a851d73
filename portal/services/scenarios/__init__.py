"""A city's involvement scenarios and the networks' business model.

By subject: engine (the cash-flow evaluation, pure), access, drafting, decision, evaluation; every
name is re-exported here."""

from portal.services.scenarios.access import (  # noqa: F401
    may_decide,
    may_draft,
    may_see_drafts,
    may_view,
    require_draft,
    visible,
)
from portal.services.scenarios.decision import MOVES, allowed_moves, move  # noqa: F401
from portal.services.scenarios.drafting import (  # noqa: F401
    STALE,
    copy_lines,
    delete_line,
    delete_party,
    lines_from_asset,
    save_line,
    save_party,
    save_scenario,
    save_setup,
)
from portal.services.scenarios.engine import (  # noqa: F401
    KINDS,
    Evaluation,
    Line,
    Model,
    Position,
    evaluate,
)
from portal.services.scenarios.evaluation import (  # noqa: F401
    LINE_COLUMNS,
    Figures,
    Sensitivity,
    figures,
    known,
    model_of,
    sensitivity,
)
from portal.services.scenarios.ledger import (  # noqa: F401
    Drafted,
    draft_ledger,
    drafted_from,
    drafts,
    may_draft_ledger,
)
