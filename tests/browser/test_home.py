"""Log in through the form in a real browser, see the Chinese home page, and check accessibility with
axe-core (shipped inside the axe-playwright-python wheel): no serious or critical violations."""

from __future__ import annotations

import pytest

from referral.auth.permissions import Role
from tests.browser.helpers import blocking_violations, sign_in

pytestmark = pytest.mark.browser


def test_login_form_to_chinese_home_page_without_accessibility_violations(page, live_server, create_user):
    create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102", display_name="张敏")
    page.goto(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert blocking_violations(page) == []

    sign_in(page, live_server, "zhang")
    assert page.get_by_role("heading", level=1).inner_text() == "您好，张敏"
    assert "长春市南关区" in page.locator("main").inner_text()
    nav = page.get_by_role("navigation", name="主导航")
    assert nav.get_by_role("link", name="审计日志").is_visible()
    assert nav.get_by_role("link", name="用户管理").is_visible()
    assert blocking_violations(page) == []


def test_keyboard_and_large_text(page, live_server, create_user):
    create_user(Role.SYSADMIN, username="admin", display_name="管理员")
    sign_in(page, live_server, "admin")
    # The first Tab reaches the skip link; following it moves focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "跳到主要内容"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    base = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_role("button", name="特大").click()
    page.wait_for_load_state()
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == base * 1.5
    assert page.get_by_role("button", name="特大").get_attribute("aria-pressed") == "true"

    for path in ("/users/", "/audit/", "/users/new", "/divisions/220100"):
        page.goto(f"{live_server}{path}")
        assert blocking_violations(page) == [], path


def test_failed_login_is_announced(page, live_server, create_user):
    create_user(Role.SYSADMIN, username="admin")
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    alert = page.get_by_role("alert")
    assert "用户名或密码不正确" in alert.inner_text()
    # app.js is deferred: on a loaded machine it may run a moment after the alert is in the DOM; wait for it
    # (up to 5 s) rather than read the focus too early. A summary that never takes the focus still fails.
    page.wait_for_function("document.activeElement && document.activeElement.className === 'error-summary'",
                           timeout=5000)
    assert page.evaluate("document.activeElement.className") == "error-summary"
    assert blocking_violations(page) == []


def test_the_accessibility_check_can_fail(page):
    """Guard against a check that passes vacuously: a page with known violations must be caught."""
    page.set_content("<html><body><img src='x.png'><input type='text'><a href='#'></a></body></html>")
    assert blocking_violations(page) != []
