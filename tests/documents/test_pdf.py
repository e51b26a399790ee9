"""The PDF mechanism (referral/documents/pdf.py) and T7 转介服务申请表, rendered for a real case and blank.

Assertions are on what a reader gets: the text pypdf extracts, and the fonts the PDF embeds (all ours,
all embedded, no missing glyph). Never on bytes: two renders of the same HTML differ (docs/architecture.md#tests).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from referral.cases import services
from referral.documents import pdf
from referral.documents.catalog import render_document, render_html
from referral.documents.context import application_context, blank_context
from referral.documents.pdf import DocumentError, StaticOnlyFetcher, URLRefused, render_pdf
from referral.extensions import db
from referral.service_items import SERVICE_ITEMS
from tests.documents.pdfcheck import OUR_FONT, PROJECT_ROOT, check_fonts, check_plain, check_text_covered, flat, text_of
from tests.helpers import application


def test_application_pdf_of_a_real_case(referred_case, people):
    case = referred_case
    context = application_context(case, verification_code="7Q4M-K2XD")
    data = render_document(context)
    assert data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    text = flat(text_of(data))
    for value in ("转介服务申请表", "李明", case.receipt_no, case.applicant_id_number, "13800001234",
                  "长春市南关区", "南关区幸福街8号", "李父", "父亲", "出院后需要服药训练和社交技能训练",
                  "■医疗卫生机构协助申请", "□个人自愿申请", "精神科出院随访", "医院协助人",
                  "■服药训练", "■社交技能训练", "□家庭支持", "■申请人本人",
                  "已核实身份、户籍与诊断证明", "■同意登记", "转介员", people["inst"].name, "■接收", "康复师",
                  context["number"], "7Q4M-K2XD", "第1页共1页"):
        assert flat(value) in text, value
    assert re.fullmatch(rf"JK-APP-{case.id}-\d{{8}}", context["number"])
    assert "男" in text and "1985年06月15日" in text  # read from the 身份证号
    check_text_covered(text)
    assert {OUR_FONT.match(n).group(1) for n in check_fonts(data)} == pdf.PDF_FONT_NAMES  # sans + serif title


def test_blank_application_pdf(app):
    data = render_pdf(render_html(blank_context()))
    text = flat(text_of(data))
    for value in ("转介服务申请表", "受理号", "姓名", "身份证号", "监护人姓名", "□个人自愿申请",
                  "□医疗卫生机构协助申请", "□其他主体协助申请", "□同意登记", "□接收", "承接机构（盖章）",
                  "申请人（监护人）签名", "第1页共1页", *(f"□{item}" for item in SERVICE_ITEMS)):
        assert flat(value) in text, value
    assert "■" not in text and "JK-APP" not in text and "校验码：" not in text
    check_text_covered(text)
    check_fonts(data)


def test_a_fresh_application_has_blank_registration_and_referral(people):
    case = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "王芳", "id_number": application()["applicant"]["id_number"],
        "division_code": "220102", "needs": "家庭支持", "service_types": ["家庭支持", "个案管理"],
        "consent_signer": "applicant"})
    db.session.commit()
    context = application_context(case)
    assert context["registration"]["officer"] == "" and context["referral"]["institution"] == ""
    assert context["other_services"] == "个案管理"  # a wish outside the nine items still prints
    text = flat(text_of(render_document(context)))
    assert "王芳" in text and "■家庭支持" in text and "其他：个案管理" in text
    assert "□同意登记□退回补正□不予登记" in text and "□接收□不接收" in text


def test_the_font_check_sees_a_fallback(app):
    """The checks above catch a character our fonts lack (☐ U+2610: drawn in a system font if one has it,
    as an empty .notdef box if none does), so a silent fallback cannot pass the tests."""
    data = render_pdf('<html lang="zh-CN"><body><p>申请 ☐</p></body></html>')
    assert pdf.uncovered(text_of(data)) == {"☐"}
    with pytest.raises(AssertionError, match="not ours|notdef"):
        check_fonts(data)


EMPTY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""
RENDER = ("import sys; from referral.documents.pdf import render_pdf; "
          "open(sys.argv[2], 'wb').write(render_pdf(open(sys.argv[1], encoding='utf-8').read()))")


def render_without_system_fonts(html: str, tmp_path: Path) -> bytes:
    """Render in a process whose fontconfig sees no font at all, as on a bare server."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(EMPTY_FONTCONFIG.format(cache=tmp_path / "fc-cache"))
    source, target = tmp_path / "doc.html", tmp_path / "doc.pdf"
    source.write_text(html, encoding="utf-8")
    subprocess.run([sys.executable, "-c", RENDER, str(source), str(target)], cwd=PROJECT_ROOT, check=True,
                   env={**os.environ, "FONTCONFIG_FILE": str(conf)}, timeout=120, capture_output=True)
    return target.read_bytes()


