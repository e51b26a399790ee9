"""Bad input answers 400, 404 or 422, never 500 (issue 13.1): ids beyond the database's integer, NUL
characters (without an account, too), JSON nested beyond any payload, numbers a column cannot hold."""

from __future__ import annotations

import pytest

from referral.auth.permissions import Role
from tests.helpers import application, bearer, login


@pytest.mark.parametrize("url", ["/api/v1/institutions/10170882429249360", "/api/v1/cases/99999999999",
                                 "/api/v1/talents/2147483648"])
def test_an_id_beyond_the_integer_is_not_found(client, create_user, url):
    response = client.get(url, headers=bearer(create_user(Role.COUNTY_OFFICIAL, division="220102")))
    assert response.status_code == 404


def test_an_html_id_beyond_the_integer_is_not_found(client, create_user):
    login(client, create_user(Role.REFERRAL_OFFICER, division="220102"))
    assert client.get("/cases/99999999999").status_code == 404
    assert client.get("/cases/?page=99999999999999999999").status_code == 422  # a field error, not a 500


def test_a_huge_page_number_is_an_empty_page(client, create_user):
    headers = bearer(create_user(Role.REFERRAL_OFFICER, division="220102"))
    response = client.get("/api/v1/cases?page=99999999999999999999", headers=headers)
    assert response.status_code == 422 and "page" in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/cases?page=2147483647", headers=headers).get_json()["items"] == []


@pytest.mark.parametrize(("method", "url", "kwargs"), [
    ("GET", "/api/v1/public/applications/%00?id_last4=1234", {}),
    ("GET", "/apply/status?receipt_no=%00abc", {}),
    ("GET", "/complaints/%00", {}),
    ("POST", "/api/v1/public/applications", {"json": application(needs="需要\u0000训练")}),
])
def test_nul_characters_are_refused_without_an_account(client, method, url, kwargs):
    response = client.open(url, method=method, **kwargs)
    assert response.status_code == 400


def test_a_form_field_with_a_nul_is_refused(client):
    response = client.post("/apply", data={"applicant-name": "王\x00"})
    assert response.status_code == 400


def test_deeply_nested_json_is_refused(client):
    body = "[" * 100000 + "]" * 100000
    response = client.post("/api/v1/public/applications", data=body, content_type="application/json")
    assert response.status_code == 400 and "嵌套" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("value", [9223372036854775808, 2147483648])
def test_an_integer_field_beyond_the_integer_is_a_field_error(client, create_user, value):
    officer = create_user(Role.REFERRAL_OFFICER, division="220102")
    case = client.post("/api/v1/cases", json=application(channel="medical"),
                       headers=bearer(create_user(Role.MEDICAL_ASSISTER))).get_json()
    response = client.post(f"/api/v1/cases/{case['id']}/events", headers=bearer(officer),
                           json={"event": "refer", "institution_id": value})
    assert response.status_code == 422 and "institution_id" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("area", [1e20, 1e400])
def test_a_premises_area_no_column_can_hold_is_a_field_error(client, area):
    from tests.helpers import OTHER_CREDIT_CODE

    body = {"name": "宽城区心康中心", "credit_code": OTHER_CREDIT_CODE, "division": "220103", "premises_area": area,
            "admin": {"name": "孙", "username": "xinkang", "password": "a long password"}}
    response = client.post("/api/v1/institutions", json=body)
    assert response.status_code in (400, 422)
    if response.status_code == 422:
        assert "premises_area" in response.get_json()["error"]["fields"]


def test_a_referral_officer_registers_only_their_own_countys_residents(client, create_user):
    # issue 13.8
    officer = create_user(Role.REFERRAL_OFFICER, division="220104")
    response = client.post("/api/v1/cases", json=application(channel="self"), headers=bearer(officer))
    assert response.status_code == 422 and "applicant.division" in response.get_json()["error"]["fields"]


def test_consent_signed_in_the_future_is_refused(client, create_user):
    # issue 13.8
    body = application(channel="medical", consent={"signer": "applicant", "signed_at": "2999-01-01T09:00:00"})
    response = client.post("/api/v1/cases", json=body, headers=bearer(create_user(Role.MEDICAL_ASSISTER)))
    assert response.status_code == 422 and "consent.signed_at" in response.get_json()["error"]["fields"]


def test_the_complaint_status_is_rate_limited_like_the_application_status(client):
    # issue 13.8: a reference number is not to be guessed by the thousand.
    for _ in range(30):
        assert client.get("/complaints/TS00000000").status_code == 404
    assert client.get("/complaints/TS00000000").status_code == 429
