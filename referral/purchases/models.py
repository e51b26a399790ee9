"""服务量结算单: one row per issued version of (institution, month), with its figures frozen at issue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.extensions import db
from referral.models import UTCDateTime, db_enum, utcnow
from workflows.purchase import PurchaseState

_ANSWERED = PurchaseState.sql_in([PurchaseState.CONFIRMED, PurchaseState.DISPUTED])


class PurchaseStatement(db.Model):
    __tablename__ = "purchase_statements"
    __table_args__ = (
        UniqueConstraint("institution_id", "month", "revision", name="uq_purchase_statements_revision"),
        # One version in force per institution and month; the superseded ones stay beside it.
        Index("uq_purchase_statements_current", "institution_id", "month", unique=True,
              postgresql_where=text("state <> 'superseded'"), sqlite_where=text("state <> 'superseded'")),
        Index("ix_purchase_statements_division_month", "division_code", "month"),
        CheckConstraint("length(month) = 7 AND substr(month, 5, 1) = '-'", name="month_format"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint(f"state NOT IN ({_ANSWERED}) OR answered_at IS NOT NULL", name="answered_has_time"),
        CheckConstraint("state <> 'issued' OR answered_at IS NULL", name="issued_not_answered"),
        CheckConstraint("state <> 'disputed' OR comment <> ''", name="dispute_has_comment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"), nullable=False)
    # The issuing county (the institution's county at issue): the statement's scope, even if the institution moves.
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code", ondelete="RESTRICT"), nullable=False)
    month: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # 第 n 版 of this month
    state: Mapped[PurchaseState] = mapped_column(db_enum(PurchaseState, "purchasestate", 16), nullable=False,
                                                 default=PurchaseState.ISSUED)
    # The figures as issued (referral/purchases/queries.py: service_volume); never recomputed.
    figures: Mapped[dict] = mapped_column(JSON, nullable=False)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    institution = relationship("Institution", lazy="joined")
    issued_by = relationship("User", foreign_keys=[issued_by_id], lazy="joined")
    answered_by = relationship("User", foreign_keys=[answered_by_id], lazy="joined")
