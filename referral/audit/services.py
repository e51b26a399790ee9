"""The only writer of audit entries. Services call ``record`` inside their transaction, so the entry
is committed with the change it describes, or not at all."""

from __future__ import annotations

from flask import g, has_request_context, request

from referral.audit import chain
from referral.audit.models import AuditEntry
from referral.extensions import db
from referral.models import utcnow

# Never written into an entry, whatever a caller passes: secrets do not belong in a log.
_SECRET_KEYS = {"password", "password_hash", "token", "token_hash", "secret"}


def _clean(data):
    if isinstance(data, dict):
        return {k: ("***" if k in _SECRET_KEYS else _clean(v)) for k, v in data.items()}
    if isinstance(data, list | tuple | set | frozenset):
        return [_clean(v) for v in data]
    if data is None or isinstance(data, str | int | float | bool):
        return data
    return str(data)


def record(action: str, object_type: str, object_id=None, *, actor=None, division_code=None,
           before: dict | None = None, after: dict | None = None, **extra) -> AuditEntry:
    summary = {}
    if before is not None:
        summary["before"] = _clean(before)
    if after is not None:
        summary["after"] = _clean(after)
    summary.update(_clean(extra))
    entry = AuditEntry(
        at=utcnow(),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None),
        division_code=division_code,
        summary=summary,
        request_id=g.get("request_id") if has_request_context() else None,
        ip=request.remote_addr if has_request_context() else None,
    )
    # Chained here, not at flush: the entries of a transaction are inserted in the order they were added,
    # so their ids follow the chain (docs/architecture.md#evidence).
    entry.summary = chain.as_stored(entry.summary)
    entry.prev_hash = chain.chain_head(db.session)
    entry.hash = chain.entry_hash({f: getattr(entry, f) for f in chain.FIELDS}, entry.prev_hash)
    db.session.add(entry)
    chain.appended(db.session, entry.hash)
    return entry
