"""Issued documents and batch exports (docs/domain.md#documents, issue 5).

An issued document is evidence: the exact bytes handed out, their SHA-256, which template made them and
from what (object, its state, a fingerprint of the snapshot), by whom and when. Rows are never changed or
deleted (the migration installs the same append-only triggers as the audit log); issuing again adds a
version. The bytes live in the database, not in a file store, so a backup of the database is a backup of
every document ever issued, and downloading an issued document returns exactly what was issued."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from referral.extensions import db
from referral.models import TimestampMixin, UTCDateTime, db_enum, utcnow
from workflows.export import ExportState


def printed(code: str) -> str:
    """XXXX-XXXX-XXXX-XXXX: a stored verification code as it is printed and typed."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


class IssuedDocument(db.Model):
    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("code", "subject_type", "subject_id", "part_id", "version",
                         name="uq_issued_documents_version"),
        Index("ix_issued_documents_subject", "subject_type", "subject_id", "code", "part_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False)  # the template code of docs/domain.md#documents
    subject_type: Mapped[str] = mapped_column(String(16), nullable=False)  # case, institution, talent, user
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
    # The assessment / follow-up / agreement a case document is about; 0 when the subject itself is meant
    # (0, not NULL, so that the unique constraint holds on both backends).
    part_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str] = mapped_column(String(64), nullable=False)
    # 16 Crockford base-32 characters (80 random bits), stored without the hyphens that print between groups.
    verification_code: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    template_version: Mapped[str] = mapped_column(String(16), nullable=False)
    # Of the snapshot without its head (number, date, code): equal fingerprints, equal content.
    snapshot_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    subject_state: Mapped[str | None] = mapped_column(String(32))
    division_code: Mapped[str | None] = mapped_column(String(6))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    issued_by_name: Mapped[str | None] = mapped_column(String(150))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    issued_by = relationship("User", lazy="raise")

    @property
    def printed_code(self) -> str:
        return printed(self.verification_code)


class RenderedDocument(db.Model):
    """A document rendered ahead by the queue when its data changed, not issued yet (docs/domain.md#rendered-ahead).

    At most one row per document (code, subject, part): the next version as it would be issued today, with
    the number and verification code printed in it reserved here. The first download that finds it current
    (same snapshot, template, next version number, day and site address) issues exactly these bytes as that
    version, in the person's name, and deletes the row; anything else renders as before. A cache, not
    evidence: rows are replaced and deleted, nobody has seen them, the verification page does not know
    their codes."""

    __tablename__ = "document_renders"
    __table_args__ = (UniqueConstraint("code", "subject_type", "subject_id", "part_id", name="uq_document_renders_target"),
                      Index("ix_document_renders_issued_on", "issued_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    subject_type: Mapped[str] = mapped_column(String(16), nullable=False)
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
    part_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # What the issued version will be: the number and code are printed in ``content``.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str] = mapped_column(String(64), nullable=False)
    verification_code: Mapped[str] = mapped_column(String(16), nullable=False)
    # The day printed as the issue date (China time): a render of another day is not used.
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    base_url: Mapped[str] = mapped_column(String(255), nullable=False)  # where its QR code points
    template_version: Mapped[str] = mapped_column(String(16), nullable=False)
    snapshot_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class DocumentExport(TimestampMixin, db.Model):
    """One official's batch of documents as a ZIP, made in the background (``exports.py``)."""

    __tablename__ = "document_exports"
    __table_args__ = (Index("ix_document_exports_requested_by", "requested_by_id", "created_at"),
                      Index("ix_document_exports_state", "state"),
                      # A finished ZIP has its hash, size and finish time; nothing else has a hash.
                      CheckConstraint("(state IN ('done', 'expired')) = (sha256 IS NOT NULL)", name="done_iff_hash"),
                      CheckConstraint("state <> 'done' OR (finished_at IS NOT NULL AND file_name IS NOT NULL "
                                      "AND size IS NOT NULL)", name="done_has_file"),
                      CheckConstraint("state <> 'failed' OR finished_at IS NOT NULL", name="failed_has_finish_time"))

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[ExportState] = mapped_column(db_enum(ExportState, "exportstate", 16), nullable=False,
                                               default=ExportState.QUEUED)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    division_code: Mapped[str | None] = mapped_column(String(6))
    # What was asked (the list filters) and what it meant when asked: the case ids, fixed at request time.
    filters: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    case_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # Where the QR codes point: the site's address as the requester saw it.
    base_url: Mapped[str] = mapped_column(String(255), nullable=False)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    file_name: Mapped[str | None] = mapped_column(String(128))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Written by the running job as it goes; a running job that has not beaten for EXPORT_HEARTBEAT_TIMEOUT
    # lost its worker and is re-queued once, then failed (exports.reap_stale_exports; issue 13.8).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    requested_by = relationship("User", lazy="raise")

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else min(100, self.done * 100 // self.total)
