"""The audit trail, as administrators search it."""

from flask import Blueprint, request

from portal.authz import Permission, require
from portal.forms.audit import AuditFilterForm
from portal.services import audit, finance
from portal.templating import render_page
from portal.views._common import acting_user, paginate

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.route("", endpoint="list")
@require(Permission.AUDIT_VIEW)
def audit_list():
    filters = AuditFilterForm(request.args)
    user = acting_user()
    return render_page(
        "audit/list.html",
        "audit/_table.html",
        filters=filters,
        pagination=paginate(audit.filtered_query(filters.criteria())),
        private_prefixes=finance.private_audit_prefixes(user),
    )
