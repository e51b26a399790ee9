"""Benchmark of the scoped, paginated list pages on a realistically large database.

    .venv/bin/python bench/lists.py [--users 20000] [--audit 200000] [--runs 30]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/referral_bench .venv/bin/python bench/lists.py

Builds a fresh database through the migrations (SQLite in a temp dir unless BENCH_DATABASE_URL is set —
that database is wiped), fills it with users spread over the whole national division list and audit entries,
then times each page for a county official (small scope) and the sysadmin (national scope): the median and
95th percentile over --runs requests, after one warm-up request. Prints a Markdown table."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from referral import create_app  # noqa: E402
from referral.config import normalise_database_url  # noqa: E402


def build(url: str, n_users: int, n_audit: int):
    import flask_migrate

    from referral.audit.models import AuditEntry
    from referral.auth.models import User, UserRole
    from referral.auth.passwords import hash_password
    from referral.divisions.services import import_divisions
    from referral.extensions import db
    from referral.models import utcnow

    if url.startswith("postgresql"):
        engine = create_engine(normalise_database_url(url))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        flask_migrate.upgrade()
        import_divisions()
        counties = [c for (c,) in db.session.execute(text("SELECT code FROM divisions WHERE level = 'county'"))]
        pw = hash_password("bench password 1")
        rng = random.Random(1)
        now = utcnow()
        users = [{"username": f"u{i:06d}", "display_name": f"用户{i}", "password_hash": pw, "active": True,
                  "division_code": "220102" if i % 500 == 0 else rng.choice(counties),
                  "version": 1, "created_at": now, "updated_at": now} for i in range(n_users)]
        db.session.execute(insert(User), users)
        ids = [i for (i,) in db.session.execute(text("SELECT id FROM users ORDER BY id"))]
        db.session.execute(insert(UserRole), [{"user_id": i, "role": "referral_officer"} for i in ids])
        entries = [{"at": now - timedelta(minutes=k), "actor_id": ids[k % len(ids)], "actor_name": f"u{k % len(ids):06d}",
                    "action": "user.update", "object_type": "user", "object_id": str(k),
                    "division_code": "220102" if k % 500 == 0 else rng.choice(counties), "summary": {"k": k}}
                   for k in range(n_audit)]
        for start in range(0, len(entries), 20_000):
            db.session.execute(insert(AuditEntry), entries[start:start + 20_000])
        admin = User(username="bench-admin", display_name="admin", password_hash=pw)
        admin.role_rows = [UserRole(role="sysadmin")]
        county = User(username="bench-county", display_name="county", password_hash=pw, division_code="220102")
        county.role_rows = [UserRole(role="county_official")]
        db.session.add_all([admin, county])
        db.session.commit()
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        from referral.auth.sessions import start_session

        start_session(admin)
        start_session(county)
        db.session.commit()
        return app, admin.get_id(), county.get_id()


def time_page(app, session_id, path, runs):
    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = session_id
    client.get(path)  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--audit", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    t0 = time.perf_counter()
    app, admin_id, county_id = build(url, args.users, args.audit)
    print(f"database: {url.split('@')[-1]}; {args.users} users, {args.audit} audit entries "
          f"(built in {time.perf_counter() - t0:.0f} s)\n")
    print("| page | viewer | median ms | p95 ms |\n|---|---|---|---|")
    pages = ["/users/", "/users/?page=50", "/users/?q=u0001", "/audit/", "/audit/?page=100",
             "/audit/?action=user.update&date_from=2020-01-01", "/divisions/220000"]
    for path in pages:
        for who, sid in (("sysadmin", admin_id), ("county 220102", county_id)):
            if path.startswith("/divisions/220000") and who != "sysadmin":
                continue
            median, p95 = time_page(app, sid, path, args.runs)
            print(f"| `{path}` | {who} | {median:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
