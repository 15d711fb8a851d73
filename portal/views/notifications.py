"""The notification centre (each person's reminders) and the outbox for the administrator."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload

from portal import labels
from portal.authz import Permission, authenticated, can, require
from portal.extensions import db
from portal.forms.notifications import ReminderRuleForm
from portal.labels import REMINDER_KIND_LABELS
from portal.models.reminders import DEADLINE_KINDS, OutboxMessage, OutboxStatus, ReminderKind
from portal.models.types import utcnow
from portal.services import finance, mail, reminders
from portal.services.tasks.admin import stuck_condition
from portal.templating import render_page
from portal.views._common import act, acting_user, form_version, paginate, safe_next, save

bp = Blueprint("notifications", __name__)

STATUS_LABELS = labels.OUTBOX_STATUS_LABELS


def _mine():
    return sa.select(OutboxMessage).where(OutboxMessage.recipient_id == acting_user().id)


NEWEST_FIRST = (
    OutboxMessage.planned_for.desc(),
    OutboxMessage.created_at.desc(),
    OutboxMessage.id.desc(),
)


def unread_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient_id == acting_user().id, OutboxMessage.read_at.is_(None)
        )
    )


@bp.route("/notifications")
@authenticated
def centre():
    pagination = paginate(_mine().options(joinedload(OutboxMessage.actor)).order_by(*NEWEST_FIRST))
    return render_page(
        "notifications/centre.html",
        "notifications/_list.html",
        pagination=pagination,
        items=mail.describe_many(pagination.items),
        # The ledger's privacy rule, as in the audit trail: that money moved, not between
        # which parties nor under which agreement, for those outside its audience.
        private_items=() if finance.reads_every_ledger(acting_user()) else PRIVATE_ITEM_TYPES,
        kinds=REMINDER_KIND_LABELS,
        unread=unread_count(),
    )


@bp.route("/notifications/badge")
@authenticated
def badge():
    """The unread count in the navigation, refreshed by htmx."""
    return render_template("notifications/_badge.html", unread=unread_count())


@bp.route("/notifications/<id:message_id>/read", methods=["POST"])
@authenticated
def read(message_id: int):
    message = db.session.scalar(_mine().where(OutboxMessage.id == message_id))
    if message is None:
        abort(404)  # someone else's reminder does not exist for this person
    if message.read_at is None:
        message.read_at = utcnow()
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("notifications.centre"))


@bp.route("/notifications/<id:message_id>/open")
@authenticated
def open(message_id: int):
    """Follow a notification's link: it counts as read."""
    message = db.session.scalar(_mine().where(OutboxMessage.id == message_id))
    if message is None:
        abort(404)
    item = mail.describe_many([message]).get(message.id)
    if message.read_at is None:
        message.read_at = utcnow()
        db.session.commit()
    if item is None:
        flash(_("Cet élément n'existe plus."), "info")
        return redirect(url_for("notifications.centre"))
    return redirect(item.path)


@bp.route("/notifications/read-all", methods=["POST"])
@authenticated
def read_all():
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.recipient_id == acting_user().id, OutboxMessage.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    flash(_("Toutes vos notifications sont marquées comme lues."), "success")
    return redirect(url_for("notifications.centre"))


PRIVATE_ITEM_TYPES = ("agreement", "installment")


@bp.route("/admin/outbox")
@require(Permission.AUDIT_VIEW)
def outbox():
    status = request.args.get("status", "")
    stuck = request.args.get("stuck") == "y"
    query = sa.select(OutboxMessage).options(joinedload(OutboxMessage.recipient))
    if status in {s.value for s in OutboxStatus}:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    if stuck:
        query = query.where(stuck_condition(utcnow()))
    pagination = paginate(query.order_by(OutboxMessage.id.desc()))
    return render_page(
        "notifications/outbox.html",
        "notifications/_outbox_table.html",
        pagination=pagination,
        items=mail.describe_many(pagination.items),
        # The ledger's privacy rule, as in the audit trail: that money moved, not between
        # which parties nor under which agreement, for those outside its audience.
        private_items=() if finance.reads_every_ledger(acting_user()) else PRIVATE_ITEM_TYPES,
        kinds=REMINDER_KIND_LABELS,
        statuses=STATUS_LABELS,
        status=status,
        stuck=stuck,
        smtp=mail.configured(),
        can_act=can(acting_user(), Permission.REMINDERS_CONFIGURE),
    )


@bp.route("/admin/outbox/retry", methods=["POST"])
@require(Permission.REMINDERS_CONFIGURE)
def retry():
    count = mail.retry_failed(acting_user())
    db.session.commit()
    flash(
        ngettext(
            "%(num)d message en échec remis à envoyer.",
            "%(num)d messages en échec remis à envoyer.",
            count,
        ),
        "success",
    )
    return redirect(url_for("notifications.outbox", status="pending"))


@bp.route("/admin/outbox/<id:message_id>/discard", methods=["POST"])
@require(Permission.REMINDERS_CONFIGURE)
def discard(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    back = url_for("notifications.outbox", status="failed")
    return act(
        lambda: mail.discard(acting_user(), message),
        done=_("Message classé sans envoi."),
        to=back,
        again=lambda saved: redirect(back),
    )


@bp.route("/admin/reminders")
@require(Permission.REMINDERS_CONFIGURE)
def rules():
    found = reminders.ensure_rules()
    db.session.commit()
    return render_template(
        "notifications/rules.html",
        rules=[found[kind] for kind in DEADLINE_KINDS],
        kinds=REMINDER_KIND_LABELS,
        waiting=reminders.WAITING_KINDS,
    )


@bp.route("/admin/reminders/<kind>", methods=["GET", "POST"])
@require(Permission.REMINDERS_CONFIGURE)
def edit_rule(kind: str):
    try:
        reminder_kind = ReminderKind(kind)
    except ValueError:
        abort(404)
    if reminder_kind not in DEADLINE_KINDS:
        abort(404)  # events have no rule
    rule = reminders.ensure_rules()[reminder_kind]
    db.session.commit()
    form = ReminderRuleForm(obj=rule)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: reminders.update_rule(
                acting_user(),
                rule,
                expected_version=form_version(form),
                lead_days=form.lead_days.data,
                overdue_every_days=form.overdue_every_days.data,
                escalate_local_after=form.escalate_local_after.data,
                escalate_central_after=form.escalate_central_after.data,
                respond_within_days=form.respond_within_days.data,
                active=form.active.data,
            ),
        )
        status = saved.status
        if status is None:
            flash(
                _("La règle « %(kind)s » a été enregistrée.", kind=REMINDER_KIND_LABELS[rule.kind]),
                "success",
            )
            return redirect(url_for("notifications.rules"))
        if status == 409:
            # Keep what was typed; a deliberate second save goes over the current rule.
            rule = reminders.ensure_rules()[reminder_kind]
            form.version.data = str(rule.version)
    return render_template(
        "notifications/rule_form.html",
        form=form,
        rule=rule,
        label=REMINDER_KIND_LABELS[rule.kind],
        waiting=rule.kind in reminders.WAITING_KINDS,
    ), status
