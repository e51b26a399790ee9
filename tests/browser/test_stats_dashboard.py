"""The county dashboard in a real browser: a county official opens one page and sees what is late and who is
late, where the free places are, how the institution performs; the charts are named images with their tables;
axe-core finds nothing serious, in normal and in large text; the drill-down from the city reaches the county."""

from __future__ import annotations

import pytest

from tests.browser.helpers import blocking_violations, sign_in

# The hand-computed county and its clock, fixtures of tests/stats/conftest.py (a module's fixtures are its names).
from tests.stats.conftest import county, travel  # noqa: F401

pytestmark = pytest.mark.browser


def test_county_dashboard(page, live_server, county, screenshot):  # noqa: F811
    sign_in(page, live_server, "county")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="统计监督").click()
    page.wait_for_url(f"{live_server}/stats/")
    assert page.get_by_role("heading", level=1).inner_text() == "统计监督 · 长春市南关区"

    late = page.get_by_role("table", name="逾期与即将到期事项")
    assert county["cases"]["H"].receipt_no in late.inner_text()
    assert "县级转介服务人员" in late.inner_text() and "南关区阳光康复中心" in late.inner_text()
    institutions = page.get_by_role("table", name="机构表现与空余名额")
    assert "南关区阳光康复中心" in institutions.inner_text()
    assert page.get_by_role("img", name="个案状态").is_visible()  # the SVG chart, named by its title
    assert blocking_violations(page) == []
    screenshot(page, "county-dashboard")

    page.get_by_label("开始日期").fill("2026-11-01")
    page.get_by_label("结束日期").fill("2026-11-30")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/stats/?from=2026-11-01&to=2026-11-30")
    assert "2026-11-01 至 2026-11-30" in page.locator("main").inner_text()

    page.get_by_role("button", name="特大").click()
    page.wait_for_load_state()
    assert blocking_violations(page) == []


def test_city_drills_down_to_the_county(page, live_server, county):  # noqa: F811
    sign_in(page, live_server, "city")
    page.goto(f"{live_server}/stats/")
    children = page.get_by_role("table", name="下级行政区划")
    children.get_by_role("link", name="220102").click()
    page.wait_for_url(f"{live_server}/stats/220102")
    assert page.get_by_role("heading", level=1).inner_text() == "统计监督 · 长春市南关区"
    assert page.get_by_role("table", name="逾期与即将到期事项").count() == 0  # counts only above the county
    assert blocking_violations(page) == []
