"""The SDTN Portal application factory."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, flash, has_request_context, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from portal import authz
from portal import config as settings
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate
from portal.models.types import MAX_ID


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    instance_path = (config or {}).get("INSTANCE_PATH") or app.instance_path
    app.config.update(settings.load(instance_path))
    if config:
        app.config.update(config)

    if app.config["TRUSTED_PROXIES"]:
        # Behind a reverse proxy: take the client address and scheme from its headers.
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.url_map.converters["id"] = IdConverter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app)
    _init_i18n(app)
    _init_session_idle_timeout(app)
    authz.init_app(app)

    from portal import assets, cli, errors, security, templating
    from portal.views import (
        account,
        audit,
        auth,
        calendars,
        commitments,
        consultations,
        coverage,
        diagnostic,
        finance,
        governance,
        home,
        milestones,
        notifications,
        open_data,
        organizations,
        plans,
        raci,
        scenarios,
        tasks,
        tenders,
        users,
    )

    blueprints = (
        auth.bp,
        account.bp,
        home.bp,
        users.bp,
        organizations.bp,
        audit.bp,
        plans.bp,
        milestones.bp,
        calendars.bp,
        raci.bp,
        commitments.bp,
        finance.bp,
        tenders.bp,
        coverage.bp,
        scenarios.bp,
        diagnostic.bp,
        consultations.bp,
        consultations.public_bp,
        governance.bp,
        notifications.bp,
        tasks.bp,
        open_data.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    errors.init_app(app)
    security.init_app(app)
    assets.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    if app.config["EMBED_SCHEDULER"]:
        from portal import scheduler

        scheduler.embed(app)
    return app


class IdConverter(IntegerConverter):
    """A database id in a URL: an id too large for the column is simply not found (404)."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=MAX_ID)


def _init_login(app: Flask) -> None:
    from portal.models.users import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        # The session holds the account's token: rotating it (deactivation, new password)
        # ends every session on its next request.
        user = db.session.scalar(sa.select(User).where(User.session_token == token))
        if user is None or not user.active:
            return None
        return user


def select_locale() -> str:
    languages = settings.LANGUAGES
    if not has_request_context():
        return "fr"  # commands and jobs; per-person mail picks its own language
    if current_user.is_authenticated and current_user.preferred_language in languages:
        return settings.locale_of(current_user.preferred_language)
    chosen = session.get("lang")
    if chosen in languages:
        return settings.locale_of(chosen)
    # Someone signed out who chose nothing yet: the browser's language.
    return settings.locale_of(request.accept_languages.best_match(languages, default="fr"))


def _init_i18n(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(app.root_path) / "translations"),
    )


def _init_session_idle_timeout(app: Flask) -> None:
    @app.before_request
    def end_idle_session():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        now = datetime.now(UTC).timestamp()
        seen = session.get("seen")
        started = session.get("started", now)
        idle_limit = app.config["SESSION_IDLE_MINUTES"] * 60
        lifetime = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
        if (seen is not None and now - seen > idle_limit) or now - started > lifetime:
            logout_user()
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            flash(_l("Votre session a expiré après une période d'inactivité."), "info")
            return authz.sign_in_first()
        session["seen"] = now
        session.permanent = True
        return None
