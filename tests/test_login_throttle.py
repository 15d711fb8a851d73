"""Sign-in throttling per client address: failed attempts against any accounts count, the
limit answers 429 with Retry-After in the person's language, and with Redis as its store
the count is shared by every worker (two portal processes here)."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from html import unescape

import pytest

from portal.models import Role
from tests.conftest import PASSWORD, login

LIMIT = 10  # a minute's worth under DEFAULT_LOGIN_RATE_LIMIT
REDIS = ("127.0.0.1", 6379)


@pytest.fixture
def throttled(app):
    """The portal's own limit (the suite runs with a loose one), from a fresh count."""
    from portal.config import DEFAULT_LOGIN_RATE_LIMIT
    from portal.extensions import limiter

    loose = app.config["LOGIN_RATE_LIMIT"]
    app.config["LOGIN_RATE_LIMIT"] = DEFAULT_LOGIN_RATE_LIMIT
    limiter.reset()
    yield
    limiter.reset()
    app.config["LOGIN_RATE_LIMIT"] = loose


def test_failed_sign_ins_from_one_address_are_throttled(app, throttled, make_user):
    user = make_user(role=Role.OBSERVER)
    client = app.test_client()
    # Thirty addresses tried from one client: the first ten are answered, then 429.
    answers = [login(client, f"personne{n}@example.org", "wrong-password-123") for n in range(30)]
    assert [a.status_code for a in answers[:LIMIT]] == [401] * LIMIT
    assert {a.status_code for a in answers[LIMIT:]} == {429}
    refused = answers[LIMIT]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    page = unescape(refused.get_data(as_text=True))
    assert "Trop de tentatives de connexion refusées depuis votre adresse" in page
    # The right password from that address waits too; another address signs in.
    assert login(client, user).status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert login(elsewhere, user).status_code == 302
    # In English for a reader who chose English on the sign-in page.
    reader = app.test_client()
    with reader.session_transaction() as session:
        session["lang"] = "en"
    english = reader.post("/login", data={"email": "x@example.org", "password": "y"})
    assert english.status_code == 429
    assert "Too many refused sign-ins from your address" in unescape(english.get_data(as_text=True))


def test_successful_sign_ins_do_not_count(app, throttled, make_user):
    user = make_user(role=Role.OBSERVER)
    client = app.test_client()
    for _ in range(LIMIT + 5):
        assert login(client, user, PASSWORD).status_code == 302
        client.post("/logout")


def _redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Browser:
    """A client of one portal process, with its cookie and the form's CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def sign_in(self, email: str, password: str) -> int:
        page = self.opener.open(f"{self.base}/login", timeout=10).read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        token = token or re.search(r'name="csrf-token" content="([^"]+)"', page)
        data = urllib.parse.urlencode(
            {"email": email, "password": password, "csrf_token": token.group(1)}
        ).encode()
        try:
            return self.opener.open(f"{self.base}/login", data=data, timeout=10).status
        except urllib.error.HTTPError as error:
            return error.code


def test_with_redis_the_count_is_shared_by_every_worker(app, tmp_path):
    if not _redis_up():
        if os.environ.get("REQUIRE_BROWSER") == "1":  # CI: Redis runs beside PostgreSQL
            pytest.fail("Redis is required on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    ports = [_free_port(), _free_port()]
    env = dict(
        os.environ,
        FLASK_APP="wsgi",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY="test-secret-key",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        RATELIMIT_KEY_PREFIX=f"sdtn-test-{uuid.uuid4().hex}",
    )
    env.pop("EMBED_SCHEDULER", None)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "run", "--port", str(port), "--no-reload"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"worker-{port}.log").open("w"),
        )
        for port in ports
    ]
    try:
        workers = [_Browser(f"http://127.0.0.1:{port}") for port in ports]
        deadline = time.monotonic() + 30
        for worker in workers:
            while True:
                try:
                    urllib.request.urlopen(f"{worker.base}/healthz", timeout=1)  # noqa: S310
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the portal processes did not start"
                    time.sleep(0.2)
        # Half the limit on each worker, then both refuse: they count together.
        codes = [
            workers[n % 2].sign_in(f"p{n}@example.org", "wrong-pass-123") for n in range(LIMIT)
        ]
        assert codes == [401] * LIMIT
        assert [worker.sign_in("p@example.org", "wrong-pass-123") for worker in workers] == [
            429,
            429,
        ]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)
