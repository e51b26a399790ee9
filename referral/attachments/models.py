from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.extensions import db
from referral.models import UTCDateTime, utcnow


class Attachment(db.Model):
    """One uploaded file attached to one object (``owner_type``/``owner_id``). The bytes are kept once per
    SHA-256 under the storage root; several rows may share them. Rows are never deleted, only marked
    ``deleted_at``: a licence scan that was replaced is still evidence of what was submitted."""

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_owner", "owner_type", "owner_id"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(32), nullable=False)
    owner_id: Mapped[int] = mapped_column(nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    # The uploader's name for the file, cleaned; only ever used as the download name.
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    # Detected from the bytes, never the type the browser claimed.
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    # Relative to the storage root (``ab/cd/<sha256>``), so the root can move without touching rows.
    storage_key: Mapped[str] = mapped_column(String(128), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    uploaded_by = relationship("User", lazy="raise")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.owner_type}:{self.owner_id} {self.kind}>"
