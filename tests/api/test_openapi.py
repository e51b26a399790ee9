"""The OpenAPI document is generated from the operations the code registers, and answers match it."""

from __future__ import annotations

import jsonschema
import pytest

from referral.auth.permissions import Role
from tests.factories import TEST_PASSWORD
from tests.helpers import bearer, totp_code


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_every_api_route_is_documented(app, document):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi_document":
            path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented
    assert document["servers"] == [{"url": "/api/v1"}]


def test_token_request_schema_comes_from_the_form(document):
    schema = document["paths"]["/tokens"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["username", "password"]
    assert schema["properties"]["username"]["maxLength"] == 64
    assert schema["additionalProperties"] is False
    assert document["paths"]["/tokens"]["post"]["security"] == []
    assert set(document["paths"]["/tokens"]["post"]["responses"]) == {"201", "400", "401", "403", "422", "429"}
    assert {"totp", "recovery_code"} <= set(schema["properties"])  # the second factor (docs/domain.md#accounts)


def test_query_parameters_come_from_the_form(document):
    params = document["paths"]["/divisions"]["get"]["parameters"]
    assert params == [{"name": "parent", "in": "query", "required": False,
                       "schema": {"type": "string", "pattern": r"^\d{6}$", "title": "上级行政区划代码"}}]


def _resolve(schema, document):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return document["components"]["schemas"][name]
    return schema


def _check(document, path, method, response):
    spec = document["paths"][path][method]["responses"][str(response.status_code)]
    schema = _resolve(spec["content"]["application/json"]["schema"], document)
    jsonschema.validate(response.get_json(), schema)


def test_answers_match_the_documented_schemas(client, document, create_user):
    create_user(Role.CITY_OFFICIAL, username="li", division="220100")
    _check(document, "/tokens", "post", client.post("/api/v1/tokens", json={"username": "li", "password": "x"}))
    _check(document, "/tokens", "post", client.post("/api/v1/tokens", json={"username": "li"}))
    # a city official has TOTP: without the code 401 totp_required (documented), then with it
    _check(document, "/tokens", "post", client.post("/api/v1/tokens", json={"username": "li", "password": TEST_PASSWORD}))
    created = client.post("/api/v1/tokens", json={"username": "li", "password": TEST_PASSWORD, "totp": totp_code()})
    _check(document, "/tokens", "post", created)
    headers = bearer(created.get_json()["token"])
    _check(document, "/me", "get", client.get("/api/v1/me", headers=headers))
    _check(document, "/divisions", "get", client.get("/api/v1/divisions?parent=220100", headers=headers))
    _check(document, "/divisions", "get", client.get("/api/v1/divisions?parent=x", headers=headers))
    _check(document, "/users/{user_id}", "get", client.get("/api/v1/users/99999", headers=headers))


def test_request_schemas_reject_what_the_api_rejects(client, document):
    """The documented body schema and the validation agree on a sample of payloads."""
    schema = document["paths"]["/tokens"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    for payload in ({"username": "a"}, {"username": "a", "password": "b", "extra": 1}, {"username": 1, "password": "b"},
                    {"username": "a" * 65, "password": "b"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(payload, schema)
        assert client.post("/api/v1/tokens", json=payload).status_code == 422


def test_registry_answers_match_the_documented_schemas(client, document, create_user):
    """Sign-up, reads and an event of the registry API answer what the document says."""
    from referral.auth.permissions import Role

    signup = {"name": "宽城区心康中心", "credit_code": "52220102MJ00000000", "division": "220103",
              "service_types": ["心理康复"], "capacity": 10, "free_places": 2,
              "contact": {"name": "孙", "phone": "0431-5550000"},
              "admin": {"name": "孙", "username": "xinkang", "password": "a long password"}}
    created = client.post("/api/v1/institutions", json=signup)
    _check(document, "/institutions", "post", created)
    _check(document, "/institutions", "post", client.post("/api/v1/institutions", json={**signup, "capacity": -1}))
    county = create_user(Role.COUNTY_OFFICIAL, division="220103")
    headers = bearer(county)
    inst_id = created.get_json()["id"]
    _check(document, "/institutions", "get", client.get("/api/v1/institutions", headers=headers))
    _check(document, "/institutions/{institution_id}", "get", client.get(f"/api/v1/institutions/{inst_id}", headers=headers))
    _check(document, "/institutions/{institution_id}/events", "post",
           client.post(f"/api/v1/institutions/{inst_id}/events", json={"event": "county_approve"}, headers=headers))
    _check(document, "/talents", "get", client.get("/api/v1/talents", headers=headers))


def test_the_document_says_what_each_endpoint_really_requires(document):
    # issue 10.12: consent is required to apply (one validator for every channel), and the events operation
    # lists each event's required fields as the machine's table has them (register → verification).
    for path in ("/cases", "/public/applications"):
        schema = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert "consent_given" in schema["required"], path
    events = document["paths"]["/cases/{case_id}/events"]["post"]["description"]
    assert "- `register`: `verification`" in events and "- `refer`: `institution_id`" in events
    upload = document["paths"]["/institutions/{entry_id}/attachments"]["post"]
    assert "licence_scan" in upload["description"] and set(upload["responses"]) >= {"201", "403", "404", "422"}


def test_numbers_and_county_lists_are_documented_as_the_code_takes_them(document):
    # issue 13.8: service_area items are county codes (not an empty enum); a field's own range is not widened
    # by the database bound every number field also carries (forms.bound_numbers).
    body = document["paths"]["/institutions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["service_area"]["items"] == {"type": "string", "pattern": "^[0-9]{6}$"}
    assert (body["properties"]["premises_area"]["minimum"], body["properties"]["premises_area"]["maximum"]) == \
        (0, 99_999_999)
    event = document["paths"]["/cases/{case_id}/events"]["post"]["requestBody"]["content"]["application/json"]
    assert (event["schema"]["properties"]["institution_id"]["minimum"],
            event["schema"]["properties"]["institution_id"]["maximum"]) == (1, 2**31 - 1)


def _body(document, path):
    return document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


def test_dates_are_documented_as_dates_and_events_per_object(document):
    # issue 13.8: a date field is a `date` (WTForms' DateField subclasses DateTimeField: it was `date-time`), a
    # time stays a `date-time`; each events operation enumerates the events of its own machine.
    from workflows.approval import APPROVAL_EVENTS
    from workflows.case import CASE_EVENTS

    event = _body(document, "/cases/{case_id}/events")["properties"]
    assert event["agreement"]["properties"]["start_date"]["format"] == "date"
    assert event["follow_up"]["properties"]["date"]["format"] == "date"
    assert _body(document, "/talents")["properties"]["certificate"]["properties"]["valid_until"]["format"] == "date"
    assert _body(document, "/cases")["properties"]["consent"]["properties"]["signed_at"]["format"] == "date-time"
    assert {p["name"]: p["schema"]["format"] for p in document["paths"]["/stats"]["get"]["parameters"]
            if p["name"] in ("from", "to")} == {"from": "date", "to": "date"}
    assert event["event"]["enum"] == sorted(CASE_EVENTS)
    for path in ("/institutions/{institution_id}/events", "/talents/{talent_id}/events"):
        assert _body(document, path)["properties"]["event"]["enum"] == sorted(APPROVAL_EVENTS), path
        assert "event" in _body(document, path)["required"], path


def test_an_event_outside_the_enumeration_is_refused_as_documented(client, document, referred_case, people):
    import jsonschema

    schema = _body(document, "/cases/{case_id}/events")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"event": "county_approve"}, schema)  # an approval event, not a case event
    answer = client.post(f"/api/v1/cases/{referred_case.id}/events", json={"event": "county_approve"},
                         headers=bearer(people["officer"]))
    assert answer.status_code == 422 and "event" in answer.get_json()["error"]["fields"]


def test_the_body_check_types_agree_with_the_documented_schema(app):
    # A body is type-checked field by field with json_type (no schema built per request); the schema documents
    # the same types (referral/api/spec.py).
    from wtforms.fields import FieldList, FormField

    from referral.api.spec import OPERATIONS, _entry_form, _form_fields, field_schema, json_type

    checked = 0

    def walk(form):
        nonlocal checked
        for fld in _form_fields(form):
            assert json_type(fld) == field_schema(fld)["type"], fld.name
            checked += 1
            if isinstance(fld, FormField):
                walk(fld.form)
            elif isinstance(fld, FieldList):
                walk(_entry_form(fld, 0))

    with app.test_request_context():
        for op in OPERATIONS:
            for form_class in (op.body, op.query):
                if form_class is not None:
                    walk(form_class(formdata=None, meta={"csrf": False}))
    assert checked > 100
