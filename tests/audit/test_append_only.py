"""Issue 13.4: nobody — the application's own database user included — can quietly edit the evidence. The
evidence tables refuse UPDATE and DELETE on both backends and TRUNCATE on PostgreSQL, whoever asks; and the
application's role of the production set-up (scripts/postgres-grants.sql) may not even try."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DatabaseError

from referral import create_app
from referral.audit.models import AuditEntry
from referral.audit.services import record
from referral.documents.models import IssuedDocument
from referral.extensions import db as _db

EVIDENCE = ("audit_entries", "case_events", "approval_decisions", "pledges", "account_pledges", "issued_documents")
GRANTS = Path(__file__).resolve().parents[2] / "scripts" / "postgres-grants.sql"


@pytest.fixture
def evidence(db, referred_case, people):
    """A row in each evidence table: the case's events, the institution's decisions and pledges, the accounts'
    pledges, the audit log, and an issued document."""
    content = b"%PDF-1.7 test"
    db.session.add(IssuedDocument(code="application", subject_type="case", subject_id=referred_case.id, version=1,
                                  number="JK-TEST-1", verification_code="ABCDEFGHJKMNPQRS", template_version="1",
                                  snapshot_sha256="0" * 64, sha256=hashlib.sha256(content).hexdigest(),
                                  size=len(content), content=content))
    db.session.commit()
    for table in EVIDENCE:
        assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() > 0, table
    return referred_case


@pytest.mark.parametrize("table", EVIDENCE)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_evidence_refuses_update_and_delete(db, evidence, table, statement):
    before = db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement.format(table=table)))
    db.session.rollback()
    assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == before


@pytest.mark.parametrize("table", EVIDENCE)
def test_evidence_refuses_truncate_on_postgresql(db, evidence, table):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite's DELETE without WHERE is refused above)")
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(f"TRUNCATE {table} CASCADE"))
    db.session.rollback()


def test_appending_still_works(db, evidence):
    record("test.append", "thing", 1)
    db.session.commit()
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "test.append"


@pytest.fixture
def app_role(app, db):
    """The application's role of the README's production set-up, in the test database: a login that owns
    nothing, with the grants of scripts/postgres-grants.sql. Dropped afterwards (roles are cluster-wide)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("database roles and grants are PostgreSQL's (CI runs PostgreSQL)")
    name, password = f"referral_app_{secrets.token_hex(4)}", secrets.token_hex(16)
    with db.engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD '{password}' NOSUPERUSER NOCREATEDB NOCREATEROLE"))
        script = "\n".join(line for line in GRANTS.read_text(encoding="utf-8").splitlines()
                           if not line.lstrip().startswith("--"))
        for statement in script.replace("referral_app", name).split(";"):
            if statement.strip():
                conn.execute(text(statement))
    url = db.engine.url.set(username=name, password=password)
    yield url
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP OWNED BY {name}"))
        conn.execute(text(f"DROP ROLE {name}"))


def test_the_application_role_appends_but_cannot_edit_the_evidence(db, evidence, app_role):
    # The application itself runs as the role: it records (the chain's advisory lock included) and commits.
    as_role = create_app("testing", SQLALCHEMY_DATABASE_URI=app_role.render_as_string(hide_password=False))
    with as_role.app_context():
        record("test.as_app_role", "thing", 1)
        _db.session.commit()
        assert _db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == \
            "test.as_app_role"
        _db.session.remove()
        _db.engine.dispose()
    engine = create_engine(app_role)
    try:
        for table in EVIDENCE:
            for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}", f"TRUNCATE {table} CASCADE",
                              f"ALTER TABLE {table} DISABLE TRIGGER USER", f"DROP TABLE {table} CASCADE"):
                with engine.connect() as conn, pytest.raises(DatabaseError, match="permission denied|must be owner"):
                    conn.execute(text(statement))
        with engine.connect() as conn:  # and the rest of the schema stays usable
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 1
            with pytest.raises(DatabaseError, match="permission denied"):
                conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
    finally:
        engine.dispose()
    db.session.rollback()
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "test.as_app_role")) is not None
