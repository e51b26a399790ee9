"""A new password (create, change, the API, the CLI) may not be short, common, or the account's own name
(docs/domain.md#accounts; zxcvbn with the username and name as known words)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from referral.auth.models import User
from referral.auth.passwords import password_problems
from referral.auth.permissions import Role
from referral.cli import users_cli
from tests.factories import TEST_PASSWORD
from tests.helpers import bearer, csrf_token, login


@pytest.mark.parametrize(("password", "why"), [
    ("short", "至少需要"),
    ("password123456", "太常见"),
    ("qwertyuiop12", "太常见"),
    ("zhangsan2024!!", "用户名或姓名"),
    ("ZhangSan-is-me-2024", "用户名或姓名"),
    ("11111111111111", "太"),
])
def test_weak_passwords_are_refused_with_the_reason(app, password, why):
    with app.test_request_context(), force_locale("zh_CN"):
        problems = password_problems(password, "zhangsan", "张三")
    assert problems and any(why in p for p in problems)


def test_the_display_name_counts_too(app):
    with app.test_request_context(), force_locale("zh_CN"):
        assert any("姓名" in p for p in password_problems("liqiang-password-2024", "lq", "liqiang"))
        assert password_problems("river lamp 2024 blue", "lq", "liqiang") == []


@pytest.mark.parametrize("password", [TEST_PASSWORD, "a long password", "jiangsu-river-lamp-42"])
def test_good_passwords_pass(app, password):
    with app.test_request_context():
        assert password_problems(password, "zhangsan", "张三") == []


def test_change_password_refuses_a_common_one(client, db, create_user):
    user = create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    login(client, user)
    response = client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account/password"), "current_password": TEST_PASSWORD,
        "new_password": "password123456", "confirm": "password123456"})
    assert response.status_code == 422 and "太常见" in response.get_data(as_text=True)
    db.session.expire_all()
    from referral.auth.passwords import verify_password
    assert verify_password(db.session.get(User, user.id).password_hash, TEST_PASSWORD)


def test_api_create_refuses_a_password_with_the_username(client, db, create_user):
    admin = create_user(Role.SYSADMIN, username="admin")
    response = client.post("/api/v1/users", headers=bearer(admin), json={
        "username": "wangfang", "password": "wangfang12345", "name": "王芳", "roles": ["city_official"],
        "division": "220100"})
    assert response.status_code == 422
    assert "用户名或姓名" in " ".join(response.get_json()["error"]["fields"]["password"])
    assert db.session.scalar(db.select(User).where(User.username == "wangfang")) is None


def test_cli_create_refuses_a_common_password(app, db):
    result = app.test_cli_runner().invoke(users_cli, ["create", "--username", "op", "--password", "password123456",
                                                      "--role", "sysadmin"])
    assert result.exit_code == 2 and "--password" in result.output
    assert db.session.scalar(db.select(User).where(User.username == "op")) is None
