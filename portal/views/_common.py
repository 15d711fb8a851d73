"""Small helpers every blueprint's views share."""

from urllib.parse import urlsplit

from flask import request


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


def page_number() -> int:
    page = request.args.get("page", type=int) or 1
    return max(page, 1)


def acting_user():
    """The signed-in user itself, not Flask-Login's proxy, for services and the session."""
    from flask_login import current_user

    return current_user._get_current_object()
