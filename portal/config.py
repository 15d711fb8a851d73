"""Settings from the environment, with safe defaults for the local demo."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

LANGUAGES = ("fr", "en", "ar")
# The locale each language is written in: Morocco writes Arabic with Western digits and its
# own month names (ar_MA), not with the generic Arabic locale's digits.
LOCALES = {"fr": "fr", "en": "en", "ar": "ar_MA"}


def locale_of(language: str | None) -> str:
    """The Babel locale for a language of the portal (French for an unknown one)."""
    return LOCALES.get(language or "fr", "fr")


class ConfigError(RuntimeError):
    pass


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when PORTAL_ENV is not development")
    # The demo keeps one key across restarts so sessions survive a reload.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    # Created private from the start, never readable by others even for a moment.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


# Refused sign-ins per client address (the limits library's syntax).
DEFAULT_LOGIN_RATE_LIMIT = "10 per minute; 50 per hour"
# What one client address may send to a public consultation, and how often it may support.
DEFAULT_CONSULTATION_RATE_LIMIT = "10 per hour; 30 per day"
DEFAULT_SUPPORT_RATE_LIMIT = "60 per hour; 200 per day"


def _portal_url(production: bool) -> str:
    url = (os.environ.get("PORTAL_URL") or "").strip()
    if url:
        return url.rstrip("/")
    if production:
        # Every link in every e-mail would otherwise lead to the sender's own loopback.
        raise ConfigError("PORTAL_URL must be set when PORTAL_ENV is not development")
    return "http://127.0.0.1:5000"


def normalise_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load(instance_path: str) -> dict:
    """Build the Flask config mapping from the environment."""
    path = Path(instance_path)
    path.mkdir(parents=True, exist_ok=True)
    env = os.environ.get("PORTAL_ENV", "development").strip().lower()
    # Anything but local development (production, staging...) gets secure settings.
    production = env != "development"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{path / 'portal.sqlite3'}"
    return {
        "PORTAL_ENV": env,
        "SECRET_KEY": _secret_key(path, production),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_NAME": "sdtn_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Secure cookies everywhere except plain-HTTP local development.
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        # The cookie outlives the idle limit so that the person is told why they were signed
        # out; the idle limit itself is enforced on the server (portal/__init__.py).
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("SESSION_MAX_HOURS", 12)),
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        # Above the upload limit, so that a too-large file gets the upload's own message.
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 12 * 1024 * 1024),
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCKOUT_MINUTES": _int("LOGIN_LOCKOUT_MINUTES", 15),
        # Failed sign-ins per client address, whatever the accounts tried (limits' syntax).
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT") or DEFAULT_LOGIN_RATE_LIMIT,
        "CONSULTATION_RATE_LIMIT": os.environ.get("CONSULTATION_RATE_LIMIT")
        or DEFAULT_CONSULTATION_RATE_LIMIT,
        "SUPPORT_RATE_LIMIT": os.environ.get("SUPPORT_RATE_LIMIT") or DEFAULT_SUPPORT_RATE_LIMIT,
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # memory:// counts per process (the demo); redis://host:6379/0 across workers.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX") or "sdtn",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Africa/Casablanca",
        "LANGUAGES": LANGUAGES,
        "DISPLAY_TIMEZONE": "Africa/Casablanca",
        "PAGE_SIZE": _int("PAGE_SIZE", 25),
        # "À faire" lists what falls due within this many days (and everything late).
        "TASKS_HORIZON_DAYS": _int("TASKS_HORIZON_DAYS", 30),
        # A coverage indicator is measured again this many days after its latest value.
        "MEASUREMENT_INTERVAL_DAYS": _int("MEASUREMENT_INTERVAL_DAYS", 90),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "HORIZON_SHORT_MONTHS": _int("HORIZON_SHORT_MONTHS", 12),
        "HORIZON_MEDIUM_MONTHS": _int("HORIZON_MEDIUM_MONTHS", 36),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER") or str(path / "uploads"),
        "UPLOAD_MAX_BYTES": _int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024),
        # Outgoing mail; without SMTP_HOST (the demo) messages stay in the outbox.
        "SMTP_HOST": os.environ.get("SMTP_HOST") or "",
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME") or "",
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or "",
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "SMTP_SSL": _bool("SMTP_SSL", False),
        "SMTP_TIMEOUT": _int("SMTP_TIMEOUT", 20),
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "no-reply@sdtn.example",
        "MAIL_DOMAIN": os.environ.get("MAIL_DOMAIN") or "sdtn.example",
        # Reminders are planned daily at this hour, Morocco time.
        "REMINDER_HOUR": _int("REMINDER_HOUR", 7),
        # How often the scheduler sends the outbox, and how long its lease lasts unrenewed.
        "MAIL_SEND_INTERVAL_SECONDS": _int("MAIL_SEND_INTERVAL_SECONDS", 60),
        "SCHEDULER_LEASE_SECONDS": _int("SCHEDULER_LEASE_SECONDS", 120),
        # `make run` sets it: one scheduler inside the demo server.
        "EMBED_SCHEDULER": _bool("EMBED_SCHEDULER", False),
        # Links in e-mails point here.
        "PORTAL_URL": _portal_url(production),
        # Open Contracting: the publisher's name and the ocid prefix (registered with OCP).
        "OCDS_PUBLISHER": os.environ.get("OCDS_PUBLISHER")
        or "Programme SDTN — Ministère de l'Urbanisme",
        "OCDS_PREFIX": os.environ.get("OCDS_PREFIX") or "ocds-sdtn",
        # The licence of the published releases (a URL); omitted when empty.
        "OCDS_LICENSE": os.environ.get("OCDS_LICENSE", ""),
        # The coverage map's background; empty for none. Markers show without it.
        "MAP_TILE_URL": os.environ.get(
            "MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        ),
        "MAP_TILE_ATTRIBUTION": os.environ.get("MAP_TILE_ATTRIBUTION")
        or "© OpenStreetMap contributors",
        "WTF_CSRF_TIME_LIMIT": None,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
    }
