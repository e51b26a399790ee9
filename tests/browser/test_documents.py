"""The documents in a real browser: download a case's PDF from its page, export a ZIP in the background
watching the progress bar fill, and check a code on the public page — each page axe-clean."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from referral.documents.models import IssuedDocument
from referral.extensions import db
from tests.browser.helpers import blocking_violations, sign_in
from tests.documents.pdfcheck import flat, text_of

pytestmark = pytest.mark.browser


def test_download_a_case_document_and_check_it_publicly(page, live_server, referred_case, people):
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server}/cases/{referred_case.id}")
    panel = page.get_by_role("region", name="文书")
    assert "尚未签发" in panel.inner_text()
    assert blocking_violations(page) == []
    with page.expect_download() as event:
        panel.get_by_role("link", name=re.compile(r"下载 PDF\s*：转介服务申请表")).click()
    data = open(event.value.path(), "rb").read()
    assert data.startswith(b"%PDF-") and "李明" in flat(text_of(data))
    assert event.value.suggested_filename.startswith("转介服务申请表-JK-APP-")
    issued = db.session.scalars(db.select(IssuedDocument)).one()

    page.goto(f"{live_server}/verify")
    page.get_by_label("校验码").fill(issued.printed_code.lower())
    page.get_by_role("button", name="核验").click()
    assert "真实" in page.get_by_role("status").first.inner_text() or "真实" in page.locator("main").inner_text()
    assert issued.number in page.locator("main").inner_text() and "李明" not in page.content()
    assert blocking_violations(page) == []
    page.goto(f"{live_server}/documents/blank/")
    assert page.get_by_role("link", name="康复评估表").is_visible()
    assert blocking_violations(page) == []


def test_a_batch_export_shows_its_progress_and_downloads(page, live_server, referred_case, people):
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server}/cases/")
    page.get_by_role("link", name="把筛选出的个案的文书批量导出为 ZIP").click()
    assert blocking_violations(page) == []
    page.get_by_label("文书").select_option(label="基本情况档案")
    page.get_by_role("button", name="开始导出").click()
    page.wait_for_url("**/documents/exports/*")
    bar = page.locator("progress#export-bar")
    assert bar.is_visible()
    assert blocking_violations(page) == []
    # The page polls the job; the download button appears when the ZIP is ready, without a reload.
    download_button = page.get_by_role("link", name="下载 ZIP")
    download_button.wait_for(state="visible", timeout=120_000)
    assert bar.get_attribute("value") == bar.get_attribute("max") == "1"
    assert "已完成" in page.locator("#export-text").inner_text()
    with page.expect_download() as event:
        download_button.click()
    archive = zipfile.ZipFile(io.BytesIO(open(event.value.path(), "rb").read()))
    names = [n for n in archive.namelist() if n.endswith(".pdf")]
    assert len(names) == 1 and names[0].startswith("JK-BAS-")
    assert "李明" in flat(text_of(archive.read(names[0])))
