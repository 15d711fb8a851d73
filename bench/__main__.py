"""Benchmarks: page timings and SQL query counts at two data sizes.

    make bench                       # SQLite in a temporary folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench make bench

A page whose query count grows with the data is an N+1 to fix; the timings are medians.
"""

import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager

import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from portal.models import AuditEvent, Organization, Role, RoleAssignment, User
from portal.models.types import utcnow
from portal.services import accounts, seeding

SIZES = (100, 5000)
PAGES = (
    "/",
    "/admin/users",
    "/admin/users?page=5",
    "/admin/users?role=observer",
    "/admin/users?q=personne%2042",
    "/admin/audit",
    "/admin/audit?action=login",
)
RUNS = 15
PASSWORD = "bench-password-123"


@contextmanager
def counting_queries(engine):
    count = [0]

    def before(*args, **kwargs):
        count[0] += 1

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield count
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def build(app, size: int) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        seeding.load_demo()
        db.session.commit()
        org_ids = list(db.session.scalars(sa.select(Organization.id)))
        password_hash = accounts.hash_password(PASSWORD)
        now = utcnow()
        users = [
            {
                "email": f"personne{i}@bench.example",
                "full_name": f"Personne {i}",
                "organization_id": org_ids[i % len(org_ids)],
                "password_hash": password_hash,
                "preferred_language": "fr",
                "active": i % 17 != 0,
                "failed_login_count": 0,
                "session_token": f"bench-{i}",
                "created_at": now,
                "version": 1,
            }
            for i in range(size)
        ]
        db.session.execute(sa.insert(User), users)
        ids = db.session.scalars(sa.select(User.id).where(User.email.like("%@bench.example"))).all()
        roles = list(Role)
        db.session.execute(
            sa.insert(RoleAssignment),
            [
                {"user_id": uid, "role": roles[uid % len(roles)], "city_id": None}
                for uid in ids
                if roles[uid % len(roles)] is not Role.LOCAL_DECISION_MAKER
            ],
        )
        db.session.execute(
            sa.insert(AuditEvent),
            [
                {
                    "occurred_at": now,
                    "actor_id": uid,
                    "actor_label": f"personne{uid}@bench.example",
                    "action": "login.success" if uid % 3 else "user.updated",
                    "object_type": "users",
                    "object_id": uid,
                    "details": {},
                }
                for uid in ids
                for _ in range(3)
            ],
        )
        db.session.commit()


def measure(app) -> list[tuple[str, int, float]]:
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "admin@sdtn.demo", "password": "sdtn-demo-2026"}
    )
    assert response.status_code == 302, "demo admin could not sign in"
    rows = []
    with app.app_context():
        engine = db.engine
    for url in PAGES:
        client.get(url)  # warm caches and compiled statements
        with counting_queries(engine) as count:
            assert client.get(url).status_code == 200, url
            queries = count[0]
        timings = []
        for _ in range(RUNS):
            start = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        rows.append((url, queries, statistics.median(timings)))
    return rows


def main() -> int:
    results: dict[int, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench-{size}.sqlite3"
            app = create_app(
                {
                    "INSTANCE_PATH": tmp,
                    "SQLALCHEMY_DATABASE_URI": url,
                    "SECRET_KEY": "bench",
                    "WTF_CSRF_ENABLED": False,
                }
            )
            build(app, size)
            results[size] = measure(app)
            with app.app_context():
                db.engine.dispose()
    print(f"{'page':<32}" + "".join(f"{f'{s} users: queries, ms':>26}" for s in SIZES))
    regressions = []
    for i, url in enumerate(PAGES):
        cells = [results[s][i] for s in SIZES]
        print(f"{url:<32}" + "".join(f"{q:>14} {ms:>10.1f}" for _, q, ms in cells))
        if len({q for _, q, _ in cells}) > 1:
            regressions.append(url)
    if regressions:
        print("query count grows with the data on:", ", ".join(regressions))
        return 1
    print("query counts are the same at every size")
    return 0


if __name__ == "__main__":
    sys.exit(main())
