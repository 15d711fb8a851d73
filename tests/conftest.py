"""Fixtures: the app on a migrated database, a client, factories, and a login helper.

Tests run on SQLite, or on PostgreSQL when TEST_DATABASE_URL is set. The schema comes from
the Alembic migrations (not create_all), so every test also exercises them.
"""

import email
import email.policy
import itertools
import os
import re
import socket
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
import time_machine
from aiosmtpd.controller import Controller
from flask import has_app_context
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db as _db
from portal.models import City, Organization, OrganizationKind, Role, RoleAssignment, User
from portal.services import accounts

PASSWORD = "correct-horse-battery"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
# CI runs the suite again with the clock moved ahead by this many days: a test that passes
# only on some days of the week or month fails there.
CLOCK_SHIFT_DAYS = int(os.environ.get("CLOCK_SHIFT_DAYS") or 0)
_counter = itertools.count(1)


def pytest_configure(config):
    if CLOCK_SHIFT_DAYS:
        moved = datetime.now(UTC) + timedelta(days=CLOCK_SHIFT_DAYS)
        config._clock_shift = time_machine.travel(moved, tick=True)
        config._clock_shift.start()


def pytest_unconfigure(config):
    shift = getattr(config, "_clock_shift", None)
    if shift is not None:
        shift.stop()


def pytest_report_header(config):
    if CLOCK_SHIFT_DAYS:
        return f"clock moved {CLOCK_SHIFT_DAYS} days ahead: today is {datetime.now(UTC).date()}"
    return None


def reset_schema(app) -> None:
    """Empty the test database completely, then migrate it to head."""
    with app.app_context():
        engine = _db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        else:
            _db.drop_all()
            with engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()


# The tests commit thousands of times: on PostgreSQL, not waiting for each commit to reach the
# disk makes the run several times faster and changes nothing the tests can observe.
_ENGINE_OPTIONS = (
    {
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    }
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql")
    else {}
)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    url = TEST_DATABASE_URL or f"sqlite:///{instance / 'test.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret-key",
            # Cheap hashing keeps the suite fast; argon2id all the same.
            "ARGON2_PARAMETERS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
            "WTF_CSRF_ENABLED": False,
            # Many tests sign in wrongly from one address; the limit's own tests set it back.
            "LOGIN_RATE_LIMIT": "100000 per hour",
            "CONSULTATION_RATE_LIMIT": "100000 per hour",
            "SUPPORT_RATE_LIMIT": "100000 per hour",
            "SERVER_NAME": None,
            **_ENGINE_OPTIONS,
        }
    )
    reset_schema(app)
    return app


@pytest.fixture(autouse=True)
def _shell_language(monkeypatch):
    """The commands speak the shell's language: every test runs them in a plain C locale
    (French), whatever the machine's, unless it sets its own."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(autouse=True)
def _empty_tables(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def csrf_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An application context for service tests (never hold one across client requests)."""
    with app.app_context():
        yield
        _db.session.rollback()


@pytest.fixture
def db(app):
    return _db


@contextmanager
def _session(app):
    """Use the test's own app context when there is one; otherwise open one briefly and
    hand back detached objects whose columns are loaded."""
    if has_app_context():
        objects: list = []
        yield objects
        _db.session.commit()
        return
    with app.app_context():
        objects = []
        yield objects
        _db.session.commit()
        for obj in objects:
            _db.session.refresh(obj)
            _db.session.expunge(obj)


@pytest.fixture
def make_city(app):
    def make(**kw):
        n = next(_counter)
        with _session(app) as objects:
            city = City(
                name=kw.pop("name", f"Ville {n}"),
                slug=kw.pop("slug", f"ville-{n}"),
                region=kw.pop("region", "Région"),
                **kw,
            )
            _db.session.add(city)
            objects.append(city)
        return city

    return make


@pytest.fixture
def make_org(app):
    def make(**kw):
        n = next(_counter)
        city = kw.pop("city", None)
        with _session(app) as objects:
            org = Organization(
                name=kw.pop("name", f"Organisme {n}"),
                short_name=kw.pop("short_name", f"ORG{n}"),
                kind=kw.pop("kind", OrganizationKind.COMMUNE),
                city_id=city.id if city is not None else kw.pop("city_id", None),
                **kw,
            )
            _db.session.add(org)
            objects.append(org)
        return org

    return make


@pytest.fixture
def make_user(app, make_org):
    """make_user(role=Role.X, city=city, organization=org, password=..., active=True)."""

    def make(**kw):
        n = next(_counter)
        organization = kw.pop("organization", None) or make_org()
        roles = kw.pop("roles", None)
        role = kw.pop("role", None)
        city = kw.pop("city", None)
        if roles is None:
            roles = [(role, city)] if role is not None else []
        with _session(app) as objects:
            user = User(
                email=kw.pop("email", f"user{n}@example.org"),
                full_name=kw.pop("full_name", f"Personne {n}"),
                organization_id=organization.id,
                password_hash=accounts.hash_password(kw.pop("password", PASSWORD)),
                role_assignments=[
                    RoleAssignment(role=r, city_id=c.id if c is not None else None)
                    for r, c in roles
                ],
                **kw,
            )
            _db.session.add(user)
            objects.append(user)
        return user

    return make


def login(client, user_or_email, password: str = PASSWORD, follow_redirects: bool = False):
    email = getattr(user_or_email, "email", user_or_email)
    return client.post(
        "/login",
        data={"email": email, "password": password},
        follow_redirects=follow_redirects,
    )


