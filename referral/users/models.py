"""A role grant waiting for a second sysadmin (four-eyes, docs/domain.md#accounts): a sysadmin who gives an
account a role that sees personal data (or the sysadmin role) only requests it; another sysadmin approves or
rejects it. The role takes effect on approval (referral/users/services.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.auth.permissions import Role
from referral.extensions import db
from referral.models import UTCDateTime, db_enum, utcnow
from workflows.role_grant import GrantState


class RoleGrant(db.Model):
    __tablename__ = "role_grants"
    __table_args__ = (
        # The four eyes, unstorable otherwise: the decider is not the requester, and a decided grant says who.
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> requested_by_id", name="four_eyes"),
        CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided_when_not_pending"),
        Index("ix_role_grants_state", "state"),
        Index("ix_role_grants_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    role: Mapped[Role] = mapped_column(db_enum(Role, "grant_role"), nullable=False)
    state: Mapped[GrantState] = mapped_column(db_enum(GrantState, "grant_state"), nullable=False,
                                              default=GrantState.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str] = mapped_column(String(500), nullable=False, default="")

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="joined")
