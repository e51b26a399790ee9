"""Plain-data snapshots of the standard documents (docs/domain.md#documents; fields: T1–T7, inferred).

A builder reads the database once and returns only ``str``, ``bool``, ``list`` and ``dict`` values, already
formatted for print (dates in China time, labels in Chinese), so the template does no lookups and no ORM
object ever reaches it (Indico receipts rule). Every document's context has the same head:

    code, title, number, issued_on, verification_code, verification_url, qr_svg, blank, stylesheet_href

(the issuing service fills the verification code, its URL and the QR code's SVG),

and the paper version of a document is the same template with :func:`blank_context`: every field empty,
every choice unticked, so the PDF prints lines and boxes to fill in by hand.

The documents are Chinese official forms, so their labels are plain Chinese here, not translated strings.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from referral.auth.models import User
from referral.calendar import CHINA_TZ, today_in_china
from referral.cases.codelists import ETHNIC_GROUPS, diagnosis_text
from referral.cases.models import (
    DISABILITY_GRADES,
    Case,
    CaseEvent,
    CasePerson,
    Channel,
    ConsentSigner,
    Education,
    EligibilityGroup,
    Employment,
    LivingArrangement,
    MaritalStatus,
    MedicalInsurance,
    Referral,
    ReferralStatus,
)
from referral.extensions import db
from referral.service_items import SERVICE_ITEMS
from workflows.case import DeclineReason

APPLICATION = "application"

TITLES = {
    "confidentiality_pledge": "保密承诺书",
    "service_pledge": "服务承诺书",
    "basic_file": "基本情况档案",
    "service_agreement": "服务协议",
    "assessment": "康复评估表",
    "follow_up": "回访记录表",
    APPLICATION: "转介服务申请表",
}
#: The middle part of a document number: JK-<PREFIX>-<object id>-<yyyymmdd>.
NUMBER_PREFIXES = {
    "confidentiality_pledge": "CFP",
    "service_pledge": "SVP",
    "basic_file": "BAS",
    "service_agreement": "AGR",
    "assessment": "ASM",
    "follow_up": "FUP",
    APPLICATION: "APP",
}

# The Measures' own words for the three channels (办法 第五章; docs/domain.md#case-machine).
CHANNEL_LABELS = {
    Channel.SELF: "个人自愿申请",
    Channel.MEDICAL: "医疗卫生机构协助申请",
    Channel.OTHER: "其他主体协助申请",
}
SIGNER_LABELS = ConsentSigner.labels()
REGISTRATION_DECISIONS = {"register": "同意登记", "return": "退回补正", "reject": "不予登记"}
RECEIPT_LABELS = {"accepted": "接收", "declined": "不接收"}
DECLINE_REASON_LABELS = DeclineReason.labels()


# --- formatting ---------------------------------------------------------------------------------------------

def format_date(value: date | datetime | None) -> str:
    """2025年11月22日 (a datetime is taken in China time); "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(CHINA_TZ).date()
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


def format_datetime(value: datetime | None) -> str:
    """2025年11月22日 14:30 in China time; "" for None."""
    if value is None:
        return ""
    local = value.astimezone(CHINA_TZ)
    return f"{format_date(local)} {local:%H:%M}"


def options(labels, checked=()) -> list[dict]:
    """Choices for □/■ boxes, in the order given."""
    return [{"label": str(label), "checked": label in checked} for label in labels]


def document_number(code: str, object_id: int | str | None, on: date) -> str:
    return f"JK-{NUMBER_PREFIXES[code]}-{object_id}-{on:%Y%m%d}"


def head(code: str, *, object_id: int | str | None = None, issued_on: date | None = None,
         verification_code: str | None = None, blank: bool = False) -> dict:
    """What every document's context starts with."""
    issued_on = None if blank else (issued_on or today_in_china())
    return {
        "code": code,
        "title": TITLES[code],
        "number": "" if blank else document_number(code, object_id, issued_on),
        "issued_on": format_date(issued_on),
        "verification_code": "" if blank else (verification_code or ""),
        "verification_url": "",
        "qr_svg": "",
        "blank": blank,
        "stylesheet_href": "",
    }


#: The keys of :func:`head`: what differs between two issues of the same content.
HEAD_KEYS = frozenset(head("application", blank=True))


def identity_from_id_number(id_number: str) -> tuple[str, str]:
    """(性别, 出生日期) read from an 18-digit 居民身份证号码 (GB 11643); ("", "") if it is not one."""
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return "", ""
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return "", ""
    return ("男" if int(id_number[16]) % 2 else "女"), format_date(born)


# --- the person's record (T3 and T7; docs/domain.md#the-persons-record) -------------------------------------

