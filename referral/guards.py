"""Bad input answers 400 or 404, never 500 (docs/architecture.md#request-path): ids larger than the
database's integer, NUL characters (PostgreSQL refuses them in text), JSON nested deeper than any payload
of ours, and values a column cannot hold. Checked once, at the edge, for every route."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

#: The database's INTEGER (PostgreSQL int4): ids, page numbers and counts never exceed it.
MAX_INT = 2**31 - 1
#: No payload of ours nests deeper (a case event: body → assessment → field).
MAX_JSON_DEPTH = 16


# 0 … 2147483647 as a pattern (leading zeros allowed, as IntegerConverter allows them).
_UP_TO_MAX_INT = (r"0*(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
                  r"|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])")


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that matches only what an id column can hold: a larger number is a 404, not a 500.
    Bounded in the pattern, not only by ``max``: Werkzeug checks a rule's methods before its converter, so a
    PATCH of /api/v1/talents/5826381908038350 answered 405 (found by schemathesis, issue 13.9)."""

    regex = _UP_TO_MAX_INT

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def _json_depth(raw: bytes) -> int:
    """How deep ``raw`` nests, read without parsing (a parser would recurse first)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def bad_input() -> str | None:
    """Why this request cannot be taken as it is, or None."""
    from flask_babel import gettext as _

    if "\x00" in request.path or "\x00" in request.query_string.decode("utf-8", "replace") \
            or "%00" in request.query_string.decode("latin-1"):
        return _("请求中含有不允许的空字符。")
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json:
            raw = request.get_data(cache=True)
            if b"\\u0000" in raw or b"\x00" in raw:
                return _("请求中含有不允许的空字符。")
            if _json_depth(raw) > MAX_JSON_DEPTH:
                return _("请求体嵌套过深。")
        elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if any("\x00" in value for values in request.form.listvalues() for value in values):
                return _("请求中含有不允许的空字符。")
    return None


def register_guards(app: Flask) -> None:
    """The converter must be in place before the blueprints add their rules."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def refuse_bad_input():
        if (why := bad_input()) is not None:
            from referral.errors import error_response

            return error_response(400, "bad_request", why)
        return None
