"""The TOTP second factor (docs/domain.md#accounts): required for sysadmins and province and city officials,
optional for the others; a second step after the password, on the form and on POST /api/v1/tokens; ten
one-time recovery codes; enrolment, removal and recovery-code use audited. The clock is held still and the
codes made with pyotp's ``at(for_time)``."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp

from referral.audit.models import AuditEntry
from referral.auth.models import RecoveryCode, TotpCredential
from referral.auth.permissions import Role
from tests.auth.conftest import MOMENT
from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET
from tests.helpers import csrf_token, login, post_login, post_login_totp


def code_at(when=MOMENT, secret=TEST_TOTP_SECRET):
    return pyotp.TOTP(secret).at(when)


def actions(db):
    return db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()


def enrol_with_page(client, when=MOMENT):
    """Open /account/totp, read the secret it shows, confirm with its code; the answer shows the codes."""
    page = client.get("/account/totp").get_data(as_text=True)
    secret = re.search(r'<code class="code">([A-Z2-7]+)</code>', page).group(1)
    assert "<svg" in page  # the QR code
    response = client.post("/account/totp", data={"csrf_token": csrf_token(client, "/account/totp"),
                                                  "code": code_at(when, secret)})
    return secret, response


# --- signing in ---------------------------------------------------------------------------------------------

def test_a_sysadmin_signs_in_with_password_then_code(client, db, create_user, travel):
    create_user(Role.SYSADMIN, username="admin")
    response = post_login(client, "admin", TEST_PASSWORD, next_="/users/")
    assert response.location == "/login/totp"
    assert client.get("/users/").status_code == 302  # not signed in yet
    assert post_login_totp(client, "000000" if code_at() != "000000" else "111111").status_code == 200
    response = post_login_totp(client, code_at())
    assert response.location == "/users/"  # next survives the second step
    assert client.get("/users/").status_code == 200
    assert actions(db)[-2:] == ["auth.login_failed", "auth.login"]


def test_a_code_is_accepted_once_and_one_step_either_side(client, create_user, travel):
    create_user(Role.CITY_OFFICIAL, username="li", division="220100")
    post_login(client, "li", TEST_PASSWORD)
    assert post_login_totp(client, code_at(MOMENT - timedelta(seconds=30))).location == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    post_login(client, "li", TEST_PASSWORD)
    # the same code again (seen over a shoulder): refused; the next step's code: accepted
    assert post_login_totp(client, code_at(MOMENT - timedelta(seconds=30))).status_code == 200
    assert post_login_totp(client, code_at(MOMENT + timedelta(seconds=30))).location == "/"


def test_a_code_from_two_steps_away_is_refused(client, create_user, travel):
    create_user(Role.PROVINCE_OFFICIAL, username="wang", division="220000")
    post_login(client, "wang", TEST_PASSWORD)
    assert post_login_totp(client, code_at(MOMENT + timedelta(seconds=90))).status_code == 200


def test_wrong_codes_count_as_failed_logins(client, create_user, travel):
    create_user(Role.SYSADMIN, username="admin")
    post_login(client, "admin", TEST_PASSWORD)
    for _ in range(5):
        post_login_totp(client, "123456" if code_at() != "123456" else "654321")
    assert post_login_totp(client, code_at()).status_code == 429


def test_the_second_step_expires(client, create_user, travel):
    create_user(Role.SYSADMIN, username="admin")
    post_login(client, "admin", TEST_PASSWORD)
    travel(MOMENT + timedelta(minutes=6))
    assert post_login_totp(client, code_at(MOMENT + timedelta(minutes=6))).location == "/login"


def test_the_second_step_without_a_password_goes_to_login(client):
    assert client.get("/login/totp").location == "/login"


def test_a_recovery_code_signs_in_once_and_is_audited(client, db, create_user, travel):
    user = create_user(Role.SYSADMIN, username="admin", totp=False)
    login(client, user)
    _secret, response = enrol_with_page(client)
    codes = re.findall(r"<li>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</li>", response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    post_login(client, "admin", TEST_PASSWORD)
    assert post_login_totp(client, recovery_code=codes[0].lower()).location == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    post_login(client, "admin", TEST_PASSWORD)
    assert post_login_totp(client, recovery_code=codes[0]).status_code == 200  # used up
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "auth.recovery_code_used")).one()
    assert entry.actor_id == user.id and entry.summary["left"] == 9


def test_an_optional_account_without_totp_signs_in_with_the_password(client, create_user):
    create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    assert post_login(client, "zhang", TEST_PASSWORD).location == "/"


def test_an_optional_account_with_totp_gets_the_second_step(client, create_user, travel):
    create_user(Role.REFERRAL_OFFICER, username="zhou", division="220102", totp=True)
    assert post_login(client, "zhou", TEST_PASSWORD).location == "/login/totp"
    assert post_login_totp(client, code_at()).location == "/"


# --- enrolment ------------------------------------------------------------------------------------------------

def test_a_required_role_without_totp_is_sent_to_enrol_before_anything_else(client, db, create_user, travel):
    user = create_user(Role.CITY_OFFICIAL, username="li", division="220100", totp=False, pledged=False)
    assert post_login(client, "li", TEST_PASSWORD).location == "/"
    for path in ("/", "/users/", "/me/pledge", "/account"):
        assert client.get(path).location == "/account/totp", path
    secret, response = enrol_with_page(client)
    assert response.status_code == 200 and "恢复码" in response.get_data(as_text=True)
    assert db.session.get(TotpCredential, user.id).secret == secret
    assert client.get("/").location.startswith("/me/pledge")  # then the pledge, as before
    assert "auth.totp_enrol" in actions(db)


def test_the_enrolment_is_confirmed_with_a_right_code_only(client, db, create_user, travel):
    user = create_user(Role.SYSADMIN, username="admin", totp=False)
    login(client, user)
    client.get("/account/totp")
    response = client.post("/account/totp", data={"csrf_token": csrf_token(client, "/account/totp"), "code": "12345"})
    assert response.status_code == 422 and "验证码不正确" in response.get_data(as_text=True)
    assert db.session.get(TotpCredential, user.id) is None


def test_the_account_page_links_the_totp_page(client, create_user):
    login(client, create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102"))
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account/totp"' in page and "未启用" in page


def test_an_optional_account_may_turn_it_off_with_a_code(client, db, create_user, travel):
    user = create_user(Role.REFERRAL_OFFICER, username="zhou", division="220102", totp=True)
    login(client, user)
    client.post("/account/totp/remove", data={"csrf_token": csrf_token(client, "/account/totp"), "remove-code": "000000"})
    assert db.session.get(TotpCredential, user.id) is not None
    client.post("/account/totp/remove", data={"csrf_token": csrf_token(client, "/account/totp"), "remove-code": code_at()})
    db.session.expire_all()
    assert db.session.get(TotpCredential, user.id) is None
    assert "auth.totp_remove" in actions(db)


def test_a_required_role_may_not_turn_it_off(client, db, create_user, travel):
    user = create_user(Role.SYSADMIN, username="admin")
    login(client, user)
    assert "不能关闭" in client.get("/account/totp").get_data(as_text=True)
    client.post("/account/totp/remove", data={"csrf_token": csrf_token(client, "/account/totp"), "remove-code": code_at()})
    assert db.session.get(TotpCredential, user.id) is not None


def test_new_recovery_codes_replace_the_old(client, db, create_user, travel):
    user = create_user(Role.SYSADMIN, username="admin")
    login(client, user)
    response = client.post("/account/totp/recovery-codes", data={"csrf_token": csrf_token(client, "/account/totp"),
                                                                  "regenerate-code": code_at()})
    assert response.status_code == 200
    assert len(re.findall(r"<li>[A-Z2-7]{4}-", response.get_data(as_text=True))) == 10
    assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 10


# --- the API --------------------------------------------------------------------------------------------------

def _token(client, **extra):
    return client.post("/api/v1/tokens", json={"username": "admin", "password": TEST_PASSWORD, **extra})


def test_the_token_endpoint_needs_the_code_of_an_enrolled_account(client, create_user, travel):
    create_user(Role.SYSADMIN, username="admin")
    response = _token(client)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "totp_required"
    response = _token(client, totp="000000" if code_at() != "000000" else "111111")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "totp_invalid"
    assert _token(client, totp=code_at()).status_code == 201


def test_the_token_endpoint_takes_a_recovery_code(client, db, create_user, travel):
    from referral.auth import totp

    user = create_user(Role.SYSADMIN, username="admin", totp=False)
    with client.application.test_request_context():
        codes = totp.enrol(user, secret=TEST_TOTP_SECRET, code=code_at())
        db.session.commit()
    assert _token(client, recovery_code=codes[3]).status_code == 201
    assert _token(client, recovery_code=codes[3]).status_code == 401


def test_a_required_role_without_totp_gets_no_token(client, create_user):
    create_user(Role.PROVINCE_OFFICIAL, username="admin", division="220000", totp=False)
    response = _token(client)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "totp_enrolment_required"


def test_an_optional_account_without_totp_gets_a_token_with_the_password(client, create_user):
    create_user(Role.COUNTY_OFFICIAL, username="admin", division="220102")
    assert _token(client).status_code == 201
