"""The steering report: for the secretariat, a city's or the programme's report for any
period (a page and a PDF); attached to a meeting, the one its readers find there."""

from flask import abort, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import clock
from portal.authz import Permission, require
from portal.bidi import right_to_left
from portal.forms.governance import AttachReportForm, ReportForm
from portal.models.types import utcnow
from portal.services.errors import InvalidInput
from portal.services.governance import report, report_render
from portal.services.organizations import all_cities
from portal.views._common import act, acting_user, attachment
from portal.views.governance.base import _meeting_or_404, bp
from portal.views.governance.meetings import _meeting_page


def _live():
    """The report the form asks for, or None (with the form's errors) when it is not
    complete; the default period is the last three months."""
    cities = all_cities()
    form = ReportForm(request.args)
    form.set_choices(cities)
    if not request.args:
        form.start.data, form.end.data = report.default_period_for(clock.today())
        return form, None, None
    if not form.validate():
        return form, None, None
    city = next((c for c in cities if c.slug == form.city.data), None)
    try:
        figures = report.figures(acting_user(), city, form.start.data, form.end.data, now=utcnow())
    except InvalidInput as error:
        getattr(form, error.field).errors = [error.message]
        return form, None, None
    return form, figures, city


@bp.route("/report")
@require(Permission.GOVERNANCE_MANAGE)
def live_report():
    form, figures, _city = _live()
    return render_template(
        "governance/report.html",
        form=form,
        figures=figures,
        texts=report_render.texts(),
        named=report_render.named,
        money=report_render.money,
        bars=report_render.plan_bars(figures, rtl=right_to_left()) if figures else [],
        attached_to=None,
        show_money=True,
        pdf_args=request.args.to_dict(),
    ), (200 if figures or not request.args else 422)


@bp.route("/report.<any(fr, en, ar):lang>.pdf")
@require(Permission.GOVERNANCE_MANAGE)
def live_report_file(lang: str):
    _form, figures, city = _live()
    if figures is None:
        abort(404)
    with force_locale(lang):
        data = report_render.build_pdf(figures)
    scope = city.slug if city else "programme"
    return attachment(data, "application/pdf", f"rapport-{scope}-{figures['today']}-{lang}.pdf")


@bp.route("/meetings/<id:meeting_id>/report", methods=["POST"])
@require(Permission.GOVERNANCE_MANAGE)
def attach_report(meeting_id: int):
    found = _meeting_or_404(meeting_id)
    form = AttachReportForm()
    if not form.validate_on_submit():
        return _meeting_page(found, status=422, report_form=form)
    return act(
        lambda: report.attach(
            acting_user(), found, start=form.start.data, end=form.end.data, now=utcnow()
        ),
        done=_("Rapport de pilotage joint à la réunion."),
        to=url_for("governance.meeting_report", meeting_id=meeting_id),
        again=lambda saved: _meeting_page(
            _meeting_or_404(meeting_id), status=saved.status, report_form=form
        ),
        form=form,
    )


@bp.route("/meetings/<id:meeting_id>/report")
@require(Permission.GOVERNANCE_VIEW)
def meeting_report(meeting_id: int):
    found = _meeting_or_404(meeting_id)
    stored = report.attached(found)
    if stored is None or not report.may_read_attached(acting_user(), found):
        abort(404)
    return render_template(
        "governance/report.html",
        form=None,
        figures=stored.figures,
        texts=report_render.texts(),
        named=report_render.named,
        money=report_render.money,
        bars=report_render.plan_bars(stored.figures, rtl=right_to_left()),
        attached_to=found,
        stored=stored,
        show_money=report.shows_money(acting_user(), stored.city_id),
    )


@bp.route("/meetings/<id:meeting_id>/report.<any(fr, en, ar):lang>.pdf")
@require(Permission.GOVERNANCE_VIEW)
def meeting_report_file(meeting_id: int, lang: str):
    found = _meeting_or_404(meeting_id)
    stored = report.attached(found)
    if stored is None or not report.may_read_attached(acting_user(), found):
        abort(404)
    with force_locale(lang):
        data = report_render.build_pdf(
            stored.figures,
            generated_at=stored.generated_at,
            show_money=report.shows_money(acting_user(), stored.city_id),
        )
    day = stored.period_end.isoformat()
    return attachment(data, "application/pdf", f"rapport-{meeting_id}-{day}-{lang}.pdf")
