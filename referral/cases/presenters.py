"""JSON shapes of a case (docs/domain.md#api-contract payload names). Identity numbers and phones are masked unless the
caller asked to reveal them for a reason (recorded); a minor's identity only to those who serve the case."""

from __future__ import annotations

from referral.cases.models import EligibilityGroup, FeePayer, FollowUpNextStep, Satisfaction, ServiceForm
from referral.cases.queries import ASSESSMENT_DOMAINS
from referral.registries.presenters import clock, mask_id_number


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


def case_json(case, *, reveal: bool = False, identity: bool = True, parts: dict | None = None) -> dict:
    """``parts``: the case's assessments, agreements and follow-ups (``queries.case_parts``)."""
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
        **(parts or {"assessments": [], "agreements": [], "follow_ups": []}),
    }


def history_json(rows) -> dict:
    return {"items": [{"event": r.event, "from": r.from_state, "to": r.to_state, "actor": r.actor_name,
                       "summary": r.summary, "at": r.at.isoformat()} for r in rows]}
