"""The balances page: who owes whom, overdue and upcoming installments."""

from flask import (
    render_template,
    request,
)

from portal import clock
from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.finance import (
    BalanceFilterForm,
)
from portal.models.types import valid_id
from portal.services import finance as service
from portal.services.organizations import all_cities
from portal.views._common import (
    acting_user,
)
from portal.views.finance.base import _organizations, bp


@bp.route("")
@require(Permission.FINANCE_VIEW)
def overview():
    user = acting_user()
    today = clock.today()
    cities = all_cities()
    filters = BalanceFilterForm(request.args)
    filters.set_choices(cities)
    city_id = valid_id(filters.city.data) if filters.validate() else None
    balances = service.balances(user, today=today, city_id=city_id)
    organizations = {o.id: o for o in _organizations()}
    matrix = balances.net_matrix()
    debtors = sorted({d for d, _c in matrix}, key=lambda i: organizations[i].short_name)
    creditors = sorted({c for _d, c in matrix}, key=lambda i: organizations[i].short_name)
    overdue = db.session.scalars(
        service.installments_query(
            service.InstallmentCriteria(when="overdue", city_id=city_id), user, today
        ).limit(10)
    ).all()
    upcoming = db.session.scalars(
        service.installments_query(
            service.InstallmentCriteria(when="upcoming", city_id=city_id), user, today
        ).limit(10)
    ).all()
    return render_template(
        "finance/overview.html",
        filters=filters,
        balances=balances,
        organizations=organizations,
        rows=sorted(balances.organizations(), key=lambda i: organizations[i].short_name),
        cities={c.id: c for c in cities},
        matrix=matrix,
        debtors=debtors,
        creditors=creditors,
        overdue=overdue,
        upcoming=upcoming,
        upcoming_days=service.UPCOMING_DAYS,
        today=today,
        may_manage=service.may_manage(user, None),
    )
