"""A live portal on a local port and a real Chromium driven by Playwright."""

import logging
import os
import shutil
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import aliased
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


@dataclass(frozen=True)
class Invoiced:
    agreement_id: int
    installment_id: int
    amount: Decimal
    invoice_reference: str
    paid_on: date
    paid_on_text: str  # the payment date as the page writes it

    @property
    def url(self) -> str:
        return f"/finance/agreements/{self.agreement_id}"


@pytest.fixture
def invoiced_installment(app, demo_data) -> Invoiced:
    """An installment that RADEEMA invoiced to IAM for the Marrakech duct network, unpaid."""
    from portal import clock
    from portal.extensions import db
    from portal.models.finance import Agreement, AgreementStatus, Installment, InstallmentStatus
    from portal.models.organizations import Organization
    from portal.templating import localdate

    payer = aliased(Organization)
    payee = aliased(Organization)
    with app.test_request_context():
        installment = db.session.scalars(
            sa.select(Installment)
            .join(Installment.agreement)
            .join(payer, Agreement.payer_id == payer.id)
            .join(payee, Agreement.payee_id == payee.id)
            .where(
                payer.short_name == "IAM",
                payee.short_name == "RADEEMA",
                Agreement.status == AgreementStatus.SIGNED,
                Agreement.title.startswith(
                    "Réseau de fourreaux de la régie — axes principaux (Marrakech)"
                ),
                Installment.status == InstallmentStatus.INVOICED,
            )
            .order_by(Agreement.id, Installment.due_date)
        ).first()
        assert installment is not None, "the demo data has no invoice from RADEEMA to IAM"
        paid_on = clock.today() - timedelta(days=1)
        return Invoiced(
            agreement_id=installment.agreement_id,
            installment_id=installment.id,
            amount=installment.amount,
            invoice_reference=installment.invoice_reference,
            paid_on=paid_on,
            paid_on_text=localdate(paid_on),
        )
