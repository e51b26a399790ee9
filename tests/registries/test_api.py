"""/api/v1/institutions: sign-up, reads, PATCH, every event, and the error contract (404/409/422)."""

from __future__ import annotations

import pytest

from referral.extensions import db
from referral.registries.models import Institution
from tests.helpers import OTHER_CREDIT_CODE, bearer, fire

SIGNUP = {"name": "宽城区心康中心", "credit_code": OTHER_CREDIT_CODE, "division": "220103",
          "address": "宽城区 3 号", "legal_representative": "孙", "service_area": ["220103"],
          "service_types": ["心理康复"], "capacity": 10, "free_places": 10,
          "contact": {"name": "孙", "phone": "0431-5550000"},
          "admin": {"name": "孙", "username": "xinkang", "password": "a long password"}}


def test_public_signup_through_the_api(client):
    from stdnum.cn import uscc
    assert uscc.is_valid(OTHER_CREDIT_CODE)
    response = client.post("/api/v1/institutions", json=SIGNUP)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["state"], body["division"], body["contact"], body["due_date"]) == \
        ("draft", "220103", {"name": "孙", "phone": "0431-5550000"}, None)
    token = client.post("/api/v1/tokens", json={"username": "xinkang", "password": "a long password"})
    me = client.get("/api/v1/me", headers=bearer(token.get_json()["token"])).get_json()
    assert me["roles"] == ["institution_admin"] and me["institution_id"] == body["id"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"credit_code": "91110108551385082A"}, "credit_code"),
    ({"capacity": -1}, "capacity"),
    ({"service_types": ["不存在的服务"]}, "service_types"),
    ({"service_area": ["1101"]}, "service_area"),
    ({"contact": {"name": "x", "mobile": "1"}}, "contact.mobile"),
    ({"admin": {"name": "x", "username": "a b", "password": "a long password"}}, "admin.username"),
    ({"capacity": "ten"}, "capacity"),
])
def test_signup_field_errors_are_422_with_the_field(client, changes, field):
    response = client.post("/api/v1/institutions", json={**SIGNUP, **changes})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(db.select(Institution.id)) is None


def test_reads_are_scoped(client, draft, officials):
    inst, admin = draft
    for who, status in (("county", 200), ("city", 200), ("other_county", 404), ("other_city", 404)):
        assert client.get(f"/api/v1/institutions/{inst.id}", headers=bearer(officials[who])).status_code == status
    listing = client.get("/api/v1/institutions?division=220100", headers=bearer(officials["city"])).get_json()
    assert [i["id"] for i in listing["items"]] == [inst.id] and listing["total"] == 1
    empty = client.get("/api/v1/institutions", headers=bearer(officials["other_city"])).get_json()
    assert empty["total"] == 0
    assert client.get("/api/v1/institutions?state=bogus", headers=bearer(officials["city"])).status_code == 422


def test_every_event_through_the_api(client, draft, officials):
    inst, admin = draft
    url = f"/api/v1/institutions/{inst.id}/events"
    steps = [
        (admin, {"event": "submit", "accept_pledges": True, "signer_name": "赵磊"}, "county_review"),
        (officials["county"], {"event": "county_return", "reason": "补材料"}, "returned"),
        (admin, {"event": "submit", "accept_pledges": True, "signer_name": "赵磊"}, "county_review"),
        (officials["county"], {"event": "county_approve", "comment": "同意"}, "city_review"),
        (officials["city"], {"event": "city_return", "reason": "补照片"}, "returned"),
        (admin, {"event": "submit", "accept_pledges": True, "signer_name": "赵磊"}, "county_review"),
        (officials["county2"], {"event": "county_approve"}, "city_review"),
        (officials["city"], {"event": "city_confirm"}, "listed"),
        (officials["county"], {"event": "suspend", "reason": "整改"}, "suspended"),
        (officials["county"], {"event": "reinstate"}, "listed"),
        (officials["county"], {"event": "propose_removal", "reason": "抽查不合格"}, "removal_pending"),
        (admin, {"event": "submit_statement", "statement": "已整改"}, "removal_pending"),
        (officials["city"], {"event": "withdraw_removal", "reason": "整改到位"}, "listed"),
        (admin, {"event": "withdraw"}, "withdrawn"),
    ]
    for actor, payload, state in steps:
        response = client.post(url, json=payload, headers=bearer(actor))
        assert response.status_code == 200, (payload, response.get_json())
        body = response.get_json()
        assert body["state"] == state
        assert (body["due_date"] is None) == (state not in ("county_review", "city_review", "removal_pending"))
        if body["due_date"]:
            assert isinstance(body["working_days_left"], int)


def test_reject_paths(client, draft, officials):
    inst, admin = draft
    url = f"/api/v1/institutions/{inst.id}/events"
    client.post(url, json={"event": "submit", "accept_pledges": True, "signer_name": "赵"}, headers=bearer(admin))
    response = client.post(url, json={"event": "county_reject", "reason": "不符合条件"}, headers=bearer(officials["county"]))
    assert response.get_json()["state"] == "rejected"
    again = client.post(url, json={"event": "submit"}, headers=bearer(admin))
    assert again.status_code == 409


def test_event_errors(client, draft, officials):
    inst, admin = draft
    url = f"/api/v1/institutions/{inst.id}/events"
    county = bearer(officials["county"])
    wrong_state = client.post(url, json={"event": "county_approve"}, headers=county)
    assert wrong_state.status_code == 409 and wrong_state.get_json()["error"]["code"] == "conflict"
    unknown = client.post(url, json={"event": "to_listed"}, headers=county)
    assert unknown.status_code == 422 and "event" in unknown.get_json()["error"]["fields"]
    no_pledge = client.post(url, json={"event": "submit"}, headers=bearer(admin))
    assert no_pledge.status_code == 422 and "accept_pledges" in no_pledge.get_json()["error"]["fields"]
    client.post(url, json={"event": "submit", "accept_pledges": True, "signer_name": "赵"}, headers=bearer(admin))
    no_reason = client.post(url, json={"event": "county_return"}, headers=county)
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    not_mine = client.post(url, json={"event": "county_approve"}, headers=bearer(officials["city"]))
    assert not_mine.status_code == 403
    out_of_scope = client.post(url, json={"event": "county_approve"}, headers=bearer(officials["other_county"]))
    assert out_of_scope.status_code == 404
    stale = client.post(url, json={"event": "county_approve", "version": 1}, headers=county)
    assert stale.status_code == 409
    assert client.post(url, json={"event": "county_approve"}, headers=county).get_json()["state"] == "city_review"


def test_patch_draft_and_listed(client, draft, officials):
    inst, admin = draft
    url = f"/api/v1/institutions/{inst.id}"
    response = client.patch(url, json={"capacity": 50, "free_places": 20}, headers=bearer(admin))
    assert response.status_code == 200 and (response.get_json()["capacity"], response.get_json()["name"]) == \
        (50, "南关区阳光康复中心")
    assert client.patch(url, json={"free_places": 99}, headers=bearer(admin)).status_code == 422
    assert client.patch(url, json={"capacity": 5}, headers=bearer(officials["county"])).status_code == 403
    fire(inst, admin, "submit")
    assert client.patch(url, json={"capacity": 5}, headers=bearer(admin)).status_code == 409
    fire(inst, officials["county"], "county_approve")
    fire(inst, officials["city"], "city_confirm")
    response = client.patch(url, json={"name": "新名字", "free_places": 1}, headers=bearer(admin))
    body = response.get_json()
    assert body["name"] == "南关区阳光康复中心" and body["free_places"] == 1 and body["change_request_id"]
