"""Signing in and out, lockout, deactivation, password change, idle timeout."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

from portal.models import AuditEvent, Role, User
from tests.conftest import PASSWORD, login


def _user(app, user_id):
    with app.app_context():
        from portal.extensions import db

        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def _actions(app, user_id=None):
    with app.app_context():
        from portal.extensions import db

        query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
        if user_id is not None:
            query = query.where(AuditEvent.object_id == user_id)
        return list(db.session.scalars(query))


def test_login_page_is_french_by_default(client):
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr"' in html
    assert "Connexion" in html
    assert "Mot de passe" in html


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_valid_login_opens_home_and_is_audited(app, client, make_user):
    user = make_user(role=Role.CENTRAL_DECISION_MAKER, full_name="Youssef Test")
    response = login(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Bonjour, Youssef Test" in home.get_data(as_text=True)
    assert "login.success" in _actions(app, user.id)


def test_login_is_case_insensitive_on_email(client, make_user):
    user = make_user(email="mixed@example.org")
    assert login(client, "  MIXED@Example.org ").status_code == 302
    assert user.id


def test_wrong_password_is_refused_with_a_clear_message(app, client, make_user):
    user = make_user()
    response = login(client, user, "wrong-password-123")
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert _user(app, user.id).failed_login_count == 1
    assert "login.failure" in _actions(app, user.id)


def test_unknown_email_gets_the_same_message_and_is_audited(app, client):
    response = login(client, "nobody@example.org", "whatever-password")
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
    with app.app_context():
        from portal.extensions import db

        event = db.session.scalars(sa.select(AuditEvent)).one()
        assert (event.action, event.actor_label, event.actor_id) == (
            "login.failure",
            "nobody@example.org",
            None,
        )


def test_lockout_after_repeated_failures_holds_even_with_the_right_password(app, client, make_user):
    user = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(client, user, "wrong-password-123").status_code == 401
    response = login(client, user, PASSWORD)
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "ce compte est verrouillé" in html
    assert "Réessayez dans 15 minute(s)" in html
    assert client.get("/").status_code == 302
    stored = _user(app, user.id)
    assert stored.locked_until is not None
    assert "login.locked" in _actions(app, user.id)


def test_lockout_ends_after_the_lockout_period(app, client, make_user):
    user = make_user()
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            login(client, user, "wrong-password-123")
        assert login(client, user).status_code == 401
    later = start + timedelta(minutes=app.config["LOGIN_LOCKOUT_MINUTES"], seconds=5)
    with time_machine.travel(later, tick=False):
        assert login(client, user).status_code == 302
    stored = _user(app, user.id)
    assert stored.locked_until is None
    assert stored.failed_login_count == 0


def test_lockout_is_counted_in_the_database_across_processes(app, make_user):
    # Two clients stand for two server processes: they share nothing but the database.
    user = make_user()
    first, second = app.test_client(), app.test_client()
    for i in range(app.config["LOGIN_MAX_FAILURES"]):
        (first if i % 2 else second).post(
            "/login", data={"email": user.email, "password": "wrong-password-123"}
        )
    assert login(app.test_client(), user).status_code == 401
    assert _user(app, user.id).locked_until is not None


def test_successful_login_resets_the_failure_count(app, client, make_user):
    user = make_user()
    login(client, user, "wrong-password-123")
    login(client, user, "wrong-password-123")
    assert login(client, user).status_code == 302
    assert _user(app, user.id).failed_login_count == 0


def test_deactivated_account_cannot_sign_in_and_is_not_told_the_password_was_right(
    client, make_user
):
    user = make_user(active=False)
    right = login(client, user)
    wrong = login(client, user, "wrong-password-123")
    assert right.status_code == wrong.status_code == 401
    for response in (right, wrong):
        page = response.get_data(as_text=True)
        assert "Adresse e-mail ou mot de passe incorrect." in page
        assert "désactivé" not in page


def test_session_is_renewed_at_login(client, make_user):
    user = make_user()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"
    login(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


def test_login_redirects_only_to_local_pages(client, make_user):
    user = make_user()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "/account/"}
    )
    assert response.headers["Location"] == "/account/"


def test_logout_ends_the_session(app, client, make_user, login_as):
    user = make_user()
    login_as(user)
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert "logout" in _actions(app, user.id)


def test_logout_needs_post(client, make_user, login_as):
    login_as(make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_idle_session_expires(app, client, make_user, login_as):
    user = make_user()
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        login_as(user)
        assert client.get("/").status_code == 200
    later = start + timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    with time_machine.travel(later, tick=False):
        response = client.get("/")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Votre session a expiré" in page


def test_activity_keeps_the_session_alive(app, client, make_user, login_as):
    user = make_user()
    start = datetime.now(UTC)
    step = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    with time_machine.travel(start, tick=False):
        login_as(user)
    for i in range(1, 4):
        with time_machine.travel(start + i * step, tick=False):
            assert client.get("/").status_code == 200


def test_password_change(app, client, make_user, login_as):
    user = make_user()
    login_as(user)
    other_session = app.test_client()
    login(other_session, user)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a-brand-new-passphrase",
            "confirm": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302
    # This session goes on; the other one ends; the new password works.
    assert client.get("/").status_code == 200
    assert other_session.get("/").status_code == 302
    assert login(app.test_client(), user, "a-brand-new-passphrase").status_code == 302
    assert login(app.test_client(), user, PASSWORD).status_code == 401
    assert "account.password_changed" in _actions(app, user.id)


def test_password_change_refuses_bad_input_and_changes_nothing(app, client, make_user, login_as):
    user = make_user()
    login_as(user)
    before = _user(app, user.id).password_hash
    cases = [
        (
            "wrong-current-pass",
            "a-brand-new-passphrase",
            "a-brand-new-passphrase",
            "Le mot de passe actuel est incorrect.",
        ),
        (PASSWORD, "short", "short", "au moins 12 caractères"),
        # Long enough, and guessed at once: one letter, a common one, a row of keys.
        (PASSWORD, "a" * 16, "a" * 16, "il en faut au moins 5 différents"),
        (PASSWORD, "password1234", "password1234", "parmi les plus courants"),
        (PASSWORD, "Azertyuiopqsd", "Azertyuiopqsd", "rangée du clavier"),
        (PASSWORD, "123456789012", "123456789012", "rangée du clavier"),
        (
            PASSWORD,
            "a-brand-new-passphrase",
            "something-else-entirely",
            "Les deux mots de passe ne correspondent pas.",
        ),
    ]
    for current, new, confirm, message in cases:
        response = client.post(
            "/account/password",
            data={"current_password": current, "new_password": new, "confirm": confirm},
        )
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert _user(app, user.id).password_hash == before


def test_htmx_request_without_a_session_redirects_the_whole_page(client):
    response = client.get(
        "/admin/users?role=observer",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/admin/users"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/admin/users"


def test_a_copy_of_the_cookie_stops_working_after_logout(app, client, make_user, login_as):
    login_as(make_user())
    stolen = client.get_cookie("sdtn_session").value
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("sdtn_session", stolen)
    response = replay.get("/account/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_parallel_wrong_passwords_try_no_more_than_the_limit(app, make_user):
    from concurrent.futures import ThreadPoolExecutor

    user = make_user()

    def attempt(_):
        return (
            app.test_client()
            .post("/login", data={"email": user.email, "password": "wrong-password-123"})
            .status_code
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(16)))
    assert set(statuses) == {401}
    actions = _actions(app, user.id)
    assert actions.count("login.failure") == app.config["LOGIN_MAX_FAILURES"]
    assert actions.count("login.locked") == 1
    assert actions.count("login.refused_locked") == 16 - app.config["LOGIN_MAX_FAILURES"]
    assert login(app.test_client(), user).status_code == 401


def test_failed_attempts_are_not_put_on_the_targeted_persons_account(app, client, make_user):
    user = make_user()
    login(client, user, "wrong-password-123")
    with app.app_context():
        from portal.extensions import db

        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "login.failure")
        ).one()
        assert event.actor_id is None
        assert event.object_id == user.id and event.actor_label == user.email


def test_session_has_an_absolute_lifetime(app, client, make_user, login_as):
    user = make_user()
    start = datetime.now(UTC)
    step = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    with time_machine.travel(start, tick=False):
        login_as(user)
    moment = start
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    while moment + step < start + lifetime:
        moment += step
        with time_machine.travel(moment, tick=False):
            assert client.get("/").status_code == 200
    with time_machine.travel(start + lifetime + timedelta(minutes=1), tick=False):
        assert client.get("/").status_code == 302


def test_the_profile_shows_the_sign_in_before_this_one(client, make_user):
    user = make_user()
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        login(client, user)
        response = client.get("/account/")
        page = response.get_data(as_text=True)
        assert response.status_code == 200, page[:300]
        assert "votre première connexion" in page
        client.post("/logout")
    with time_machine.travel(datetime(2026, 3, 9, 9, 0, tzinfo=UTC), tick=False):
        login(client, user)
        page = client.get("/account/").get_data(as_text=True)
    shown = page.split('id="previous-login">', 1)[1].split("</dd>", 1)[0]
    assert "2 mars 2026" in shown and "9 mars" not in shown
