"""One referral case from the public application to `completed` in a real browser, acting as each role in turn
(docs/domain.md#case-machine), through the pages only:

anonymous /apply (the county chosen from lists) → receipt → /apply/status (提出申请) → the county's referral
officer: 退回补正 → the public read the reason on the status page and correct the address → the officer:
初核登记, 康复转介 to the listed institution → its admin makes a staff account (本机构人员) and 接收 → that new
staff member: 综合评估 (适合, risk 1), 签订服务协议, 阶段性评估, 结案 (康复目标达成), 回访 ×2 → 已完成 →
anonymous /apply/status shows 已完成.

After each step the case page's seven-step progress bar marks the step reached with aria-current="step".
axe-core checks the public pages, the case list, the case page and the 综合评估 form; screenshots land in
the test's tmp_path for a human look."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.browser.helpers import (
    blocking_violations,
    by_label,
    flash_text,
    sign_in,
    sign_out,
)
from tests.helpers import id_number

pytestmark = pytest.mark.browser

APPLICANT = "王建国"
ID_NUMBER = id_number("19850615")
INST_ADMIN_PASSWORD = "a long password"  # tests/conftest.py `draft`
STAFF_PASSWORD = "staff long password"  # the account the admin makes in the walk
RECEIPT_RE = re.compile(r"^JK[0-9A-Z]{10}$")


def current_step(page) -> str:
    """The progress bar's item marked aria-current="step" (exactly one)."""
    bar = page.get_by_role("list", name="转介服务七个环节")
    current = bar.locator('[aria-current="step"]')
    assert current.count() == 1, bar.inner_html()
    return current.inner_text().strip()


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def fire(page, case_url, label, *, fill=None, flash=None):
    """On the case page: follow the action link `label`, fill its form, confirm, land back on the case page."""
    page.get_by_role("region", name="可执行的操作").get_by_role("link", name=label, exact=True).click()
    page.wait_for_url(re.compile(rf"^{re.escape(case_url)}/events/\w+$"))
    assert heading(page) == label
    if fill:
        fill(page)
    page.get_by_role("button", name=f"确认：{label}").click()
    page.wait_for_url(case_url)
    assert f"已完成：{flash or label}" in flash_text(page)


def public_status(page, live_server, receipt_no, shot=None, screenshot=None) -> str:
    page.goto(f"{live_server}/apply/status")
    by_label(page, "受理号").fill(receipt_no)
    by_label(page, "身份证号后四位").fill(ID_NUMBER[-4:])
    page.get_by_role("button", name="查询", exact=True).click()
    result = page.get_by_role("region", name="查询结果")
    result.wait_for()
    assert "id_last4" not in page.url  # the lookup is a POST: nothing personal in the address bar
    assert result.count() == 1, page.locator("main").inner_text()
    if shot:
        screenshot(page, shot)
        assert blocking_violations(page) == [], shot
    return result.locator("dt:has-text('办理进度') + dd").inner_text()


