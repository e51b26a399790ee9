"""The audit log's hash chain (docs/architecture.md#evidence, issue 13.4).

Each entry stores the hash of the entry before it (``prev_hash``; the first one the genesis value) and its own
``hash``: SHA-256 over a canonical serialisation (JSON, sorted keys, no spaces) of its fields and
``prev_hash``. The row id is left out: the order is the chain itself, so a deleted, inserted or moved row
breaks the link of the entry after it. What the database triggers stop (UPDATE, DELETE, TRUNCATE), the chain
detects when it is done anyway by someone who can switch the triggers off; the head, written to the log
file once a day (``referral/audit/tasks.py``), detects a chain rewritten from some point on.

Appending reads the last hash, so two transactions appending at once would both chain onto the same entry:
on PostgreSQL the first append of a transaction takes a transaction-scoped advisory lock (released by its
commit or rollback); SQLite allows one writer at a time, and a transaction that read a head another one
then moved cannot write at all (SQLITE_BUSY), so it cannot fork the chain either."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

GENESIS = "0" * 64
#: Any constant will do, as long as nothing else in the database takes the same advisory lock.
LOCK_KEY = 0x6A6B_6175  # "jkau"
BATCH = 1000  # rows read at a time by ``walk``: memory stays bounded whatever the log's size

#: The fields that are hashed, in the entry's own terms (the canonical form sorts them anyway).
FIELDS = ("at", "actor_id", "actor_name", "action", "object_type", "object_id", "division_code", "summary",
          "request_id", "ip")


def canonical(values: dict, prev_hash: str) -> bytes:
    """The bytes that are hashed: the fields as JSON (sorted keys, compact, UTF-8), ``at`` as an ISO UTC
    time with microseconds, ``summary`` as it comes back from the database's JSON."""
    data = {name: values[name] for name in FIELDS}
    data["at"] = values["at"].astimezone(UTC).isoformat(timespec="microseconds")
    data["prev_hash"] = prev_hash
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(values: dict, prev_hash: str) -> str:
    return hashlib.sha256(canonical(values, prev_hash)).hexdigest()


def as_stored(summary) -> dict:
    """The summary as the JSON column gives it back (keys as strings, tuples as lists), so that the hash
    computed before the insert is the hash recomputed after a read."""
    return json.loads(json.dumps(summary, ensure_ascii=False))


_HEAD = "referral.audit.head"


def chain_head(session: Session) -> str:
    """The hash to chain the next entry of this transaction onto. The first call of a transaction takes the
    lock and reads the last stored hash (without flushing: the caller's half-made changes stay unflushed);
    the next ones continue from the entry appended last, still pending in the session."""
    head = session.info.get(_HEAD)
    if head is None:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        from referral.audit.models import AuditEntry

        with session.no_autoflush:
            head = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
    return head


def appended(session: Session, new_hash: str) -> None:
    session.info[_HEAD] = new_hash


@event.listens_for(Session, "after_transaction_end")
def _forget_head(session: Session, transaction) -> None:
    # Committed, rolled back or a savepoint ended: the lock may be gone and pending entries are either stored
    # or discarded; the next append reads the head again.
    session.info.pop(_HEAD, None)


@dataclass
class Result:
    count: int = 0
    head_id: int | None = None
    head_hash: str = GENESIS
    broken_id: int | None = None
    problem: str = ""
    seen_hash: bool = False

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def _rows(session: Session) -> Iterator:
    from referral.audit.models import AuditEntry

    columns = [AuditEntry.id, AuditEntry.prev_hash, AuditEntry.hash, *(getattr(AuditEntry, f) for f in FIELDS)]
    last = 0
    while True:
        batch = session.execute(select(*columns).where(AuditEntry.id > last).order_by(AuditEntry.id)
                                .limit(BATCH)).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].id


def verify(session: Session, *, expect: str | None = None) -> Result:
    """Walk the chain in id order, in batches. Stops at the first entry whose link or hash is wrong.
    ``expect``: a head hash written to the log earlier; the result says whether it is still in the chain."""
    result = Result()
    prev = GENESIS
    for row in _rows(session):
        values = row._asdict()
        if row.prev_hash != prev:
            result.broken_id = row.id
            result.problem = ("prev_hash does not match the hash of the entry before it (an entry was removed, "
                              "inserted or moved)")
            return result
        if row.hash != entry_hash(values, prev):
            result.broken_id = row.id
            result.problem = "hash does not match its content (the entry was changed)"
            return result
        prev = row.hash
        result.count += 1
        result.head_id, result.head_hash = row.id, row.hash
        result.seen_hash = result.seen_hash or row.hash == expect
    return result
