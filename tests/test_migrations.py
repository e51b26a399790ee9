"""The schema comes only from the migrations: upgrading an empty database gives exactly the models,
and the database itself refuses what the models forbid."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError, IntegrityError

from referral import create_app
from referral.auth.permissions import Role
from referral.divisions.models import DivisionLevel
from referral.extensions import db as _db
from tests.helpers import TEST_DATABASE_URL


def test_upgrade_empty_database_then_check_finds_nothing(tmp_path, migrated_database):
    # PostgreSQL: the session fixture upgraded this worker's empty database; SQLite: a new empty file.
    url = migrated_database(tmp_path) if TEST_DATABASE_URL else f"sqlite:///{tmp_path / 'empty.sqlite'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    runner = app.test_cli_runner()
    if not TEST_DATABASE_URL:  # PostgreSQL was migrated from empty by the session fixture already
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output  # alembic's check raises (exit 1) on any difference
    # And the same comparison by hand, so the assertion does not depend on console output.
    with app.app_context(), _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, _db.metadata) == []


def test_every_role_value_is_storable(create_user):
    users = [create_user(role) for role in Role]
    assert [u.roles for u in users] == [frozenset({role}) for role in Role]


def test_unknown_role_is_refused_by_the_database(db, create_user):
    user = create_user(Role.SYSADMIN)
    with pytest.raises(IntegrityError):
        db.session.execute(text("INSERT INTO user_roles (user_id, role) VALUES (:u, 'superuser')"), {"u": user.id})
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(("code", "level"), [("220000", "city"), ("220100", "county"), ("220102", "province"),
                                             ("22010", "county")])
def test_division_level_must_match_code(db, code, level):
    with pytest.raises(IntegrityError):
        db.session.execute(text("INSERT INTO divisions (code, name, level) VALUES (:c, 'x', :l)"),
                           {"c": code, "l": level})
        db.session.flush()
    db.session.rollback()


def test_every_division_level_is_storable(db):
    assert {row[0] for row in db.session.execute(text("SELECT DISTINCT level FROM divisions"))} == \
        {level.value for level in DivisionLevel}


def test_foreign_keys_are_enforced(db):
    with pytest.raises(IntegrityError):
        db.session.execute(text("INSERT INTO institutions (name, division_code, created_at, updated_at) "
                                "VALUES ('x', '999999', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET action = 'tampered'", "DELETE FROM audit_entries"])
def test_audit_entries_are_append_only_in_the_database(db, statement):
    from referral.audit.services import record

    record("test.event", "thing", 1)
    db.session.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()
    assert db.session.execute(text("SELECT action FROM audit_entries")).scalars().all() == ["test.event"]
