"""Benchmark of supervision (issue 11): the clock job and the statistics on a province-sized database.

    .venv/bin/python bench/supervision.py [--cases 100000] [--runs 5]
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/referral_bench .venv/bin/python bench/supervision.py \
        --cases 1000000 --stats-only

Builds a fresh database through the migrations (SQLite in a temp dir unless BENCH_DATABASE_URL is set — that
database is wiped), fills one province (吉林省, 22) with cases spread over its counties in every clocked state,
a tenth of them overdue, one listed institution per county, and the accounts that the clock job tells. Then
measures, in one run so the ratios hold on a shared machine:

- the clock job (``notifications.services.escalate``): its first run (which writes the notifications) and a
  second run (which must write none), with the count of SQL statements;
- ``stats.queries.division_stats`` for a county, a city and the province: median time and SQL statements
  (constant whatever the number of cases: sums over the summary table ``stats_facts``, not rows loaded).

On PostgreSQL the cases are made in Python (5,000, every path through the case machine, with history and
referrals) and copied in SQL up to ``--cases`` (a million in a few minutes), then the summary table is recounted
and the database ANALYZEd. ``--reuse`` measures an existing database as it is (after ``flask db upgrade``);
``--stats-only`` skips the clock job.
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
    from referral.calendar import today_in_china
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
        seed = n_cases if not url.startswith("postgresql") else min(n_cases, SEED_CASES)
        _seed_cases(seed, counties, inst_of, now, today)
        if n_cases > seed:
            _multiply(n_cases, seed, counties, inst_of)
        # The cases were written by bulk SQL, past the summary table's upkeep: recount it (flask stats rebuild).
        from referral.stats.rollup import rebuild

        started = time.perf_counter()
        rebuild(db.session.connection())
        print(f"stats_facts recounted in {time.perf_counter() - started:.0f} s", flush=True)
        db.session.commit()
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return app


# Cases made in Python, then copied in SQL to the asked number (PostgreSQL): a million rows in minutes.
SEED_CASES = 5_000
# The main path of a case (event, from, to) and where a case may stop on it (weights of the stopping step).
MAIN_PATH = [("apply", None, "applied"), ("register", "applied", "registered"), ("refer", "registered", "referred"),
             ("accept", "referred", "assessing"), ("assess", "assessing", "assessed"),
             ("sign_agreement", "assessed", "in_service"), ("close", "in_service", "closed"),
             ("follow_up", "closed", "completed")]
STOP_WEIGHTS = [8, 8, 8, 8, 6, 30, 12, 20]
GROUPS = ["severe_mental_disorder", "other_mental_disorder", "depression", "autism", None]
DECLINE_REASONS = ["no_capacity", "outside_service_area", "needs_not_matched", "other"]


def _seed_cases(n: int, counties, inst_of, now, today):
    """``n`` cases spread over three years and every county of the province, each with its history (every path:
    stopped at any step, declined and referred again, transferred and served again, rejected, withdrawn) and its
    referrals; a tenth of the clocked ones overdue."""
    from referral.calendar import add_working_days
    from referral.cases.models import Case, CaseEvent, Referral
    from referral.extensions import db

    rng = random.Random(11)
    cases, histories = [], []
    for k in range(n):
        county = counties[k % len(counties)]
        inst = inst_of[county]
        applied = now - timedelta(days=rng.randint(1, 3 * 365), hours=rng.randint(0, 23))
        stop = rng.choices(range(len(MAIN_PATH)), STOP_WEIGHTS)[0]
        path = list(MAIN_PATH[:stop + 1])
        roll = rng.random()
        if stop == 0 and roll < 0.3:
            path.append(("reject", "applied", "not_registered"))
        elif stop == 0 and roll < 0.5:
            path.append(("withdraw", "applied", "withdrawn"))
        elif stop >= 3 and roll < 0.15:  # declined once, referred again
            path[3:3] = [("decline", "referred", "registered"), ("refer", "registered", "referred")]
        elif stop >= 6 and roll < 0.25:  # transferred out of service, served again
            path[6:6] = [("transfer", "in_service", "registered"), *MAIN_PATH[2:6]]
        events, referrals, at = [], [], applied
        for i, (name, source, dest) in enumerate(path):
            if i:
                at = at + timedelta(days=rng.randint(0, 8), hours=rng.randint(0, 9))
            if at > now:
                break
            events.append({"event": name, "from_state": source, "to_state": dest, "actor_name": "", "summary": {},
                           "at": at})
            if name == "refer":
                referrals.append({"institution_id": inst, "status": "pending", "referred_at": at,
                                  "responded_at": None, "decline_reason_code": None, "note": "", "holds_place": False})
            elif name in ("accept", "decline"):
                referrals[-1].update(status="accepted" if name == "accept" else "declined", responded_at=at,
                                     decline_reason_code=rng.choice(DECLINE_REASONS) if name == "decline" else None)
            elif name in ("transfer", "close") and referrals and referrals[-1]["status"] == "accepted":
                referrals[-1]["status"] = "ended"
        state = events[-1]["to_state"]
        overdue = rng.random() < 0.1
        due = today - timedelta(days=rng.randint(1, 20)) if overdue else add_working_days(today, rng.randint(1, 10))
        closed = state in ("closed", "completed")
        cases.append({"receipt_no": f"B{k:011d}", "state": state, "channel": "medical", "assister_role": "",
                      "division_code": county, "applicant_name": f"申请人{k}", "applicant_id_number": f"{k:018d}",
                      "applicant_phone": "", "applicant_address": "", "is_minor": False, "guardian_name": "",
                      "guardian_relation": "", "guardian_phone": "", "needs": "", "service_types": [],
                      "eligibility_group": GROUPS[k % len(GROUPS)],
                      "consent_signer": "applicant", "consent_signed_at": applied, "applied_at": applied,
                      "state_changed_at": events[-1]["at"],
                      "due_date": None if state in ("not_registered", "withdrawn", "completed") else due,
                      "closed_at": events[-1]["at"] if closed else None,
                      "close_reason_code": "goals_met" if closed else None, "closed_before_service": False,
                      "institution_id": inst if state in ("referred", "assessing", "assessed", "in_service") else None,
                      "version": 1, "created_at": applied, "updated_at": applied})
        histories.append((events, referrals))
    for start in range(0, len(cases), 20_000):
        db.session.execute(insert(Case), cases[start:start + 20_000])
    ids = [i for (i,) in db.session.execute(text("SELECT id FROM cases ORDER BY id"))]
    event_rows, referral_rows = [], []
    for case_id, (events, referrals) in zip(ids, histories, strict=True):
        event_rows += [{"case_id": case_id, **e} for e in events]
        referral_rows += [{"case_id": case_id, **r} for r in referrals]
    for start in range(0, len(event_rows), 20_000):
        db.session.execute(insert(CaseEvent), event_rows[start:start + 20_000])
    for start in range(0, len(referral_rows), 20_000):
        db.session.execute(insert(Referral), referral_rows[start:start + 20_000])
    db.session.flush()


def _multiply(n: int, seed: int, counties, inst_of):
    """Copies of the ``seed`` cases (ids 1..seed) up to ``n`` cases, in SQL (PostgreSQL): copy ``g`` has the ids
    + g × seed, the county (and its institution) of its new id, its moments moved back (g × 7) mod 61 days —
    the due dates kept, so that a tenth stays overdue today. History and referrals are copied with them."""
    from referral.cases.models import Case
    from referral.extensions import db

    copies = -(-n // seed) - 1
    db.session.execute(text("CREATE TEMP TABLE bench_county (idx int, code varchar(12), inst int)"))
    db.session.execute(text("INSERT INTO bench_county VALUES (:i, :c, :inst)"),
                       [{"i": i, "c": c, "inst": inst_of[c]} for i, c in enumerate(counties)])
    shift = "make_interval(days => (g * 7) % 61)"
    new_id = f"(t.id + g * {seed})"
    special = {
        "id": new_id, "receipt_no": f"'B' || lpad({new_id}::text, 11, '0')", "division_code": "bc.code",
        "applicant_name": f"'申请人' || {new_id}", "applicant_id_hash": "NULL", "applicant_phone_hash": "NULL",
        "institution_id": "CASE WHEN t.institution_id IS NULL THEN NULL ELSE bc.inst END",
        "duplicate_of_id": "NULL", "created_by_id": "NULL",
    }
    for col in ("consent_signed_at", "applied_at", "state_changed_at", "closed_at", "created_at", "updated_at"):
        special[col] = f"t.{col} - {shift}"
    columns = [c.name for c in Case.__table__.columns]
    exprs = [special.get(c, f"t.{c}") for c in columns]
    series = f"generate_series(1, {copies}) AS g"
    county_of = f"JOIN bench_county bc ON bc.idx = {new_id} % {len(counties)}"
    db.session.execute(text(
        f"INSERT INTO cases ({', '.join(columns)}) SELECT {', '.join(exprs)} FROM cases t CROSS JOIN {series} "
        f"{county_of} WHERE t.id <= {seed} AND {new_id} <= {n}"))
    db.session.execute(text(
        f"INSERT INTO case_events (case_id, event, from_state, to_state, actor_name, summary, at) "
        f"SELECT {new_id}, e.event, e.from_state, e.to_state, e.actor_name, e.summary, e.at - {shift} "
        f"FROM case_events e JOIN cases t ON t.id = e.case_id CROSS JOIN {series} "
        f"WHERE t.id <= {seed} AND {new_id} <= {n} ORDER BY g, e.id"))
    db.session.execute(text(
        f"INSERT INTO referrals (case_id, institution_id, status, referred_at, responded_at, decline_reason_code, "
        f"note, holds_place) SELECT {new_id}, bc.inst, r.status, r.referred_at - {shift}, r.responded_at - {shift}, "
        f"r.decline_reason_code, r.note, r.holds_place FROM referrals r JOIN cases t ON t.id = r.case_id "
        f"CROSS JOIN {series} {county_of} WHERE t.id <= {seed} AND {new_id} <= {n}"))
    for table in ("cases", "case_events", "referrals"):
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stats-only", action="store_true", help="measure the statistics, not the clock job")
    parser.add_argument("--reuse", action="store_true", help="measure the database as it is (BENCH_DATABASE_URL)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    t0 = time.perf_counter()
    if args.reuse:
        import flask_migrate

        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            flask_migrate.upgrade()
    else:
        app = build(url, args.cases)
    print(f"database: {url.split('@')[-1]}; {args.cases} cases in province 22 "
          f"(built in {time.perf_counter() - t0:.0f} s)\n")
    from referral.extensions import db
    from referral.notifications.services import escalate
    from referral.stats.queries import area_of, division_stats

    print("| work | ms | SQL statements | result |\n|---|---|---|---|")
    with app.app_context():
        for label in () if args.stats_only else ("clock job, first run", "clock job, second run"):
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
