from __future__ import annotations

from datetime import timedelta

import pytest

from referral.auth.models import ApiToken
from referral.auth.permissions import Role
from referral.models import utcnow
from tests.factories import TEST_PASSWORD
from tests.helpers import bearer, login, post_login, totp_code


def get_token(client, username, password=TEST_PASSWORD):
    """With the factory's TOTP code: the sysadmins and city officials here have the second factor (an account
    without one ignores the field). tests/auth/test_totp.py covers the factor itself."""
    return client.post("/api/v1/tokens", json={"username": username, "password": password, "totp": totp_code()})


def test_token_then_me(client, create_user):
    create_user(Role.CITY_OFFICIAL, username="li", division="220100", display_name="李强")
    response = get_token(client, "li")
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at"} and len(body["token"]) >= 40
    me = client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    data = me.get_json()
    assert data["username"] == "li" and data["roles"] == ["city_official"]
    assert data["division"] == {"code": "220100", "name": "长春市", "level": "city"}
    assert data["scope"] == {"national": False, "division_prefixes": ["2201"], "institution_ids": []}


def test_token_expires_when_the_settings_say(client, db, create_user):
    create_user(Role.SYSADMIN, username="admin")
    body = get_token(client, "admin").get_json()
    from datetime import datetime
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=11, minutes=59) < expires - utcnow() <= timedelta(hours=12)


@pytest.mark.parametrize(("payload", "status", "code"), [
    ({"username": "admin", "password": "wrong"}, 401, "unauthorized"),
    ({"username": "nobody", "password": "whatever"}, 401, "unauthorized"),
])
def test_bad_credentials_answer_401_in_the_error_format(client, create_user, payload, status, code):
    create_user(Role.SYSADMIN, username="admin")
    response = client.post("/api/v1/tokens", json=payload)
    assert response.status_code == status
    assert response.headers["WWW-Authenticate"] == "Bearer"
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"] and "fields" not in error


@pytest.mark.parametrize(("payload", "fields"), [
    ({"username": "admin"}, {"password"}),
    ({}, {"username", "password"}),
    ({"username": "admin", "password": "x", "role": "sysadmin"}, {"role"}),
    ({"username": 7, "password": "x"}, {"username"}),
])
def test_invalid_payload_answers_422_with_fields(client, payload, fields):
    response = client.post("/api/v1/tokens", json=payload)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and set(error["fields"]) == fields


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"'])
def test_malformed_json_answers_400(client, body):
    response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_sixth_failed_token_request_answers_429(client, create_user):
    create_user(Role.SYSADMIN, username="admin")
    for _ in range(5):
        assert get_token(client, "admin", "wrong").status_code == 401
    response = get_token(client, "admin", "wrong")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_requests"


def test_web_and_api_failures_share_one_count(client, create_user):
    create_user(Role.SYSADMIN, username="admin")
    for _ in range(3):
        post_login(client, "admin", "wrong")
    for _ in range(2):
        get_token(client, "admin", "wrong")
    assert get_token(client, "admin", TEST_PASSWORD).status_code == 429


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic YWRtaW46eA=="])
def test_me_without_a_valid_token_is_401(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_browser_session_does_not_authenticate_the_api(client, dummy_user):
    login(client, dummy_user)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_revoked_token_stops_working(client, create_user):
    create_user(Role.SYSADMIN, username="admin")
    token = get_token(client, "admin").get_json()["token"]
    assert client.delete("/api/v1/tokens/current", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_expired_token_stops_working(client, db, create_user):
    create_user(Role.SYSADMIN, username="admin")
    token = get_token(client, "admin").get_json()["token"]
    row = db.session.scalars(db.select(ApiToken)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_disabled_user_token_stops_working(client, db, create_user):
    from referral.auth.services import set_user_active

    user = create_user(Role.SYSADMIN, username="admin")
    token = get_token(client, "admin").get_json()["token"]
    set_user_active(user, actor=None, active=False)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_only_the_hash_of_a_token_is_stored(client, db, create_user):
    create_user(Role.SYSADMIN, username="admin")
    token = get_token(client, "admin").get_json()["token"]
    row = db.session.scalars(db.select(ApiToken)).one()
    assert token not in row.token_hash and len(row.token_hash) == 64


def test_api_errors_are_json_for_unknown_paths(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
