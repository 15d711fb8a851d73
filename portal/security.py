"""Response headers that every page carries, and input no page should receive."""

from flask import Flask, abort, request, request_finished

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL cannot store U+0000 in text; no person types it. Refused up front, from
        # the address, the query, the form, the file names and the headers alike, rather
        # than failing in the database halfway through a change.
        values = [
            request.path,
            *request.args.keys(),
            *request.args.values(),
            *request.form.keys(),
            *request.form.values(),
            *(f.filename or "" for _, f in request.files.items(multi=True)),
            *request.headers.values(),
        ]
        if any("\x00" in value for value in values):
            abort(400)

    def keep_sessions_private(sender, response, **extra):
        # The session cookie is set after the after-request hooks: a response carrying
        # someone's session is theirs alone, whatever it holds, so no shared cache keeps it.
        headers = response.headers
        if "Set-Cookie" in headers and "public" in headers.get("Cache-Control", ""):
            headers["Cache-Control"] = headers["Cache-Control"].replace("public", "private")

    request_finished.connect(keep_sessions_private, app, weak=False)

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if headers.get("Content-Disposition", "").startswith("attachment"):
            # Exports and attached files hold private data: kept by no cache, shared or not.
            headers["Cache-Control"] = "private, no-store"
        elif response.mimetype == "text/html":
            # Pages show private data: never keep them in a shared cache.
            headers.setdefault("Cache-Control", "no-store")
        return response
