from __future__ import annotations

from referral.audit.models import AuditEntry
from referral.auth.models import User
from referral.auth.permissions import Role
from tests.factories import TEST_PASSWORD
from tests.helpers import csrf_token, login, post_login, post_login_totp, totp_code


def test_login_through_the_form_lands_on_a_chinese_home_page(client, create_user):
    create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102", display_name="张敏")
    response = post_login(client, "zhang", TEST_PASSWORD)
    assert response.status_code == 302 and response.location == "/"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN"' in page
    assert "您好，张敏" in page and "长春市南关区" in page and "县级民政" in page


def test_username_is_case_insensitive(client, create_user):
    create_user(Role.SYSADMIN, username="admin")
    assert post_login(client, "  ADMIN ", TEST_PASSWORD).status_code == 302


def test_wrong_password_shows_an_error_and_is_audited(client, db, create_user):
    user = create_user(Role.SYSADMIN, username="admin")
    response = post_login(client, "admin", "wrong password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "auth.login_failed")).one()
    assert entry.object_id == str(user.id) and entry.actor_id is None and entry.summary["username"] == "admin"
    assert "wrong password" not in str(entry.summary)


def test_disabled_account_cannot_log_in(client, create_user):
    create_user(Role.SYSADMIN, username="gone", active=False)
    response = post_login(client, "gone", TEST_PASSWORD)
    assert response.status_code == 200 and "账号已停用" in response.get_data(as_text=True)


def test_sixth_failed_login_in_a_row_answers_429(client, create_user):
    create_user(Role.SYSADMIN, username="admin")
    for _ in range(5):
        assert post_login(client, "admin", "nope").status_code == 200
    response = post_login(client, "admin", "nope")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)
    # Even the right password waits until the window has passed.
    assert post_login(client, "admin", TEST_PASSWORD).status_code == 429


def test_a_success_resets_the_failure_count(client, create_user):
    create_user(Role.SYSADMIN, username="admin")
    for _ in range(4):
        post_login(client, "admin", "nope")
    assert post_login(client, "admin", TEST_PASSWORD).location == "/login/totp"
    assert post_login_totp(client, totp_code()).location == "/"  # the count clears after the second step
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    for _ in range(5):
        assert post_login(client, "admin", "nope").status_code == 200


def test_next_must_stay_on_this_site(client, create_user):
    create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")  # no second step (test_totp.py has one)
    assert post_login(client, "zhang", TEST_PASSWORD, next_="//evil.example/x").location == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert post_login(client, "zhang", TEST_PASSWORD, next_="/users/?q=a").location == "/users/?q=a"


def test_login_form_requires_the_csrf_token(client, create_user):
    create_user(Role.SYSADMIN, username="admin")
    response = client.post("/login", data={"username": "admin", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)


def test_anonymous_user_is_sent_to_login_with_next(client):
    response = client.get("/users/?q=x")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=/users/")


def test_logout_needs_post_and_ends_the_session(client, dummy_user):
    login(client, dummy_user)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    assert client.get("/").status_code == 302


def test_change_password_ends_other_sessions(app, client, db, dummy_user):
    other = app.test_client()
    login(client, dummy_user)
    login(other, dummy_user)
    response = client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account/password"), "current_password": TEST_PASSWORD,
        "new_password": "a new long passphrase", "confirm": "a new long passphrase"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # the other one is over
    db.session.expire_all()
    from referral.auth.passwords import verify_password
    assert verify_password(db.session.get(User, dummy_user.id).password_hash, "a new long passphrase")


def test_change_password_rejects_wrong_current_and_short_new(client, dummy_user):
    login(client, dummy_user)
    response = client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account/password"), "current_password": "wrong",
        "new_password": "dummy12345678", "confirm": "dummy12345678"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "当前密码不正确" in page and "密码不能包含用户名" in page


def test_disabling_a_user_ends_their_session(client, db, dummy_user, create_user):
    from referral.auth.services import set_user_active

    login(client, dummy_user)
    assert client.get("/").status_code == 200
    set_user_active(db.session.get(User, dummy_user.id), actor=None, active=False)
    db.session.commit()
    assert client.get("/").status_code == 302
