"""服务机构库 (Institution) and 服务人才库 (Talent): one approval state machine, every decision its own row."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from referral.crypto.types import EncryptedText
from referral.extensions import db
from referral.id_hash import id_hash_or_none
from referral.models import TimestampMixin, UTCDateTime, db_enum, utcnow
from workflows.approval import CLOCKED_STATES, FINAL_STATES, ApprovalState, ExitReason
from workflows.change_request import ChangeState
from workflows.codes import N_, Coded

_FINAL = ApprovalState.sql_in(FINAL_STATES)
_CLOCKED = ApprovalState.sql_in(CLOCKED_STATES)


class LegalForm(Coded):
    SOCIAL_SERVICE_ORG = "social_service_org", N_("社会服务机构（民办非企业单位）")
    PUBLIC_INSTITUTION = "public_institution", N_("事业单位")
    ENTERPRISE = "enterprise", N_("企业")
    MEDICAL = "medical", N_("医疗卫生机构")
    OTHER = "other", N_("其他")


class TalentCategory(Coded):
    PSYCHIATRIST = "psychiatrist", N_("精神科医师")
    NURSE = "nurse", N_("护士")
    REHAB_PHYSICIAN = "rehab_physician", N_("康复医师")
    REHAB_TECHNICIAN = "rehab_technician", N_("康复技师")
    PSYCHOTHERAPIST = "psychotherapist", N_("心理治疗技师")
    SOCIAL_WORKER = "social_worker", N_("社会工作者")
    REFERRAL_STAFF = "referral_staff", N_("转介服务人员")
    DIRECT_SERVICE = "direct_service", N_("直接从事社区康复服务人员")
    VOLUNTEER = "volunteer", N_("志愿者")


# A qualification certificate is required for these (docs/domain.md#talent), not for the others.
PROFESSIONAL_CATEGORIES = frozenset({TalentCategory.PSYCHIATRIST, TalentCategory.NURSE,
                                     TalentCategory.REHAB_PHYSICIAN, TalentCategory.REHAB_TECHNICIAN,
                                     TalentCategory.PSYCHOTHERAPIST, TalentCategory.SOCIAL_WORKER})
_PROFESSIONAL = ", ".join(f"'{c.value}'" for c in sorted(PROFESSIONAL_CATEGORIES))


class RegistryEntryMixin:
    """What institutions and talent share: the approval state, its clock and the optimistic lock."""

    state: Mapped[ApprovalState] = mapped_column(db_enum(ApprovalState, "approvalstate"), nullable=False,
                                                 default=ApprovalState.DRAFT, index=True)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    statement_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.state not in FINAL_STATES


class Institution(RegistryEntryMixin, TimestampMixin, db.Model):
    __tablename__ = "institutions"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("free_places >= 0 AND free_places <= capacity", name="free_places_within_capacity"),
        CheckConstraint("premises_area IS NULL OR premises_area >= 0", name="premises_area_not_negative"),
        CheckConstraint(f"(state IN ({_CLOCKED})) = (due_date IS NOT NULL)", name="due_date_iff_clocked"),
        CheckConstraint("state = 'draft' OR submitted_at IS NOT NULL", name="submitted_at_after_draft"),
        # One open registry entry per organisation; a rejected or removed one may register again.
        Index("uq_institutions_credit_code_open", "credit_code", unique=True,
              postgresql_where=text(f"state NOT IN ({_FINAL})"), sqlite_where=text(f"state NOT IN ({_FINAL})")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    credit_code: Mapped[str | None] = mapped_column(String(18))
    registration_authority: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    legal_form: Mapped[LegalForm | None] = mapped_column(db_enum(LegalForm, "legalform"))
    legal_representative: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    address: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    # The county of the address: what scopes the entry for county/city/province officials.
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code", ondelete="RESTRICT"), nullable=False,
                                               index=True)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    free_places: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    opening_hours: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    premises_area: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    contact_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    contact_phone: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    is_assessment_referral: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                         server_default=text("false"))
    grade: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # use_alter: users.institution_id points back here; the cycle is broken for CREATE/DROP ordering.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT", use_alter=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT", use_alter=True))

    division = relationship("Division", lazy="joined")
    service_area_rows: Mapped[list[InstitutionServiceArea]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="InstitutionServiceArea.division_code")
    service_rows: Mapped[list[InstitutionService]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="InstitutionService.service_type")
    licences: Mapped[list[InstitutionLicence]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="InstitutionLicence.id")

    @property
    def service_area(self) -> list[str]:
        return [r.division_code for r in self.service_area_rows]

    @property
    def service_types(self) -> list[str]:
        return [r.service_type for r in self.service_rows]

    def __repr__(self) -> str:
        return f"<Institution {self.id} {self.name} {self.state}>"


class InstitutionServiceArea(db.Model):
    __tablename__ = "institution_service_areas"

    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True)
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code", ondelete="RESTRICT"), primary_key=True,
                                               index=True)


class InstitutionService(db.Model):
    __tablename__ = "institution_services"

    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True)
    service_type: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class InstitutionLicence(db.Model):
    """Accreditations and licences, with expiry (docs/domain.md#registry-approval-machine)."""

    __tablename__ = "institution_licences"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"), nullable=False,
                                                index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    number: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    issuer: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    valid_until: Mapped[date | None] = mapped_column(Date)


class Talent(RegistryEntryMixin, TimestampMixin, db.Model):
    __tablename__ = "talents"
    __table_args__ = (
        CheckConstraint(f"(state IN ({_CLOCKED})) = (due_date IS NOT NULL)", name="due_date_iff_clocked"),
        CheckConstraint("state = 'draft' OR submitted_at IS NOT NULL", name="submitted_at_after_draft"),
        CheckConstraint(f"exit_reason_code IS NULL OR exit_reason_code IN ({ExitReason.sql_in()})",
                        name="exit_reason_code_known"),
        # A professional outside draft/returned has a certificate on file.
        CheckConstraint(f"state IN ('draft', 'returned') OR category NOT IN ({_PROFESSIONAL}) OR "
                        "(certificate_number IS NOT NULL AND certificate_valid_until IS NOT NULL)",
                        name="professional_has_certificate"),
        # One open entry per person, by the keyed hash of the (encrypted) 身份证号 (README.md#encryption-at-rest).
        Index("uq_talents_id_hash_open", "id_hash", unique=True,
              postgresql_where=text(f"state NOT IN ({_FINAL})"), sqlite_where=text(f"state NOT IN ({_FINAL})")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    id_number: Mapped[str] = mapped_column(EncryptedText("talents.id_number"), nullable=False)
    id_hash: Mapped[str | None] = mapped_column(String(64))  # HMAC of id_number (referral/id_hash.py), set with it
    category: Mapped[TalentCategory] = mapped_column(db_enum(TalentCategory, "talentcategory"), nullable=False,
                                                     index=True)
    # The county where the person works (or lives, if self-registered): who pre-checks the entry.
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code", ondelete="RESTRICT"), nullable=False,
                                               index=True)
    phone: Mapped[str] = mapped_column(EncryptedText("talents.phone"), nullable=False, default="")
    # 职务 (e.g. 康复部主任, 社工): free text, printed on the talent's documents; "" when not given.
    position: Mapped[str] = mapped_column(String(64), nullable=False, default="", server_default="")
    certificate_number: Mapped[str | None] = mapped_column(String(64))
    certificate_issuer: Mapped[str | None] = mapped_column(String(100))
    certificate_valid_until: Mapped[date | None] = mapped_column(Date)
    exit_reason_code: Mapped[str | None] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    division = relationship("Division", lazy="joined")
    employer_rows: Mapped[list[TalentEmployment]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @validates("id_number")
    def _hash_id_number(self, key, value):
        self.id_hash = id_hash_or_none(value) if value else None
        return value

    @property
    def institution_ids(self) -> list[int]:
        return [r.institution_id for r in self.employer_rows]

    @property
    def needs_certificate(self) -> bool:
        return self.category in PROFESSIONAL_CATEGORIES


class TalentEmployment(db.Model):
    __tablename__ = "talent_employments"

    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id", ondelete="CASCADE"), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"), primary_key=True,
                                                index=True)
    institution = relationship("Institution", lazy="joined")


class TrainingRecord(db.Model):
    """Training log; direct service staff need ≥ 20 hours a year (精康融合行动)."""

    __tablename__ = "training_records"
    __table_args__ = (CheckConstraint("hours > 0 AND hours <= 1000", name="hours_positive"),
                      Index("ix_training_records_talent_date", "talent_id", "date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id", ondelete="CASCADE"), nullable=False)
    date: Mapped[date] = mapped_column(Date, nullable=False)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1), nullable=False)
    provider: Mapped[str] = mapped_column(String(100), nullable=False)
    topic: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ApprovalDecision(db.Model):
    """One row per event on a registry entry (docs/domain.md#registry-approval-machine: every event is its own row)."""

    __tablename__ = "approval_decisions"
    __table_args__ = (
        CheckConstraint(f"reason_code IS NULL OR reason_code IN ({ExitReason.sql_in()})", name="reason_code_known"),
        CheckConstraint("(institution_id IS NULL) <> (talent_id IS NULL)", name="one_entry"),
        Index("ix_approval_decisions_institution", "institution_id", "at"),
        Index("ix_approval_decisions_talent", "talent_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"))
    talent_id: Mapped[int | None] = mapped_column(ForeignKey("talents.id", ondelete="RESTRICT"))
    event: Mapped[str] = mapped_column(String(32), nullable=False)
    from_state: Mapped[str] = mapped_column(String(32), nullable=False)
    to_state: Mapped[str] = mapped_column(String(32), nullable=False)
    level: Mapped[str] = mapped_column(String(16), nullable=False)  # owner | county | city
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    actor_name: Mapped[str] = mapped_column(String(150), nullable=False, default="")
    reason_code: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class PledgeKind(enum.StrEnum):
    SERVICE = "service_pledge"  # 服务承诺书
    CONFIDENTIALITY = "confidentiality_pledge"  # 保密承诺书


