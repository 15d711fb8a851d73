"""French by default, an English catalogue that covers every string, a remembered switch."""

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from babel.messages.pofile import read_po

from portal.extensions import db
from portal.models import User
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent


def test_every_interface_string_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        source = {m.id for m in read_po(f) if m.id}
    assert "Connexion" in source and "Accès refusé" in source
    with (ROOT / "portal/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        english = read_po(f)
    translated = {
        m.id
        for m in english
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(str(i) for i in source - translated)
    assert missing == [], f"untranslated: {missing[:10]}"


def test_anonymous_visitor_switches_language_on_the_login_page(client):
    response = client.post("/account/language", data={"language": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Password" in html and "Mot de passe" not in html


def test_language_choice_is_remembered_for_the_account(app, client, make_user):
    user = make_user(full_name="Leila Test")
    login(client, user)
    client.post("/account/language", data={"language": "en", "next": "/"})
    with app.app_context():
        assert (
            db.session.scalar(sa.select(User.preferred_language).where(User.id == user.id)) == "en"
        )
    # A new session on another device opens in English.
    other = app.test_client()
    login(other, user)
    html = other.get("/").get_data(as_text=True)
    assert "Hello, Leila Test" in html and "Sign out" in html


def test_an_unknown_language_is_refused(client):
    response = client.post("/account/language", data={"language": "xx"})
    assert response.status_code == 400
    assert '<html lang="fr"' in client.get("/login").get_data(as_text=True)


def test_messages_from_services_follow_the_language(client, make_user):
    user = make_user()
    client.post("/account/language", data={"language": "en"})
    response = login(client, user, "wrong-password-123")
    html = response.get_data(as_text=True)
    assert "Adresse e-mail ou mot de passe incorrect." not in html
    assert "incorrect" in html.lower()


def test_language_chosen_before_signing_in_becomes_the_accounts_choice(app, client, make_user):
    user = make_user()
    client.post("/account/language", data={"language": "en"})
    login(client, user)
    with app.app_context():
        assert (
            db.session.scalar(sa.select(User.preferred_language).where(User.id == user.id)) == "en"
        )


def test_the_previous_persons_language_is_not_written_into_the_next_account(app, client, make_user):
    first, second = make_user(), make_user()
    login(client, first)
    client.post("/account/language", data={"language": "en"})
    client.post("/logout")
    login(client, second)
    with app.app_context():
        assert (
            db.session.scalar(sa.select(User.preferred_language).where(User.id == second.id))
            == "fr"
        )


def test_french_counts_zero_in_the_singular(client, make_user, login_as):
    from portal.models import Role

    login_as(make_user(role=Role.OBSERVER))
    html = client.get("/milestones").get_data(as_text=True)
    assert 'class="result-count">0 jalon</p>' in html
