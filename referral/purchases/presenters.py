"""What the API and the pages show of a statement."""

from __future__ import annotations

from referral.calendar import CHINA_TZ
from workflows.purchase import PurchaseState

_ITEM = {"type": "object", "required": ["item", "sessions", "minutes", "hours", "people"],
         "properties": {"item": {"type": "string"}, "sessions": {"type": "integer"}, "minutes": {"type": "integer"},
                        "hours": {"type": "string", "description": "小时，两位小数"},
                        "people": {"type": "integer"}}}
FIGURES_SCHEMA = {"type": "object",
                  "required": ["month", "people_served", "sessions", "minutes", "hours", "new_cases", "closed_cases",
                               "items"],
                  "properties": {"month": {"type": "string"}, "people_served": {"type": "integer"},
                                 "sessions": {"type": "integer"}, "minutes": {"type": "integer"},
                                 "hours": {"type": "string"}, "new_cases": {"type": "integer"},
                                 "closed_cases": {"type": "integer"}, "items": {"type": "array", "items": _ITEM}}}
STATEMENT_SCHEMA = {
    "type": "object",
    "required": ["id", "state", "state_label", "version", "institution", "division", "month", "revision", "figures",
                 "issued_at", "answered_at", "comment"],
    "properties": {
        "id": {"type": "integer"}, "state": {"type": "string", "enum": [s.value for s in PurchaseState]},
        "state_label": {"type": "string"}, "version": {"type": "integer"},
        "institution": {"type": "object", "required": ["id", "name"],
                        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        "division": {"type": "string"}, "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
        "revision": {"type": "integer", "description": "第几版（重新出具时加一）"},
        "figures": FIGURES_SCHEMA,
        "issued_at": {"type": "string", "format": "date-time"},
        "answered_at": {"type": ["string", "null"], "format": "date-time"},
        "superseded_at": {"type": ["string", "null"], "format": "date-time"},
        "comment": {"type": "string"},
    },
}


def _iso(value):
    return None if value is None else value.astimezone(CHINA_TZ).isoformat()


def statement_json(statement) -> dict:
    from flask_babel import gettext as _

    state = PurchaseState(statement.state)
    return {"id": statement.id, "state": state.value, "state_label": _(state.label), "version": statement.version,
            "institution": {"id": statement.institution_id, "name": statement.institution.name},
            "division": statement.division_code, "month": statement.month, "revision": statement.revision,
            "figures": statement.figures, "issued_at": _iso(statement.issued_at),
            "answered_at": _iso(statement.answered_at), "superseded_at": _iso(statement.superseded_at),
            "comment": statement.comment}
