"""Issue 13.4: every audit entry carries the hash of the one before; ``flask audit verify`` walks the chain and
names the first broken entry; the head goes to the log once a day; the migration chains the existing rows."""

from __future__ import annotations

import logging
from datetime import datetime

import flask_migrate
import pytest
from sqlalchemy import select, text

from referral import create_app
from referral.audit import chain
from referral.audit.models import AuditEntry
from referral.audit.services import record
from referral.audit.tasks import log_chain_head_daily
from referral.extensions import db as _db
from tests.helpers import scratch_database


def _entries(db):
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


@pytest.fixture
def logged(db, create_user):
    """Six entries over three transactions, one of them with a rolled-back entry in between."""
    actor = create_user(username="auditor")
    record("test.one", "thing", 1, actor=actor, division_code="220102", after={"name": "李明", "n": 1})
    record("test.two", "thing", 2, summary_key=("a", "b"))
    db.session.commit()
    record("test.lost", "thing", 3)
    db.session.rollback()
    record("test.three", "thing", 3, before={"x": 1.5}, after={"x": None})
    db.session.commit()
    for n in (4, 5, 6):
        record(f"test.n{n}", "thing", n, note="中文")
    db.session.commit()
    return _entries(db)


def _verify(app, *args):
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def test_entries_are_chained_in_id_order(db, logged):
    assert [e.action for e in logged][-6:] == ["test.one", "test.two", "test.three", "test.n4", "test.n5", "test.n6"]
    assert logged[0].prev_hash == chain.GENESIS
    for before, after in zip(logged, logged[1:], strict=False):
        assert after.prev_hash == before.hash
    for entry in logged:  # what is stored is what is hashed
        values = {f: getattr(entry, f) for f in chain.FIELDS}
        assert entry.hash == chain.entry_hash(values, entry.prev_hash)
    assert len({e.hash for e in logged}) == len(logged)


def test_verify_holds_and_prints_the_head(app, db, logged):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"OK: {len(logged)} entries, head id={logged[-1].id} hash={logged[-1].hash}"


def _without_guards(db, statement: str, params: dict) -> None:
    """What someone with the owner's rights can do: switch the triggers off, change the log, switch them on."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        db.session.execute(text(statement), params)
        db.session.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
    else:
        triggers = db.session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                           "AND tbl_name = 'audit_entries'")).all()
        assert {name for name, _sql in triggers} == {"audit_entries_no_update", "audit_entries_no_delete"}
        for name, _sql in triggers:
            db.session.execute(text(f"DROP TRIGGER {name}"))
        db.session.execute(text(statement), params)
        for _name, sql in triggers:
            db.session.execute(text(sql))
    db.session.commit()


def test_a_changed_entry_is_named(app, db, logged):
    target = logged[2]
    _without_guards(db, "UPDATE audit_entries SET summary = :s WHERE id = :id",
                    {"s": '{"before": {"x": 2.5}, "after": {"x": null}}', "id": target.id})
    result = _verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at audit entry id={target.id}: hash does not match its content" in result.output


def test_a_changed_entry_with_its_hash_recomputed_breaks_the_next_link(app, db, logged):
    target, following = logged[2], logged[3]
    values = {f: getattr(target, f) for f in chain.FIELDS} | {"action": "test.innocent"}
    _without_guards(db, "UPDATE audit_entries SET action = 'test.innocent', hash = :h WHERE id = :id",
                    {"h": chain.entry_hash(values, target.prev_hash), "id": target.id})
    result = _verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at audit entry id={following.id}: prev_hash does not match" in result.output


def test_a_removed_entry_is_named_by_the_one_after_it(app, db, logged):
    _without_guards(db, "DELETE FROM audit_entries WHERE id = :id", {"id": logged[1].id})
    result = _verify(app)
    assert result.exit_code == 1 and f"BROKEN at audit entry id={logged[2].id}: prev_hash" in result.output


def test_a_logged_head_must_still_be_in_the_chain(app, db, logged):
    old_head = logged[3].hash
    assert _verify(app, "--head", old_head).exit_code == 0
    # The log rewritten from entry 4 on, chain and all: each link holds, the logged head is gone.
    prev = logged[2].hash
    for entry in logged[3:]:
        values = {f: getattr(entry, f) for f in chain.FIELDS} | {"object_id": "forged"}
        digest = chain.entry_hash(values, prev)
        _without_guards(db, "UPDATE audit_entries SET object_id = 'forged', prev_hash = :p, hash = :h WHERE id = :id",
                        {"p": prev, "h": digest, "id": entry.id})
        prev = digest
    assert _verify(app).exit_code == 0
    result = _verify(app, "--head", old_head)
    assert result.exit_code == 1 and f"head {old_head} is not in the chain" in result.output


def test_verify_reads_in_batches(app, db, logged, monkeypatch):
    monkeypatch.setattr(chain, "BATCH", 2)  # a batch boundary between every other entry
    result = chain.verify(db.session)
    assert result.ok and result.count == len(logged) and result.head_hash == logged[-1].hash


def test_an_empty_log_verifies(app):
    result = _verify(app)
    assert result.exit_code == 0 and f"OK: 0 entries, head id=None hash={chain.GENESIS}" in result.output


def test_the_head_is_logged_daily(db, logged, caplog):
    caplog.set_level(logging.INFO, logger="referral.audit.chain")
    log_chain_head_daily()  # the periodic task, run now (the test queue runs tasks as they are called)
    [line] = [r for r in caplog.records if r.name == "referral.audit.chain"]
    assert line.levelno == logging.INFO
    assert line.getMessage() == f"audit chain head: id={logged[-1].id} hash={logged[-1].hash} count={len(logged)}"


def test_the_daily_task_is_scheduled_once_a_day():
    moments = [datetime(2026, 12, 4, h, m) for h in range(24) for m in range(60)]
    assert sum(log_chain_head_daily.task_class().validate_datetime(moment) for moment in moments) == 1


# --- the migration chains the entries already there ---------------------------------------------------------

BEFORE = "f1a2b3c4d5e6"


@pytest.fixture
def empty_database(tmp_path):
    with scratch_database(tmp_path / 'upgrade.sqlite', "evidence_upgrade") as url:
        yield url


def test_the_upgrade_chains_the_existing_entries(empty_database):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with _db.engine.begin() as conn:
            for n, summary in enumerate(('{"after": {"name": "李明"}}', '{}', '{"b": 1, "a": [1, 2]}')):
                conn.execute(text("INSERT INTO audit_entries (at, action, object_type, object_id, summary) "
                                  "VALUES (:at, :action, 'thing', :n, :s)"),
                             {"at": f"2026-12-0{n + 1} 08:00:00.12345{n}", "action": f"old.{n}", "n": str(n), "s": summary})
        flask_migrate.upgrade()
        entries = _db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [e.action for e in entries] == ["old.0", "old.1", "old.2"] and entries[0].prev_hash == chain.GENESIS
        result = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 0 and f"OK: 3 entries, head id={entries[-1].id}" in result.output
        record("new.entry", "thing", 4)  # the application continues the migrated chain
        _db.session.commit()
        assert app.test_cli_runner().invoke(args=["audit", "verify"]).output.startswith("OK: 4 entries")
        with pytest.raises(Exception, match="append-only"):  # the guards are back after the data migration
            _db.session.execute(text("UPDATE audit_entries SET action = 'x'"))
        _db.session.rollback()
        _db.session.remove()
        flask_migrate.downgrade(revision=BEFORE)
        with _db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_entries")).scalar() == 4
        _db.engine.dispose()
