from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.extensions import db
from referral.models import UTCDateTime, db_enum, utcnow
from workflows.supervision import CheckState, ComplaintState


class SpotCheckRound(db.Model):
    """One random draw of a county's listed institutions (policy: a share, at least a minimum)."""

    __tablename__ = "spot_check_rounds"
    __table_args__ = (CheckConstraint("sample_size >= 0 AND sample_size <= population", name="sample_within"),
                      CheckConstraint("(seed IS NULL) = (candidate_ids IS NULL)", name="seed_with_candidates"))

    id: Mapped[int] = mapped_column(primary_key=True)
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code", ondelete="RESTRICT"), nullable=False,
                                               index=True)
    share: Mapped[Decimal] = mapped_column(Numeric(4, 3), nullable=False)
    minimum: Mapped[int] = mapped_column(Integer, nullable=False)
    population: Mapped[int] = mapped_column(Integer, nullable=False)
    sample_size: Mapped[int] = mapped_column(Integer, nullable=False)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # What makes the draw reproducible (docs/domain.md#supervision): the random seed and the candidates, in
    # the order the draw took them. Empty for draws made before seeds were recorded.
    seed: Mapped[str | None] = mapped_column(String(64))
    candidate_ids: Mapped[list | None] = mapped_column(JSON)

    checks: Mapped[list[SpotCheck]] = relationship(back_populates="round", lazy="selectin", order_by="SpotCheck.id")


class SpotCheck(db.Model):
    __tablename__ = "spot_checks"
    __table_args__ = (
        CheckConstraint("(state = 'pending') = (checked_at IS NULL)", name="checked_iff_done"),
        Index("ix_spot_checks_institution", "institution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("spot_check_rounds.id", ondelete="RESTRICT"), nullable=False,
                                          index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"), nullable=False)
    state: Mapped[CheckState] = mapped_column(db_enum(CheckState, "checkstate", 16), nullable=False,
                                              default=CheckState.PENDING, index=True)
    findings: Mapped[str] = mapped_column(Text, nullable=False, default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    round: Mapped[SpotCheckRound] = relationship(back_populates="checks")
    institution = relationship("Institution", lazy="joined")


class Evaluation(db.Model):
    """考核评估: one row per evaluation; the history is the rows."""

    __tablename__ = "evaluations"
    __table_args__ = (CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
                      Index("ix_evaluations_institution_at", "institution_id", "evaluated_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"), nullable=False)
    period: Mapped[str] = mapped_column(String(32), nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    conclusion: Mapped[str] = mapped_column(String(16), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    evaluated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = __table_args__ + (
        CheckConstraint("conclusion IN ('excellent', 'good', 'qualified', 'unqualified')", name="conclusion_known"),)


class Complaint(db.Model):
    """投诉建议 against an institution, from a signed-in user in scope or from the public (who get a
    reference number to follow it). The county handles it with a recorded outcome."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint("(state = 'resolved') = (resolved_at IS NOT NULL)", name="resolved_iff_outcome"),
        Index("ix_complaints_institution_state", "institution_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"), nullable=False)
    state: Mapped[ComplaintState] = mapped_column(db_enum(ComplaintState, "complaintstate", 16), nullable=False,
                                                  default=ComplaintState.RECEIVED, index=True)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    complainant_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    complainant_contact: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    outcome: Mapped[str] = mapped_column(Text, nullable=False, default="")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    institution = relationship("Institution", lazy="joined")
