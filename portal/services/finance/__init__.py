"""The ledger between organisations: agreements, their schedules, payments, and the sharing
of pooled assets' costs. Amounts are `Decimal` to the cent, never floats.

By subject: money (splitting to the cent), access (who sees and acts), lists, agreements,
installments, assets (and sharing keys), balances; every name is re-exported here."""

from portal.services.finance.access import (  # noqa: F401
    key_lines_shown,
    may_manage,
    may_see,
    may_see_asset,
    private_audit_prefixes,
    reads_every_ledger,
    sides,
    visible_filter,
)
from portal.services.finance.agreements import (  # noqa: F401
    _organization_in_city,
    _plain,
    _require_draft,
    _require_manage,
    _touch,
    attach_document,
    generate_schedule,
    save_agreement,
    set_schedule,
    sign,
    terminate,
)
from portal.services.finance.assets import (  # noqa: F401
    Generated,
    _generated,
    _generated_title,
    _net_paid,
    active_generated,
    generate_agreements,
    key_lines,
    parse_weight,
    save_asset,
    set_key,
)
from portal.services.finance.balances import (  # noqa: F401
    Balances,
    Figures,
    agreement_figures,
    balances,
)
from portal.services.finance.installments import (  # noqa: F401
    INSTALLMENT_ACTIONS,
    _applies,
    _who_may,
    act_on_installment,
    allowed_actions,
    awaiting_receipt,
)
from portal.services.finance.lists import (  # noqa: F401
    UPCOMING_DAYS,
    AgreementCriteria,
    AssetCriteria,
    InstallmentCriteria,
    _party,
    agreements_query,
    assets_query,
    installments_query,
)
from portal.services.finance.money import (  # noqa: F401
    AGREEMENT_LABELS,
    ASSET_LABELS,
    CENT,
    COST_LABELS,
    FREQUENCIES,
    FREQUENCY_LABELS,
    GENERATED_TITLES,
    HUNDRED,
    INSTALLMENT_LABELS,
    MAX_AMOUNT,
    MAX_INSTALLMENTS,
    OPEN,
    PURPOSE_LABELS,
    REGENERATED_REASON,
    STALE,
    A,
    I,
    _cents,
    add_months,
    money,
    parse_positive_amount,
    percentages,
    schedule_dates,
    split_by_weights,
    split_equal,
)
