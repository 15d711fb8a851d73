"""The RACI matrix: edited cell by cell per action, read city-wide and exported."""

from collections import defaultdict

import sqlalchemy as sa
from flask import Blueprint, abort, request
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.authz import Permission, can, require
from portal.errors import render_error
from portal.extensions import db
from portal.models.organizations import City
from portal.models.plans import Action, Domain, Plan
from portal.models.raci import RaciAssignment, RaciRole
from portal.models.types import valid_id
from portal.services import raci as service
from portal.services.errors import NotAllowed
from portal.templating import render_page
from portal.views._common import (
    acting_user,
    get_city_or_404,
    paginate,
    save,
    tabular_export,
)

bp = Blueprint("raci", __name__)


def _grid(action: Action, *, error=None, status=200):
    letters = service.letters_of(action.id)
    response = render_page(
        "raci/action.html",
        "raci/_grid.html",
        action=action,
        organizations=service.organizations_for(action.plan.city_id),
        letters=letters,
        gaps=service.gaps(letters.values()),
        roles=list(RaciRole),
        role_labels=service.ROLE_LABELS,
        can_edit=can(acting_user(), Permission.RACI_EDIT, city_id=action.plan.city_id),
        error=error,
    )
    response.status_code = status
    return response


def _action_or_404(action_id: int) -> Action:
    action = db.session.scalar(
        sa.select(Action)
        .where(Action.id == action_id)
        .options(joinedload(Action.plan).joinedload(Plan.city), joinedload(Action.domain))
    )
    if action is None:
        abort(404)
    return action


@bp.route("/actions/<id:action_id>/raci")
@require(Permission.PLANS_VIEW)
def action(action_id: int):
    return _grid(_action_or_404(action_id))


@bp.route("/actions/<id:action_id>/raci", methods=["POST"])
@require(Permission.RACI_EDIT)
def toggle(action_id: int):
    action = _action_or_404(action_id)
    organization_id = valid_id(request.form.get("organization_id"))
    try:
        role = RaciRole(request.form.get("role", ""))
    except ValueError:
        organization_id = None
    if organization_id is None:
        return _grid(action, error=_("Case inconnue."), status=422)
    saved = save(
        None, lambda: service.toggle(acting_user(), action, organization_id, role), quiet=True
    )
    if isinstance(saved.refusal, NotAllowed):
        return render_error(403, saved.refusal.message)
    if saved.refusal is not None:
        return _grid(action, error=saved.refusal.message, status=saved.status)
    return _grid(action)


def _city_matrix(city: City):
    domain_id = valid_id(request.args.get("domain"))
    organization_id = valid_id(request.args.get("organization"))
    letter = request.args.get("letter", "")
    query = (
        sa.select(Action)
        .join(Action.plan)
        .where(Plan.city_id == city.id)
        .options(joinedload(Action.domain))
        .order_by(Action.code)
    )
    if domain_id:
        query = query.where(Action.domain_id == domain_id)
    if organization_id or letter in {r.value for r in RaciRole}:
        cell = sa.select(RaciAssignment.id).where(RaciAssignment.action_id == Action.id)
        if organization_id:
            cell = cell.where(RaciAssignment.organization_id == organization_id)
        if letter in {r.value for r in RaciRole}:
            cell = cell.where(RaciAssignment.role == RaciRole(letter))
        query = query.where(cell.exists())
    return query


def _letters_for(action_ids) -> dict:
    letters = defaultdict(dict)
    for action_id, organization_id, role in db.session.execute(
        sa.select(
            RaciAssignment.action_id, RaciAssignment.organization_id, RaciAssignment.role
        ).where(RaciAssignment.action_id.in_(action_ids))
    ):
        letters[action_id][organization_id] = role
    return letters


@bp.route("/cities/<slug>/raci")
@require(Permission.PLANS_VIEW)
def city(slug: str):
    city = get_city_or_404(slug)
    pagination = paginate(_city_matrix(city))
    letters = _letters_for([a.id for a in pagination.items])
    return render_page(
        "raci/city.html",
        "raci/_city_table.html",
        city=city,
        pagination=pagination,
        letters=letters,
        gaps={a.id: service.gaps(letters[a.id].values()) for a in pagination.items},
        organizations=service.organizations_for(city.id),
        domains=db.session.scalars(sa.select(Domain).order_by(Domain.position)).all(),
        roles=list(RaciRole),
        export_args={k: v for k, v in request.args.items() if k != "page"},
    )


def _letter(role: RaciRole | None) -> str:
    return role.value if role is not None else ""


@bp.route("/cities/<slug>/raci/export.<any(csv, xlsx):fmt>")
@require(Permission.PLANS_VIEW)
def export(slug: str, fmt: str):
    city = get_city_or_404(slug)
    actions = db.session.scalars(_city_matrix(city)).all()
    organizations = service.organizations_for(city.id)
    letters = _letters_for([a.id for a in actions])
    headers = [_("Action"), _("Intitulé"), *[o.short_name for o in organizations]]
    rows = [
        [
            a.code,
            a.title,
            *[
                (letters[a.id].get(o.id).value if o.id in letters[a.id] else "")
                for o in organizations
            ],
        ]
        for a in actions
    ]
    return tabular_export(fmt, headers, rows, name=f"raci-{city.slug}", sheet=f"RACI {city.name}")
