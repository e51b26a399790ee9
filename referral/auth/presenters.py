"""JSON shapes of users, shared by the API and anything else that serialises a user."""

from __future__ import annotations

from referral.scoping import scope_of


def mask_id_number(value: str | None) -> str | None:
    """最小必要: 110105************ — the county code, nothing more. Never the last four: with the receipt
    number, which staff see beside the mask, they are the public status lookup's credential
    (README.md#encryption-at-rest)."""
    if not value:
        return value
    return value[:6] + "*" * max(len(value) - 6, 0)


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
        "email": {"type": ["string", "null"]},
        "id_number": {"type": ["string", "null"], "description": "身份证号，脱敏（110105************）"},
        "pledge": {"type": "object", "description": "本账号的保密承诺书：required 为 true 时，除 GET /me、/me/pledge 外的"
                                                     "接口答 403 pledge_required，须先在网页 /me/pledge 或 "
                                                     "POST /me/pledge 接受",
                   "properties": {"required": {"type": "boolean"},
                                  "text_version": {"type": ["string", "null"]},
                                  "accepted_version": {"type": ["string", "null"]},
                                  "accepted_at": {"type": ["string", "null"], "format": "date-time"}}},
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
        "email": user.email,
        "id_number": mask_id_number(user.id_number),
        "pledge": pledge_json(user),
    }


def pledge_json(user) -> dict:
    from referral.auth.policies import must_accept_pledge
    from referral.auth.services import latest_account_pledge
    from referral.pledge_texts import PLEDGE_TEXT_VERSION

    accepted = latest_account_pledge(user)
    return {"required": must_accept_pledge(user), "text_version": PLEDGE_TEXT_VERSION,
            "accepted_version": accepted.text_version if accepted else None,
            "accepted_at": accepted.signed_at.isoformat() if accepted else None}
