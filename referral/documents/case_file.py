"""Plain-data snapshots of T3 基本情况档案 (a case) and T4 服务协议 (one agreement of a case); docs/domain.md#documents,
fields T3/T4 as inferred there. Same rules as ``context.py``: only str/bool/int/list/dict, formatted
for print, and a blank (paper) version with exactly the same keys.

The person's record (民族, 婚姻, 诊断, 用药, 残疾证 …, ``context.person_record``) fills its places; what the
platform does not hold (户籍地, 住院次数, 关锁, 费用 …) is still on the form, as □ choices that are never
ticked and empty values that print as lines: an archive form is completed by hand where the data ends."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from referral.auth.models import User
from referral.cases.models import (
    Agreement,
    Assessment,
    AssessmentKind,
    Case,
    CaseEvent,
    Channel,
    ConsentSigner,
    FeePayer,
    MedicationAdherence,
    Referral,
    ReferralStatus,
    ServiceForm,
)
from referral.documents.context import (
    CHANNEL_LABELS,
    SIGNER_LABELS,
    blank_person_record,
    format_date,
    format_datetime,
    head,
    identity_from_id_number,
    options,
    person_record,
)
from referral.extensions import db
from referral.registries.models import Institution
from referral.service_items import SERVICE_ITEMS
from workflows.case import AssessmentResult

BASIC_FILE = "basic_file"
SERVICE_AGREEMENT = "service_agreement"

SEXES = ("男", "女")
YES_NO = ("是", "否")
RISK_GRADES = tuple(f"{g}级" for g in range(6))
# Assessment.result and AssessmentForm.medication_adherence (forms/cases.py), in the words of the forms.
RESULT_LABELS = AssessmentResult.labels()
ADHERENCE_LABELS = MedicationAdherence.labels()

# The person's record (民族, 婚姻, 诊断, 用药, 残疾证 …) comes from ``context.person_record``. Choices the platform
# does not record: printed unticked, ticked by hand (T3, docs/domain.md#documents; the health side's 个人信息补充表
# and 随访服务记录表 are where these families come from). The diagnosis grid is the paper's, for a case
# whose diagnosis is not recorded: the 严重精神障碍 of the health side's register, and the optional groups.
DIAGNOSES = ("精神分裂症", "分裂情感性障碍", "偏执性精神病", "双相（情感）障碍", "癫痫所致精神障碍",
             "精神发育迟滞伴发精神障碍", "抑郁症", "孤独症", "其他")
MEDICATION_TAKING = ("自行服药", "他人给药")
DANGER_HISTORY = ("无", "轻度滋事", "肇事", "肇祸", "自伤", "自杀未遂")
LOCKING = ("无关锁", "关锁", "关锁已解除")
ECONOMY = ("良好", "一般", "困难")

# T4: the service forms an agreement names and who pays (Agreement.form, Agreement.fee_payer), in their words.
SERVICE_FORMS = ServiceForm.labels()
FEE_PAYERS = FeePayer.labels()


def _latest_assessment(case: Case) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(Assessment.case_id == case.id)
                             .order_by(Assessment.assessed_at.desc(), Assessment.id.desc()).limit(1))


def _comprehensive(case: Case) -> Assessment | None:
    """The latest 综合评估 (a case referred twice may have two)."""
    return db.session.scalar(select(Assessment).where(Assessment.case_id == case.id,
                                                      Assessment.kind == AssessmentKind.COMPREHENSIVE)
                             .order_by(Assessment.assessed_at.desc(), Assessment.id.desc()).limit(1))


def _last_event_on(case: Case, *names: str) -> str:
    """The date (China time) of the latest event of one of ``names`` in the case's history, or ""."""
    at = db.session.scalar(select(CaseEvent.at).where(CaseEvent.case_id == case.id, CaseEvent.event.in_(names))
                           .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(1))
    return format_date(at)


def _serving_referral(case: Case) -> Referral | None:
    """The referral the case is (or was last) served under: the latest one the institution accepted, else
    the latest pending one."""
    rows = db.session.scalars(select(Referral).where(Referral.case_id == case.id)
                              .order_by(Referral.referred_at.desc(), Referral.id.desc())).all()
    accepted = next((r for r in rows if r.status is not ReferralStatus.DECLINED and r.responded_at is not None), None)
    return accepted or next((r for r in rows if r.status is ReferralStatus.PENDING), None)


def _assister(case: Case) -> dict:
    """协助单位／身份 and 协助人 of an assisted application (as on T7)."""
    if case.channel is Channel.SELF or case.created_by_id is None:
        return {"unit": "", "name": ""}
    creator = db.session.get(User, case.created_by_id)
    parts = [creator.institution.name if creator is not None and creator.institution is not None else "",
             case.assister_role]
    return {"unit": "／".join(p for p in parts if p), "name": creator.name if creator is not None else ""}