class Pledge(db.Model):
    """An accepted 承诺书: what was accepted (kind and text version), by whom, when."""

    __tablename__ = "pledges"
    __table_args__ = (
        CheckConstraint("(institution_id IS NULL) <> (talent_id IS NULL)", name="one_entry"),
        Index("ix_pledges_institution", "institution_id"),
        Index("ix_pledges_talent", "talent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"))
    talent_id: Mapped[int | None] = mapped_column(ForeignKey("talents.id", ondelete="RESTRICT"))
    kind: Mapped[PledgeKind] = mapped_column(db_enum(PledgeKind, "pledgekind"), nullable=False)
    text_version: Mapped[str] = mapped_column(String(32), nullable=False)
    signer_name: Mapped[str] = mapped_column(String(64), nullable=False)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ChangeRequest(db.Model):
    """A change to key fields of a listed institution, re-checked by the county while the institution
    stays listed (docs/domain.md#change-requests)."""

    __tablename__ = "change_requests"
    __table_args__ = (
        CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided_iff_not_pending"),
        Index("uq_change_requests_one_pending", "institution_id", unique=True,
              postgresql_where=text("state = 'pending'"), sqlite_where=text("state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"), nullable=False,
                                                index=True)
    state: Mapped[ChangeState] = mapped_column(db_enum(ChangeState, "changestate", 16), nullable=False,
                                               default=ChangeState.PENDING)
    before: Mapped[dict] = mapped_column(JSON, nullable=False)
    after: Mapped[dict] = mapped_column(JSON, nullable=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    institution = relationship("Institution", lazy="joined")

