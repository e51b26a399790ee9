"""GET /api/v1/divisions?parent=CODE — reference data (GB/T 2260 codes and names are public), open to
every signed-in user: an assister must be able to pick any county of residence."""

from __future__ import annotations

from flask import abort

from forms.divisions import DivisionQueryForm
from referral.api.spec import operation
from referral.divisions.models import Division
from referral.divisions.queries import children_of
from referral.extensions import db

DIVISION_SCHEMA = {
    "type": "object", "required": ["code", "name", "level", "parent"],
    "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"}, "name": {"type": "string"},
                   "full_name": {"type": "string"},
                   "level": {"type": "string", "enum": ["province", "city", "county"]},
                   "parent": {"type": ["string", "null"]}},
}
DIVISION_LIST_SCHEMA = {"type": "object", "required": ["items"],
                        "properties": {"items": {"type": "array", "items": DIVISION_SCHEMA}}}


def division_json(d: Division) -> dict:
    return {"code": d.code, "name": d.name, "full_name": d.full_name, "level": d.level.value,
            "parent": d.parent_code}


@operation("/divisions", "GET", summary="行政区划：省级列表，或某一区划的下级", tag="divisions",
           query=DivisionQueryForm, responses={200: ("下级行政区划", DIVISION_LIST_SCHEMA)}, errors=(404,))
def list_divisions(user, query):
    parent = query.parent.data or None
    if parent is not None and db.session.get(Division, parent) is None:
        abort(404)
    items = db.session.scalars(children_of(parent)).all()
    return {"items": [division_json(d) for d in items]}