def browser(app, user):
    """A client of its own, signed in as `user` (a second person beside the test's client)."""
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def text(response) -> str:
    """A response's page as a person reads it (entities decoded)."""
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def login_as(client):
    def do(user, password: str = PASSWORD):
        response = login(client, user, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


ALL_ROLES = list(Role)


@pytest.fixture
def make_domain(app):
    def make(**kw):
        from portal.models import Domain

        n = next(_counter)
        with _session(app) as objects:
            domain = Domain(
                code=kw.pop("code", f"domain-{n}"), name=kw.pop("name", f"Domaine {n}"), **kw
            )
            _db.session.add(domain)
            objects.append(domain)
        return domain

    return make


@pytest.fixture
def make_plan(app, make_city):
    def make(**kw):
        from datetime import date

        from portal.models import Plan

        city = kw.pop("city", None) or make_city()
        with _session(app) as objects:
            plan = Plan(
                city_id=city.id,
                title=kw.pop("title", f"SDTN {city.name}"),
                start_date=kw.pop("start_date", date(2026, 1, 1)),
                **kw,
            )
            _db.session.add(plan)
            objects.append(plan)
        return plan

    return make


@pytest.fixture
def make_action(app, make_plan, make_domain, make_org):
    def make(**kw):
        from datetime import date
        from decimal import Decimal

        from portal.models import Action, Horizon

        n = next(_counter)
        plan = kw.pop("plan", None) or make_plan()
        domain = kw.pop("domain", None) or make_domain()
        lead = kw.pop("lead_organization", None) or make_org(city_id=plan.city_id)
        with _session(app) as objects:
            action = Action(
                plan_id=plan.id,
                code=kw.pop("code", f"A{n:03d}"),
                title=kw.pop("title", f"Action {n}"),
                domain_id=domain.id,
                horizon=kw.pop("horizon", Horizon.SHORT),
                lead_organization_id=lead.id,
                budget=kw.pop("budget", Decimal("1000000.00")),
                planned_start=kw.pop("planned_start", date(2026, 1, 1)),
                planned_end=kw.pop("planned_end", date(2026, 12, 31)),
                **kw,
            )
            _db.session.add(action)
            objects.append(action)
        return action

    return make


@pytest.fixture
def make_milestone(app, make_action, make_org):
    """make_milestone(action=..., responsible_organization=..., status=..., due_date=...)."""

    def make(**kw):
        from datetime import date

        from portal.models import Action, Milestone, MilestoneStatus, Plan

        n = next(_counter)
        action = kw.pop("action", None) or make_action()
        responsible = kw.pop("responsible_organization", None)
        with _session(app) as objects:
            city_id = _db.session.get(Plan, action.plan_id).city_id
            responsible_id = action.lead_organization_id if responsible is None else responsible.id
            milestone = Milestone(
                city_id=city_id,
                action_id=action.id,
                horizon=_db.session.get(Action, action.id).horizon,
                title=kw.pop("title", f"Jalon {n}"),
                responsible_organization_id=responsible_id,
                due_date=kw.pop("due_date", date(2026, 6, 30)),
                status=kw.pop("status", MilestoneStatus.PLANNED),
                **kw,
            )
            _db.session.add(milestone)
            objects.append(milestone)
        return milestone

    return make


# --- A real SMTP server on loopback --------------------------------------------------------


class Recorder:
    """An SMTP server's mailbox; addresses in `refuse` get a permanent 550."""

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=5)
    yield recorder
    controller.stop()
    app.config.update(SMTP_HOST="", SMTP_PORT=25)


@pytest.fixture(scope="session")
def demo_rows(app):
    """The demo, loaded once through the real services, then kept as rows: each test that
    needs it gets a fresh copy in a few milliseconds instead of a new load."""
    import sqlalchemy as sa

    from portal import clock
    from portal.extensions import db
    from seeds import demo

    with app.test_request_context():
        demo.load_demo(today=clock.today())
        db.session.commit()
        with db.engine.begin() as conn:
            rows = {
                table.name: [dict(row._mapping) for row in conn.execute(sa.select(table))]
                for table in db.metadata.sorted_tables
            }
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
    return rows


@pytest.fixture
def demo_data(app, demo_rows):
    import sqlalchemy as sa

    from portal.extensions import db

    with app.app_context(), db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if demo_rows[table.name]:
                conn.execute(table.insert(), demo_rows[table.name])
            if conn.dialect.name == "postgresql" and "id" in table.c:
                # Rows came with their ids: the next new row must not take one of them.
                highest = sa.select(sa.func.max(table.c.id)).scalar_subquery()
                sequence = sa.func.pg_get_serial_sequence(table.name, "id")
                conn.execute(
                    sa.select(sa.func.setval(sequence, sa.func.coalesce(highest, 0) + 1, False))
                )


def statements(action, app=None) -> int:
    """How many SQL statements `action` sends: on the current app's engine, or on `app`'s
    when given (its context is not held while `action` runs, e.g. a client's request)."""
    if app is not None:
        with app.app_context():
            engine = _db.engine
    else:
        engine = _db.engine
    sent = [0]

    def before(*args, **kwargs):
        sent[0] += 1

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    return sent[0]


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_no_sync(dbapi_connection, connection_record):
    # As on PostgreSQL (synchronous_commit=off): the tests never outlive a power cut.
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")
