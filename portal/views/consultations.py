"""The public consultation: its public pages (no account: residents send an expectation and
support the published ones) and the city's side (opening one, moderating what comes in,
exporting the results)."""

import secrets

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice as Choice

from portal import clock
from portal.authz import Permission, can, public, require
from portal.bidi import language
from portal.extensions import db, limiter
from portal.forms.diagnostic import (
    ConsultationForm,
    MergeForm,
    PublicExpectationForm,
    PublishForm,
    RejectForm,
    SupportForm,
)
from portal.labels import EXPECTATION_STATUS_LABELS
from portal.models.diagnostic import (
    Consultation,
    ConsultationContact,
    Expectation,
    ExpectationStatus,
)
from portal.models.plans import Domain
from portal.names import local
from portal.services import diagnostic
from portal.services.diagnostic import consultations as service
from portal.views._common import (
    act,
    acting_user,
    form_page,
    form_version,
    paginate,
    save,
    tabular_export,
)
from portal.views.diagnostic import _city_for

bp = Blueprint("consultations", __name__, url_prefix="/diagnostic")
public_bp = Blueprint("consultation", __name__, url_prefix="/consultation")

# The random token that lets this browser support an expectation once.
BROWSER_COOKIE = "sdtn_supporter"
BROWSER_COOKIE_DAYS = 400


def _domains():
    return db.session.scalars(sa.select(Domain).order_by(Domain.position)).all()


# --- The public side ---------------------------------------------------------------------------


@public_bp.route("/")
@public
def index():
    today = clock.today()
    query = (
        sa.select(Consultation)
        .options(joinedload(Consultation.city))
        .where(Consultation.opens_on <= today)
        .order_by(Consultation.closes_on.desc(), Consultation.id.desc())
    )
    return render_template("consultation/index.html", pagination=paginate(query), today=today)


def _consultation_or_404(consultation_id: int) -> Consultation:
    found = db.session.scalar(
        sa.select(Consultation)
        .where(Consultation.id == consultation_id)
        .options(joinedload(Consultation.city))
    )
    # Before it opens, a consultation is the city's draft.
    if found is None or found.opens_on > clock.today():
        abort(404)
    return found


def _public_page(consultation: Consultation, *, status: int = 200, form=None, support=None):
    today = clock.today()
    if form is None:
        form = PublicExpectationForm(formdata=None)
    form.set_choices(_domains(), consultation.districts)
    pagination = paginate(
        service.published(consultation.id).options(selectinload(Expectation.domain))
    )
    ids = [e.id for e in pagination.items]
    return render_template(
        "consultation/page.html",
        consultation=consultation,
        is_open=consultation.is_open(today),
        form=form,
        pagination=pagination,
        supports=service.support_counts(ids),
        supported=service.supported_here(ids, request.cookies.get(BROWSER_COOKIE)),
        support=support,  # (expectation id, the form that was refused)
        text_min=service.TEXT_MIN,
        text_max=service.TEXT_MAX,
    ), status


@public_bp.route("/<id:consultation_id>")
@public
def page(consultation_id: int):
    return _public_page(_consultation_or_404(consultation_id))


@public_bp.route("/<id:consultation_id>/submit", methods=["POST"])
@public
@limiter.limit(
    lambda: current_app.config["CONSULTATION_RATE_LIMIT"],
    error_message=lambda: str(
        _l(
            "Trop d'envois depuis votre adresse en peu de temps : réessayez dans une heure. "
            "Ce que vous avez écrit n'a pas été enregistré."
        )
    ),
)
def submit(consultation_id: int):
    consultation = _consultation_or_404(consultation_id)
    form = PublicExpectationForm()
    form.set_choices(_domains(), consultation.districts)
    if not form.validate_on_submit():
        return _public_page(consultation, status=422, form=form)
    saved = save(
        form,
        lambda: service.submit(
            consultation,
            domain_id=form.domain_id.data,
            district=form.district.data,
            text=form.text.data,
            email=form.email.data,
            language=language(),
            honeypot=form.website.data,
            today=clock.today(),
        ),
    )
    if not saved.ok:
        return _public_page(consultation, status=saved.status, form=form)
    # Redirected, so that reloading the page does not send the expectation twice.
    told = "y" if form.email.data else None
    return redirect(url_for("consultation.thanks", consultation_id=consultation.id, told=told))


@public_bp.route("/<id:consultation_id>/thanks")
@public
def thanks(consultation_id: int):
    return render_template(
        "consultation/thanks.html",
        consultation=_consultation_or_404(consultation_id),
        with_email=request.args.get("told") == "y",
    )


