"""JSON shapes of a case (docs/domain.md#api-contract payload names). Identity numbers and phones are masked unless the
caller asked to reveal them for a reason (recorded); a minor's identity only to those who serve the case."""

from __future__ import annotations

from referral.cases.models import (
    Education,
    EligibilityGroup,
    Employment,
    FeePayer,
    FollowUpNextStep,
    LivingArrangement,
    MaritalStatus,
    MedicalInsurance,
    Satisfaction,
    ServiceForm,
)
from referral.cases.queries import ASSESSMENT_DOMAINS
from referral.registries.presenters import clock, mask_id_number

MASKED = "***"  # health data not revealed (docs/domain.md#personal-data)


def mask_certificate(value: str | None) -> str | None:
    """A 残疾人证号 carries the 身份证号 (its first 18 characters): masked the same way, so its tail never gives
    away the ID number's last four (README.md#encryption-at-rest)."""
    return mask_id_number(value)


def _nullable(enum_values) -> dict:
    return {"type": ["string", "null"], "enum": [*enum_values, None]}


PERSON_SCHEMA = {
    "type": "object",
    "required": ["ethnicity", "marital_status", "education", "employment", "living_arrangement", "diagnosis",
                 "medications", "disability_certificate", "subsistence_allowance", "medical_insurance",
                 "smd_registered"],
    "properties": {
        "ethnicity": {"type": ["string", "null"], "pattern": "^[0-9]{2}$"},
        "marital_status": _nullable(MaritalStatus.values()), "education": _nullable(Education.values()),
        "employment": _nullable(Employment.values()), "living_arrangement": _nullable(LivingArrangement.values()),
        "medical_insurance": _nullable(MedicalInsurance.values()),
        # "***" until revealed (reveal=health with a reason); null when none is recorded.
        "diagnosis": {"oneOf": [{"type": "null"}, {"const": MASKED}, {
            "type": "object", "required": ["icd10", "name", "diagnosed_on"],
            "properties": {"icd10": {"type": "string"}, "name": {"type": "string"},
                           "diagnosed_on": {"type": ["string", "null"], "format": "date"}}}]},
        "medications": {"oneOf": [{"const": MASKED}, {"type": "array", "items": {
            "type": "object", "required": ["name", "dose", "frequency"],
            "properties": {"name": {"type": "string"}, "dose": {"type": "string"},
                           "frequency": {"type": "string"}}}}]},
        "disability_certificate": {"oneOf": [{"type": "null"}, {
            "type": "object", "required": ["number", "grade"],
            "properties": {"number": {"type": ["string", "null"]},
                           "grade": {"type": ["integer", "null"], "minimum": 1, "maximum": 4}}}]},
        "subsistence_allowance": {"type": ["boolean", "null"]}, "smd_registered": {"type": ["boolean", "null"]},
    },
}


def person_json(person, *, health: bool = False, reveal: bool = False) -> dict:
    """The record as the API names it (DESIGN §3.5). ``health``: diagnosis and medications in full (revealed
    with a reason); otherwise "***" where something is recorded. ``reveal``: the 残疾人证号 in full."""
    if person is None:
        return {"ethnicity": None, "marital_status": None, "education": None, "employment": None,
                "living_arrangement": None, "diagnosis": None, "medications": [], "disability_certificate": None,
                "subsistence_allowance": None, "medical_insurance": None, "smd_registered": None}
    diagnosis = None
    if person.diagnosis_icd10:
        diagnosis = MASKED if not health else {
            "icd10": person.diagnosis_icd10, "name": person.diagnosis_name,
            "diagnosed_on": person.diagnosed_on.isoformat() if person.diagnosed_on else None}
    medications = [dict(m) for m in person.medications or []]
    number = person.disability_certificate_number
    has_certificate = number is not None or person.disability_grade is not None
    return {
        "ethnicity": person.ethnicity, "marital_status": person.marital_status, "education": person.education,
        "employment": person.employment, "living_arrangement": person.living_arrangement,
        "diagnosis": diagnosis, "medications": medications if health or not medications else MASKED,
        "disability_certificate": {"number": number if reveal else mask_certificate(number),
                                   "grade": person.disability_grade} if has_certificate else None,
        "subsistence_allowance": person.subsistence_allowance, "medical_insurance": person.medical_insurance,
        "smd_registered": person.smd_registered,
    }


