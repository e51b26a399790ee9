"""pdf.render_many: many documents' HTML to PDFs, in a pool of worker processes (the batch ZIP export).

Assertions are on what a reader gets (the text pypdf extracts, the fonts embedded), as in test_pdf.py."""

from __future__ import annotations

import io
import itertools

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from referral.documents import pdf
from referral.documents.pdf import DocumentError, URLRefused, render_many, render_pdf
from tests.documents.pdfcheck import OUR_FONT, check_fonts, flat, text_of

PAGES = {
    "甲": '<html lang="zh-CN"><body><h1 class="doc-title">保密承诺书</h1><p>第一份：张三 {n}</p></body></html>',
    "乙": '<html lang="zh-CN"><body><h1 class="doc-title">服务协议</h1><p>第二份：李四 {n}</p></body></html>',
    "丙": '<html lang="zh-CN"><body><h1 class="doc-title">回访记录表</h1><p>第三份：王五 {n}</p></body></html>',
}
#: Many pages: it takes several times as long as the others, so it would come back last if the
#: results were yielded as they finish.
LONG = ('<html lang="zh-CN"><body><h1 class="doc-title">基本情况档案</h1>'
        + "<p>长文书的一段正文，用来让这份文书比其他的慢得多。</p>" * 400 + "<p>长文书到此为止</p></body></html>")
REFUSED = '<html lang="zh-CN"><body><p>外部图片</p><img src="http://example.com/x.png"></body></html>'


def page(name: str, n: int = 0) -> str:
    return PAGES[name].format(n=n)


def test_pdfs_come_back_in_order_from_the_pool():
    htmls = [LONG, page("甲"), page("乙"), page("丙"), page("甲", 4)]
    pdfs = list(render_many(htmls, workers=2))
    assert len(pdfs) == 5
    texts = [flat(text_of(data)) for data in pdfs]
    assert "基本情况档案" in texts[0] and "长文书到此为止" in texts[0] and "张三" not in texts[0]
    assert "保密承诺书" in texts[1] and "第一份：张三0" in texts[1] and "李四" not in texts[1]
    assert "服务协议" in texts[2] and "第二份：李四0" in texts[2] and "张三" not in texts[2]
    assert "回访记录表" in texts[3] and "第三份：王五0" in texts[3]
    assert "第一份：张三4" in texts[4]
    for data in pdfs:
        assert data.startswith(b"%PDF-")
        assert {OUR_FONT.match(name).group(1) for name in check_fonts(data)} == pdf.PDF_FONT_NAMES


def test_a_refused_url_stops_the_batch_with_a_document_error():
    batch = render_many([page("甲"), REFUSED, page("丙")], workers=2)
    assert "张三" in text_of(next(batch))  # the documents before the bad one are delivered
    with pytest.raises(DocumentError, match="refused URL"):
        next(batch)


def test_one_worker_renders_in_this_process():
    pdfs = list(render_many([page("乙"), page("丙")], workers=1))
    assert ["李四" in text_of(pdfs[0]), "王五" in text_of(pdfs[1])] == [True, True]
    with pytest.raises(DocumentError, match="refused URL") as caught:
        list(render_many([REFUSED], workers=1))
    assert isinstance(caught.value.__cause__, URLRefused)  # raised here, not in a worker: the cause is ours


def test_a_single_document_renders_in_this_process():
    # A pool would only add its start-up; here too the error's cause shows where it was raised.
    assert "王五" in text_of(next(render_many([page("丙")], workers=2)))
    with pytest.raises(DocumentError, match="refused URL") as caught:
        list(render_many([REFUSED], workers=2))
    assert isinstance(caught.value.__cause__, URLRefused)


def test_the_input_is_read_as_the_workers_need_it():
    """A generator of HTML is not read to its end before the first PDF comes back (the export renders
    each snapshot's HTML as it goes), and stopping early ends the pool."""
    asked = []

    def endless():
        for n in itertools.count():
            asked.append(n)
            yield page("甲", n)

    batch = render_many(endless(), workers=2)
    first_three = list(itertools.islice(batch, 3))
    batch.close()
    assert ["张三0" in flat(text_of(first_three[0])), "张三2" in flat(text_of(first_three[2]))] == [True, True]
    assert len(asked) <= 3 + 2 * 2  # at most two documents a worker ahead


def test_the_workers_are_not_forked_from_the_caller():
    # The caller is a Flask app with database connections and threads: a fork would copy them.
    assert pdf._pool_context().get_start_method() in ("forkserver", "spawn")


def test_workers_must_be_positive():
    with pytest.raises(ValueError):
        render_many([page("甲")], workers=0)


def test_fonts_are_embedded_by_the_fast_path():
    """pdf.py subsets our fonts itself (one HarfBuzz pass, no vertical metrics) and deflates them; under a
    WeasyPrint other than the one it was written for it leaves that to WeasyPrint (~100 ms slower a
    document). This fails then, so that the code is updated, not silently slower."""
    reader = PdfReader(io.BytesIO(render_pdf(page("乙", 7))))
    embedded = {}
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        data = descriptor["/FontFile3"].get_object().get_data()
        embedded[OUR_FONT.match(str(font["/BaseFont"])).group(1)] = TTFont(io.BytesIO(data))
    assert set(embedded) == pdf.PDF_FONT_NAMES
    for font in embedded.values():
        assert "CFF " in font and "hmtx" in font and "vmtx" not in font and "VORG" not in font
