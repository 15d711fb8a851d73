"""The bodies: the list of them with the upcoming meetings, a body's page, its definition and
its members."""

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice as Choice

from portal import clock
from portal.authz import Permission, require
from portal.extensions import db
from portal.forms.governance import (
    BodyForm,
    MemberForm,
    VersionForm,
)
from portal.models.governance import (
    Body,
    Meeting,
    MeetingStatus,
)
from portal.models.users import User
from portal.services import governance as service
from portal.services.organizations import all_cities
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
    paginate,
)
from portal.views.governance.base import _body_or_404, bp


@bp.route("")
@require(Permission.GOVERNANCE_VIEW)
def index():
    user = acting_user()
    bodies = db.session.scalars(
        sa.select(Body)
        .options(joinedload(Body.city), selectinload(Body.members))
        .order_by(Body.kind, Body.name)
    ).all()
    upcoming = paginate(
        sa.select(Meeting)
        .options(joinedload(Meeting.body).joinedload(Body.city))
        .where(
            service.readable(user),
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.ends_at >= clock.start_of_day(clock.today()),
        )
        .order_by(Meeting.starts_at)
    )
    return render_template(
        "governance/index.html",
        bodies=bodies,
        upcoming=upcoming,
        mine={b.id for b in bodies if service.is_member(user, b)},
        can_manage=service.may_manage(user),
    )


def _body_page(body: Body, *, status: int = 200, member_form=None):
    user = acting_user()
    meetings = paginate(
        sa.select(Meeting)
        .where(Meeting.body_id == body.id, service.readable(user))
        .order_by(Meeting.starts_at.desc())
    )
    can_manage = service.may_manage(user)
    if member_form is None:
        member_form = MemberForm(formdata=None)
    # The people to choose from: only for whoever manages the members.
    member_form.user_id.choices = (
        [
            Choice(u.id, f"{u.full_name} ({u.email})")
            for u in db.session.scalars(
                sa.select(User).where(User.active.is_(True)).order_by(User.full_name).limit(1000)
            )
        ]
        if can_manage
        else []
    )
    return render_template(
        "governance/body.html",
        body=body,
        meetings=meetings,
        member_form=member_form,
        remove_form=VersionForm(formdata=None),
        can_manage=can_manage,
        can_run=service.may_run(user, body),
        role=service.role_in(user, body),
    ), status


@bp.route("/bodies/<id:body_id>")
@require(Permission.GOVERNANCE_VIEW)
def body(body_id: int):
    return _body_page(_body_or_404(body_id))


def _body_form(form: BodyForm, found: Body | None):
    form.set_choices(all_cities())
    return form_page(
        form,
        "governance/body_form.html",
        lambda: service.save_body(
            acting_user(),
            found,
            kind=form.kind.data,
            name=form.name.data,
            name_en=form.name_en.data,
            name_ar=form.name_ar.data,
            city_id=form.city_id.data,
            description=form.description.data,
            quorum=form.quorum.data,
            meets_every_months=form.meets_every_months.data,
            expected_version=form_version(form) if found else None,
        ),
        done=_("Instance enregistrée."),
        to=lambda saved: url_for("governance.body", body_id=saved.id),
        current=(lambda: _body_or_404(found.id).version) if found else None,
        found=found,
    )


@bp.route("/bodies/new", methods=["GET", "POST"])
@require(Permission.GOVERNANCE_MANAGE)
def create_body():
    return _body_form(BodyForm(), None)


@bp.route("/bodies/<id:body_id>/edit", methods=["GET", "POST"])
@require(Permission.GOVERNANCE_MANAGE)
def edit_body(body_id: int):
    found = _body_or_404(body_id)
    form = BodyForm(obj=found if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = found.kind.value
        form.city_id.data = found.city_id or 0
        form.quorum.data = str(found.quorum)
        form.meets_every_months.data = str(found.meets_every_months or "")
        form.version.data = found.version
    return _body_form(form, found)


@bp.route("/bodies/<id:body_id>/members", methods=["POST"])
@require(Permission.GOVERNANCE_MANAGE)
def set_member(body_id: int):
    found = _body_or_404(body_id)
    form = MemberForm()
    form.user_id.choices = [
        Choice(u, str(u)) for u in db.session.scalars(sa.select(User.id).where(User.active))
    ]
    if not form.validate_on_submit():
        return _body_page(found, status=422, member_form=form)
    return act(
        lambda: service.set_member(
            acting_user(), found, user_id=form.user_id.data, role=form.role.data
        ),
        done=_("Membre enregistré."),
        to=url_for("governance.body", body_id=body_id) + "#members",
        again=lambda saved: _body_page(
            _body_or_404(body_id), status=saved.status, member_form=form
        ),
        form=form,
    )


@bp.route("/bodies/<id:body_id>/members/<id:member_id>/remove", methods=["POST"])
@require(Permission.GOVERNANCE_MANAGE)
def remove_member(body_id: int, member_id: int):
    found = _body_or_404(body_id)
    return act(
        lambda: service.remove_member(acting_user(), found, member_id),
        done=_("Membre retiré."),
        to=url_for("governance.body", body_id=body_id) + "#members",
        again=lambda saved: _body_page(_body_or_404(body_id), status=saved.status),
    )
