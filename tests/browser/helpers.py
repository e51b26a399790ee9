"""Helpers of the browser tests: labelled controls, signing in and out through the form, the flash messages,
and axe-core's blocking violations."""

from __future__ import annotations

import re
import time

import pyotp
from axe_playwright_python.sync_playwright import Axe

from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET

BLOCKING = {"serious", "critical"}


def by_label(scope, text):
    """The control labelled exactly ``text``. Required fields carry a visual " *" (aria-hidden) in their
    <label>; Playwright's label matching counts it, so it is allowed here."""
    return scope.get_by_label(re.compile(rf"^{re.escape(text)}(\s*\*)?$"))


def blocking_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page (the tests expect none)."""
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in BLOCKING]


def sign_in(page, live_server, username, password=TEST_PASSWORD, totp_secret=TEST_TOTP_SECRET):
    """Through the form; accounts with TOTP (the factory's sysadmins, province and city officials) give the
    code of ``totp_secret`` on the second step (docs/domain.md#accounts)."""
    page.goto(f"{live_server}/login")
    by_label(page, "用户名").fill(username)
    by_label(page, "密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(rf"^{re.escape(live_server)}/(me/pledge\?.*|login/totp)?$"))
    if page.url.endswith("/login/totp"):
        by_label(page, "动态验证码").fill(_fresh_code(username, totp_secret))
        page.get_by_role("button", name="验证并登录").click()
        page.wait_for_url(re.compile(rf"^{re.escape(live_server)}/(me/pledge\?.*)?$"))
    if "/me/pledge" in page.url:
        accept_pledge(page, live_server)


_last_step: dict[str, int] = {}


def _fresh_code(username: str, secret: str) -> str:
    """The current code by the platform's clock (a test may have travelled it: the live server runs in this
    process), waiting for the next 30-second step when this account already used this one: the platform
    refuses a code twice (a second sign-in of one account within a step would fail otherwise)."""
    from referral.models import utcnow

    totp = pyotp.TOTP(secret)
    deadline = time.monotonic() + 35
    while totp.timecode(utcnow()) <= _last_step.get(username, -1) and time.monotonic() < deadline:
        time.sleep(1)
    _last_step[username] = totp.timecode(utcnow())
    return totp.at(utcnow())


def accept_pledge(page, live_server, next_=None):
    """A first sign-in: the account's own 保密承诺书 (docs/domain.md#personal-data), accepted on its page
    as a person would — the box ticked, the name (filled in from the account) as signature."""
    by_label(page, "我已阅读并接受以上保密承诺书").check()
    name = by_label(page, "承诺人姓名")
    if not name.input_value():
        name.fill("测试用户")
    page.get_by_role("button", name="接受并继续").click()
    page.wait_for_url(next_ or f"{live_server}/")


def sign_out(page, live_server):
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{live_server}/login")
    assert "您已安全退出" in page.locator("main").inner_text()


def flash_text(page) -> str:
    return page.locator(".flashes").inner_text()
