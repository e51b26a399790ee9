"""Migration g1a1b1c1d1e1 (issue 13.2) on a database that holds accounts: they survive, the session nonce
goes, user_sessions starts empty (so a cookie of before the upgrade signs nobody in), and the downgrade gives
the nonce back. On SQLite here; on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import inspect, text

from referral import create_app
from referral.extensions import db as _db
from tests.auth.test_migration import url  # noqa: F401  (the fixture: a database of its own)

PREVIOUS = "f1a2b3c4d5e6"
THIS = "g1a1b1c1d1e1"


def test_upgrade_keeps_the_accounts_and_drops_the_nonce(url):  # noqa: F811
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS)
        with _db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, username, display_name, password_hash, active, session_nonce,"
                              " version, created_at, updated_at) VALUES (1, 'zhang', '张敏', 'hash', true, 'n',"
                              " 3, '2026-11-30 08:00:00', '2026-11-30 08:00:00')"))
        flask_migrate.upgrade(revision=THIS)
        with _db.engine.connect() as conn:
            assert conn.execute(text("SELECT username, version FROM users")).all() == [("zhang", 3)]
            assert conn.execute(text("SELECT COUNT(*) FROM user_sessions")).scalar() == 0
            assert "session_nonce" not in {c["name"] for c in inspect(conn).get_columns("users")}
        flask_migrate.downgrade(revision=PREVIOUS)
        with _db.engine.connect() as conn:
            assert conn.execute(text("SELECT username, session_nonce FROM users")).all() == [("zhang", "downgraded")]
            assert "user_sessions" not in inspect(conn).get_table_names()
        _db.engine.dispose()
