"""One notification to one account. ``key`` names what it is about (kind, object, and the event or due date
that caused it): unique per account, so computing the notifications twice tells nobody twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from referral.extensions import db
from referral.models import UTCDateTime, utcnow
from workflows.codes import N_, Coded


class NotificationKind(Coded):
    REFERRAL_RECEIVED = "referral_received", N_("收到新的转介")
    CASE_RETURNED = "case_returned", N_("申请被退回补正")
    REFERRAL_DECLINED = "referral_declined", N_("机构不接收转介")
    REGISTRY_DECISION = "registry_decision", N_("入库审核有了结果")
    REMOVAL_PROPOSED = "removal_proposed", N_("拟移出机构库或人才库（陈述申辩期）")
    DUE_SOON = "due_soon", N_("即将到期")
    OVERDUE = "overdue", N_("已逾期")


class NotificationObject(Coded):
    CASE = "case", N_("个案")
    INSTITUTION = "institution", N_("服务机构")
    TALENT = "talent", N_("服务人才")


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_notifications_user_key"),
        # The bell counts a user's unread ones; the list shows the newest first.
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_user_created", "user_id", "created_at"),
        CheckConstraint(f"kind IN ({NotificationKind.sql_in()})", name="kind_known"),
        CheckConstraint(f"object_type IN ({NotificationObject.sql_in()})", name="object_type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    object_type: Mapped[str] = mapped_column(String(16), nullable=False)
    object_id: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(128), nullable=False)
    # What the list shows beside the kind: a receipt number or an entry's name and the step — never a
    # person's name or health data (it may reach an e-mail subject).
    subject: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def read(self) -> bool:
        return self.read_at is not None