YES_NO = ("是", "否")
HAS_CERTIFICATE = ("无", "有")
ASSISTANCE = ("享受低保或特困人员供养", "未享受")


def _ticked(labels: dict[str, str], value: str | None) -> list[dict]:
    return options(labels.values(), {labels[value]} if value in labels else ())


def _yes_no(value: bool | None, labels=YES_NO) -> list[dict]:
    return options(labels, () if value is None else {labels[0] if value else labels[1]})


def person_record(case: Case) -> dict:
    """The person's record as the forms print it: codes as their Chinese labels (□/■), the diagnosis as
    "F20 精神分裂症", medications one line each. Full values: the documents are issued only to those who
    may see them (``can_issue_document``), and each issue is recorded."""
    p = db.session.get(CasePerson, case.id)
    if p is None:
        return {**blank_person_record(), "group_options": _ticked(EligibilityGroup.labels(), case.eligibility_group)}
    has_certificate = p.disability_certificate_number is not None or p.disability_grade is not None
    return {
        "ethnicity": ETHNIC_GROUPS.get(p.ethnicity or "", ""),
        "marital_options": _ticked(MaritalStatus.labels(), p.marital_status),
        "education_options": _ticked(Education.labels(), p.education),
        "employment_options": _ticked(Employment.labels(), p.employment),
        "living_options": _ticked(LivingArrangement.labels(), p.living_arrangement),
        "diagnosis": diagnosis_text(p.diagnosis_icd10, p.diagnosis_name),
        "diagnosed_on": format_date(p.diagnosed_on),
        "medications": [" ".join(x for x in (m.get("name"), m.get("dose"), m.get("frequency")) if x)
                        for m in p.medications or []],
        "disability_options": options(HAS_CERTIFICATE, {"有"} if has_certificate else ()),
        "disability_number": p.disability_certificate_number or "",
        "disability_grade_options": options(DISABILITY_GRADES.values(),
                                            {DISABILITY_GRADES.get(p.disability_grade)} - {None}),
        "assistance_options": _yes_no(p.subsistence_allowance, ASSISTANCE),
        "insurance_options": _ticked(MedicalInsurance.labels(), p.medical_insurance),
        "smd_options": _yes_no(p.smd_registered),
        "group_options": _ticked(EligibilityGroup.labels(), case.eligibility_group),
    }


def blank_person_record() -> dict:
    """The same keys as :func:`person_record`, nothing filled: lines and unticked boxes."""
    return {
        "ethnicity": "", "marital_options": options(MaritalStatus.labels().values()),
        "education_options": options(Education.labels().values()),
        "employment_options": options(Employment.labels().values()),
        "living_options": options(LivingArrangement.labels().values()), "diagnosis": "", "diagnosed_on": "",
        "medications": [], "disability_options": options(HAS_CERTIFICATE), "disability_number": "",
        "disability_grade_options": options(DISABILITY_GRADES.values()), "assistance_options": options(ASSISTANCE),
        "insurance_options": options(MedicalInsurance.labels().values()), "smd_options": options(YES_NO),
        "group_options": options(EligibilityGroup.labels().values()),
    }


# --- T7 转介服务申请表 --------------------------------------------------------------------------------------

def _registration(events: list[CaseEvent]) -> dict:
    """初核登记: the latest register / return / reject decision, if any."""
    decision = next((e for e in reversed(events) if e.event in REGISTRATION_DECISIONS), None)
    if decision is None:
        return _blank_registration()
    summary = decision.summary or {}
    if decision.event == "register":
        opinion = summary.get("verification") or ""
    else:
        opinion = summary.get("reason") or ""
    return {
        "opinion": opinion,
        "decision": REGISTRATION_DECISIONS[decision.event],
        "decision_options": options(REGISTRATION_DECISIONS.values(), {REGISTRATION_DECISIONS[decision.event]}),
        "officer": decision.actor_name,
        "date": format_date(decision.at),
    }


def _blank_registration() -> dict:
    return {"opinion": "", "decision": "", "decision_options": options(REGISTRATION_DECISIONS.values()),
            "officer": "", "date": ""}


