"""Migration f3c4d5e6f7a8 (issue 12.8) upgrades a database that holds data: the accounts, talent entries and
pledges of the previous head survive; an account with its own talent entry takes that entry's 身份证号, and
the 保密承诺书 it accepted itself for that entry becomes its own account pledge (so it is not asked again
for the same text). On SQLite here; on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import text

from referral import create_app
from referral.extensions import db as _db
from tests.conftest import _reset_postgres
from tests.helpers import TEST_DATABASE_URL, id_number

PREVIOUS = "e4d5f6a7b8c9"
THIS = "f3c4d5e6f7a8"
NURSE_ID = id_number("19750308", 611)
NOW = "2026-11-30 08:00:00"


@pytest.fixture
def url(tmp_path, migrated_database):
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'previous.sqlite'}"
        return
    url = migrated_database(tmp_path)
    _reset_postgres(url)  # from empty, as a real deployment was built
    yield url
    # Leave the worker's database as the session fixture made it: at head, every table empty.
    _reset_postgres(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        flask_migrate.upgrade()
        _db.engine.dispose()


def run(conn, sql, **params):
    return conn.execute(text(sql), params)


def test_upgrade_from_the_previous_head_keeps_every_row(url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS)
        with _db.engine.begin() as conn:
            for code, name, level, parent in (("220000", "吉林省", "province", None),
                                              ("220100", "长春市", "city", "220000"),
                                              ("220102", "南关区", "county", "220100")):
                run(conn, "INSERT INTO divisions (code, name, level, parent_code) VALUES (:c, :n, :l, :p)",
                    c=code, n=name, l=level, p=parent)
            for uid, username, name in ((1, "sunli", "孙丽"), (2, "zhangmin", "张敏"), (3, "wufang", "吴芳")):
                run(conn, "INSERT INTO users (id, username, display_name, email, password_hash, active, division_code,"
                          " session_nonce, version, created_at, updated_at) VALUES (:i, :u, :n, :e, 'hash', :a,"
                          " '220102', 'nonce', 1, :t, :t)",
                    i=uid, u=username, n=name, e=f"{username}@nanguan.gov.cn", a=True, t=NOW)
            # 孙丽's own entry, submitted by herself; 吴芳's entered and submitted by someone else (zhangmin).
            for tid, uid, name, number, by in ((1, 1, "孙丽", NURSE_ID, 1), (2, 3, "吴芳", id_number("19900101", 7), 2)):
                run(conn, "INSERT INTO talents (id, user_id, name, id_number, category, division_code, phone, state,"
                          " state_changed_at, version, created_at, updated_at, created_by_id, submitted_by_id,"
                          " submitted_at, due_date) VALUES (:i, :u, :n, :num, 'referral_staff', '220102',"
                          " '13804310001', 'county_review', :t, 1, :t, :t, :by, :by, :t, '2026-12-14')", i=tid, u=uid, n=name, num=number, by=by, t=NOW)
                run(conn, "INSERT INTO pledges (talent_id, kind, text_version, signer_name, signed_by_id, signed_at)"
                          " VALUES (:i, 'confidentiality_pledge', '2026-1', :n, :by, :t)", i=tid, n=name, by=by, t=NOW)

        flask_migrate.upgrade(revision=THIS)

        with _db.engine.connect() as conn:
            users = run(conn, "SELECT id, username, display_name, email, id_number, active FROM users ORDER BY id").all()
            assert [tuple(u) for u in users] == [
                (1, "sunli", "孙丽", "sunli@nanguan.gov.cn", NURSE_ID, True),
                (2, "zhangmin", "张敏", "zhangmin@nanguan.gov.cn", None, True),  # no talent entry: nothing to derive
                (3, "wufang", "吴芳", "wufang@nanguan.gov.cn", id_number("19900101", 7), True)]
            talents = run(conn, "SELECT id, name, id_number, state, position FROM talents ORDER BY id").all()
            assert [tuple(t) for t in talents] == [(1, "孙丽", NURSE_ID, "county_review", ""),
                                                  (2, "吴芳", id_number("19900101", 7), "county_review", "")]
            assert run(conn, "SELECT count(*) FROM pledges").scalar() == 2
            # Only the pledge 孙丽 accepted herself is carried to her account.
            carried = run(conn, "SELECT user_id, text_version, signer_name FROM account_pledges").all()
            assert [tuple(p) for p in carried] == [(1, "2026-1", "孙丽")]
            assert run(conn, "SELECT version_num FROM alembic_version").scalar() == THIS

        # And back down: the new columns and table go, the old rows stay.
        flask_migrate.downgrade(revision=PREVIOUS)
        with _db.engine.connect() as conn:
            assert run(conn, "SELECT count(*) FROM users").scalar() == 3
            assert run(conn, "SELECT count(*) FROM talents").scalar() == 2
        _db.engine.dispose()