def _person(case: Case) -> dict:
    sex, birth_date = identity_from_id_number(case.applicant_id_number)
    return {
        "name": case.applicant_name,
        "sex_options": options(SEXES, {sex}),
        "birth_date": birth_date,
        "id_number": case.applicant_id_number,
        "phone": case.applicant_phone,
        "division": case.division.full_name if case.division is not None else case.division_code,
        "address": case.applicant_address,
        "minor_options": options(YES_NO, {"是" if case.is_minor else "否"}),
    }


def _blank_person() -> dict:
    return {"name": "", "sex_options": options(SEXES), "birth_date": "", "id_number": "", "phone": "",
            "division": "", "address": "", "minor_options": options(YES_NO)}


def _guardian(case: Case) -> dict:
    return {"name": case.guardian_name, "relation": case.guardian_relation, "phone": case.guardian_phone}


def _blank_guardian() -> dict:
    return {"name": "", "relation": "", "phone": ""}


def _services(chosen: list[str]) -> tuple[list[dict], str]:
    """□/■ over the nine items, and whatever was chosen outside them ("其他")."""
    return options(SERVICE_ITEMS, set(chosen)), "、".join(s for s in chosen if s not in SERVICE_ITEMS)


# --- T3 基本情况档案 -----------------------------------------------------------------------------------------

def _unrecorded() -> dict:
    """What the platform does not record: choices to tick by hand (the same on the filled and blank form)."""
    return {
        "diagnosis_options": options(DIAGNOSES),
        "taking_options": options(MEDICATION_TAKING),
        "danger_options": options(DANGER_HISTORY),
        "locking_options": options(LOCKING),
        "economy_options": options(ECONOMY),
    }


def basic_file_context(case: Case, *, issued_on: date | None = None, verification_code: str | None = None) -> dict:
    """T3 基本情况档案 of ``case``: identity (sex and birth date read from the 身份证号), the person's record,
    guardian, the latest assessment's risk grade and medication adherence, the referral's dates and
    receiving institution, and the consent; the rest prints as lines and boxes to complete by hand.

    Like T7 it holds the full 身份证号 and phone numbers: the issuing service checks that whoever issues
    it may see them, and records it."""
    latest, comprehensive = _latest_assessment(case), _comprehensive(case)
    referral = _serving_referral(case)
    institution = referral.institution if referral is not None else case.institution
    wished = list(case.service_types or [])
    service_options, other_services = _services(wished)
    adherence = ADHERENCE_LABELS.get((latest.domains or {}).get("medication_adherence", "")) if latest else None
    risk = f"{latest.risk_grade}级" if latest is not None else None
    result = RESULT_LABELS.get(comprehensive.result or "") if comprehensive is not None else None
    signer = SIGNER_LABELS[ConsentSigner(case.consent_signer)]
    channel = CHANNEL_LABELS[Channel(case.channel)]
    return {
        **head(BASIC_FILE, object_id=case.id, issued_on=issued_on, verification_code=verification_code),
        "receipt_no": case.receipt_no,
        "institution": institution.name if institution is not None else "",
        "person": _person(case),
        "guardian": _guardian(case),
        "health": {
            "adherence_options": options(ADHERENCE_LABELS.values(), {adherence}),
            "risk_options": options(RISK_GRADES, {risk}),
            "assessed_on": format_date(latest.assessed_at) if latest is not None else "",
            "physical_health": str((latest.domains or {}).get("physical_health") or "") if latest else "",
        },
        "family_support": str((latest.domains or {}).get("family_support") or "") if latest else "",
        "referral": {
            "channel_options": options(CHANNEL_LABELS.values(), {channel}),
            "assister": _assister(case),
            "applied_on": format_date(case.applied_at),
            "registered_on": _last_event_on(case, "register"),
            "referred_on": format_date(referral.referred_at) if referral is not None else "",
            "institution": institution.name if institution is not None else "",
            "accepted_on": format_date(referral.responded_at) if referral is not None else "",
            "assessed_on": format_date(comprehensive.assessed_at) if comprehensive is not None else "",
            "result_options": options(RESULT_LABELS.values(), {result}),
        },
        "needs": case.needs,
        "service_options": service_options,
        "other_services": other_services,
        "consent": {"signer_options": options(SIGNER_LABELS.values(), {signer}),
                    "signed_at": format_datetime(case.consent_signed_at)},
        "record": person_record(case),
        **_unrecorded(),
    }