def mask_phone(value: str | None) -> str | None:
    if not value or len(value) < 7:
        return value
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


CASE_SCHEMA = {
    "type": "object",
    "required": ["id", "state", "version", "receipt_no", "channel", "applicant", "guardian", "needs", "service_types",
                 "consent", "institution_id", "is_minor", "due_date", "working_days_left"],
    "properties": {
        "id": {"type": "integer"}, "state": {"type": "string"}, "version": {"type": "integer"},
        "receipt_no": {"type": "string"}, "channel": {"type": "string", "enum": ["self", "medical", "other"]},
        "applicant": {"type": "object", "properties": {
            "name": {"type": "string"}, "id_number": {"type": "string"}, "phone": {"type": "string"},
            "address": {"type": "string"}, "division": {"type": "string"}}},
        "guardian": {"type": "object"}, "needs": {"type": "string"},
        "service_types": {"type": "array", "items": {"type": "string"}},
        "eligibility_group": {"type": ["string", "null"],
                              "enum": [*EligibilityGroup.values(), None]},
        "consent": {"type": "object", "properties": {"signer": {"type": "string"},
                                                      "signed_at": {"type": "string", "format": "date-time"}}},
        "institution_id": {"type": ["integer", "null"]}, "is_minor": {"type": "boolean"},
        "person": PERSON_SCHEMA,
        "duplicate_of": {"type": ["integer", "null"]},
        "due_date": {"type": ["string", "null"], "format": "date"}, "working_days_left": {"type": ["integer", "null"]},
        "assessments": {"type": "array", "items": {"type": "object", "required": ["id", "kind"], "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["comprehensive", "staged", "closing"]},
            "assessed_at": {"type": "string", "format": "date-time"}, "risk_grade": {"type": "integer"},
            "result": {"type": ["string", "null"]}, "next_review_date": {"type": ["string", "null"], "format": "date"},
            "place": {"type": "string"},
            "assessors": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}}}},
            **{key: {"type": ["string", "null"]} for key in ASSESSMENT_DOMAINS},
            **{key: {"type": ["integer", "null"]} for key in ("sdss", "psp", "gaf", "adl")},
            "recommended_items": {"type": "array", "items": {"type": "string"}}, "plan": {"type": "string"}}}},
        "agreements": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "integer"}, "start_date": {"type": "string", "format": "date"},
            "end_date": {"type": "string", "format": "date"},
            "service_items": {"type": "array", "items": {"type": "string"}},
            "form": {"type": ["string", "null"], "enum": [*ServiceForm.values(), None]},
            "form_other": {"type": "string"}, "place": {"type": "string"}, "frequency": {"type": "string"},
            "fee_amount": {"type": ["number", "null"], "minimum": 0},
            "fee_payer": {"type": ["string", "null"], "enum": [*FeePayer.values(), None]},
            "signer_name": {"type": "string"}, "signer_relation": {"type": "string"},
            "representative_name": {"type": "string"}}}},
        "follow_ups": {"type": "array", "items": {"type": "object", "required": ["id", "due_date", "done"],
                                                  "properties": {
            "id": {"type": "integer"}, "due_date": {"type": "string", "format": "date"}, "done": {"type": "boolean"},
            "done_at": {"type": ["string", "null"], "format": "date-time"}, "method": {"type": ["string", "null"]},
            "unreachable": {"type": "boolean"}, "lost_reason": {"type": "string"},
            "contact_person": {"type": "string"}, "contact_relation": {"type": "string"},
            "condition": {"type": "string"}, "relapsed": {"type": ["boolean", "null"]},
            "readmitted": {"type": ["boolean", "null"]},
            "satisfaction": {"type": ["string", "null"], "enum": [*Satisfaction.values(), None]},
            "next_step": {"type": ["string", "null"], "enum": [*FollowUpNextStep.values(), None]},
            "needs_service_again": {"type": "boolean"}, "note": {"type": "string"}}}},
    },
}
HISTORY_SCHEMA = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
    "type": "object", "required": ["event", "from", "to", "actor", "at"],
    "properties": {"event": {"type": "string"}, "from": {"type": ["string", "null"]}, "to": {"type": "string"},
                   "actor": {"type": "string"}, "summary": {"type": "object"},
                   "at": {"type": "string", "format": "date-time"}}}}}}


