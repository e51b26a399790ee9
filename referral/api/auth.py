"""Bearer-token authentication for the API."""

from __future__ import annotations

from flask import g, request

from referral.auth.sessions import TOUCH_EVERY
from referral.errors import Unauthorized
from referral.models import utcnow


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def api_user():
    """The user behind this request's bearer token; raises 401 when there is none or it is dead."""
    if "api_user" in g:
        return g.api_user
    from referral.auth.services import token_row

    row = token_row(bearer_token() or "")
    if row is None:
        raise Unauthorized()
    # last_used_at is for the owner's token list, written with the request's own commit: at most once a
    # minute, so a read does not write a row on every call (docs/architecture.md#speed).
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
    g.api_user, g.api_token = row.user, row
    return row.user
