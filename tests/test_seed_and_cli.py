"""The demo data and the commands an operator runs."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, City, Organization, OrganizationKind, Role, User
from seeds import demo
from tests.conftest import login


def _counts(app):
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (City, Organization, User)
        )


def test_seed_demo_loads_the_pilot_cities_and_one_account_per_role(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        cities = set(db.session.scalars(sa.select(City.name)))
        assert cities == {"Marrakech", "Fès", "Agadir"}
        utilities = {
            o.short_name: o.city.slug
            for o in db.session.scalars(
                sa.select(Organization).where(Organization.kind == OrganizationKind.UTILITY)
            )
        }
        assert utilities == {"RADEEMA": "marrakech", "RADEEF": "fes", "RAMSA": "agadir"}
        operators = set(
            db.session.scalars(
                sa.select(Organization.name).where(
                    Organization.kind == OrganizationKind.TELECOM_OPERATOR
                )
            )
        )
        assert operators == {"Maroc Telecom", "Orange Maroc", "inwi"}
        roles = {a.role for u in db.session.scalars(sa.select(User)) for a in u.role_assignments}
        assert roles == set(Role)
        local_cities = {
            a.city.slug
            for u in db.session.scalars(sa.select(User))
            for a in u.role_assignments
            if a.role is Role.LOCAL_DECISION_MAKER
        }
        assert local_cities == {"marrakech", "fes", "agadir"}


def test_seed_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed", "demo"])
    first = _counts(app)
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0
    assert _counts(app) == first
    result = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert "rien n'est chargé" in result.output
    assert _counts(app) == first


def test_demo_accounts_sign_in_with_the_documented_password(app):
    app.test_cli_runner().invoke(args=["seed", "demo"])
    for email, *_ in demo.USERS:
        assert login(app.test_client(), email, demo.DEMO_PASSWORD).status_code == 302, email


def test_seed_accounts_prints_every_demo_account(app):
    result = app.test_cli_runner().invoke(args=["seed", "accounts"])
    assert "http://127.0.0.1:5000" in result.output
    assert demo.DEMO_PASSWORD in result.output
    for email, *_ in demo.USERS:
        assert email in result.output
    assert "Décideur local (Fès)" in result.output


def test_the_commands_speak_the_shells_language(app, monkeypatch):
    """The demo accounts, a refusal and the prompts, in the operator's language; French when
    the shell's is none of the portal's."""
    runner = app.test_cli_runner()
    monkeypatch.setenv("LANG", "ar_MA.UTF-8")
    output = runner.invoke(args=["seed", "accounts"]).output
    assert "بوابة المخطط المديري" in output and "متخذ القرار المحلي (فاس)" in output
    runner.invoke(args=["seed", "reference"])
    result = runner.invoke(
        args=["users", "create-admin", "--email", "root@example.org", "--name", "Root"],
        input="short\nshort\n",
    )
    assert result.exit_code != 0
    assert "كلمة المرور" in result.output  # the prompt
    assert "12" in result.output and "Le mot de passe" not in result.output  # the refusal
    # LANGUAGE lists the preferred languages before the locale's own.
    monkeypatch.setenv("LANG", "fr_MA.UTF-8")
    monkeypatch.setenv("LANGUAGE", "de:en")
    output = runner.invoke(args=["seed", "accounts"]).output
    assert "Local decision-maker (Fez)" in output and "Demo accounts" in output
    # A locale the portal does not speak: French, the portal's own language.
    monkeypatch.delenv("LANGUAGE")
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    output = runner.invoke(args=["seed", "accounts"]).output
    assert "Décideur local (Fès)" in output and "Comptes de démonstration" in output


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "fr"),
        ({"LANG": "C.UTF-8", "LANGUAGE": "ar"}, "fr"),  # gettext ignores LANGUAGE under C
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8", "LC_MESSAGES": "ar_MA.UTF-8"}, "ar"),
        ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "ar_MA.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8", "LANGUAGE": "es:ar:en"}, "ar"),
        ({"LANG": "ar_MA.UTF-8@latin"}, "ar"),
    ],
)
def test_the_operators_language_is_read_as_gettext_reads_it(environ, language):
    from portal.cli import operator_language

    assert operator_language(environ) == language


def test_create_admin_makes_a_working_administrator(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed", "reference"])
    result = runner.invoke(
        args=["users", "create-admin", "--email", "Root@Example.org", "--name", "Root Admin"],
        input="first-admin-password\nfirst-admin-password\n",
    )
    assert result.exit_code == 0, result.output
    client = app.test_client()
    assert login(client, "root@example.org", "first-admin-password").status_code == 302
    assert client.get("/admin/users").status_code == 200
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "user.created")
            )
            == 1
        )


def test_create_admin_refuses_a_weak_password_and_creates_nothing(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed", "reference"])
    result = runner.invoke(
        args=["users", "create-admin", "--email", "root@example.org", "--name", "Root"],
        input="short\nshort\n",
    )
    assert result.exit_code != 0
    assert "12" in result.output
    assert _counts(app)[2] == 0


def test_create_admin_without_reference_data_says_what_to_do(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "--email", "root@example.org", "--name", "Root"],
        input="first-admin-password\nfirst-admin-password\n",
    )
    assert result.exit_code != 0
    assert "flask seed reference" in result.output


def test_demo_ledger_has_every_state_and_adds_up(app):
    from collections import Counter
    from datetime import date
    from decimal import Decimal

    from portal.models import Agreement, AgreementStatus, Installment, SharedAsset
    from seeds import demo, finance

    today = date(2026, 11, 25)
    with app.test_request_context():
        demo.load_demo(today=today)
        db.session.commit()
        assert finance.load_finance(today) == 0  # a second load adds nothing
        agreements = db.session.scalars(sa.select(Agreement)).all()
        assert db.session.scalar(sa.select(sa.func.count(SharedAsset.id))) == 6
        for agreement in agreements:
            scheduled = sum((i.amount for i in agreement.installments), Decimal("0.00"))
            assert scheduled == agreement.total_amount, agreement.title
        states = Counter(
            "awaiting receipt"
            if i.status.value == "paid" and i.received_at is None
            else "overdue"
            if i.status.value in ("planned", "invoiced") and i.due_date < today
            else i.status.value
            for i in db.session.scalars(sa.select(Installment))
        )
        assert {"paid", "awaiting receipt", "overdue", "disputed", "planned"} <= set(states)
        statuses = Counter(a.status for a in agreements)
        assert statuses[AgreementStatus.SIGNED] and statuses[AgreementStatus.DRAFT]
        # Every city has its ledger, and the ministry co-finances each commune.
        assert {a.city_id for a in agreements} == set(db.session.scalars(sa.select(City.id)))
        assert sum(a.purpose.value == "cofinancing" for a in agreements) == 3
