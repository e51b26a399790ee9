"""API of the standard documents (docs/domain.md#api-contract):
``GET /api/v1/{cases|institutions|talents}/{id}/documents/{code}`` → ``application/pdf``
(``?assessment_id=`` / ``?follow_up_id=`` where one is meant), and the paper versions."""

from __future__ import annotations

from flask import abort

from forms.documents import DocumentQuery
from referral.api.spec import Binary, operation
from referral.documents import services
from referral.documents.catalog import DOCUMENTS
from referral.documents.queries import SUBJECT_PATHS
from referral.documents.views import pdf_response, public_base_url, requested_target

PDF = Binary("application/pdf")
CODES = ", ".join(f"`{code}`" for code in DOCUMENTS)


def _document(user, subject_type: str, subject_id: int, code: str, query: DocumentQuery):
    target = requested_target(user, subject_type, subject_id, code, query)
    issued = services.issue(target, actor=user, base_url=public_base_url())
    return pdf_response(issued.content, title=target.document.title, number=issued.number, document=issued)


for _plural, _subject_type in SUBJECT_PATHS.items():
    def _view(user, query, code, _subject_type=_subject_type, **ids):
        return _document(user, _subject_type, next(iter(ids.values())), code, query)

    _view.__name__ = f"{_subject_type}_document"
    _view.__module__ = __name__
    operation(f"/{_plural}/<int:{_subject_type}_id>/documents/<code>", "GET", tag="documents", query=DocumentQuery,
              summary="文书 PDF（当前版本：内容或模板变化时签发新版本；签发与下载均记录）",
              description=f"code：{CODES}。响应头 X-Document-Number、X-Document-Version、X-Verification-Code。",
              responses={200: ("PDF 文书", PDF)}, errors=(403, 404, 409))(_view)


@operation("/documents/blank/<code>", "GET", tag="documents", auth=False, summary="空白文书（纸质填写用）",
           responses={200: ("PDF 文书", PDF)}, errors=(404,))
def blank_document(code):
    document = DOCUMENTS.get(code)
    if document is None:
        abort(404)
    return pdf_response(services.blank_pdf(code), title=document.title)
