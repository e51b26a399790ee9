"""Key rotation (README.md#encryption-at-rest): re-encrypt every value an older key wrote under the current one.

Put the new key first in ``REFERRAL_DATA_KEYS`` (the old ones after it), restart the app servers, run
``flask keys rotate``; once it reports nothing left, the old key may be removed. It walks each encrypted column
in batches of rows not yet under the current key, ordered by primary key; the caller commits each batch, so an
interruption loses at most one batch of work and the next run simply carries on with what is left. Each row is
rewritten only if it still holds the value that was read (compare and swap): a value the app changed
meanwhile was written under the current key already and is left alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import and_, column, func, not_, select, table

from referral.crypto.keys import keyring
from referral.crypto.types import VERSION, EncryptedText, decrypt, encrypt
from referral.extensions import db


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    column: str
    key: str  # the primary key column

    @property
    def context(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass(frozen=True)
class Progress:
    column: EncryptedColumn
    done: int  # values under the current key now
    total: int  # values (not NULL) in the column
    rewritten: int  # in this batch


def encrypted_columns() -> list[EncryptedColumn]:
    """Every encrypted column of the models, found by its type (a new one is rotated without listing it)."""
    found = []
    for tbl in db.metadata.sorted_tables:
        encrypted = [col for col in tbl.columns if isinstance(col.type, EncryptedText)]
        if encrypted:
            (key,) = tbl.primary_key.columns  # every encrypted table has a one-column primary key
            found.extend(EncryptedColumn(tbl.name, col.name, key.name) for col in encrypted)
    return sorted(found, key=lambda c: (c.table, c.column))


def _raw(col: EncryptedColumn):
    t = table(col.table, column(col.key), column(col.column))  # untyped: the stored text, not decrypted
    return t, t.c[col.key], t.c[col.column]


def counts(col: EncryptedColumn) -> tuple[int, int]:
    """(values under the current key, values) of a column."""
    _, _, value = _raw(col)
    current = f"{VERSION}:{keyring().current_id}:%"
    done, total = db.session.execute(select(func.count().filter(value.like(current)), func.count(value))).one()
    return done, total


def rotate(batch_size: int = 500) -> Iterator[Progress]:
    """Re-encrypt batch by batch, yielding after each (flushed, not committed: the caller commits)."""
    ring = keyring()
    current = f"{VERSION}:{ring.current_id}:%"
    for col in encrypted_columns():
        t, key, value = _raw(col)
        done, total = counts(col)
        last = None
        while True:
            stmt = select(key, value).where(value.is_not(None), not_(value.like(current)))
            if last is not None:  # rows that fail are skipped by key order, never retried in a loop
                stmt = stmt.where(key > last)
            rows = db.session.execute(stmt.order_by(key).limit(batch_size)).all()
            if not rows:
                break
            rewritten = 0
            for pk, stored in rows:
                fresh = encrypt(ring, col.context, decrypt(ring, col.context, stored))
                result = db.session.execute(t.update().where(and_(key == pk, value == stored)).values(
                    {col.column: fresh}))
                rewritten += result.rowcount
            last = rows[-1][0]
            done += rewritten
            yield Progress(col, done, total, rewritten)


def remaining() -> dict[str, int]:
    """Values not yet under the current key, by column (what the old keys are still needed for)."""
    ring = keyring()
    left = {}
    for col in encrypted_columns():
        _, _, value = _raw(col)
        left[col.context] = db.session.scalar(select(func.count()).where(
            value.is_not(None), not_(value.like(f"{VERSION}:{ring.current_id}:%"))))
    return left