@public_bp.route("/<id:consultation_id>/expectations/<id:expectation_id>/support", methods=["POST"])
@public
@limiter.limit(
    lambda: current_app.config["SUPPORT_RATE_LIMIT"],
    error_message=lambda: str(
        _l("Trop de soutiens depuis votre adresse en peu de temps : réessayez plus tard.")
    ),
)
def support(consultation_id: int, expectation_id: int):
    consultation = _consultation_or_404(consultation_id)
    expectation = db.session.get(Expectation, expectation_id)
    if (
        expectation is None
        or expectation.consultation_id != consultation.id
        or expectation.published_at is None
    ):
        abort(404)
    form = SupportForm()
    if not form.validate_on_submit():
        return _public_page(consultation, status=422, support=(expectation_id, form))
    token = request.cookies.get(BROWSER_COOKIE) or secrets.token_urlsafe(24)
    saved = save(
        form,
        lambda: service.support(
            expectation, browser_token=token, email=form.email.data, today=clock.today()
        ),
    )
    if not saved.ok:
        return _public_page(consultation, status=saved.status, support=(expectation_id, form))
    response = make_response(
        redirect(
            url_for("consultation.page", consultation_id=consultation.id)
            + f"#expectation-{expectation_id}"
        )
    )
    response.set_cookie(
        BROWSER_COOKIE,
        token,
        max_age=BROWSER_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


# --- The city's side ---------------------------------------------------------------------------


def _managed_or_404(consultation_id: int) -> Consultation:
    found = db.session.scalar(
        sa.select(Consultation)
        .where(Consultation.id == consultation_id)
        .options(joinedload(Consultation.city))
    )
    if found is None or not can(acting_user(), Permission.DIAGNOSTIC_VIEW, city_id=found.city_id):
        abort(404)
    return found


@bp.route("/cities/<slug>/consultations")
@require(Permission.DIAGNOSTIC_VIEW)
def consultations(slug: str):
    city = _city_for(slug)
    user = acting_user()
    pagination = paginate(
        sa.select(Consultation)
        .where(Consultation.city_id == city.id)
        .order_by(Consultation.opens_on.desc(), Consultation.id.desc())
    )
    return render_template(
        "consultation/list.html",
        city=city,
        pagination=pagination,
        tallies=service.tallies([c.id for c in pagination.items]),
        today=clock.today(),
        can_open=service.may_open(user, city.id),
        can_moderate=service.may_moderate(user, city.id),
    )


def _consultation_form(form: ConsultationForm, found: Consultation | None, city):
    return form_page(
        form,
        "consultation/form.html",
        lambda: service.save_consultation(
            acting_user(),
            found,
            city_id=city.id,
            title=form.title.data,
            title_en=form.title_en.data,
            title_ar=form.title_ar.data,
            introduction=form.introduction.data,
            introduction_en=form.introduction_en.data,
            introduction_ar=form.introduction_ar.data,
            districts=form.districts.data,
            opens_on=form.opens_on.data,
            closes_on=form.closes_on.data,
            expected_version=form_version(form) if found else None,
        ),
        done=_("Consultation enregistrée."),
        to=url_for("consultations.consultations", slug=city.slug),
        current=(lambda: _managed_or_404(found.id).version) if found else None,
        city=city,
        found=found,
    )


@bp.route("/cities/<slug>/consultations/new", methods=["GET", "POST"])
@require(Permission.DIAGNOSTIC_QUALIFY)
def create_consultation(slug: str):
    city = _city_for(slug)
    if not service.may_open(acting_user(), city.id):
        abort(403)
    form = ConsultationForm()
    if request.method == "GET":
        form.opens_on.data = clock.today()
    return _consultation_form(form, None, city)


@bp.route("/consultations/<id:consultation_id>/edit", methods=["GET", "POST"])
@require(Permission.DIAGNOSTIC_QUALIFY)
def edit_consultation(consultation_id: int):
    found = _managed_or_404(consultation_id)
    if not service.may_open(acting_user(), found.city_id):
        abort(403)
    form = ConsultationForm(obj=found if request.method == "GET" else None)
    if request.method == "GET":
        form.districts.data = "\n".join(found.districts)
        form.version.data = found.version
    return _consultation_form(form, found, found.city)


def _moderation_page(consultation: Consultation, *, status: int = 200, refused=None):
    """The submissions that wait, each with its three decisions; `refused` is
    (expectation id, form name, form) of the one a rule just refused."""
    pagination = paginate(service.pending(consultation.id).options(joinedload(Expectation.domain)))
    ids = [e.id for e in pagination.items]
    emails = (
        dict(
            db.session.execute(
                sa.select(ConsultationContact.expectation_id, ConsultationContact.email).where(
                    ConsultationContact.expectation_id.in_(ids)
                )
            ).all()
        )
        if ids
        else {}
    )
    targets = [
        Choice(e.id, f"n° {e.id} — {e.text[:80]}")
        for e in diagnostic.merge_targets(consultation.city_id)
    ]
    forms = {}
    for expectation in pagination.items:
        merge_form = MergeForm(
            formdata=None, version=expectation.version, prefix=f"m{expectation.id}"
        )
        merge_form.into_id.choices = targets
        forms[expectation.id] = {
            "publish": PublishForm(
                formdata=None,
                version=expectation.version,
                text=expectation.text,
                population="0",
                prefix=f"p{expectation.id}",
            ),
            "merge": merge_form,
            "reject": RejectForm(
                formdata=None, version=expectation.version, prefix=f"r{expectation.id}"
            ),
        }
    lost = []  # the refusal of a submission no longer waiting (moderated meanwhile)
    if refused is not None:
        expectation_id, name, form = refused
        if expectation_id in forms:
            if name == "merge":
                form.into_id.choices = targets
            forms[expectation_id][name] = form
        else:
            lost = [*form.form_errors, *(e for errors in form.errors.values() for e in errors)]
    return render_template(
        "consultation/moderation.html",
        consultation=consultation,
        pagination=pagination,
        emails=emails,
        forms=forms,
        lost=lost,
    ), status


def _moderated_or_404(consultation_id: int) -> Consultation:
    found = _managed_or_404(consultation_id)
    if not service.may_moderate(acting_user(), found.city_id):
        abort(403)
    return found


@bp.route("/consultations/<id:consultation_id>/moderation")
@require(Permission.DIAGNOSTIC_MODERATE)
def moderation(consultation_id: int):
    return _moderation_page(_moderated_or_404(consultation_id))


def _submission_or_404(consultation: Consultation, expectation_id: int) -> Expectation:
    found = db.session.get(Expectation, expectation_id)
    if found is None or found.consultation_id != consultation.id:
        abort(404)
    return found


def _moderating(consultation_id: int, expectation_id: int, name: str, form_class, run, done):
    consultation = _moderated_or_404(consultation_id)
    found = _submission_or_404(consultation, expectation_id)
    form = form_class(prefix=f"{name[0]}{expectation_id}")
    if name == "merge":
        form.into_id.choices = [
            Choice(e, str(e))
            for e in db.session.scalars(
                sa.select(Expectation.id).where(Expectation.city_id == found.city_id)
            )
        ]

    def refused(status: int):
        db.session.expire_all()
        return _moderation_page(
            _managed_or_404(consultation_id), status=status, refused=(expectation_id, name, form)
        )

    if not form.validate_on_submit():
        return refused(422)
    return act(
        lambda: run(found, form),
        done=done,
        to=url_for("consultations.moderation", consultation_id=consultation_id),
        again=lambda saved: refused(saved.status),
        form=form,
        current=lambda: db.session.get(Expectation, expectation_id).version,
    )


@bp.route(
    "/consultations/<id:consultation_id>/expectations/<id:expectation_id>/publish",
    methods=["POST"],
)
@require(Permission.DIAGNOSTIC_MODERATE)
def publish(consultation_id: int, expectation_id: int):
    return _moderating(
        consultation_id,
        expectation_id,
        "publish",
        PublishForm,
        lambda found, form: service.publish(
            acting_user(),
            found,
            text=form.text.data,
            importance=form.importance.data,
            population=form.population.data,
            expected_version=form_version(form),
        ),
        _("Attente publiée."),
    )


@bp.route(
    "/consultations/<id:consultation_id>/expectations/<id:expectation_id>/merge",
    methods=["POST"],
)
@require(Permission.DIAGNOSTIC_MODERATE)
def merge(consultation_id: int, expectation_id: int):
    return _moderating(
        consultation_id,
        expectation_id,
        "merge",
        MergeForm,
        lambda found, form: service.merge(
            acting_user(),
            found,
            db.session.get(Expectation, form.into_id.data),
            expected_version=form_version(form),
        ),
        _("Attente fusionnée."),
    )


@bp.route(
    "/consultations/<id:consultation_id>/expectations/<id:expectation_id>/reject",
    methods=["POST"],
)
@require(Permission.DIAGNOSTIC_MODERATE)
def reject(consultation_id: int, expectation_id: int):
    return _moderating(
        consultation_id,
        expectation_id,
        "reject",
        RejectForm,
        lambda found, form: service.reject(
            acting_user(), found, reason=form.reason.data, expected_version=form_version(form)
        ),
        _("Attente rejetée."),
    )


@bp.route("/consultations/<id:consultation_id>/results.xlsx")
@require(Permission.DIAGNOSTIC_VIEW)
def export_results(consultation_id: int):
    """Every moderated expectation; a rejected one without its text, which the moderators
    alone have read (it may name someone)."""
    consultation = _managed_or_404(consultation_id)
    found = service.results(consultation)
    supports = service.support_counts([e.id for e in found])
    domains = {d.id: local(d) for d in _domains()}
    headers = [
        _("N°"),
        _("Domaine"),
        _("Quartier"),
        _("Attente"),
        _("État"),
        _("Soutiens"),
        _("Priorité"),
        _("Fusionnée dans"),
        _("Motif du rejet"),
        _("Actions qui y répondent"),
    ]
    rows = [
        [
            e.id,
            domains.get(e.domain_id, ""),
            e.district,
            "" if e.status is ExpectationStatus.REJECTED and e.published_at is None else e.text,
            str(EXPECTATION_STATUS_LABELS[e.status]),
            supports.get(e.id, 0),
            e.priority,
            e.merged_into_id,
            e.rejection_reason,
            ", ".join(a.code for a in e.actions),
        ]
        for e in found
    ]
    return tabular_export(
        "xlsx",
        headers,
        rows,
        name=f"consultation-{consultation.city.slug}-{consultation.id}",
        sheet=_("Résultats"),
    )