def _referral(case: Case) -> dict:
    """转介: the latest referral of the case, if any, and the institution's answer."""
    referral = db.session.scalar(select(Referral).where(Referral.case_id == case.id)
                                 .order_by(Referral.referred_at.desc(), Referral.id.desc()).limit(1))
    if referral is None:
        return _blank_referral()
    names = _user_names(referral.referred_by_id, referral.responded_by_id)
    if referral.status is ReferralStatus.DECLINED:
        receipt, note = RECEIPT_LABELS["declined"], DECLINE_REASON_LABELS.get(referral.decline_reason_code or "", "")
    elif referral.responded_at is not None:  # accepted, or accepted and since ended
        receipt, note = RECEIPT_LABELS["accepted"], ""
    else:
        receipt, note = "", ("待承接机构确认" if referral.status is ReferralStatus.PENDING else "")
    return {
        "institution": referral.institution.name if referral.institution is not None else "",
        "date": format_date(referral.referred_at),
        "officer": names.get(referral.referred_by_id, ""),
        "receipt": receipt,
        "receipt_options": options(RECEIPT_LABELS.values(), {receipt}),
        "receipt_note": f"原因：{note}" if receipt == RECEIPT_LABELS["declined"] and note else note,
        "responder": names.get(referral.responded_by_id, ""),
        "responded_on": format_date(referral.responded_at),
    }


def _blank_referral() -> dict:
    return {"institution": "", "date": "", "officer": "", "receipt": "",
            "receipt_options": options(RECEIPT_LABELS.values()), "receipt_note": "", "responder": "",
            "responded_on": ""}


def _user_names(*ids: int | None) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u.name for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def application_context(case: Case, *, issued_on: date | None = None, verification_code: str | None = None) -> dict:
    """T7 转介服务申请表 of ``case``: the application as submitted, and the registration and referral
    blocks from the case's history (blank lines where that step has not happened yet).

    The snapshot holds the full 身份证号 and phone numbers, as the paper form does: whoever issues it must
    be allowed to see them (the issuing service's policy check and audit entry)."""
    sex, birth_date = identity_from_id_number(case.applicant_id_number)
    events = list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                     .order_by(CaseEvent.at, CaseEvent.id)))
    creator = db.session.get(User, case.created_by_id) if case.created_by_id is not None else None
    assisted = case.channel is not Channel.SELF
    unit = ""
    if assisted:
        parts = [creator.institution.name if creator is not None and creator.institution is not None else "",
                 case.assister_role]
        unit = "／".join(p for p in parts if p)
    wished = list(case.service_types or [])
    signer = SIGNER_LABELS[ConsentSigner(case.consent_signer)]
    return {
        **head(APPLICATION, object_id=case.id, issued_on=issued_on, verification_code=verification_code),
        "receipt_no": case.receipt_no,
        "applied_on": format_date(case.applied_at),
        "applicant": {
            "name": case.applicant_name,
            "sex": sex,
            "birth_date": birth_date,
            "id_number": case.applicant_id_number,
            "phone": case.applicant_phone,
            "address": case.applicant_address,
            "division": case.division.full_name if case.division is not None else case.division_code,
            "minor_options": options(["是", "否"], {"是" if case.is_minor else "否"}),
        },
        "guardian": {"name": case.guardian_name, "relation": case.guardian_relation, "phone": case.guardian_phone},
        "channel": CHANNEL_LABELS[Channel(case.channel)],
        "channel_options": options(CHANNEL_LABELS.values(), {CHANNEL_LABELS[Channel(case.channel)]}),
        "assister": {"unit": unit, "name": creator.name if assisted and creator is not None else ""},
        "needs": case.needs,
        "services": wished,
        "service_options": options(SERVICE_ITEMS, set(wished)),
        "other_services": "、".join(s for s in wished if s not in SERVICE_ITEMS),
        "consent": {"signer": signer, "signer_options": options(SIGNER_LABELS.values(), {signer}),
                    "signed_at": format_datetime(case.consent_signed_at)},
        "registration": _registration(events),
        "referral": _referral(case),
        "record": person_record(case),
    }


def blank_context(code: str = APPLICATION) -> dict:
    """The paper version: the same keys as the filled context, every field empty, every box unticked."""
    if code != APPLICATION:
        raise KeyError(f"no blank context for {code!r} yet")
    return {
        **head(APPLICATION, blank=True),
        "receipt_no": "",
        "applied_on": "",
        "applicant": {"name": "", "sex": "", "birth_date": "", "id_number": "", "phone": "", "address": "",
                      "division": "", "minor_options": options(["是", "否"])},
        "guardian": {"name": "", "relation": "", "phone": ""},
        "channel": "",
        "channel_options": options(CHANNEL_LABELS.values()),
        "assister": {"unit": "", "name": ""},
        "needs": "",
        "services": [],
        "service_options": options(SERVICE_ITEMS),
        "other_services": "",
        "consent": {"signer": "", "signer_options": options(SIGNER_LABELS.values()), "signed_at": ""},
        "registration": _blank_registration(),
        "referral": _blank_referral(),
        "record": blank_person_record(),
    }
