"""What the generator, the app under test (gunicorn) and the runner share: the database, the bench-only keys, the
accounts the runner signs in with, and the environment of a production-like app (issue 14).

The keys below are fixed so that a database generated once can be measured again later (``--reuse``): they
encrypt only made-up people of the bench database and are never a real deployment's keys."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The bench's own instance directory (uploaded scans, the issued documents' store): never the demo's instance/.
INSTANCE_DIR = Path(os.environ.get("BENCH_INSTANCE_PATH", ROOT / "bench" / "scale" / ".instance"))
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/bench_scale"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"

PASSWORD = "bench scale password 14"
# The second factor of the accounts that must have one (province, city): the runner computes codes with pyotp.
TOTP_SECRET = "BENCHSCALEJKTOTPBENCHSCALEJKTOTP"
OFFICER = "bench-officer"  # referral officer of 220102
COUNTY_OFFICIAL = "bench-county"  # county official of 220102
STAFF = "bench-staff"  # institution staff of the first institution of 220102: the event POST
CITY_OFFICIAL = "bench-city"  # 220100
PROVINCE_OFFICIAL = "bench-province"  # 220000
COUNTY = "220102"
CITY = "220100"
PROVINCE = "220000"

_KEYS = {
    "REFERRAL_DATA_KEYS": "bench1:YmVuY2gtc2NhbGUtb25seS1kYXRhLWtleS0zMmJ5dGU=",
    "REFERRAL_DEMAND_HASH_KEY": "bench-scale-only-demand-hash-key-not-a-real-one",
    "SECRET_KEY": "bench-scale-only-session-key-not-a-real-one",
}


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL


def app_environ() -> dict[str, str]:
    """The environment of the app under test: production config (referral/config.py: ProductionConfig), the bench
    database, rate limits and the task queue on Redis (as docs/running.md has production), tasks consumed by a
    separate ``flask tasks work`` process (TASK_RUNNER=worker)."""
    env = {
        "REFERRAL_CONFIG": "production",
        "FLASK_APP": "wsgi",
        "DATABASE_URL": database_url(),
        "REFERRAL_INSTANCE_PATH": str(INSTANCE_DIR),
        "REFERRAL_TASK_QUEUE_URL": redis_url(),
        "REFERRAL_TASK_QUEUE_NAME": "bench-scale",
        "REFERRAL_TASK_RUNNER": "worker",
        "REFERRAL_RATELIMIT_STORAGE_URI": redis_url(),
        **_KEYS,
    }
    return env


def apply_app_environ() -> None:
    """Set the app's environment in this process, before ``referral`` is imported (INSTANCE_DIR is read then)."""
    INSTANCE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.update(app_environ())


def ensure_database() -> None:
    """Create the bench database when the server lacks it (a fresh machine): the generator wipes its schema, not
    the database itself."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    url = make_url(database_url())
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database)))
            print(f"[generate] created database {url.database}", flush=True)
