"""Who pays whom: balances, agreements and their schedules, payments, shared assets.

By subject: base, balances, agreements, installments, assets; every name is re-exported
here."""

from portal.views.finance.agreements import (  # noqa: F401
    AGREEMENT_HEADERS,
    _agreement_filters,
    _agreement_form,
    _agreement_page,
    _parse_lines,
    _refused,
    _save_agreement,
    agreement,
    agreements,
    create_agreement,
    document,
    edit_agreement,
    export_agreements,
    schedule,
    sign,
    terminate,
    upload_document,
)
from portal.views.finance.assets import (  # noqa: F401
    _asset_page,
    _generate,
    _save_asset,
    asset,
    assets,
    create_asset,
    edit_asset,
    generate,
    key,
)
from portal.views.finance.balances import (  # noqa: F401
    overview,
)
from portal.views.finance.base import (  # noqa: F401
    _agreement_or_404,
    _asset_or_404,
    _organizations,
    bp,
)
from portal.views.finance.installments import (  # noqa: F401
    ACTION_DONE,
    INSTALLMENT_HEADERS,
    _filtered_installments,
    _installment_filters,
    act,
    export_installments,
    installments,
)
