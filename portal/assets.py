"""Static files: addresses that change with their content, so that browsers keep them for a
year; /favicon.ico and /robots.txt at the site's root."""

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, Response, redirect, request, url_for

from portal.authz import public

YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    static = Path(app.static_folder)

    @cache
    def version(filename: str) -> str | None:
        path = static / filename
        if not path.is_file():
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]

    @app.url_defaults
    def add_version(endpoint, values):
        # url_for('static', ...) carries the file's content hash: a new file, a new address.
        if endpoint == "static" and "v" not in values:
            digest = version(values.get("filename", ""))
            if digest:
                values["v"] = digest

    @app.after_request
    def cache_static(response):
        if (
            request.endpoint == "static"
            and response.status_code == 200
            and request.args.get("v") == version(request.view_args.get("filename", ""))
        ):
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return response

    @app.route("/favicon.ico")
    @public
    def favicon():
        return redirect(url_for("static", filename="favicon.svg"), 301)

    @app.route("/robots.txt")
    @public
    def robots():
        # A working portal, not a publication: nothing in it is for search engines.
        return Response("User-agent: *\nDisallow: /\n", mimetype="text/plain")
