"""Small helpers every blueprint's views share."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal import clock
from portal.errors import render_error
from portal.extensions import db
from portal.models.organizations import City
from portal.models.types import utcnow
from portal.services import exports, files
from portal.services.errors import DomainError, NotAllowed, StaleObject
from portal.services.tasks import At


def client_ip() -> str | None:
    return request.remote_addr


def safe_next(target: str | None) -> str | None:
    """A redirect target only if it stays on this site (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


MAX_PAGE = 100_000


def page_number(arg: str = "page") -> int:
    page = request.args.get(arg, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def paginate(query, arg: str = "page"):
    """A page of `query`; `arg` names the page's parameter when a page has two lists."""
    return db.paginate(
        query, page=page_number(arg), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(body: bytes | str, mimetype: str, name: str):
    """A download, never shown inline."""
    response = make_response(body)
    response.content_type = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def send_stored(stored):
    """An uploaded file as a download (never shown inline); 404 if it went missing from the
    disk. Named by its detected type (services.files), whatever the uploader called it."""
    path = files.path_of(stored)
    if not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=files.download_name(stored),
    )


def tabular_export(fmt: str, headers, rows, *, name: str, sheet: str):
    """A list as CSV (French Excel) or XLSX, named `name`.csv or `name`.xlsx."""
    headers = [str(h) for h in headers]
    if fmt == "csv":
        return attachment(exports.to_csv(headers, rows), "text/csv; charset=utf-8", f"{name}.csv")
    return attachment(exports.to_xlsx(headers, rows, sheet_title=sheet), XLSX, f"{name}.xlsx")


def get_city_or_404(slug: str) -> City:
    city = db.session.scalar(sa.select(City).where(City.slug == slug))
    if city is None:
        abort(404)
    return city


def moment() -> At:
    """Now, as the task rules read it: the day in Morocco and the instant."""
    return At(clock.today(), utcnow())


def acting_user():
    """The signed-in user itself, not Flask-Login's proxy, for services and the session."""
    return current_user._get_current_object()


def form_page(form, template: str, run, *, done, to, current=None, **context):
    """A create or edit page: on a valid submission, `act` on the service call `run`;
    otherwise, or when a rule refuses it, show `template` with the form as typed (422 after
    an invalid or refused submission, 409 when stale)."""

    def page(status: int):
        return render_template(template, form=form, **context), status

    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)
    return act(
        run, done=done, to=to, again=lambda saved: page(saved.status), form=form, current=current
    )


def form_version(form) -> int | None:
    """The row version the form was loaded with; None (hence stale) when missing or garbled."""
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Saved:
    """What `save` did. `status` is None once the change is committed (`value` is then what
    the service returned), else the HTTP status to answer: 409 for a stale edit, 422 for a
    refusal; `refusal` is the domain error (a view may answer NotAllowed with the 403 page)."""

    status: int | None
    value: Any = None
    refusal: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.status is None


def save(form, action, *, stored=(), quiet=False) -> Saved:
    """Run a service call and commit it once; the one way views save.

    When a rule refuses the change, roll back (running the refusal's audit, which must
    stand), remove the files written for it (`stored`, which the call may fill), put the
    message on the form (on its field when the rule names one; flashed when there is no
    form, unless `quiet`: the caller shows it) and say which status to answer.
    """
    try:
        value = action()
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        error = StaleObject(_l("Cette fiche a été modifiée par quelqu'un d'autre entre-temps."))
    except IntegrityError:
        # Two people saved the same unique value at once; the rule checks ran before both.
        db.session.rollback()
        error = StaleObject(
            _l("Quelqu'un vient d'enregistrer la même valeur. Vérifiez et réessayez.")
        )
    except DomainError as refused:
        db.session.rollback()
        error = refused
        if refused.audit is not None:
            refused.audit()
            db.session.commit()
    else:
        return Saved(None, value)
    for kept in stored:
        files.discard(kept)
    if form is None:
        if not quiet:
            flash(error.message, "error")
        return Saved(_status(error), refusal=error)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
    return Saved(_status(error), refusal=error)


def _status(error: DomainError) -> int:
    return 409 if isinstance(error, StaleObject) else 422


def act(run, *, done, to, again, form=None, stored=(), current=None):
    """The one way a view acts: `save` the service call `run`, flash `done` (a message, or a
    function of the call's result) and redirect to `to` (an address, or a function of the
    result). A refusal of rights answers the 403 page unless it names a field of `form`; any
    other refusal answers `again(saved)`: the page shown again with the reason (flashed, or on
    `form` when given) and `saved.status`. After a stale refusal the form carries the row's
    `current()` version, so that saving again is deliberate."""
    saved = save(form, run, stored=stored)
    if saved.ok:
        flash(done(saved.value) if callable(done) else done, "success")
        return redirect(to(saved.value) if callable(to) else to)
    refusal = saved.refusal
    if isinstance(refusal, NotAllowed) and not (form is not None and _names_field(form, refusal)):
        return render_error(403, refusal.message)
    if saved.status == 409 and form is not None and current is not None:
        form.version.data = current()
    return again(saved)


def _names_field(form, error: DomainError) -> bool:
    return bool(error.field) and getattr(form, error.field, None) is not None
