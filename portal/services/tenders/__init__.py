"""Provider selection: the procedure's rules.

The stages follow one another and never go back; each move is recorded (who, when, why).
The financial offers are sealed until the financial opening: `price_of` is the only reader
of `Bid.sealed_price`, and it refuses before that stage, whoever asks. Committee members see
bids only after declaring no conflict of interest, and others' scores only after submitting
their own. The ranking is computed by `services.selection`, the same code as the simulation.

By subject: base, access, specification, committee, bids, scores, ranking, stages, pages;
every name is re-exported here."""

from portal.services.tenders.access import (  # noqa: F401
    _president,
    _require_manage,
    committee_open,
    is_president,
    may_bid,
    may_manage,
    may_score,
    may_see_bids,
    membership,
)
from portal.services.tenders.base import (  # noqa: F401
    FINAL,
    HUNDRED,
    NEXT,
    ORDER,
    STAGE_LABELS,
    STALE,
    SealedOffer,
    _was_opened,
    envelopes_open,
    price_of,
    reached,
)
from portal.services.tenders.bids import (  # noqa: F401
    check_bid,
    submit_bid,
)
from portal.services.tenders.committee import (  # noqa: F401
    declare,
    set_committee,
)
from portal.services.tenders.pages import (  # noqa: F401
    Criteria,
    TenderActions,
    allowed_actions,
    allowed_moves,
    criteria_text,
    filtered_query,
    parse_criteria,
)
from portal.services.tenders.ranking import (  # noqa: F401
    UNOPENED,
    LotRanking,
    abnormally_low_pending,
    decide_justification,
    opened_prices,
    rank,
)
from portal.services.tenders.scores import (  # noqa: F401
    CriterionResult,
    _points,
    _scorer,
    admitted_bids,
    record_score,
    set_consensus,
    submit_scores,
    technical_scores,
    technical_table,
    visible_scores,
)
from portal.services.tenders.specification import (  # noqa: F401
    CriterionInput,
    _enum,
    _method_for,
    _require_draft,
    eliminatory_criteria,
    label_criteria,
    leaf_criteria,
    save_lots,
    save_specification,
    save_tender,
)
from portal.services.tenders.stages import (  # noqa: F401
    _check_move,
    _decide,
    advance,
)
