"""Every API operation of referral/api/spec.py: OPERATIONS, fuzzed (issue 13.9): bodies and query strings
drawn from the operation's own schema in /api/v1/openapi.json, mixed with hostile values, sent anonymously
and with the bearer token of a role that may call it, against real ids. Never a 5xx; every error is the
documented ``{"error": {"code", "message", "fields"?}}``."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from referral.api.spec import ERROR_SCHEMA, OPERATIONS, openapi_path
from referral.auth.permissions import Role
from tests.fuzz import strategies as fz
from tests.fuzz.conftest import FUZZ
from tests.helpers import ANON

R = Role


def _operations():
    """The registered operations; they register when the API modules are imported, i.e. by the app factory."""
    if not OPERATIONS:
        from referral import create_app

        create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    return list(OPERATIONS)


# Who calls an operation that no permission names: the role whose policy lets it through to the service.
CALLER = {
    "POST /cases": R.REFERRAL_OFFICER, "PATCH /cases/{case_id}": R.REFERRAL_OFFICER,
    "POST /cases/{case_id}/events": R.INSTITUTION_STAFF,
    "GET /cases/{case_id}/eligible-institutions": R.REFERRAL_OFFICER,
    "PATCH /institutions/{institution_id}": R.INSTITUTION_ADMIN,
    "POST /institutions/{institution_id}/events": R.INSTITUTION_ADMIN,
    "PATCH /talents/{talent_id}": R.INSTITUTION_ADMIN, "POST /talents/{talent_id}/events": R.INSTITUTION_ADMIN,
    "POST /institutions/{entry_id}/attachments": R.INSTITUTION_ADMIN,
    "POST /talents/{entry_id}/attachments": R.INSTITUTION_ADMIN,
    "GET /notifications": R.INSTITUTION_ADMIN, "POST /notifications/{notification_id}/read": R.INSTITUTION_ADMIN,
}
DOCUMENT_CODES = ["application", "basic_file", "service_pledge", "confidentiality_pledge", "referral_letter"]
_PARAM = re.compile(r"\{(\w+)\}")


def _segment(value) -> str:
    """A path segment as a client sends it: percent-encoded, except the raw escapes drawn on purpose."""
    text = str(value)
    return text if text.startswith("%") else quote(text, safe="")


def _caller(op, users) -> Role | str:
    if not op.auth:
        return ANON
    key = f"{op.method} {openapi_path(op.rule)}"
    if key in CALLER:
        return CALLER[key]
    if op.permission is not None:
        return next(r for r, u in users.items() if u.has_permission(op.permission))
    return R.REFERRAL_OFFICER


def _path_value(name: str, path: str, world: dict):
    """Real ids (so the fuzzed body reaches the service) and ids no row or column can have."""
    ids = {"case_id": world["case"], "institution_id": world["inst"], "talent_id": world["talent"],
           "statement_id": world["statement"], "notification_id": world["notification"], "user_id": world["target"],
           "entry_id": world["talent"] if path.startswith("/talents") else world["inst"], "year": 2027}
    if name in ids:
        return st.one_of(st.just(ids[name]), st.just(ids[name]), st.sampled_from([0, 2**31 - 1, 2**31, 10**20]),
                         st.integers(min_value=0))
    if name == "receipt_no":
        return st.one_of(st.just(world["receipt"]), fz.URL_TEXT.filter(lambda s: "/" not in s and s),
                         st.sampled_from(["%ED%A0%80", "%FF", "%2F", "%00"]))
    if name == "code":
        return st.one_of(st.sampled_from(DOCUMENT_CODES), fz.URL_TEXT.filter(lambda s: "/" not in s and s))
    raise AssertionError(f"no fuzz values for the path parameter {name} of {path}")




@pytest.mark.parametrize("op", _operations(), ids=lambda o: f"{o.method} {o.rule}")
def test_no_input_answers_a_server_error(client, world, op):
    spec = client.get("/api/v1/openapi.json").get_json()
    path = openapi_path(op.rule)
    entry = spec["paths"][path][op.method.lower()]
    body_schema = entry.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    query_params = [p for p in entry.get("parameters", []) if p["in"] == "query"]
    names = _PARAM.findall(path)
    caller = _caller(op, world["users"])
    callers = st.sampled_from([caller, caller, caller, ANON])
    url = st.tuples(*(_path_value(n, path, world) for n in names)).map(
        lambda values: "/api/v1" + _PARAM.sub(lambda m: _segment(dict(zip(names, values, strict=True))[m.group(1)]), path))
    body = fz.obj(body_schema) if body_schema else st.just(None)
    query = fz.query(query_params) if query_params else st.just({})

    @FUZZ
    @given(who=callers, url=url, body=body, query=query, raw=st.sampled_from([False, False, False, True]))
    def probe(who, url, body, query, raw):
        headers = {"Authorization": f"Bearer {world['tokens'][who]}"} if who != ANON else {}
        kwargs = {}
        if body is not None:
            # allow_nan: NaN and Infinity are what Python's and Flask's JSON parser take; raw: text that is no JSON
            text = json.dumps(body, allow_nan=True)
            kwargs = {"data": text[: len(text) // 2] if raw else text, "content_type": "application/json"}
        response = client.open(url, method=op.method, headers=headers, query_string=query, **kwargs)
        assert response.status_code < 500, (op.method, url, query, body, response.get_data(as_text=True)[:500])
        if response.status_code >= 400 and response.is_json:
            jsonschema.validate(response.get_json(), ERROR_SCHEMA)

    probe()
