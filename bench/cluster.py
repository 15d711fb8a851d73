"""More than one machine: two gunicorn instances on one PostgreSQL database with one scheduler
process, 50 concurrent clients for 60 s across both, one instance killed midway.

    make cluster        # or: .venv/bin/python -m bench.cluster [--seconds 60 --clients 50]

CLUSTER_DATABASE_URL names the database (default postgresql+psycopg://postgres@127.0.0.1:5432/
cluster); it is dropped and created again. The clients sign in as the demo's people and do
what they would: the secretariat edits milestones (two clients on each, so they collide), the
decision-makers approve submitted milestones (locally, then centrally, racing each other),
payers record payments (two clients per installment). At half time one instance is killed
with SIGKILL, as a machine that dies; its clients go on with the other. The script then checks:

- 0 responses 5xx on the surviving instance (and on the other before it died);
- 0 lost updates: every edit answered "saved" is in the milestone's final description, every
  approval or payment answered "done" is the one the database holds, and no milestone was
  approved twice at one level nor an installment paid twice;
- 0 duplicate e-mails: once the outbox is drained, no Message-ID reached the SMTP server twice.

It prints the figures and exits 1 when a check fails.
"""

import argparse
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from html import unescape
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cluster"
PASSWORD = "sdtn-demo-2026"  # the demo's published password (seeds/demo.py)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- The database, the mail server, the processes ---------------------------------------------