def test_no_system_font_is_needed(app, tmp_path):
    """This machine may have CJK fonts installed; a server need not. With none at all, the document is
    the same: our fonts, every character drawn. And a character they lack shows as .notdef."""
    data = render_without_system_fonts(render_html(blank_context()), tmp_path)
    text = text_of(data)
    assert "转介服务申请表" in text and "第1页共1页" in flat(text)
    check_fonts(data)
    missing = render_without_system_fonts('<html lang="zh-CN"><body><p>申请 ☐</p></body></html>', tmp_path)
    with pytest.raises(AssertionError, match="notdef"):
        check_fonts(missing)


def test_field_values_are_text_not_markup(app):
    context = blank_context()
    context["applicant"]["name"] = '李<img src="file:///etc/passwd">明'
    context["needs"] = '<link rel="stylesheet" href="http://example.com/x.css">需求'
    text = flat(text_of(render_document(context)))  # escaped, so nothing is fetched and nothing refused
    assert '李<imgsrc="file:///etc/passwd">明' in text and "x.css\">需求" in text


def test_a_long_application_runs_over_pages(app):
    context = blank_context()
    context["needs"] = "出院后需要服药训练和社交技能训练。" * 200 + "需求到此为止"
    text = flat(text_of(render_document(context)))
    pages = re.findall(r"第(\d+)页共(\d+)页", text)
    assert len(pages) > 1 and pages[-1][0] == pages[-1][1] == str(len(pages))
    body = re.sub(r"转介服务申请表第\d+页共\d+页", "", text)  # each page's running header and footer
    assert body.count("社交技能训练。") == 200 and "需求到此为止" in body  # split across pages, nothing lost


def test_the_context_is_plain_data(referred_case):
    filled, blank = application_context(referred_case), blank_context()
    check_plain(filled)
    check_plain(blank)

    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        return type(value).__name__ if not isinstance(value, list) else "list"

    assert shape(filled) == shape(blank)  # the paper version has every key of the filled one


# --- the fetcher ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://example.com/x.css",
    "https://example.com/x.css",
    "data:text/css,body{color:red}",
    "ftp://example.com/x.css",
    "file://otherhost/etc/passwd",
    pdf.BASE_URL + "../../../../../../etc/passwd",
    pdf.BASE_URL + "does-not-exist.css",
])
def test_the_fetcher_refuses_everything_else(url):
    with pytest.raises(URLRefused):
        StaticOnlyFetcher().fetch(url)


def test_the_fetcher_serves_static_pdf_and_the_fonts():
    fetcher = StaticOnlyFetcher()
    response = fetcher.fetch(pdf.BASE_URL + "forms.css")
    assert response.content_type == "text/css" and b"@page" in response.read()
    for path in pdf.FONT_FAMILIES.values():
        assert fetcher.fetch(path.as_uri()).read(4) == b"OTTO"  # OpenType with CFF outlines


def test_the_fetcher_refuses_a_symlink_out_of_its_folder(tmp_path):
    (tmp_path / "inside.css").write_text("p {}")
    (tmp_path / "escape.css").symlink_to("/etc/passwd")
    fetcher = StaticOnlyFetcher(root=tmp_path, files=())
    assert fetcher.fetch((tmp_path / "inside.css").as_uri()).read() == b"p {}"
    with pytest.raises(URLRefused):
        fetcher.fetch((tmp_path / "escape.css").as_uri())


@pytest.mark.parametrize("html", [
    '<link rel="stylesheet" href="file:///etc/passwd"><p>x</p>',
    '<link rel="stylesheet" href="http://example.com/x.css"><p>x</p>',
    '<style>@import url("http://example.com/x.css");</style><p>x</p>',
    '<img src="file:///etc/passwd">',
    '<img src="http://example.com/x.png">',
    '<p style="background: url(http://example.com/x.png)">x</p>',
    '<style>@font-face { font-family: X; src: url(http://example.com/x.woff) }</style><p style="font-family: X">x</p>',
])
def test_rendering_stops_at_a_refused_url(html):
    # WeasyPrint's FatalURLFetchingError is a BaseException; render_pdf turns it into our DocumentError.
    with pytest.raises(DocumentError, match="refused URL"):
        render_pdf(f'<html lang="zh-CN"><body>{html}</body></html>')


def test_fonts_are_subset_with_harfbuzz():
    assert pdf.fast_font_subsetting(), (
        "install the system package libharfbuzz-subset0: without it a Chinese page takes ~8 s to render")