def case_json(case, *, reveal: bool = False, identity: bool = True, parts: dict | None = None, person=None,
              health: bool = False) -> dict:
    """``parts``: the case's assessments, agreements and follow-ups (``queries.case_parts``); ``person``: its
    record (a ``CasePerson`` or None), health data in full only with ``health``; a minor's record only with
    the minor's identity."""
    hidden = "（未成年人）"
    return {
        "id": case.id, "state": str(case.state), "version": case.version, **clock(case),
        "receipt_no": case.receipt_no, "channel": str(case.channel),
        "applicant": {
            "name": case.applicant_name if identity else hidden,
            "id_number": case.applicant_id_number if reveal else (
                mask_id_number(case.applicant_id_number) if identity else hidden),
            "phone": case.applicant_phone if reveal else (mask_phone(case.applicant_phone) if identity else hidden),
            "address": case.applicant_address if identity else hidden,
            "division": case.division_code},
        # A minor's guardian names the family: hidden with the minor's identity.
        "guardian": {"name": case.guardian_name if identity else hidden, "relation": case.guardian_relation,
                     "phone": case.guardian_phone if reveal else (mask_phone(case.guardian_phone) if identity
                                                                  else hidden)},
        "needs": case.needs if identity else hidden, "service_types": case.service_types,
        "eligibility_group": case.eligibility_group,
        "consent": {"signer": str(case.consent_signer), "signed_at": case.consent_signed_at.isoformat()},
        "institution_id": case.institution_id, "is_minor": case.is_minor, "duplicate_of": case.duplicate_of_id,
        "person": person_json(person if identity else None, health=health and identity, reveal=reveal),
        **(parts or {"assessments": [], "agreements": [], "follow_ups": []}),
    }


def history_json(rows) -> dict:
    return {"items": [{"event": r.event, "from": r.from_state, "to": r.to_state, "actor": r.actor_name,
                       "summary": r.summary, "at": r.at.isoformat()} for r in rows]}


def person_rows(person) -> list[tuple[str, str]]:
    """The record as a page lists it, health data left out (it is shown only when revealed): (label, value)
    pairs, translated, "未填写" for what is not recorded."""
    from flask_babel import gettext as _

    from referral.cases.codelists import ETHNIC_GROUPS
    from referral.cases.models import DISABILITY_GRADES

    def label(enum, value):
        return _(enum(value).label) if value else _("未填写")

    def yes_no(value):
        return _("未填写") if value is None else (_("是") if value else _("否"))

    p = person
    certificate = _("未填写")
    if p is not None and (p.disability_certificate_number or p.disability_grade):
        grade = _(DISABILITY_GRADES[p.disability_grade]) if p.disability_grade else ""
        certificate = " ".join(x for x in (mask_certificate(p.disability_certificate_number) or "",
                                           _("精神残疾%(g)s", g=grade) if grade else "") if x)
    return [
        (_("民族"), ETHNIC_GROUPS.get(p.ethnicity, _("未填写")) if p else _("未填写")),
        (_("婚姻状况"), label(MaritalStatus, p and p.marital_status)),
        (_("文化程度"), label(Education, p and p.education)),
        (_("职业／就业状况"), label(Employment, p and p.employment)),
        (_("居住状况"), label(LivingArrangement, p and p.living_arrangement)),
        (_("残疾人证"), certificate),
        (_("享受低保或特困人员供养"), yes_no(p.subsistence_allowance if p else None)),
        (_("医疗保险"), label(MedicalInsurance, p and p.medical_insurance)),
        (_("已纳入严重精神障碍管理"), yes_no(p.smd_registered if p else None)),
    ]
