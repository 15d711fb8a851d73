"""A live portal on a local port and a real Chromium driven by Playwright."""

import logging
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not executable:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (REQUIRE_BROWSER=1) but /usr/bin/chromium is missing")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    # Pages answered with a 4xx on purpose (a refused sign-in, a 403) log a console error;
    # a missing asset is caught by its response instead.
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "Failed to load resource" not in m.text
            and problems.append(m.text)
        ),
    )
    page.on(
        "response",
        lambda r: (
            "/static/" in r.url and r.status >= 400 and problems.append(f"{r.status} {r.url}")
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.console_problems = problems
    yield page
    context.close()
    # A CSP violation or a script error is a failure, whatever the test checked.
    assert problems == [], problems


@pytest.fixture(scope="session")
def demo_rows(app):
    """The demo, loaded once through the real services, then kept as rows: each test that
    needs it gets a fresh copy in a few milliseconds instead of a new load."""
    import sqlalchemy as sa

    from portal import clock
    from portal.extensions import db
    from portal.services import seeding

    with app.test_request_context():
        seeding.load_demo(today=clock.today())
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
