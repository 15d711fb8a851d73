"""French by default, English and Arabic catalogues that cover every string, right to left in
Arabic, a remembered switch."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from portal.extensions import db
from portal.models import User
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def interface_strings(tmp_path_factory) -> set:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
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
            "-k",
            "_ln:1,2",
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
    return source


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_interface_string_has_a_translation(interface_strings, language):
    with (ROOT / f"portal/translations/{language}/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = read_po(f)
    translated = {
        m.id
        for m in catalogue
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(str(i) for i in interface_strings - translated)
    assert missing == [], f"untranslated in {language}: {missing[:10]}"


def test_arabic_plurals_have_the_six_cldr_forms():
    with (ROOT / "portal/translations/ar/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = read_po(f)
    assert catalogue.num_plurals == 6
    plurals = [m for m in catalogue if m.id and isinstance(m.id, tuple)]
    assert plurals
    short = [m.id[0] for m in plurals if len(m.string) != 6 or not all(m.string)]
    assert short == []


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


def test_a_chosen_arabic_runs_the_page_right_to_left(client):
    client.post("/account/language", data={"language": "ar", "next": "/login"})
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in html
    assert "كلمة المرور" in html and "Mot de passe" not in html


def test_the_login_page_follows_the_browsers_language_until_one_is_chosen(client):
    html = client.get("/login", headers={"Accept-Language": "ar-MA,ar;q=0.9,fr;q=0.5"}).get_data(
        as_text=True
    )
    assert '<html lang="ar" dir="rtl"' in html
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en" dir="ltr"' in english.get_data(as_text=True)
    unknown = client.get("/login", headers={"Accept-Language": "de-DE"})
    assert '<html lang="fr" dir="ltr"' in unknown.get_data(as_text=True)
    # A choice made on the page wins over the browser.
    client.post("/account/language", data={"language": "fr"})
    chosen = client.get("/login", headers={"Accept-Language": "ar"})
    assert '<html lang="fr"' in chosen.get_data(as_text=True)


def test_arabic_writes_numbers_and_months_as_morocco_does(app):
    from datetime import date
    from decimal import Decimal

    from flask_babel import force_locale

    from portal import config
    from portal.templating import localdate, money

    with app.test_request_context(), force_locale(config.locale_of("ar")):
        # Western digits, a decimal comma and Moroccan month names (غشت for August).
        assert money(Decimal("1234567.5")) == "1.234.567,50"
        assert localdate(date(2026, 8, 4), "long") == "4 غشت 2026"


# A physical direction where a logical one exists breaks right-to-left pages.
PHYSICAL = re.compile(
    r"(?:margin|padding|border|inset)-(?:left|right)\b"
    r"|(?<![-\w])(?:left|right)\s*:"
    r"|(?:text-align|float|clear)\s*:\s*(?:left|right)\b"
    r"|\balign=\"(?:left|right)\""
)


def test_styles_and_templates_use_logical_directions_only():
    files = [ROOT / "portal/static/css/portal.css", *sorted((ROOT / "portal/templates").rglob("*"))]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        if path.is_file() and path.suffix in (".css", ".html", ".txt", ".svg")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PHYSICAL.search(line)
    ]
    assert found == []


def test_names_in_arabic_sentences_are_isolated(app):
    from flask_babel import force_locale

    from portal import config
    from portal.models import OutboxMessage, ReminderKind
    from portal.services import notifications

    message = OutboxMessage(
        kind=ReminderKind.MILESTONE_RETURNED, actor=User(full_name="Khadija Ouazzani (DUAT)")
    )
    with app.test_request_context():
        with force_locale(config.locale_of("ar")):
            arabic = notifications.describe(message)
        french = notifications.describe(message)
    # First strong isolate ... pop directional isolate: the name keeps its own direction.
    assert "\u2068Khadija Ouazzani (DUAT)\u2069" in arabic
    assert french == "Khadija Ouazzani (DUAT) a renvoyé ce jalon."


def test_an_export_speaks_arabic_with_moroccan_separators(
    client, make_user, make_milestone, login_as
):
    from portal.models import Role

    make_milestone(title="Fibre, lot 1")
    login_as(make_user(role=Role.OBSERVER))
    client.post("/account/language", data={"language": "ar"})
    response = client.get("/milestones/export.csv")
    text = response.data.decode("utf-8-sig")
    header = text.splitlines()[0]
    # Arabic column names, the columns split on ";" (a decimal comma, as French has).
    assert "الأجل" in header and ";" in header and "Échéance" not in header
    assert '"Fibre, lot 1"' in text or "Fibre, lot 1;" in text
