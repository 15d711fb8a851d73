"""Digital coverage: indicators against their targets, candidate sites, their assessment
against the city's published criteria, the ranking and the status of each site.

The criteria and the ranking go through `services.selection`, the engine tenders use.

By subject: base, access, lists, indicators, assessment, sites; every name is re-exported
here."""

from portal.services.coverage.access import (  # noqa: F401
    _require,
    may_assess,
    may_decide,
    may_manage,
    may_report,
    may_see_assessments,
    own_assessment,
)
from portal.services.coverage.assessment import (  # noqa: F401
    AnswerInput,
    Ranking,
    _grid,
    _sheets,
    criteria_locked,
    criteria_set,
    criteria_text,
    label_criteria,
    rank_of,
    ranking,
    save_assessment,
    save_criteria,
    site_assessments,
    site_result,
    site_rows,
)
from portal.services.coverage.base import (  # noqa: F401
    COORDINATE_PLACES,
    DECISIONS,
    DEPLOYMENT,
    FROZEN,
    KIND_LABELS,
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    MOVE_LABELS,
    PROGRESS_LABELS,
    STALE,
    STATUS_LABELS,
    WITH_FIGURES,
    _count,
    parse_coordinate,
)
from portal.services.coverage.indicators import (  # noqa: F401
    ONE_DECIMAL,
    ComparisonRow,
    Progress,
    _shown,
    city_targets,
    delete_measurement,
    indicator_chart,
    plain_number,
    programme_comparison,
    progress,
    record_measurement,
    save_indicator,
    save_target,
)
from portal.services.coverage.lists import (  # noqa: F401
    SiteCriteria,
    sites_query,
)
from portal.services.coverage.sites import (  # noqa: F401
    _assessed,
    allowed_moves,
    move,
    record_figures,
    save_site,
)
