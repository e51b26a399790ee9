"""JSON shapes of users, shared by the API and anything else that serialises a user."""

from __future__ import annotations

from referral.scoping import scope_of

USER_SCHEMA = {
    "type": "object",
    "required": ["id", "username", "display_name", "active", "roles", "division", "institution_id", "scope",
                 "version"],
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "display_name": {"type": "string"},
        "active": {"type": "boolean"},
        "roles": {"type": "array", "items": {"type": "string"}},
        "division": {"type": ["object", "null"], "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "level": {"type": "string"}}},
        "institution_id": {"type": ["integer", "null"]},
        "scope": {"type": "object", "properties": {
            "national": {"type": "boolean"},
            "division_prefixes": {"type": "array", "items": {"type": "string"}},
            "institution_ids": {"type": "array", "items": {"type": "integer"}}}},
        "version": {"type": "integer"},
    },
}


def user_json(user) -> dict:
    scope = scope_of(user)
    division = user.division
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "active": user.active,
        "roles": sorted(r.value for r in user.roles),
        "division": None if division is None else {"code": division.code, "name": division.full_name,
                                                   "level": division.level.value},
        "institution_id": user.institution_id,
        "scope": {"national": scope.national, "division_prefixes": sorted(scope.prefixes),
                  "institution_ids": sorted(scope.institution_ids)},
        "version": user.version,
    }
