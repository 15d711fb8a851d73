"""A held meeting's minutes: drafted and circulated by the secretary, commented on by the
members, adopted by the chair; once adopted, a PDF in each of the portal's languages."""

from flask import abort, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.authz import Permission, require
from portal.forms.governance import CirculateForm, MinutesCommentForm, MinutesForm, VersionForm
from portal.models.governance import MinutesStatus
from portal.models.types import utcnow
from portal.services import governance as service
from portal.services.governance import minutes, minutes_pdf
from portal.views._common import act, acting_user, attachment, form_version
from portal.views.governance.base import _meeting_or_404, bp
from portal.views.governance.meetings import _meeting_page


def _minutes(meeting_id: int, form, name: str, run, done: str, *, runner=True):
    found = _meeting_or_404(meeting_id)
    if runner and not service.may_run(acting_user(), found.body):
        abort(403)
    to = url_for("governance.meeting", meeting_id=meeting_id) + "#minutes"

    def again(saved):
        return _meeting_page(_meeting_or_404(meeting_id), status=saved.status, **{name: form})

    if not form.validate_on_submit():
        return _meeting_page(found, status=422, **{name: form})
    return act(
        lambda: run(found),
        done=done,
        to=to,
        again=again,
        form=form,
        current=(lambda: _meeting_or_404(meeting_id).version) if hasattr(form, "version") else None,
    )


@bp.route("/meetings/<id:meeting_id>/minutes", methods=["POST"])
@require(Permission.GOVERNANCE_VIEW)
def save_minutes(meeting_id: int):
    form = MinutesForm()
    return _minutes(
        meeting_id,
        form,
        "minutes_form",
        lambda found: minutes.save(
            acting_user(),
            found,
            text=form.minutes_text.data,
            erratum=form.erratum.data,
            expected_version=form_version(form),
        ),
        _("Procès-verbal enregistré."),
    )


@bp.route("/meetings/<id:meeting_id>/minutes/circulate", methods=["POST"])
@require(Permission.GOVERNANCE_VIEW)
def circulate_minutes(meeting_id: int):
    form = CirculateForm()
    return _minutes(
        meeting_id,
        form,
        "circulate_form",
        lambda found: minutes.circulate(
            acting_user(),
            found,
            days=form.days.data,
            now=utcnow(),
            expected_version=form_version(form),
        ),
        _("Procès-verbal diffusé aux membres pour remarques."),
    )


@bp.route("/meetings/<id:meeting_id>/minutes/comments", methods=["POST"])
@require(Permission.GOVERNANCE_VIEW)
def comment_minutes(meeting_id: int):
    form = MinutesCommentForm()
    return _minutes(
        meeting_id,
        form,
        "comment_form",
        lambda found: minutes.comment(acting_user(), found, text=form.comment.data, now=utcnow()),
        _("Remarque transmise."),
        runner=False,
    )


@bp.route("/meetings/<id:meeting_id>/minutes/adopt", methods=["POST"])
@require(Permission.GOVERNANCE_VIEW)
def adopt_minutes(meeting_id: int):
    form = VersionForm()
    return _minutes(
        meeting_id,
        form,
        "adopt_form",
        lambda found: minutes.adopt(
            acting_user(), found, now=utcnow(), expected_version=form_version(form)
        ),
        _("Procès-verbal adopté : il ne change plus."),
        runner=False,
    )


@bp.route("/meetings/<id:meeting_id>/minutes.<any(fr, en, ar):lang>.pdf")
@require(Permission.GOVERNANCE_VIEW)
def minutes_file(meeting_id: int, lang: str):
    found = _meeting_or_404(meeting_id)
    if found.minutes_status is not MinutesStatus.ADOPTED:
        abort(404)
    with force_locale(lang):
        data = minutes_pdf.build(found.minutes_record)
    day = found.starts_at.date().isoformat()
    return attachment(data, "application/pdf", f"PV-{found.body_id}-{day}-{lang}.pdf")
