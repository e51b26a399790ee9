"""The referral case, its history, its referrals to institutions, and the records of each step."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from referral.crypto.types import EncryptedJSON, EncryptedText
from referral.extensions import db
from referral.id_hash import id_hash_or_none, phone_hash_or_none
from referral.models import TimestampMixin, UTCDateTime, db_enum, utcnow
from workflows.case import (
    CLOCKED_CASE_STATES,
    UNCLOCKED_CASE_STATES,
    WITH_INSTITUTION_STATES,
    AssessmentResult,
    CaseState,
    CloseReason,
    DeclineReason,
)
from workflows.codes import N_, Coded
from workflows.referral import ReferralState


class Channel(Coded):
    SELF = "self", N_("本人或监护人申请")  # 个人自愿申请 (the applicant or guardian, online, no account)
    MEDICAL = "medical", N_("医疗卫生机构协助申请")
    OTHER = "other", N_("其他主体协助申请")  # village/residents' committees, social organisations, 儿童主任 …


class EligibilityGroup(Coded):
    """Which group of applicants a case belongs to (DESIGN §3.5 ``eligibility_group``); the statistics count by
    it (docs/domain.md#statistics). Optional at application: old rows have none (shown as 未填写)."""

    SEVERE_MENTAL_DISORDER = "severe_mental_disorder", N_("严重精神障碍")
    OTHER_MENTAL_DISORDER = "other_mental_disorder", N_("其他精神障碍")
    DEPRESSION = "depression", N_("抑郁症")
    AUTISM = "autism", N_("孤独症")


class ConsentSigner(Coded):
    APPLICANT = "applicant", N_("申请人本人")
    GUARDIAN = "guardian", N_("监护人")


class Insight(Coded):
    """自知力, kept in an assessment's domains."""

    COMPLETE = "complete", N_("完全")
    PARTIAL = "partial", N_("不全")
    ABSENT = "absent", N_("缺失")


class MedicationAdherence(Coded):
    """服药依从性, kept in an assessment's domains."""

    REGULAR = "regular", N_("规律")
    INTERMITTENT = "intermittent", N_("间断")
    NONE = "none", N_("不服药")
    NOT_NEEDED = "not_needed", N_("医嘱无需服药")


class AbilityLevel(Coded):
    """生活自理能力, 社会适应能力, 就业能力 as the 康复评估表 rates them, kept in an assessment's domains."""

    GOOD = "good", N_("良好")
    FAIR = "fair", N_("一般")
    POOR = "poor", N_("较差")


# The rated abilities (docs/domain.md#assessment-and-service-items), in the order of the form.
ABILITY_FIELDS = ("self_care", "social_adaptation", "employability")
# The items of 社会功能 (DESIGN §3.4), each rated with AbilityLevel, kept in an assessment's domains.
SOCIAL_FUNCTION_FIELDS = ("personal_care", "housework", "work", "learning", "social_contact")


class ServiceForm(Coded):
    """服务形式 of an agreement (Agreement.form); until issue 12 it was free text, migrated to these codes."""

    DAY = "day", N_("日间康复")
    HOME = "home", N_("居家上门")
    RESIDENTIAL = "residential", N_("住宿")
    GROUP = "group", N_("小组")
    INDIVIDUAL = "individual", N_("个案")
    OTHER = "other", N_("其他")


class FeePayer(Coded):
    """Who pays an agreement's 服务费用 (Agreement.fee_payer)."""

    GOVERNMENT = "government", N_("政府购买")
    SELF = "self", N_("自费")
    INSURANCE = "insurance", N_("医保")
    OTHER = "other", N_("其他")


class Satisfaction(Coded):
    """满意度 asked at a follow-up, five levels."""

    VERY_SATISFIED = "very_satisfied", N_("非常满意")
    SATISFIED = "satisfied", N_("满意")
    NEUTRAL = "neutral", N_("一般")
    DISSATISFIED = "dissatisfied", N_("不满意")
    VERY_DISSATISFIED = "very_dissatisfied", N_("非常不满意")


class FollowUpNextStep(Coded):
    """What follows a follow-up (FollowUp.next_step)."""

    CONTINUE = "continue", N_("继续回访")
    REAPPLY = "reapply", N_("建议重新申请服务")
    END = "end", N_("结束")


class FollowUpMethod(Coded):
    PHONE = "phone", N_("电话")
    VISIT = "visit", N_("上门")
    AT_INSTITUTION = "at_institution", N_("到机构")


# The referral's status values live with its machine (workflows/referral.py). ENDED: the case left the
# institution (closed and followed up, transferred, withdrawn, found unsuitable).
ReferralStatus = ReferralState


_CLOSED = CaseState.sql_in([CaseState.CLOSED, CaseState.COMPLETED])


class Case(TimestampMixin, db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"(state IN ({_CLOSED})) = (closed_at IS NOT NULL)", name="closed_iff_closed_at"),
        CheckConstraint(f"state NOT IN ({_CLOSED}) OR close_reason_code IS NOT NULL", name="closed_has_reason"),
        # A minor's case needs the guardian's consent (docs/domain.md#case-machine).
        CheckConstraint("NOT is_minor OR consent_signer = 'guardian'", name="minor_guardian_consent"),
        CheckConstraint(f"state NOT IN ({CaseState.sql_in(WITH_INSTITUTION_STATES)}) OR institution_id IS NOT NULL",
                        name="with_an_institution"),
        # The step's clock (docs/domain.md#deadlines): a clocked step always has its due date, a returned or
        # final case none; in service and closed it is the next review or follow-up, when there is one.
        CheckConstraint(f"state NOT IN ({CaseState.sql_in(CLOCKED_CASE_STATES)}) OR due_date IS NOT NULL",
                        name="clocked_has_due_date"),
        CheckConstraint(f"state NOT IN ({CaseState.sql_in(UNCLOCKED_CASE_STATES)}) OR due_date IS NULL",
                        name="unclocked_has_no_due_date"),
        CheckConstraint(f"close_reason_code IS NULL OR close_reason_code IN ({CloseReason.sql_in()})",
                        name="close_reason_code_known"),
        CheckConstraint(f"eligibility_group IS NULL OR eligibility_group IN ({EligibilityGroup.sql_in()})",
                        name="eligibility_group_known"),
        Index("ix_cases_division_state", "division_code", "state"),
        Index("ix_cases_institution_state", "institution_id", "state"),
        # The demand figures match listed people on it (referral/demand/queries.py); the case search and the
        # duplicate check find a 身份证号 by it, the number itself being encrypted (README.md#encryption-at-rest).
        Index("ix_cases_id_hash", "applicant_id_hash"),
        # The case search matches these whole (referral/cases/queries.py: search_cases).
        Index("ix_cases_name", "applicant_name"),
        Index("ix_cases_phone_hash", "applicant_phone_hash"),
        Index("ix_cases_due_date", "due_date"),
        # The lists read each scope branch in the list's order (referral/cases/queries.py: CaseSearch).
        Index("ix_cases_division_due", "division_code", "due_date", "id"),
        Index("ix_cases_institution_due", "institution_id", "due_date", "id"),
        Index("ix_cases_creator_due", "created_by_id", "due_date", "id"),
        Index("ix_cases_division_created", "division_code", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    state: Mapped[CaseState] = mapped_column(db_enum(CaseState, "casestate", 16), nullable=False, default=CaseState.APPLIED)
    channel: Mapped[Channel] = mapped_column(db_enum(Channel, "channel", 16), nullable=False)
    assister_role: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # e.g. 儿童主任
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # The residence county: the referral officer of this county registers and refers the case.
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code", ondelete="RESTRICT"), nullable=False)
    applicant_name: Mapped[str] = mapped_column(String(64), nullable=False)
    # Encrypted at rest (README.md#encryption-at-rest): the attribute reads the plaintext, SQL cannot compare it.
    applicant_id_number: Mapped[str] = mapped_column(EncryptedText("cases.applicant_id_number"), nullable=False)
    # HMAC of the number (referral/id_hash.py), set with it; NULL until a key exists, then filled in by the
    # next demand import (docs/domain.md#demand-data).
    applicant_id_hash: Mapped[str | None] = mapped_column(String(64))
    applicant_phone: Mapped[str] = mapped_column(EncryptedText("cases.applicant_phone"), nullable=False, default="")
    # HMAC of the phone number, set with it (NULL for none): what the case search looks a number up by.
    applicant_phone_hash: Mapped[str | None] = mapped_column(String(64))
    applicant_address: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    is_minor: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    guardian_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    guardian_relation: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    guardian_phone: Mapped[str] = mapped_column(EncryptedText("cases.guardian_phone"), nullable=False, default="")
    needs: Mapped[str] = mapped_column(Text, nullable=False, default="")
    service_types: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    eligibility_group: Mapped[str | None] = mapped_column(String(32))  # EligibilityGroup; None: 未填写
    consent_signer: Mapped[ConsentSigner] = mapped_column(db_enum(ConsentSigner, "consentsigner", 16), nullable=False)
    consent_signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # An open case of the same person in the same county: flagged and linked, not merged.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    due_date: Mapped[date | None] = mapped_column(Date)
    next_review_date: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_reason_code: Mapped[str | None] = mapped_column(String(32))
    closed_before_service: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                        server_default=text("false"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    division = relationship("Division", lazy="joined")
    institution = relationship("Institution", lazy="joined")

    # The hashes follow the numbers whoever sets them (README.md#encryption-at-rest).
    @validates("applicant_id_number")
    def _hash_id_number(self, key, value):
        self.applicant_id_hash = id_hash_or_none(value) if value else None
        return value

    @validates("applicant_phone")
    def _hash_phone(self, key, value):
        self.applicant_phone_hash = phone_hash_or_none(value)
        return value


class CaseEvent(db.Model):
    """Append-only history: one row per event, written in the same transaction as the state change."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False)
    event: Mapped[str] = mapped_column(String(32), nullable=False)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    actor_name: Mapped[str] = mapped_column(String(150), nullable=False, default="")
    summary: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Referral(db.Model):
    """One referral of a case to an institution and the institution's answer (docs/domain.md#referrals)."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("status <> 'declined' OR decline_reason_code IS NOT NULL", name="declined_has_reason"),
        CheckConstraint(f"decline_reason_code IS NULL OR decline_reason_code IN ({DeclineReason.sql_in()})",
                        name="decline_reason_code_known"),
        # A place is held from acceptance until the referral ends; the answer's time is that of accept/decline.
        CheckConstraint("NOT holds_place OR status = 'accepted'", name="holds_place_when_accepted"),
        CheckConstraint("status <> 'pending' OR responded_at IS NULL", name="pending_not_responded"),
        CheckConstraint("status NOT IN ('accepted', 'declined') OR responded_at IS NOT NULL",
                        name="answered_has_responded_at"),
        Index("ix_referrals_institution_status", "institution_id", "status"),
        Index("ix_referrals_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"), nullable=False)
    status: Mapped[ReferralStatus] = mapped_column(db_enum(ReferralStatus, "referralstatus", 16), nullable=False,
                                                   default=ReferralStatus.PENDING)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason_code: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Whether this referral holds one of the institution's free places (from accept until it ends).
    holds_place: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=text("false"))

    institution = relationship("Institution", lazy="joined")


class AssessmentKind(Coded):
    COMPREHENSIVE = "comprehensive", N_("综合评估")
    STAGED = "staged", N_("阶段性评估")
    CLOSING = "closing", N_("结案评估")


class Assessment(db.Model):
    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint("risk_grade BETWEEN 0 AND 5", name="risk_grade_range"),
        CheckConstraint("sdss IS NULL OR sdss BETWEEN 0 AND 20", name="sdss_range"),
        CheckConstraint("psp IS NULL OR psp BETWEEN 0 AND 100", name="psp_range"),
        CheckConstraint("gaf IS NULL OR gaf BETWEEN 0 AND 100", name="gaf_range"),
        CheckConstraint("adl IS NULL OR adl BETWEEN 14 AND 56", name="adl_range"),
        CheckConstraint(f"result IS NULL OR result IN ({AssessmentResult.sql_in()})", name="result_known"),
        Index("ix_assessments_case", "case_id", "assessed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"))
    kind: Mapped[AssessmentKind] = mapped_column(db_enum(AssessmentKind, "assessmentkind", 16), nullable=False)
    result: Mapped[str | None] = mapped_column(String(16))  # suitable | unsuitable (comprehensive only)
    risk_grade: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    domains: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    sdss: Mapped[int | None] = mapped_column(SmallInteger)
    psp: Mapped[int | None] = mapped_column(SmallInteger)
    gaf: Mapped[int | None] = mapped_column(SmallInteger)
    adl: Mapped[int | None] = mapped_column(SmallInteger)
    plan: Mapped[str] = mapped_column(Text, nullable=False, default="")
    next_review_date: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(255), nullable=False, default="", server_default="")  # 评估地点
    # 建议服务项目 (names of SERVICE_ITEMS): the agreement offers them as its defaults.
    recommended_items: Mapped[list] = mapped_column(JSON, nullable=False, default=list, server_default="[]")
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    # 评估人: the talent entries named (AssessmentAssessor).
    assessor_links: Mapped[list[AssessmentAssessor]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class AssessmentAssessor(db.Model):
    """评估人: the listed talent entries of the serving institution who made an assessment (one or more)."""

    __tablename__ = "assessment_assessors"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id", ondelete="RESTRICT"), primary_key=True,
                                           index=True)