def test_a_case_from_application_to_completed(page, live_server, people, screenshot):
    inst = people["inst"]

    # 1. Anonymous: the application.
    page.goto(f"{live_server}/apply")
    assert heading(page) == "精神障碍社区康复转介服务申请"
    assert blocking_violations(page) == [], "apply"
    applicant = page.get_by_role("group", name="申请人信息")
    by_label(applicant, "姓名").fill(APPLICANT)
    by_label(applicant, "身份证号").fill(ID_NUMBER)
    by_label(applicant, "联系电话").fill("13800001234")
    by_label(applicant, "居住地址").fill("长春市南关区幸福街 8 号")
    # issue 10.5: chosen, not typed: the province fills the county list (grouped by city) in place.
    by_label(applicant, "省（自治区、直辖市）").select_option(label="吉林省")
    county = by_label(applicant, "居住地县（市、区）")
    county.locator("optgroup[label='长春市'] option[value='220102']").wait_for(state="attached")
    county.select_option(value="220102")
    by_label(page, "康复需求").fill("出院后需要规律服药和回归社区的训练")
    by_label(page, "服药训练").check()
    by_label(page, "知情同意签署人").select_option(label="申请人本人")
    page.get_by_role("checkbox", name=re.compile(r"^我已阅读并同意")).check()
    screenshot(page, "apply")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(f"{live_server}/apply/receipt")
    receipt_no = page.locator(".receipt-no").inner_text().strip()
    assert RECEIPT_RE.match(receipt_no), receipt_no
    assert heading(page) == f"受理号：{receipt_no}"
    assert APPLICANT not in page.content() and ID_NUMBER not in page.content()
    screenshot(page, "receipt")
    assert blocking_violations(page) == [], "receipt"
    assert public_status(page, live_server, receipt_no, "status-applied", screenshot).startswith("提出申请")

    # 2. The county's referral officer: 初核登记 → 康复转介.
    sign_in(page, live_server, people["officer"].username)
    page.goto(f"{live_server}/cases/")
    row = page.get_by_role("row", name=re.compile(receipt_no))
    assert row.count() == 1
    assert APPLICANT in row.inner_text() and "提出申请" in row.inner_text()
    assert blocking_violations(page) == [], "cases index"
    row.get_by_role("link", name=receipt_no).click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    assert receipt_no in heading(page)
    assert current_step(page) == "申请"
    main = page.locator("main").inner_text()
    assert APPLICANT in main and "138****1234" in main and "13800001234" not in main
    assert blocking_violations(page) == [], "case page (applied)"

    # 2a. Returned for a correction; the public read why and correct it on the status page (issue 10.2).
    fire(page, case_url, "退回补正", fill=lambda p: by_label(p, "理由").fill("请补充详细住址（门牌号）。"))
    sign_out(page, live_server)
    public_status(page, live_server, receipt_no)
    result = page.get_by_role("region", name="查询结果")
    assert "请补充详细住址（门牌号）。" in result.inner_text()
    correction = page.get_by_role("region", name="补正后重新提交")
    by_label(correction.get_by_role("group", name="申请人"), "居住地址").fill("长春市南关区幸福街 8 号 3 单元 201")
    correction.get_by_role("button", name="重新提交").click()
    page.get_by_text("已重新提交").wait_for()
    assert blocking_violations(page) == [], "resubmitted"
    sign_in(page, live_server, people["officer"].username)
    page.goto(case_url)
    assert current_step(page) == "申请"

    fire(page, case_url, "初核登记",
         fill=lambda p: by_label(p, "核实情况（身份、居住地、诊断与资格）").fill("已核实身份证、户籍和出院诊断，符合条件。"))
    assert current_step(page) == "初核登记"

    def refer(p):
        choices = p.get_by_role("group", name=re.compile(r"^选择机构"))
        choices.get_by_role("radio", name=re.compile(rf"^{re.escape(inst.name)}")).check()

    fire(page, case_url, "康复转介", fill=refer)
    assert current_step(page) == "康复转介"
    assert page.locator("dl.facts dt:has-text('承接机构') + dd").inner_text() == inst.name
    sign_out(page, live_server)

    # 3. The institution's admin: a staff account of its own (issue 10.3), then 接收.
    sign_in(page, live_server, people["inst_admin"].username, INST_ADMIN_PASSWORD)
    page.get_by_role("link", name="本机构人员").first.click()
    page.get_by_role("link", name=re.compile("新建")).first.click()
    by_label(page, "用户名").fill("kangfu-li")
    by_label(page, "姓名").fill("李康复")
    by_label(page, "初始密码").fill(STAFF_PASSWORD)
    by_label(page, "身份证号").fill(id_number("19900101", 321))
    by_label(page, "人员类别").select_option(label="直接从事社区康复服务人员")
    page.get_by_role("button", name="建立账号和人才登记").click()
    assert "李康复" in page.locator("main").inner_text()
    assert blocking_violations(page) == [], "staff created"
    page.goto(case_url)
    fire(page, case_url, "接收")
    assert current_step(page) == "综合评估"
    # The admin is not the one who assesses.
    assert page.get_by_role("link", name="综合评估", exact=True).count() == 0
    sign_out(page, live_server)

    # 4. The institution's staff: 综合评估 → 签订服务协议 → 阶段性评估 → 结案 → 回访 ×2.
    sign_in(page, live_server, "kangfu-li", STAFF_PASSWORD)
    page.goto(f"{live_server}/cases/")
    page.get_by_role("link", name=receipt_no).click()
    page.wait_for_url(case_url)
    assert current_step(page) == "综合评估"

    def assess(p):
        screenshot(p, "assess")
        assert blocking_violations(p) == [], "assess event page"
        by_label(p, "综合评估结论").select_option(label="适合社区康复")
        by_label(p, "危险性评估等级（0–5）").fill("1")
        by_label(p, "康复计划或调整").fill("每周三次服药训练")

    fire(page, case_url, "综合评估", fill=assess)
    assert current_step(page) == "综合评估"
    assert "评估完成" in heading(page)

    today = date.today()

    def agreement(p):
        by_label(p, "服务开始日期").fill(today.isoformat())
        by_label(p, "服务结束日期").fill((today + timedelta(days=180)).isoformat())
        by_label(p.get_by_role("group", name="服务项目"), "服药训练").check()
        by_label(p, "服务形式").select_option(label="日间康复")
        by_label(p, "服务频次").fill("每周三次")
        by_label(p, "乙方签字人").fill(APPLICANT)

    fire(page, case_url, "签订服务协议", fill=agreement)
    assert current_step(page) == "服务提供"
    assert "服务提供中" in heading(page)
    screenshot(page, "in-service")
    assert blocking_violations(page) == [], "case page (in service)"

    def review(p):
        by_label(p, "危险性评估等级（0–5）").fill("0")
        by_label(p, "康复计划或调整").fill("维持原计划")

    fire(page, case_url, "阶段性评估", fill=review)
    assert current_step(page) == "阶段性评估"

    def close(p):
        by_label(p, "原因").select_option(label="康复目标达成")
        closing = p.get_by_role("group", name="结案评估")
        by_label(closing, "危险性评估等级（0–5）").fill("0")

    fire(page, case_url, "结案", fill=close)
    assert current_step(page) == "结案与回访"
    assert "已结案" in heading(page)

    def follow_up(p):
        by_label(p, "回访方式").select_option(label="电话")
        by_label(p, "目前情况").fill("病情稳定，按时服药")
        by_label(p, "理由").fill("家属要求提前回访")  # recorded at once: before the follow-up opens

    fire(page, case_url, "回访", fill=follow_up)
    assert "已结案" in heading(page)
    fire(page, case_url, "回访", fill=follow_up)
    assert page.locator("h1 .badge").inner_text() == "已完成"
    assert current_step(page) == "结案与回访"
    assert page.get_by_role("region", name="可执行的操作").count() == 0
    screenshot(page, "completed")
    sign_out(page, live_server)

    # 5. Anonymous again: the public status.
    assert public_status(page, live_server, receipt_no, "status-completed", screenshot) == "已完成"
