"""Test fixtures.

The schema is built by the migrations, as in production — once per run — and each test gets a clean
copy: on SQLite a copy of the migrated file, on PostgreSQL (TEST_DATABASE_URL) a TRUNCATE of every
table. Requests run in a fresh app context each (see FreshContextClient)."""

from __future__ import annotations

import csv
import os
import re
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from referral import create_app
from referral.divisions.models import Division, level_of, parent_code_of
from referral.divisions.services import DEFAULT_FILE
from referral.extensions import db as _db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
# The slice of the national list the tests work in: 吉林省 (the demo province) and 北京市 (elsewhere).
TEST_PROVINCES = ("22", "11")


def _migrate(url: str) -> None:
    import flask_migrate

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        flask_migrate.upgrade()
        _db.engine.dispose()


def _reset_postgres(url: str) -> None:
    from referral.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``<name>_gw0`` …), created on
    first use, so parallel workers never truncate each other's tables."""
    if worker in ("", "master"):
        return url
    from sqlalchemy.engine import make_url

    from referral.config import normalise_database_url

    base = make_url(normalise_database_url(url))
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory, worker_id):
    """A database at the head revision. Yields a factory of per-test database URLs."""
    if TEST_DATABASE_URL:
        url = _worker_database(TEST_DATABASE_URL, worker_id)
        _reset_postgres(url)
        _migrate(url)
        yield lambda tmp_path: url
        return
    template = tmp_path_factory.mktemp("db") / "template.sqlite"
    _migrate(f"sqlite:///{template}")

    def fresh(tmp_path: Path) -> str:
        target = tmp_path / "test.sqlite"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"

    yield fresh


def _division_rows():
    with DEFAULT_FILE.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["code"].startswith(TEST_PROVINCES)]
    order = {"province": 0, "city": 1, "county": 2}
    rows.sort(key=lambda r: (order[level_of(r["code"])], r["code"]))
    return [{"code": r["code"], "name": r["name"], "level": level_of(r["code"]),
             "parent_code": parent_code_of(r["code"])} for r in rows]


DIVISION_ROWS = _division_rows()


@pytest.fixture
def app(migrated_database, tmp_path):
    url = migrated_database(tmp_path)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SERVER_NAME="localhost",
                     ATTACHMENT_ROOT=str(tmp_path / "attachments"), EXPORT_ROOT=str(tmp_path / "exports"))
    app.test_client_class = FreshContextClient
    with app.app_context():
        _db.session.execute(_db.insert(Division), DIVISION_ROWS)
        _db.session.commit()
        yield app
        _db.session.remove()
        from referral.documents.exports import join_background

        join_background(timeout=120)  # an export a test started must not outlive the test's database
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            tables = [t.name for t in _db.metadata.sorted_tables]
            with _db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        _db.engine.dispose()


class FreshContextClient(FlaskClient):
    """Each request in its own app context, so ``g`` (and Flask-Login's cached user) and the
    SQLAlchemy session are fresh, as they are in production (docs/architecture.md#tests)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    return _db


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, user) -> None:
    """Sign a test client in as ``user`` without the form (one test uses the real form)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


from tests.factories import *  # noqa: E402,F401,F403  (factory fixtures)