def blank_basic_file() -> dict:
    """The paper 基本情况档案: the same keys as :func:`basic_file_context`, every field empty."""
    return {
        **head(BASIC_FILE, blank=True),
        "receipt_no": "",
        "institution": "",
        "person": _blank_person(),
        "guardian": _blank_guardian(),
        "health": {"adherence_options": options(ADHERENCE_LABELS.values()), "risk_options": options(RISK_GRADES),
                   "assessed_on": "", "physical_health": ""},
        "family_support": "",
        "referral": {"channel_options": options(CHANNEL_LABELS.values()), "assister": {"unit": "", "name": ""},
                     "applied_on": "", "registered_on": "", "referred_on": "", "institution": "",
                     "accepted_on": "", "assessed_on": "", "result_options": options(RESULT_LABELS.values())},
        "needs": "",
        "service_options": options(SERVICE_ITEMS),
        "other_services": "",
        "consent": {"signer_options": options(SIGNER_LABELS.values()), "signed_at": ""},
        "record": blank_person_record(),
        **_unrecorded(),
    }


# --- T4 服务协议 ---------------------------------------------------------------------------------------------

def _yuan(amount) -> str:
    """An amount of money as the agreement prints it: "0.00" (free) is a value, not a blank."""
    return "" if amount is None else f"{amount:,.2f}"


def service_agreement_context(agreement: Agreement, *, issued_on: date | None = None,
                              verification_code: str | None = None) -> dict:
    """T4 服务协议: 甲方 the institution, 乙方 the service user, 丙方 the guardian (blank lines if there is
    none), the items, period, form and frequency agreed, and the signing as the platform recorded it.

    Numbered by the agreement, not the case: a case transferred and served again has several."""
    case = db.session.get(Case, agreement.case_id)
    inst = db.session.get(Institution, agreement.institution_id)
    items = list(agreement.service_items or [])
    service_options, other_services = _services(items)
    form = SERVICE_FORMS.get(agreement.form or "", "")
    payer = FEE_PAYERS.get(agreement.fee_payer or "", "")
    person_signed = agreement.signer_relation == "本人" or agreement.signer_name == case.applicant_name
    recorder = db.session.get(User, agreement.recorded_by_id) if agreement.recorded_by_id is not None else None
    comprehensive = _comprehensive(case)
    has_guardian = bool(case.guardian_name)
    return {
        **head(SERVICE_AGREEMENT, object_id=agreement.id, issued_on=issued_on, verification_code=verification_code),
        "receipt_no": case.receipt_no,
        "institution": {
            "name": inst.name,
            "credit_code": inst.credit_code or "",
            "address": inst.address,
            "legal_representative": inst.legal_representative,
            "contact_name": inst.contact_name,
            "contact_phone": inst.contact_phone,
            "opening_hours": inst.opening_hours,
        },
        "person": _person(case),
        "guardian": _guardian(case),
        "assessed_on": format_date(comprehensive.assessed_at) if comprehensive is not None else "",
        "service_options": service_options,
        "other_services": other_services,
        "start_date": format_date(agreement.start_date),
        "end_date": format_date(agreement.end_date),
        "form_options": options(SERVICE_FORMS.values(), {form}),
        "other_form": agreement.form_other if agreement.form == ServiceForm.OTHER else "",
        "place": agreement.place,
        "frequency": agreement.frequency,
        "fee_options": options(FEE_PAYERS.values(), {payer}),
        "fee_amount": _yuan(agreement.fee_amount),
        "copies": "三" if has_guardian else "两",
        "signing": {
            "signer": agreement.signer_name,
            "signer_relation": agreement.signer_relation,
            "representative": agreement.representative_name,
            # Under 乙方 when the person signed, under 丙方 when the guardian (or another) signed for them.
            "person_signer": agreement.signer_name if person_signed else "",
            "guardian_signer": "" if person_signed else (
                f"{agreement.signer_name}（{agreement.signer_relation}）" if agreement.signer_relation
                else agreement.signer_name),
            "signed_at": format_datetime(agreement.signed_at),
            "signed_on": format_date(agreement.signed_at),
            "recorder": recorder.name if recorder is not None else "",
        },
        # 丙方 signs only where there is a guardian; without one the block stays blank, not dated.
        "guardian_signed_on": format_date(agreement.signed_at) if has_guardian else "",
    }


def blank_service_agreement() -> dict:
    """The paper 服务协议: the same keys as :func:`service_agreement_context`, every field empty."""
    return {
        **head(SERVICE_AGREEMENT, blank=True),
        "receipt_no": "",
        "institution": {"name": "", "credit_code": "", "address": "", "legal_representative": "",
                        "contact_name": "", "contact_phone": "", "opening_hours": ""},
        "person": _blank_person(),
        "guardian": _blank_guardian(),
        "assessed_on": "",
        "service_options": options(SERVICE_ITEMS),
        "other_services": "",
        "start_date": "",
        "end_date": "",
        "form_options": options(SERVICE_FORMS.values()),
        "other_form": "",
        "place": "",
        "frequency": "",
        "fee_options": options(FEE_PAYERS.values()),
        "fee_amount": "",
        "copies": "",
        "signing": {"signer": "", "signer_relation": "", "representative": "", "person_signer": "",
                    "guardian_signer": "", "signed_at": "", "signed_on": "", "recorder": ""},
        "guardian_signed_on": "",
    }
