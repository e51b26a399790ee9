"""Configuration classes. Values come from the class, then from REFERRAL_* environment variables
(``app.config.from_prefixed_env("REFERRAL")``), then from keyword overrides to ``create_app``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("REFERRAL_INSTANCE_PATH", PROJECT_ROOT / "instance"))


def normalise_database_url(url: str) -> str:
    """Let operators write the usual ``postgresql://`` URL; we ship psycopg 3, not psycopg2."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def embedded_secret_key(instance_dir: Path = INSTANCE_DIR) -> str:
    """The embedded default keeps one random key in instance/, created on first start.

    Never a fixed key in code: a known key would let anyone forge a session cookie."""
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


class BaseConfig:
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'referral.db'}"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SECRET_KEY: str | None = None

    # Sessions: HttpOnly and SameSite always; Secure when served over HTTPS (set in production).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    # A sign-in lasts at most PERMANENT_SESSION_LIFETIME (absolute) and ends after SESSION_IDLE_MINUTES without
    # a request (docs/domain.md#sessions); both are checked on the server's session row, not only the cookie.
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    SESSION_IDLE_MINUTES = 30
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session; old PCs keep forms open for hours

    # Languages: Chinese first, English on request.
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")

    # Rate limits. memory:// serves one process; production sets redis://… so all workers share counts.
    # The login limits do not depend on it: they are counted in the database (referral/auth/throttle.py).
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_FAILURE_LIMIT = "5 per 15 minutes"  # the 6th failed attempt in a row answers 429
    # One address, any usernames: the 21st failure answers 429 (stops password spraying; docs/domain.md#accounts).
    LOGIN_ADDRESS_FAILURE_LIMIT = "20 per 15 minutes"
    # TOTP second factor (docs/domain.md#accounts): the issuer shown in the authenticator app.
    TOTP_ISSUER = "精康转介平台"

    API_TOKEN_HOURS = 12
    # Spot checks (docs/domain.md#supervision, policy): a share of the county's listed institutions, at least a minimum.
    SPOT_CHECK_SHARE = 0.2
    SPOT_CHECK_MINIMUM = 1
    # Uploads: the whole request is capped a little above the per-file cap (attachments services).
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    # Images above this many pixels are refused before decoding (an A4 scan at 600 dpi is 34.8 million).
    ATTACHMENT_MAX_PIXELS = 40_000_000
    PAGE_SIZE = 25
    # A follow-up may be recorded from this many working days before its due date; earlier needs a reason.
    FOLLOW_UP_WINDOW_WORKING_DAYS = 5

    # Background work (referral/tasks.py, docs/running.md#background-work). TASK_QUEUE_URL: redis://… in
    # production; unset, a SQLite file in instance/ (embedded default). TASK_RUNNER: "in_process" starts
    # consumer threads in the web process (embedded default); "worker" leaves the queue to `flask tasks work`.
    TASK_QUEUE_URL: str | None = None
    TASK_QUEUE_NAME = "referral"  # several platforms (or test runs) may share one Redis under different names
    TASK_RUNNER = "in_process"
    TASK_WORKERS = 2

    # Escalation (docs/domain.md#notifications, #statistics): an overdue step reaches the city's officials — their
    # notifications and their dashboard — once it is overdue by more than this many working days (the county at once).
    ESCALATION_GRACE_WORKING_DAYS = 3
    # E-mail copies of notifications: off unless MAIL_SERVER is set. They carry the kind and a link only.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_FROM = "noreply@localhost"

    # Documents (issue 5). PUBLIC_URL: the site's address as the public reaches it, printed in every
    # document's QR code; unset, the address of the request that issues it.
    PUBLIC_URL: str | None = None
    # Batch exports run as tasks of the queue. Workers: render processes per job (None: one per core).
    # A finished ZIP is deleted after EXPORT_KEEP_DAYS (its record and hash stay).
    DOCUMENT_EXPORT_WORKERS: int | None = None
    EXPORT_KEEP_DAYS = 7
    DOCUMENT_EXPORT_MAX = 500
    # A running export writes its heartbeat as it goes; silent this long (seconds), its worker is taken for
    # dead: the job is queued again once, then failed (referral/documents/exports.py: reap_stale_exports).
    EXPORT_HEARTBEAT_TIMEOUT = 600
    EXPORT_ROOT: str | None = None
    # Rendering documents ahead (docs/domain.md#rendered-ahead): when a case, institution or talent changes, a task
    # renders its changed documents DOCUMENT_PRERENDER_DELAY seconds after the commit (a burst of edits coalesces),
    # so the next download stores them instead of rendering (~25 ms instead of ~480 ms).
    DOCUMENT_PRERENDER = True
    DOCUMENT_PRERENDER_DELAY = 2

    # Demand lists (docs/domain.md#demand-data). DEMAND_HASH_KEY: the secret of the keyed hashes of 身份证号;
    # unset, the embedded default (SQLite) makes one in instance/demand_hash_key, a server database has none
    # and imports refuse to start. Never change it once lists are imported.
    DEMAND_HASH_KEY: str | None = None
    # Encryption at rest (README.md#encryption-at-rest). DATA_KEYS: "keyid:base64key,…" (or JSON), the first the
    # current key; unset, the embedded default (SQLite) makes one in instance/data_keys, a server database
    # refuses to start. DEMAND_HASH_KEY then also keys the lookups of 身份证号 and phone numbers.
    DATA_KEYS: str | list | dict | None = None
    DEMAND_IMPORT_MAX_BYTES = 10 * 1024 * 1024

    # Eligibility groups (docs/domain.md#eligibility-groups): every province serves 严重精神障碍 and 其他精神障碍;
    # a province's profile adds the groups it also serves ("有条件的地方"): {"220000": ["depression", "autism"]}.
    # Checked at start-up (referral/cases/eligibility.py: check_eligibility_config).
    ELIGIBILITY_PROFILES: dict = {}

    # Backups (docs/running.md#backups). BACKUP_KEY: base64 of 32 random bytes, from REFERRAL_BACKUP_KEY; unset,
    # the embedded default makes one in instance/backup_key, a server database refuses. BACKUP_PG_BIN_DIR: where
    # pg_dump/pg_restore of the server's major version are, when not on PATH.
    BACKUP_KEY: str | None = None
    BACKUP_PG_BIN_DIR: str | None = None

    # Trust X-Forwarded-For/-Proto from this many proxies (0: not behind a proxy).
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0


class DevelopmentConfig(BaseConfig):
    DEBUG = True


class ProductionConfig(BaseConfig):
    pass


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "tests-only-" + secrets.token_hex(8)
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # Tests may hammer the login form; each test gets a fresh memory store via a fresh app.
    RATELIMIT_STORAGE_URI = "memory://"
    # Tasks run as they are enqueued (after the commit that asked for them), in the test's process.
    TASK_QUEUE_URL = "immediate"
    DOCUMENT_EXPORT_WORKERS = 1  # one render process: the tests' machines have few cores
    DOCUMENT_PRERENDER = False  # a render per case event would slow every test; tests/documents turn it on
    DEMAND_HASH_KEY = "tests-only-" + secrets.token_hex(8)
    # A fixed key, so a test can decrypt what it reads raw (tests/crypto); never a real one.
    DATA_KEYS = "test1:" + "dGVzdHMtb25seS1kYXRhLWtleS0zMi1ieXRlcyEhISE="
    # The tests' province (吉林, like the demo) serves every group; 北京 keeps the baseline, so both are tested.
    ELIGIBILITY_PROFILES = {"220000": ["severe_mental_disorder", "other_mental_disorder", "depression", "autism"]}
