"""JSON shapes of registry entries (docs/domain.md#api-contract payload names), shared by the API and the directory."""

from __future__ import annotations

from decimal import Decimal

from referral.auth.presenters import mask_id_number  # noqa: F401  (one masking rule; re-exported here)
from referral.calendar import today_in_china, working_days_between

_CLOCK = {"due_date": {"type": ["string", "null"], "format": "date"},
          "working_days_left": {"type": ["integer", "null"]}}
_COMMON = {"id": {"type": "integer"}, "state": {"type": "string"}, "version": {"type": "integer"}, **_CLOCK}

INSTITUTION_SCHEMA = {
    "type": "object",
    "required": ["id", "state", "version", "name", "credit_code", "division", "service_area", "service_types",
                 "capacity", "free_places", "contact", "due_date", "working_days_left"],
    "properties": {
        **_COMMON,
        "name": {"type": "string"}, "credit_code": {"type": ["string", "null"]},
        "registration_authority": {"type": "string"}, "legal_form": {"type": ["string", "null"]},
        "legal_representative": {"type": "string"}, "address": {"type": "string"},
        "division": {"type": "string"}, "service_area": {"type": "array", "items": {"type": "string"}},
        "service_types": {"type": "array", "items": {"type": "string"}},
        "capacity": {"type": "integer"}, "free_places": {"type": "integer"},
        "opening_hours": {"type": "string"}, "premises_area": {"type": ["number", "null"]},
        "contact": {"type": "object", "properties": {"name": {"type": "string"}, "phone": {"type": "string"}}},
        "is_assessment_referral": {"type": "boolean"}, "grade": {"type": ["string", "null"]},
        "licences": {"type": "array"},
    },
}
TALENT_SCHEMA = {
    "type": "object",
    "required": ["id", "state", "version", "name", "id_number", "category", "certificate", "institution_id",
                 "due_date", "working_days_left"],
    "properties": {
        **_COMMON,
        "name": {"type": "string"}, "id_number": {"type": "string", "description": "masked: 110105************"},
        "category": {"type": "string"}, "division": {"type": "string"},
        "position": {"type": "string", "description": "职务"},
        "certificate": {"type": "object"}, "institution_id": {"type": ["integer", "null"]},
        "institution_ids": {"type": "array", "items": {"type": "integer"}},
    },
}


def clock(entry) -> dict:
    if entry.due_date is None:
        return {"due_date": None, "working_days_left": None}
    return {"due_date": entry.due_date.isoformat(),
            "working_days_left": working_days_between(today_in_china(), entry.due_date)}


def institution_json(inst) -> dict:
    return {
        "id": inst.id, "state": str(inst.state), "version": inst.version, **clock(inst),
        "name": inst.name, "credit_code": inst.credit_code, "registration_authority": inst.registration_authority,
        "legal_form": str(inst.legal_form) if inst.legal_form else None,
        "legal_representative": inst.legal_representative, "address": inst.address,
        "division": inst.division_code, "service_area": inst.service_area, "service_types": inst.service_types,
        "capacity": inst.capacity, "free_places": inst.free_places, "opening_hours": inst.opening_hours,
        "premises_area": float(inst.premises_area) if isinstance(inst.premises_area, Decimal) else None,
        "contact": {"name": inst.contact_name, "phone": inst.contact_phone},
        "is_assessment_referral": inst.is_assessment_referral, "grade": inst.grade,
        "licences": [{"name": lic.name, "number": lic.number, "issuer": lic.issuer,
                      "valid_until": lic.valid_until.isoformat() if lic.valid_until else None}
                     for lic in inst.licences],
    }


def talent_json(talent, *, reveal: bool = False) -> dict:
    return {
        "id": talent.id, "state": str(talent.state), "version": talent.version, **clock(talent),
        "name": talent.name, "id_number": talent.id_number if reveal else mask_id_number(talent.id_number),
        "category": str(talent.category), "division": talent.division_code, "phone": talent.phone,
        "position": talent.position or "",
        "certificate": {"number": talent.certificate_number, "issuer": talent.certificate_issuer,
                        "valid_until": talent.certificate_valid_until.isoformat()
                        if talent.certificate_valid_until else None},
        "institution_id": talent.institution_ids[0] if talent.institution_ids else None,
        "institution_ids": talent.institution_ids,
    }