def fresh_database(url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(
        sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


class Mailbox:
    """The SMTP server the scheduler sends to: it keeps each message's Message-ID."""

    def __init__(self):
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        content = envelope.content.decode("utf-8", "replace")
        found = re.search(r"^Message-ID:\s*(\S+)", content, re.MULTILINE | re.IGNORECASE)
        with self.lock:
            self.ids.append(found.group(1) if found else f"none-{len(self.ids)}")
        return "250 OK"


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    # A session of its own, so that the whole instance (master and workers) can be killed.
    return subprocess.Popen(  # noqa: S603 (our own commands)
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the instance on port {port} did not start")


# --- A person's browser, reduced to what the checks need --------------------------------------


class Forms(HTMLParser):
    """Every form of a page: its action and the values a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": [], "buttons": []})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            fields.append((self._select, a.get("value", "")))
        elif tag == "button" and a.get("name"):
            self.forms[-1]["buttons"].append((a["name"], a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.forms[-1]["fields"].append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None


def forms_of(page: str, action: str) -> list[dict]:
    parser = Forms()
    parser.feed(page)
    return [f for f in parser.forms if unescape(f["action"]).split("?")[0] == action]


class Lost(Exception):
    """The instance died under the request: its outcome is unknown."""


@dataclass
class Tally:
    statuses: dict = field(default_factory=lambda: defaultdict(Counter))  # port -> status
    lost: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, port, status):
        with self.lock:
            self.statuses[port][status] += 1


class Client:
    def __init__(self, name: str, ports: list[int], first: int, tally: Tally, dead: set):
        self.name, self.ports, self.port, self.tally, self.dead = name, ports, first, tally, dead
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data=None) -> tuple[int, str]:
        if self.port in self.dead:
            self.port = next(p for p in self.ports if p not in self.dead)  # the balancer's move
            # A dead machine's session cookie still works: the key is shared.
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            content = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            with self.tally.lock:
                self.tally.lost += 1
            raise Lost(str(error)) from error
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        self.tally.record(self.port, response.status)
        return response.status, content

    def sign_in(self, email: str) -> None:
        for _attempt in range(5):
            try:
                _status, page = self.request("GET", "/login")
                token = CSRF.search(page).group(1)
                status, _page = self.request(
                    "POST",
                    "/login",
                    {"email": email, "password": PASSWORD, "csrf_token": token, "next": ""},
                )
                if status == 302:
                    return
            except Lost:
                continue
        raise SystemExit(f"{email} could not sign in")


# --- What the people do -----------------------------------------------------------------------


@dataclass
class Outcomes:
    edits: list = field(default_factory=list)  # (milestone id, marker) answered "saved"
    approvals: list = field(default_factory=list)  # (milestone id, transition) answered "done"
    payments: list = field(default_factory=list)  # (installment id, reference) answered "done"
    unknown: Counter = field(default_factory=Counter)  # kind -> requests lost with a machine
    refused: Counter = field(default_factory=Counter)  # kind, status -> stale or not allowed
    crashed: list = field(default_factory=list)  # clients stopped by an unexpected page
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, item) -> None:
        with self.lock:
            getattr(self, kind).append(item)

    def count(self, counter: str, key) -> None:
        with self.lock:
            getattr(self, counter)[key] += 1


def running(job, client, targets, until, out: Outcomes) -> None:
    """The client's work; a page it could not read stops it, and the run counts that."""
    try:
        job(client, targets, until, out)
    except Exception as error:
        out.add("crashed", f"{client.name}: {error!r}")


def editor(client: Client, targets: list[int], until: float, out: Outcomes, n=0) -> None:
    while time.monotonic() < until:
        n += 1
        milestone_id = random.choice(targets)
        path = f"/milestones/{milestone_id}/edit"
        marker = f"[{client.name}-{n}]"
        try:
            _status, page = client.request("GET", path)
            (form,) = forms_of(page, path)
            values = dict(form["fields"])
            fields = [(k, v) for k, v in form["fields"] if k != "description"]
            description = (values.get("description") or "").replace("\r\n", "\n").strip("\n")
            fields.append(("description", f"{description} {marker}".strip()))
            status, _page = client.request("POST", path, fields)
        except Lost:
            out.count("unknown", "edit")
            continue
        if status == 302:
            out.add("edits", (milestone_id, marker))
        else:
            out.count("refused", ("edit", status))


def approver(client: Client, targets: list[int], until: float, out: Outcomes) -> None:
    while time.monotonic() < until:
        milestone_id = random.choice(targets)
        try:
            _status, page = client.request("GET", f"/milestones/{milestone_id}")
            action = f"/milestones/{milestone_id}/transition"
            forms = forms_of(page, action)
            choices = [v for f in forms for k, v in f["buttons"] if v.startswith("approve_")]
            if not choices:
                continue
            fields = [(k, v) for k, v in forms[0]["fields"] if k != "transition"]
            status, _page = client.request("POST", action, [*fields, ("transition", choices[0])])
        except Lost:
            out.count("unknown", "approval")
            continue
        if status == 302:
            out.add("approvals", (milestone_id, choices[0]))
        else:
            out.count("refused", ("approval", status))


def payer(client: Client, targets: list[tuple[int, int]], until: float, out: Outcomes, n=0):
    while time.monotonic() < until:
        n += 1
        installment_id, agreement_id = random.choice(targets)
        action = f"/finance/installments/{installment_id}/act"
        try:
            _status, page = client.request("GET", f"/finance/agreements/{agreement_id}")
            forms = [f for f in forms_of(page, action) if ("action", "pay") in f["fields"]]
            if not forms:
                continue  # paid already: the button is gone
            reference = f"VIR-{client.name}-{n}"
            fields = [(k, v) for k, v in forms[0]["fields"] if k not in ("reference", "day")]
            fields += [("reference", reference), ("day", date.today().isoformat())]
            status, _page = client.request("POST", action, fields)
        except Lost:
            out.count("unknown", "payment")
            continue
        if status == 302:
            out.add("payments", (installment_id, reference))
        else:
            out.count("refused", ("payment", status))


# --- The run ----------------------------------------------------------------------------------


def prepare(url: str, env: dict) -> dict:
    """The demo, then work to race over: submitted milestones in every city, installments
    waiting for their payer, and who may act on each (asked of the portal's own rules)."""
    for command in (["db", "upgrade"], ["seed", "demo"]):
        subprocess.run(  # noqa: S603 (our own commands)
            [VENV / "flask", "--app", "wsgi", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    os.environ.update(env)
    from portal import create_app
    from portal.extensions import db
    from portal.models import Installment, Milestone, MilestoneStatus, User
    from portal.services import finance

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        open_ones = db.session.scalars(
            sa.select(Milestone)
            .where(Milestone.status.in_([MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS]))
            .order_by(Milestone.id)
        ).all()
        # Half go to the decision-makers as submitted; a few others are the secretariat's to edit.
        submitted = open_ones[::2]
        for milestone in submitted:
            milestone.status = MilestoneStatus.SUBMITTED
        db.session.commit()
        edited = [m.id for m in open_ones[1::2][:8]]
        by_city = defaultdict(list)
        for milestone in submitted:
            by_city[milestone.action.plan.city.slug].append(milestone.id)
        users = db.session.scalars(sa.select(User).where(User.email.like("%@sdtn.demo"))).all()
        payments = defaultdict(list)
        for installment in db.session.scalars(sa.select(Installment)):
            for user in users:
                if "pay" in finance.allowed_actions(user, installment):
                    payments[user.email].append((installment.id, installment.agreement_id))
        db.engine.dispose()
    return {"edited": edited, "submitted": dict(by_city), "payments": dict(payments)}


def crew(work: dict, clients: int) -> list[tuple[str, object, list]]:
    """Who each client is and what it does: a third edits, a third approves, a third pays."""
    approvals = [(f"local.{city}@sdtn.demo", ids) for city, ids in work["submitted"].items()]
    everyone = [i for ids in work["submitted"].values() for i in ids]
    approvals.append(("central@sdtn.demo", everyone))
    payers = sorted(work["payments"].items())
    plan = []
    for index in range(clients):
        if index % 3 == 0:
            plan.append(("secretariat@sdtn.demo", editor, work["edited"]))
        elif index % 3 == 1:
            email, ids = approvals[index // 3 % len(approvals)]
            plan.append((email, approver, ids))
        else:
            email, targets = payers[index // 3 % len(payers)]
            plan.append((email, payer, targets))
    return plan


def check(url: str, out: Outcomes) -> dict[str, int]:
    from portal.models import Installment, Milestone, MilestoneEvent, MilestoneStatus

    engine = sa.create_engine(url)
    failures = dict.fromkeys(("lost edits",), 0)
    with engine.connect() as conn:
        descriptions = dict(conn.execute(sa.select(Milestone.id, Milestone.description)).all())
        for milestone_id, marker in out.edits:
            if marker not in (descriptions[milestone_id] or ""):
                failures["lost edits"] += 1
        # Each level of approval happens once per milestone, and every "done" is in the record.
        moves = Counter(
            (row.milestone_id, row.to_status)
            for row in conn.execute(
                sa.select(MilestoneEvent.milestone_id, MilestoneEvent.to_status).where(
                    MilestoneEvent.to_status.in_(
                        [MilestoneStatus.APPROVED_LOCALLY, MilestoneStatus.APPROVED]
                    )
                )
            )
        )
        failures["approvals twice at one level"] = sum(1 for n in moves.values() if n > 1)
        target = {
            "approve_local": MilestoneStatus.APPROVED_LOCALLY,
            "approve_central": MilestoneStatus.APPROVED,
        }
        done = Counter((m, target[t]) for m, t in out.approvals)
        failures["approvals answered twice"] = sum(1 for n in done.values() if n > 1)
        failures["lost approvals"] = sum(1 for key in done if moves[key] != 1)
        paid = dict(
            conn.execute(
                sa.select(Installment.id, Installment.payment_reference).where(
                    Installment.payment_reference.like("VIR-c%")
                )
            ).all()
        )
        answered = Counter(i for i, _ref in out.payments)
        failures["payments answered twice"] = sum(1 for n in answered.values() if n > 1)
        failures["lost payments"] = sum(1 for i, ref in out.payments if paid.get(i) != ref)
    engine.dispose()
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    args = parser.parse_args()
    url = os.environ.get("CLUSTER_DATABASE_URL", DEFAULT_URL)
    logs = Path(os.environ.get("CLUSTER_LOG_DIR") or tempfile.mkdtemp(prefix="sdtn-cluster-"))
    logs.mkdir(parents=True, exist_ok=True)

    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "cluster-shared-secret-key",
        "PORTAL_URL": "http://127.0.0.1",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "MAIL_SEND_INTERVAL_SECONDS": "2",
        # The sign-in limits counted once for both machines, as in production.
        "RATELIMIT_STORAGE_URI": os.environ.get(
            "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15"
        ),
        "EMBED_SCHEDULER": "",
    }
    print(f"database {url}; logs in {logs}", flush=True)
    fresh_database(url)
    work = prepare(url, env)
    ports = [free_port(), free_port()]
    instances = [
        start(
            [
                VENV / "gunicorn",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{p}",
                "wsgi:app",
            ],
            env,
            logs / f"web-{p}.log",
        )
        for p in ports
    ]
    scheduler = start(
        [VENV / "flask", "--app", "wsgi", "scheduler", "run"], env, logs / "scheduler.log"
    )
    for p in ports:
        wait_for(p)

    tally, out, dead = Tally(), Outcomes(), set()
    plan = crew(work, args.clients)
    people = []
    for index, (email, _job, _targets) in enumerate(plan):
        client = Client(f"c{index}", ports, ports[index % 2], tally, dead)
        client.sign_in(email)
        people.append(client)
    began = time.monotonic()
    until = began + args.seconds
    threads = [
        threading.Thread(target=running, args=(job, client, targets, until, out), daemon=True)
        for client, (_email, job, targets) in zip(people, plan, strict=True)
    ]
    for thread in threads:
        thread.start()
    time.sleep(args.seconds / 2)
    victim, survivor = ports
    before_kill = Counter(tally.statuses[victim])
    survivor_at_kill = sum(tally.statuses[survivor].values())
    os.killpg(instances[0].pid, signal.SIGKILL)
    dead.add(victim)
    killed_at = time.monotonic() - began
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began

    # The outbox drains through the one scheduler; then no message may have come twice.
    from portal.models import OutboxMessage, OutboxStatus

    engine = sa.create_engine(url)
    # Due now, claimed, or waiting to be tried again after a failure: not sent yet.
    pending = sa.select(sa.func.count()).where(
        sa.or_(
            OutboxMessage.status == OutboxStatus.SENDING,
            sa.and_(
                OutboxMessage.status == OutboxStatus.PENDING,
                sa.or_(
                    OutboxMessage.next_attempt_at.is_(None),
                    OutboxMessage.attempts > 0,
                    OutboxMessage.next_attempt_at <= sa.func.now(),
                ),
            ),
        )
    )
    failed = sa.select(sa.func.count()).where(OutboxMessage.status == OutboxStatus.FAILED)
    deadline = time.monotonic() + 120
    with engine.connect() as conn:
        while conn.execute(pending).scalar() and time.monotonic() < deadline:
            time.sleep(1)
            conn.rollback()
        left = conn.execute(pending).scalar()
        undelivered = conn.execute(failed).scalar()
    engine.dispose()
    time.sleep(3)
    os.killpg(scheduler.pid, signal.SIGTERM)
    instances[1].send_signal(signal.SIGTERM)
    for process in (scheduler, instances[1]):
        process.wait(timeout=30)
    smtp.stop()

    failures = check(url, out)
    server_errors = {
        "survivor": sum(n for s, n in tally.statuses[survivor].items() if s >= 500),
        "killed, before the kill": sum(n for s, n in before_kill.items() if s >= 500),
    }
    duplicates = len(mailbox.ids) - len(set(mailbox.ids))
    requests_done = sum(sum(c.values()) for c in tally.statuses.values())
    print(f"{args.clients} clients for {elapsed:.0f} s on 2 instances x {args.workers} workers")
    print(f"instance on {victim} killed at {killed_at:.0f} s")
    print(f"requests answered: {requests_done} ({requests_done / elapsed:.0f}/s)")
    for port, label in ((victim, "killed"), (survivor, "survivor")):
        print(f"  {label} ({port}): {dict(sorted(tally.statuses[port].items()))}")
    print(f"requests lost with the killed instance: {tally.lost}")
    print(
        f"edits saved {len(out.edits)}, approvals {len(out.approvals)}, "
        f"payments {len(out.payments)}; refused (stale or no longer allowed): "
        f"{dict(sorted(out.refused.items()))}; outcome unknown: {dict(out.unknown)}"
    )
    print(f"e-mails received {len(mailbox.ids)}, duplicates {duplicates}, left due {left}")
    survivor_after = sum(tally.statuses[survivor].values()) - survivor_at_kill
    for line in out.crashed:
        print(f"client stopped: {line}")
    problems = {
        **{f"5xx on {k}": v for k, v in server_errors.items()},
        **failures,
        "duplicate e-mails": duplicates,
        "due e-mails never sent": left,
        "e-mails failed": undelivered,
        "clients stopped by an error": len(out.crashed),
        # Each of these must have happened, or the run proved nothing.
        "no e-mail received": int(not mailbox.ids),
        "no request answered by the survivor after the kill": int(not survivor_after),
        "no edit, approval or payment done": int(
            not (out.edits and out.approvals and out.payments)
        ),
    }
    for name, value in problems.items():
        print(f"{'FAIL' if value else 'ok  '} {name}: {value}")
    return 1 if any(problems.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
