"""GET /api/v1/calendar/{year}: the days off and make-up working days the platform counts with, and where
they come from (docs/domain.md#deadlines). Public facts, open to every signed-in user."""

from __future__ import annotations

from flask import abort

from referral.api.spec import operation
from referral.calendar import calendar_source, days_off_and_make_up_days

CALENDAR_SCHEMA = {
    "type": "object", "required": ["year", "source", "holidays", "workdays"],
    "properties": {"year": {"type": "integer"},
                   "source": {"type": "string", "enum": ["official", "package", "weekdays"]},
                   "holidays": {"type": "array", "items": {"type": "string", "format": "date"}},
                   "workdays": {"type": "array", "items": {"type": "string", "format": "date"}}},
}


@operation("/calendar/<int:year>", "GET", summary="某年的放假安排（放假日与调休上班日）及其来源", tag="calendar",
           responses={200: ("放假安排", CALENDAR_SCHEMA)}, errors=(404,))
def calendar_year(user, year: int):
    if not 1900 <= year <= 2200:
        abort(404)
    holidays, workdays = days_off_and_make_up_days(year)
    return {"year": year, "source": calendar_source(year), "holidays": [d.isoformat() for d in holidays],
            "workdays": [d.isoformat() for d in workdays]}
