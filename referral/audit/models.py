from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.extensions import db
from referral.models import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """Who did what to which object, when, from where. Rows are never updated or deleted: the
    migrations install triggers that refuse both, on SQLite and PostgreSQL alike (and TRUNCATE on
    PostgreSQL). Each entry is chained to the one before it by hash (``chain.py``)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_division_at", "division_code", "at"),
        Index("ix_audit_entries_object", "object_type", "object_id"),
        Index("ix_audit_entries_actor_at", "actor_id", "at"),
        Index("ix_audit_entries_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # The name at the time, so the entry still reads right after the account is renamed.
    actor_name: Mapped[str | None] = mapped_column(String(150))
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    object_type: Mapped[str] = mapped_column(String(32), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(64))
    # The division the object belongs to: what scopes the entry for county/city/province readers.
    division_code: Mapped[str | None] = mapped_column(String(6))
    summary: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    request_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    # SHA-256 hex of the entry before (chain.GENESIS for the first) and of this one (chain.entry_hash).
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    actor = relationship("User", lazy="raise")
