"""The demo data and the commands an operator runs."""

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
    assert "nothing loaded" in result.output
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