class Agreement(db.Model):
    """服务协议."""

    __tablename__ = "agreements"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="dates_in_order"),
                      CheckConstraint(f"form IS NULL OR form IN ({ServiceForm.sql_in()})", name="form_known"),
                      CheckConstraint(f"fee_payer IS NULL OR fee_payer IN ({FeePayer.sql_in()})",
                                      name="fee_payer_known"),
                      CheckConstraint("fee_amount IS NULL OR fee_amount >= 0", name="fee_not_negative"),
                      Index("ix_agreements_case", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id", ondelete="RESTRICT"), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    service_items: Mapped[list] = mapped_column(JSON, nullable=False)
    form: Mapped[str | None] = mapped_column(String(16))  # ServiceForm; None: not recorded
    form_other: Mapped[str] = mapped_column(String(64), nullable=False, default="", server_default="")  # 其他: which
    frequency: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    place: Mapped[str] = mapped_column(String(255), nullable=False, default="", server_default="")  # 服务地点
    fee_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # 服务费用, yuan; 0 is free
    fee_payer: Mapped[str | None] = mapped_column(String(16))  # FeePayer
    # The service user's side: the person or the guardian who signed, and their relation to the person (本人).
    signer_name: Mapped[str] = mapped_column(String(64), nullable=False)
    signer_relation: Mapped[str] = mapped_column(String(32), nullable=False, default="", server_default="")
    # The institution's side: who signed for it (by default its legal representative).
    representative_name: Mapped[str] = mapped_column(String(64), nullable=False, default="", server_default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class ServiceRecord(db.Model):
    __tablename__ = "service_records"
    __table_args__ = (CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes_range"),
                      Index("ix_service_records_case_date", "case_id", "date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False)
    date: Mapped[date] = mapped_column(Date, nullable=False)
    item: Mapped[str] = mapped_column(String(32), nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class FollowUp(db.Model):
    """回访: scheduled at closure (docs/domain.md#deadlines: 1 and 3 months), recorded when done."""

    __tablename__ = "follow_ups"
    __table_args__ = (CheckConstraint("(done_at IS NULL) = (method IS NULL)", name="done_has_method"),
                      CheckConstraint(f"method IS NULL OR method IN ({FollowUpMethod.sql_in()})", name="method_known"),
                      CheckConstraint(f"satisfaction IS NULL OR satisfaction IN ({Satisfaction.sql_in()})",
                                      name="satisfaction_known"),
                      CheckConstraint(f"next_step IS NULL OR next_step IN ({FollowUpNextStep.sql_in()})",
                                      name="next_step_known"),
                      # 失访 is a result of a follow-up done, and always says why.
                      CheckConstraint("NOT unreachable OR (done_at IS NOT NULL AND lost_reason <> '')",
                                      name="unreachable_has_reason"),
                      Index("ix_follow_ups_case_due", "case_id", "due_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    method: Mapped[str | None] = mapped_column(String(16))  # phone | visit | at_institution
    contact_person: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    contact_relation: Mapped[str] = mapped_column(String(32), nullable=False, default="", server_default="")
    # The person could not be reached (失访): then lost_reason says why, and what only a talk tells is None.
    unreachable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=text("false"))
    lost_reason: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    condition: Mapped[str] = mapped_column(Text, nullable=False, default="")
    satisfaction: Mapped[str | None] = mapped_column(String(24))  # Satisfaction
    relapsed: Mapped[bool | None] = mapped_column(Boolean)  # 复发 since closure; None: not asked
    readmitted: Mapped[bool | None] = mapped_column(Boolean)  # 再住院 since closure; None: not asked
    next_step: Mapped[str | None] = mapped_column(String(16))  # FollowUpNextStep
    needs_service_again: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                      server_default=text("false"))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


# --- the person's record (DESIGN §3.5; docs/domain.md#the-persons-record) ------------------------------------
# What the standard forms ask about the person, held once and printed on T3/T7. Optional at application,
# asked at registration and assessment; every column may stay empty (未填写).

class MaritalStatus(Coded):
    UNMARRIED = "unmarried", N_("未婚")
    MARRIED = "married", N_("已婚")
    DIVORCED = "divorced", N_("离婚")
    WIDOWED = "widowed", N_("丧偶")


class Education(Coded):
    """文化程度, the levels of GB/T 4658 folded as the rehabilitation forms ask them."""

    NONE = "none", N_("未上过学")
    PRIMARY = "primary", N_("小学")
    JUNIOR_SECONDARY = "junior_secondary", N_("初中")
    SENIOR_SECONDARY = "senior_secondary", N_("高中／中专")
    JUNIOR_COLLEGE = "junior_college", N_("大专")
    BACHELOR_OR_ABOVE = "bachelor_or_above", N_("本科及以上")


class Employment(Coded):
    """职业／就业状况: 失业 is out of work and looking, 无业 not working (nor looking)."""

    EMPLOYED = "employed", N_("在业")
    UNEMPLOYED = "unemployed", N_("失业")
    NOT_WORKING = "not_working", N_("无业")
    STUDENT = "student", N_("在校")
    RETIRED = "retired", N_("退休")
    OTHER = "other", N_("其他")


class LivingArrangement(Coded):
    ALONE = "alone", N_("独居")
    WITH_FAMILY = "with_family", N_("与家人同住")
    INSTITUTION = "institution", N_("住在机构")
    OTHER = "other", N_("其他")


class MedicalInsurance(Coded):
    EMPLOYEE = "employee", N_("城镇职工基本医疗保险")
    RESIDENT = "resident", N_("城乡居民基本医疗保险")
    NONE = "none", N_("无")
    OTHER = "other", N_("其他")


# 精神残疾等级 on the 残疾人证 (GB/T 26341): 一级 the most severe.
DISABILITY_GRADES = {1: N_("一级"), 2: N_("二级"), 3: N_("三级"), 4: N_("四级")}
OTHER_DIAGNOSIS = "other"  # a diagnosis outside the list of F00–F99 categories: its name is typed


class CasePerson(db.Model):
    """The person's record of a case, one row per case (kept out of ``cases`` so that row stays lean and the
    health data sits apart). No row: nothing recorded yet. Diagnosis and medications are health data:
    masked and revealed like the 身份证号 (``policies.can_see_health_data``)."""

    __tablename__ = "case_persons"
    __table_args__ = (
        CheckConstraint("ethnicity IS NULL OR length(ethnicity) = 2", name="ethnicity_code"),
        CheckConstraint(f"marital_status IS NULL OR marital_status IN ({MaritalStatus.sql_in()})",
                        name="marital_status_known"),
        CheckConstraint(f"education IS NULL OR education IN ({Education.sql_in()})", name="education_known"),
        CheckConstraint(f"employment IS NULL OR employment IN ({Employment.sql_in()})", name="employment_known"),
        CheckConstraint(f"living_arrangement IS NULL OR living_arrangement IN ({LivingArrangement.sql_in()})",
                        name="living_arrangement_known"),
        CheckConstraint(f"medical_insurance IS NULL OR medical_insurance IN ({MedicalInsurance.sql_in()})",
                        name="medical_insurance_known"),
        # A diagnosis is a code of the list (its name copied) or 'other' with a typed name: never half of one.
        CheckConstraint("(diagnosis_icd10 IS NULL) = (diagnosis_name IS NULL)", name="diagnosis_whole"),
        # The code itself is encrypted (README.md#encryption-at-rest): the service checks it against the list
        # (cases/services.py: _person_value); the database keeps only the NULL-ness rules.
        CheckConstraint("diagnosed_on IS NULL OR diagnosis_icd10 IS NOT NULL", name="diagnosed_on_has_diagnosis"),
        CheckConstraint("disability_grade IS NULL OR disability_grade BETWEEN 1 AND 4", name="disability_grade_range"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), primary_key=True)
    ethnicity: Mapped[str | None] = mapped_column(String(2))  # GB/T 3304 (referral/cases/data/ethnic_groups.csv)
    marital_status: Mapped[str | None] = mapped_column(String(16))
    education: Mapped[str | None] = mapped_column(String(24))
    employment: Mapped[str | None] = mapped_column(String(16))
    living_arrangement: Mapped[str | None] = mapped_column(String(16))
    # Health data, encrypted at rest (README.md#encryption-at-rest).
    diagnosis_icd10: Mapped[str | None] = mapped_column(  # F00–F99 (data/icd10_f.csv) or 'other'
        EncryptedText("case_persons.diagnosis_icd10"))
    diagnosis_name: Mapped[str | None] = mapped_column(EncryptedText("case_persons.diagnosis_name"))
    diagnosed_on: Mapped[date | None] = mapped_column(Date)  # 发病／首次诊断时间
    medications: Mapped[list] = mapped_column(  # [{name, dose, frequency}]
        EncryptedJSON("case_persons.medications"), nullable=False, default=list)
    # The 残疾人证号 begins with the 身份证号: encrypted like it.
    disability_certificate_number: Mapped[str | None] = mapped_column(
        EncryptedText("case_persons.disability_certificate_number"))
    disability_grade: Mapped[int | None] = mapped_column(SmallInteger)  # 精神残疾 1–4
    subsistence_allowance: Mapped[bool | None] = mapped_column(Boolean)  # 低保／特困; None: 未填写
    medical_insurance: Mapped[str | None] = mapped_column(String(16))
    smd_registered: Mapped[bool | None] = mapped_column(Boolean)  # 纳入严重精神障碍管理
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
