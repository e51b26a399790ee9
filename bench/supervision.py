"""Benchmark of supervision (issue 11): the clock job and the statistics on a province-sized database.

    .venv/bin/python bench/supervision.py [--cases 100000] [--runs 5]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/referral_bench .venv/bin/python bench/supervision.py

Builds a fresh database through the migrations (SQLite in a temp dir unless BENCH_DATABASE_URL is set — that
database is wiped), fills one province (吉林省, 22) with cases spread over its counties in every clocked state,
a tenth of them overdue, one listed institution per county, and the accounts that the clock job tells. Then
measures, in one run so the ratios hold on a shared machine:

- the clock job (``notifications.services.escalate``): its first run (which writes the notifications) and a
  second run (which must write none), with the count of SQL statements;
- ``stats.queries.division_stats`` for a county, a city and the province: median time and SQL statements
  (constant whatever the number of cases: the figures are GROUP BYs, not rows loaded).
Prints a Markdown table."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, insert, text  # noqa: E402

from referral import create_app  # noqa: E402
from referral.config import normalise_database_url  # noqa: E402


@contextmanager
def counting(engine):
    counter = {"n": 0}

    def count(*_args, **_kwargs):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)


def build(url: str, n_cases: int):
    import flask_migrate

    from referral.auth.models import User, UserRole
    from referral.auth.passwords import hash_password
    from referral.calendar import add_working_days, today_in_china
    from referral.cases.models import Case, CaseEvent
    from referral.divisions.services import import_divisions
    from referral.extensions import db
    from referral.models import utcnow
    from referral.registries.models import Institution, InstitutionServiceArea

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
        counties = [c for (c,) in db.session.execute(text(
            "SELECT code FROM divisions WHERE level = 'county' AND code LIKE '22%' ORDER BY code"))]
        cities = sorted({c[:4] + "00" for c in counties})
        now, today = utcnow(), today_in_china()
        pw = hash_password("bench password 1")
        users, roles = [], []
        for code in counties:
            for role in ("referral_officer", "county_official"):
                users.append({"username": f"{role}-{code}", "display_name": role, "password_hash": pw,
                              "active": True, "division_code": code, "version": 1,
                              "created_at": now, "updated_at": now})
                roles.append(role)
        for code in cities:
            users.append({"username": f"city-{code}", "display_name": "city", "password_hash": pw, "active": True,
                          "division_code": code, "version": 1, "created_at": now,
                          "updated_at": now})
            roles.append("city_official")
        db.session.execute(insert(User), users)
        ids = [i for (i,) in db.session.execute(text("SELECT id FROM users ORDER BY id"))]
        db.session.execute(insert(UserRole), [{"user_id": i, "role": r} for i, r in zip(ids, roles, strict=True)])
        institutions = []
        for n, code in enumerate(counties):
            institutions.append({"name": f"康复中心{n}", "credit_code": f"BENCH{n:013d}", "division_code": code,
                                 "address": "", "legal_representative": "", "state": "listed", "capacity": 50,
                                 "free_places": 20, "version": 1, "created_at": now, "updated_at": now, "submitted_at": now,
                                 "state_changed_at": now})
        db.session.execute(insert(Institution), institutions)
        inst_of = dict(db.session.execute(text("SELECT division_code, id FROM institutions")).all())
        db.session.execute(insert(InstitutionServiceArea),
                           [{"institution_id": inst_of[c], "division_code": c} for c in counties])
        admins = [{"username": f"admin-{c}", "display_name": "admin", "password_hash": pw, "active": True,
                   "institution_id": inst_of[c], "version": 1, "created_at": now,
                   "updated_at": now} for c in counties]
        db.session.execute(insert(User), admins)
        db.session.execute(text("INSERT INTO user_roles (user_id, role) SELECT id, 'institution_admin' FROM users "
                                "WHERE username LIKE 'admin-%'"))
        rng = random.Random(11)
        states = ["applied", "registered", "referred", "assessing", "in_service"]
        rows, events = [], []
        for k in range(n_cases):
            county, state = rng.choice(counties), rng.choice(states)
            overdue = rng.random() < 0.1
            due = today - timedelta(days=rng.randint(1, 20)) if overdue else add_working_days(today, rng.randint(1, 10))
            applied = now - timedelta(days=rng.randint(1, 300))
            rows.append({"receipt_no": f"B{k:011d}", "state": state, "channel": "medical", "assister_role": "",
                         "division_code": county, "applicant_name": f"申请人{k}", "applicant_id_number": f"{k:018d}",
                         "applicant_phone": "", "applicant_address": "", "is_minor": False, "guardian_name": "",
                         "guardian_relation": "", "guardian_phone": "", "needs": "", "service_types": [],
                         "consent_signer": "applicant", "consent_signed_at": applied, "applied_at": applied,
                         "state_changed_at": applied, "due_date": due, "closed_before_service": False,
                         "institution_id": inst_of[county] if state in ("referred", "assessing", "in_service") else None,
                         "version": 1, "created_at": applied, "updated_at": applied})
        for start in range(0, len(rows), 20_000):
            db.session.execute(insert(Case), rows[start:start + 20_000])
        case_ids = [i for (i,) in db.session.execute(text("SELECT id FROM cases ORDER BY id"))]
        for case_id, applied in zip(case_ids, (r["applied_at"] for r in rows), strict=True):
            events.append({"case_id": case_id, "event": "apply", "from_state": None, "to_state": "applied",
                           "actor_name": "", "summary": {}, "at": applied})
            if rng.random() < 0.8:
                events.append({"case_id": case_id, "event": "register", "from_state": "applied",
                               "to_state": "registered", "actor_name": "", "summary": {},
                               "at": applied + timedelta(days=rng.randint(1, 9))})
        for start in range(0, len(events), 20_000):
            db.session.execute(insert(CaseEvent), events[start:start + 20_000])
        db.session.commit()
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return app


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    t0 = time.perf_counter()
    app = build(url, args.cases)
    print(f"database: {url.split('@')[-1]}; {args.cases} cases in province 22 "
          f"(built in {time.perf_counter() - t0:.0f} s)\n")
    from referral.extensions import db
    from referral.notifications.services import escalate
    from referral.stats.queries import area_of, division_stats

    print("| work | ms | SQL statements | result |\n|---|---|---|---|")
    with app.app_context():
        for label in ("clock job, first run", "clock job, second run"):
            with counting(db.engine) as counter:
                start = time.perf_counter()
                result = escalate()
                db.session.commit()
                ms = (time.perf_counter() - start) * 1000
            print(f"| {label} | {ms:.0f} | {counter['n']} | {result.cases} clocks, {result.created} notifications |")
        for code in ("220102", "220100", "220000"):
            area = area_of(code)
            samples = []
            for _ in range(args.runs):
                with counting(db.engine) as counter:
                    start = time.perf_counter()
                    stats = division_stats(area)
                    samples.append((time.perf_counter() - start) * 1000)
                db.session.rollback()
            open_cases = sum(v for k, v in stats["cases_by_state"].items())
            print(f"| statistics of {code} ({area.level}) | {statistics.median(samples):.0f} | {counter['n']} | "
                  f"{open_cases} cases, {sum(stats['overdue_by_clock'].values())} overdue |")


if __name__ == "__main__":
    main()
