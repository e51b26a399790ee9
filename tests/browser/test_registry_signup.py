"""An institution from public sign-up to 已入库 in a real browser, acting as each role in turn (docs/domain.md#registry-approval-machine):
anonymous sign-up → its admin uploads a licence scan and submits with the pledges → the county official of
220102 approves from 待办审核 → a city official of 220100 (a different person) confirms → the anonymous public
directory lists it. A county official of another county gets 404. axe-core checks each page on the way, and
screenshots land in the test's tmp_path for a human look."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from referral.auth.permissions import Role
from tests.browser.helpers import accept_pledge, blocking_violations, by_label, flash_text, sign_in, sign_out
from tests.factories import TEST_PASSWORD
from tests.helpers import CREDIT_CODE

pytestmark = pytest.mark.browser

NAME = "南关区阳光康复中心"
ADMIN_PASSWORD = "a long admin password"
DUE_RE = re.compile(r"期限 (\d{4}-\d{2}-\d{2})，\s*剩余 (\d+) 个工作日")


def fill_signup(page):
    label = lambda text: by_label(page, text)  # noqa: E731
    label("机构名称").fill(NAME)
    label("统一社会信用代码").fill(CREDIT_CODE)
    label("登记管理机关").fill("长春市南关区民政局")
    label("法人类型").select_option(label="社会服务机构（民办非企业单位）")
    label("法定代表人").fill("赵磊")
    label("地址").fill("长春市南关区民康路 1 号")
    label("省（自治区、直辖市）").select_option(label="吉林省")
    county = label("所在县（市、区）")
    county.locator("option[value='220102']").wait_for(state="attached")
    county.select_option(value="220102")
    label("服药训练").check()
    label("社交技能训练").check()
    # The service-area checkboxes, if offered (the counties of 吉林省 until the division is known). Found by
    # their field rather than by role=group: see test_service_area_checkboxes_form_a_named_group.
    area = page.locator("div.field", has=page.locator("input[type=checkbox][name=service_area]"))
    if area.count():
        by_label(area, "长春市南关区").check()
        by_label(area, "长春市朝阳区").check()
    label("日服务容量（人）").fill("30")
    label("当前空余名额").fill("5")
    label("开放时间").fill("周一至周五 8:30-17:00")
    label("联系人").fill("赵磊")
    label("联系电话").fill("0431-88880000")
    label("管理员姓名").fill("赵磊")
    label("登录用户名").fill("yangguang-admin")
    label("密码").fill(ADMIN_PASSWORD)
    label("再次输入密码").fill(ADMIN_PASSWORD)


def test_institution_from_signup_to_listed(page, live_server, create_user, tmp_path, screenshot):
    county = create_user(Role.COUNTY_OFFICIAL, username="county", division="220102", display_name="南关区民政")
    city = create_user(Role.CITY_OFFICIAL, username="city", division="220100", display_name="长春市民政")
    create_user(Role.COUNTY_OFFICIAL, username="chaoyang", division="220104", display_name="朝阳区民政")
    assert county.id != city.id

    # 1. Anonymous sign-up.
    page.goto(f"{live_server}/institutions/signup")
    assert page.get_by_role("heading", level=1).inner_text() == "社区康复服务机构在线登记"
    assert blocking_violations(page) == [], "signup"
    fill_signup(page)
    screenshot(page, "signup")
    page.get_by_role("button", name="建立登记草稿").click()
    # Signed in as the new admin: its first page is its own 保密承诺书 (docs/domain.md#personal-data).
    page.wait_for_url(re.compile(r"/me/pledge\?next=/institutions/\d+$"))
    assert "已建立机构登记草稿" in flash_text(page)
    assert page.get_by_role("heading", level=1).inner_text() == "保密承诺书"
    assert blocking_violations(page) == [], "pledge"
    assert by_label(page, "承诺人姓名").input_value() == "赵磊"
    accept_pledge(page, live_server, next_=re.compile(r"/institutions/\d+$"))
    institution_url = page.url
    assert page.locator("header .who").inner_text() == "赵磊"
    heading = page.get_by_role("heading", level=1)
    assert NAME in heading.inner_text() and "草稿" in heading.inner_text()
    main = page.locator("main").inner_text()
    assert CREDIT_CODE in main and "长春市南关区 长春市南关区民康路 1 号" in main
    assert "服药训练" in main and "社交技能训练" in main
    facts = page.locator("dl.facts")
    # The service area starts as the institution's own county; more are added on the edit page.
    assert facts.locator("dt:has-text('服务区域') + dd .tag").all_inner_texts() == ["长春市南关区"]
    # Only the licence scan is missing before submit.
    notice = page.get_by_role("note")
    assert notice.get_by_role("listitem").all_inner_texts() == ["登记证书或执业许可扫描件"]

    # 2. The admin uploads a licence scan and submits with the pledges.
    scan = tmp_path / "licence.png"
    Image.new("RGB", (80, 60), (200, 30, 30)).save(scan, format="PNG")
    by_label(page, "附件类型").select_option("licence_scan")
    by_label(page, "选择文件（不超过 10 MB）").set_input_files(str(scan))
    page.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_url(f"{institution_url}#attachments")
    assert "已上传" in flash_text(page)
    attachments = page.locator("#attachments")
    assert attachments.get_by_role("link", name="licence.png").is_visible()
    assert page.get_by_role("note").count() == 0  # nothing missing any more

    page.get_by_role("link", name="提交审核").click()
    page.wait_for_url(f"{institution_url}/events/submit")
    assert page.get_by_role("heading", name="服务承诺书").is_visible()
    assert page.get_by_role("heading", name="保密承诺书").is_visible()
    assert by_label(page, "承诺人姓名").input_value() == "赵磊"
    by_label(page, "我已阅读并接受服务承诺书和保密承诺书").check()
    screenshot(page, "submit")
    assert blocking_violations(page) == [], "event page (submit)"
    page.get_by_role("button", name="确认：提交审核").click()
    page.wait_for_url(institution_url)
    assert "已完成：提交审核" in flash_text(page)
    assert "县级初核中" in page.get_by_role("heading", level=1).inner_text()
    due = DUE_RE.search(page.locator("main").inner_text())
    assert due, page.locator("main").inner_text()[:400]
    assert int(due.group(2)) > 0
    screenshot(page, "institution-county-review")
    assert blocking_violations(page) == [], "institution page"
    # Only the county official acts in this state.
    assert page.get_by_role("link", name="县级初核通过").count() == 0

    # 3. The county official of 220102 approves from the queue.
    sign_out(page, live_server)
    sign_in(page, live_server, "county")
    page.goto(f"{live_server}/registry/queue")
    institutions = page.locator("section", has=page.get_by_role("heading", name=re.compile(r"^机构（")))
    assert institutions.get_by_role("heading").inner_text() == "机构（1）"
    row = institutions.get_by_role("row", name=re.compile(NAME))
    assert "县级初核中" in row.inner_text() and due.group(1) in row.inner_text()
    screenshot(page, "queue")
    assert blocking_violations(page) == [], "queue"
    row.get_by_role("link", name=NAME).click()
    page.wait_for_url(institution_url)
    page.get_by_role("link", name="县级初核通过").click()
    page.wait_for_url(f"{institution_url}/events/county_approve")
    by_label(page, "意见").fill("材料齐全，同意。")
    page.get_by_role("button", name="确认：县级初核通过").click()
    page.wait_for_url(institution_url)
    assert "已完成：县级初核通过" in flash_text(page)
    assert "市级确认中" in page.get_by_role("heading", level=1).inner_text()
    # The county approver is not offered the city's decision.
    assert page.get_by_role("link", name="市级确认入库").count() == 0

    # 4. A city official of 220100 (a different person) confirms.
    sign_out(page, live_server)
    sign_in(page, live_server, "city")
    page.goto(f"{live_server}/registry/queue")
    page.get_by_role("link", name=NAME).click()
    page.wait_for_url(institution_url)
    page.get_by_role("link", name="市级确认入库").click()
    page.wait_for_url(f"{institution_url}/events/city_confirm")
    page.get_by_role("button", name="确认：市级确认入库").click()
    page.wait_for_url(institution_url)
    assert "已完成：市级确认入库" in flash_text(page)
    assert "已入库" in page.get_by_role("heading", level=1).inner_text()
    history = page.locator("#history").get_by_role("row")
    texts = history.all_inner_texts()
    assert any("提交审核" in t and "赵磊" in t for t in texts)
    assert any("县级初核通过" in t and "南关区民政" in t and "材料齐全，同意。" in t for t in texts)
    assert any("市级确认入库" in t and "长春市民政" in t for t in texts)

    # 6. A county official of another county (220104) gets 404 for it.
    sign_out(page, live_server)
    sign_in(page, live_server, "chaoyang")
    response = page.goto(institution_url)
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text().startswith("未找到")
    assert NAME not in page.content()

    # 5. The anonymous public directory lists it.
    sign_out(page, live_server)
    page.goto(f"{live_server}/directory/")
    assert page.locator("header .who").count() == 0
    row = page.get_by_role("row", name=re.compile(NAME))
    assert row.count() == 1
    assert "服药训练" in row.inner_text() and "5 / 30" in row.inner_text()
    assert "0431-88880000" in row.inner_text()
    screenshot(page, "directory")
    assert blocking_violations(page) == [], "directory"


def test_service_area_checkboxes_form_a_named_group(page, live_server, create_user, create_institution):
    admin = create_user(Role.INSTITUTION_ADMIN, username="inst-admin", institution=create_institution())
    page.goto(f"{live_server}/login")
    by_label(page, "用户名").fill("inst-admin")
    by_label(page, "密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/institutions/{admin.institution_id}/edit")
    assert page.get_by_role("group", name="服务项目").count() == 1
    area = page.get_by_role("group", name="服务区域（县级）")
    assert area.count() == 1
    assert area.get_by_role("checkbox", name="长春市朝阳区").count() == 1
    assert blocking_violations(page) == []
