"""Headers, CSRF, error pages and request size limits."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Role, User
from tests.conftest import PASSWORD, csrf_token_from, login


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script(client, make_user, login_as):
    login_as(make_user(role=Role.ADMIN))
    for url in ("/login", "/", "/account/", "/admin/users", "/admin/audit", "/admin/users/new"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and "onclick=" not in html and "hx-on" not in html, url
        for tag in html.split("<script")[1:]:
            assert tag.lstrip().startswith("src="), url


def test_session_cookie_flags(client, make_user):
    response = login(client, make_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_secure_cookie_and_hsts_in_production(app, monkeypatch, tmp_path):
    from portal import create_app

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    monkeypatch.setenv("PORTAL_URL", "https://sdtn.example.ma")
    prod = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    response = prod.test_client().get("/login")
    assert "Strict-Transport-Security" in response.headers
    assert "Secure" in response.headers["Set-Cookie"]


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    import pytest

    from portal import create_app
    from portal.config import ConfigError

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_to_start_without_the_portals_address(monkeypatch, tmp_path):
    import pytest

    from portal import create_app
    from portal.config import ConfigError

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    monkeypatch.delenv("PORTAL_URL", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_URL"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_demo_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    from portal import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_post_without_csrf_token_is_refused_and_changes_nothing(
    app, client, make_user, csrf_enabled
):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "jeton de sécurité manquant" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302

    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 302


def test_csrf_protects_admin_actions(app, client, make_user, csrf_enabled):
    admin = make_user(role=Role.ADMIN)
    target = make_user(role=Role.OBSERVER)
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    response = client.post(f"/admin/users/{target.id}/deactivate")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(User.active).where(User.id == target.id)) is True
    # htmx sends the token in a header; that is accepted.
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post(f"/admin/users/{target.id}/deactivate", headers={"X-CSRFToken": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User.active).where(User.id == target.id)) is False


def test_forbidden_and_missing_pages_render_in_the_layout(client, make_user, login_as):
    login_as(make_user(role=Role.OBSERVER))
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403
    html = forbidden.get_data(as_text=True)
    assert "Accès refusé" in html and "Portail SDTN" in html
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert "Page introuvable" in missing.get_data(as_text=True)


def test_too_large_request_is_refused_clearly(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/login", data={"email": "x@example.org", "password": "p" * (limit + 1)})
    assert response.status_code == 413
    assert "dépasse la taille autorisée" in response.get_data(as_text=True)


def test_unexpected_error_gives_a_500_page_and_no_traceback(app, monkeypatch, make_user):
    from portal.views import home

    client = app.test_client()
    login(client, make_user())

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(home, "render_template", broken)
    response = client.get("/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Erreur interne" in html and "boom" not in html and "Traceback" not in html


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        ("NotAllowed", 403, "Accès refusé"),
        ("StaleObject", 409, "Modifié entre-temps"),
        ("TransitionNotAllowed", 422, "Demande refusée"),
        ("InvalidInput", 422, "Demande refusée"),
    ],
)
def test_a_refusal_no_view_caught_is_a_page_that_says_why(
    app, monkeypatch, make_user, error, status, title
):
    """A rule's refusal that escapes a view is answered with its own message and status,
    nothing saved; never a 500."""
    from portal.services import errors
    from portal.views import home

    client = app.test_client()
    login(client, make_user())

    def refuse(*args, **kwargs):
        raise getattr(errors, error)("Refusé par la règle du jalon.")

    monkeypatch.setattr(home, "render_template", refuse)
    response = client.get("/")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert title in html and "Refusé par la règle du jalon." in html


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_absurd_numbers_in_urls_answer_404_or_an_empty_page_never_500(client, make_user, login_as):
    login_as(make_user(role=Role.ADMIN))
    huge = "9" * 25
    for url in (
        f"/admin/users?page={huge}",
        f"/admin/audit?page={huge}",
        f"/admin/organizations?page={huge}",
        "/admin/audit?date_to=9999-12-31&date_from=0001-01-01",
    ):
        assert client.get(url).status_code == 200, url
    for url in (f"/admin/users/{huge}", f"/admin/cities/{huge}", "/admin/users/0"):
        assert client.get(url).status_code == 404, url


def test_back_button_restore_gets_the_whole_page(client, make_user, login_as):
    login_as(make_user(role=Role.ADMIN))
    response = client.get(
        "/admin/users", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.get_data(as_text=True)


def test_demo_accounts_are_never_loaded_in_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_ENV", "production")
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code != 0
    assert "PORTAL_ENV=production" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_staging_is_treated_as_production(monkeypatch, tmp_path):
    from portal import create_app

    monkeypatch.setenv("PORTAL_ENV", "staging")
    monkeypatch.setenv("SECRET_KEY", "staging-secret")
    monkeypatch.setenv("PORTAL_URL", "https://staging.sdtn.example.ma")
    staging = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert staging.config["SESSION_COOKIE_SECURE"] is True


def test_messages_that_quote_what_people_typed_are_escaped(
    app, make_user, make_plan, make_action, make_milestone
):
    from datetime import date

    from portal.models import Milestone
    from portal.models import Role as R

    action = make_action(plan=make_plan())
    first = make_milestone(action=action, title="Étude", due_date=date(2026, 5, 1))
    evil = make_milestone(
        action=action, title="<script>alert(1)</script>", due_date=date(2026, 6, 1)
    )
    with app.app_context():
        successor = db.session.get(Milestone, evil.id)
        successor.predecessors.append(db.session.get(Milestone, first.id))
        db.session.commit()
    client = app.test_client()
    login(client, make_user(role=R.SECRETARIAT))
    # Making the study depend on the evil-titled milestone: the refusal quotes that title.
    response = client.post(
        f"/milestones/{first.id}/edit",
        data={
            "title": first.title,
            "responsible_organization_id": first.responsible_organization_id,
            "due_date": "2026-05-01",
            "predecessors": [evil.id],
            "version": first.version,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "cycle" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_nul_character_in_a_form_or_query_is_refused_before_any_change(app, client):
    response = client.post("/login", data={"email": "a\x00b@example.org", "password": "x"})
    assert response.status_code == 400
    assert client.get("/login?next=/%00").status_code == 400
    # In the address itself too, on public and private routes alike.
    for path in ("/calendar/%00.ics", "/calendar/abc%00/marrakech.ics", "/milestones/%00"):
        assert client.get(path).status_code == 400, path


def test_static_files_are_kept_a_year_under_an_address_that_follows_their_content(client):
    import re

    page = client.get("/login").get_data(as_text=True)
    addresses = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert addresses and all(re.search(r"\?v=[0-9a-f]{12}$", a) for a in addresses), addresses
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        response.close()
    # Without the current version (an old page's address), the browser asks again.
    stale = client.get(addresses[0].split("?")[0] + "?v=000000000000")
    assert "max-age=31536000" not in stale.headers.get("Cache-Control", "")
    stale.close()


def test_favicon_and_robots_at_the_root(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301
    assert icon.headers["Location"].startswith("/static/favicon.svg?v=")
    robots = client.get("/robots.txt")
    assert robots.mimetype == "text/plain"
    assert robots.get_data(as_text=True) == "User-agent: *\nDisallow: /\n"
