"""Issuing documents (issue 5): kept bytes and versions, the verification code and QR code, the public
verification page, who may issue what, and the API of docs/domain.md#api-contract. Through the real pages and API."""

from __future__ import annotations

import hashlib
import io
import re

import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import select, text, update

from referral.audit.models import AuditEntry
from referral.documents import services
from referral.documents.models import IssuedDocument
from referral.extensions import db
from tests.documents.pdfcheck import check_fonts, flat, text_of
from tests.helpers import bearer, csrf_token, login


def issued_rows():
    return db.session.scalars(select(IssuedDocument).order_by(IssuedDocument.id)).all()


def qr_texts(data: bytes) -> list[str]:
    """What a phone reads from the QR codes on the first page."""
    page = pypdfium2.PdfDocument(data)[0]
    image = page.render(scale=4).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def download(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return response


def test_the_same_document_twice_is_the_same_bytes(client, referred_case, people):
    login(client, people["officer"])
    url = f"/cases/{referred_case.id}/documents/application"
    first = download(client, url)
    second = download(client, url)
    assert first.data == second.data  # not rendered again: the kept bytes
    [row] = issued_rows()
    assert row.version == 1 and row.sha256 == hashlib.sha256(first.data).hexdigest() and row.size == len(first.data)
    assert row.subject_type == "case" and row.subject_id == referred_case.id and row.subject_state == "assessing"
    assert row.issued_by_id == people["officer"].id and row.template_version and len(row.template_version) == 12
    assert first.headers["X-Document-Number"] == row.number and row.number.endswith("-1")
    assert first.headers["Cache-Control"] == "no-store"
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("document.%"))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["document.issue", "document.download"]
    # The printed document carries its number, its code and a QR code to the public page.
    body = flat(text_of(first.data))
    assert row.number in body and row.printed_code in body
    assert qr_texts(first.data) == [f"http://localhost/verify/{row.printed_code}"]
    check_fonts(first.data)


def test_a_change_issues_a_new_version_and_the_old_one_still_downloads(client, referred_case, people):
    login(client, people["staff"])
    url = f"/cases/{referred_case.id}/documents/application"
    first = download(client, url)
    referred_case.applicant_address = "南关区幸福街9号"  # a corrected address: the snapshot changes
    db.session.commit()
    login(client, people["officer"])
    second = download(client, url)
    old, new = issued_rows()
    assert (old.version, new.version) == (1, 2) and old.verification_code != new.verification_code
    assert "幸福街9号" in flat(text_of(second.data)) and "幸福街8号" in flat(text_of(first.data))
    assert download(client, f"/documents/{old.id}").data == first.data
    assert download(client, f"/documents/{new.id}").data == second.data


def test_reissue_makes_a_new_version_and_the_page_says_a_newer_one_exists(client, referred_case, people):
    login(client, people["officer"])
    url = f"/cases/{referred_case.id}/documents/application"
    download(client, url)
    response = client.post(url + "/reissue", data={"csrf_token": csrf_token(client, f"/cases/{referred_case.id}")})
    old, new = issued_rows()
    assert response.status_code == 302 and response.location.endswith(f"/documents/{new.id}")
    assert new.version == 2 and new.snapshot_sha256 == old.snapshot_sha256
    page = client.get(f"/verify/{old.printed_code}").get_data(as_text=True)
    assert "真实" in page and old.number in page and "已有更新版本（第 2 版" in page


def test_the_verification_page(client, referred_case, people):
    login(client, people["officer"])
    download(client, f"/cases/{referred_case.id}/documents/application")
    [row] = issued_rows()
    client.get("/logout")
    anonymous = client.application.test_client()
    for typed in (row.printed_code, row.verification_code.lower(), " " + row.printed_code.replace("-", " ") + " "):
        response = anonymous.get("/verify", query_string={"code": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "真实" in page and row.number in page and row.sha256 in page
        # No personal data: not the name, not the ID number, not the receipt number, not the issuer.
        for secret in ("李明", referred_case.applicant_id_number, referred_case.receipt_no, "转介员"):
            assert secret not in page
    made_up = anonymous.get("/verify/ABCD-EFGH-JKMN-PQRS")
    assert made_up.status_code == 200 and "未找到" in made_up.get_data(as_text=True)
    assert "真实" not in made_up.get_data(as_text=True)
    garbage = anonymous.get("/verify", query_string={"code": "not a code"})
    assert garbage.status_code == 422 and "16 位" in garbage.get_data(as_text=True)
    assert anonymous.get("/verify").status_code == 200  # the empty form


def test_codes_are_read_forgivingly():
    assert services.normalise_code("abcd-efgh-jkmn-pqrs") == "ABCDEFGHJKMNPQRS"
    assert services.normalise_code("O0IL 1111 2222 3333") == "0011111122223333"  # O→0, I/L→1 as Crockford says
    assert services.normalise_code("ABCD-EFGH-JKMN-PQR") is None  # 15 characters
    assert services.normalise_code("ABCD-EFGH-JKMN-PQRU") is None  # U is not in the alphabet
    codes = {services.new_verification_code() for _ in range(200)}
    assert len(codes) == 200 and all(services.normalise_code(c) == c for c in codes)


def test_issued_documents_are_append_only(client, referred_case, people):
    login(client, people["officer"])
    download(client, f"/cases/{referred_case.id}/documents/application")
    [row] = issued_rows()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(update(IssuedDocument).where(IssuedDocument.id == row.id).values(size=1))
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("DELETE FROM issued_documents"))
    db.session.rollback()
    assert len(issued_rows()) == 1


def test_who_may_issue(client, referred_case, people):
    url = f"/cases/{referred_case.id}/documents/application"
    login(client, people["county"])  # sees the case, may not print the full identity
    assert client.get(url).status_code == 403
    login(client, people["other_officer"])  # another county: the case does not exist for them
    assert client.get(url).status_code == 404
    login(client, people["hospital"])  # entered the application: prints it for the family to sign
    assert client.get(url).status_code == 200
    assert client.get(f"/cases/{referred_case.id}/documents/basic_file").status_code == 403
    assert [r.issued_by_id for r in issued_rows()] == [people["hospital"].id]
    issued = issued_rows()[0]
    login(client, people["county"])
    assert client.get(f"/documents/{issued.id}").status_code == 403
    login(client, people["other_officer"])
    assert client.get(f"/documents/{issued.id}").status_code == 404
    assert client.get("/documents/999999").status_code == 404


def test_unknown_codes_and_parameters(client, referred_case, people):
    login(client, people["officer"])
    base = f"/cases/{referred_case.id}/documents"
    assert client.get(f"{base}/no_such_document").status_code == 404
    assert client.get(f"{base}/service_pledge").status_code == 404  # an institution's document, not a case's
    response = client.get(f"{base}/application", query_string={"follow_up_id": 1})
    assert response.status_code == 422


def test_the_api(client, referred_case, people):
    headers = bearer(people["officer"])
    url = f"/api/v1/cases/{referred_case.id}/documents/application"
    response = client.get(url, headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-") and "李明" in text_of(response.data)
    assert client.get(url, headers=headers).data == response.data
    assert response.headers["X-Verification-Code"] == issued_rows()[0].printed_code
    bad = client.get(url, headers=headers, query_string={"assessment_id": "x"})
    assert bad.status_code == 422 and "assessment_id" in bad.get_json()["error"]["fields"]
    wrong = client.get(url, headers=headers, query_string={"follow_up_id": 3})
    assert wrong.status_code == 422 and "follow_up_id" in wrong.get_json()["error"]["fields"]
    missing = client.get(f"/api/v1/cases/{referred_case.id}/documents/nope", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"]
    assert client.get("/api/v1/cases/999999/documents/application", headers=headers).status_code == 404
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(people["county"])).status_code == 403
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/cases/{case_id}/documents/{code}"]["get"]
    assert operation["responses"]["200"]["content"] == {"application/pdf": {"schema": {"type": "string",
                                                                                       "format": "binary"}}}
    assert {p["name"] for p in operation["parameters"]} >= {"case_id", "code", "assessment_id", "follow_up_id"}


def test_blank_documents_are_public(client):
    listing = client.get("/documents/blank/")
    assert listing.status_code == 200 and "转介服务申请表" in listing.get_data(as_text=True)
    response = client.get("/documents/blank/application.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = flat(text_of(response.data))
    assert "转介服务申请表" in body and "■" not in body and "校验码：" not in body
    assert client.get("/api/v1/documents/blank/application").data == response.data  # rendered once per process
    assert client.get("/documents/blank/nope.pdf").status_code == 404
    assert client.get("/api/v1/documents/blank/nope").status_code == 404
    assert db.session.scalar(select(IssuedDocument.id)) is None  # a paper form is not an issued document


def test_the_case_page_offers_its_documents(client, referred_case, people):
    login(client, people["officer"])
    page = client.get(f"/cases/{referred_case.id}").get_data(as_text=True)
    assert f"/cases/{referred_case.id}/documents/application" in page and "尚未签发" in page
    download(client, f"/cases/{referred_case.id}/documents/application")
    page = client.get(f"/cases/{referred_case.id}").get_data(as_text=True)
    [row] = issued_rows()
    assert f"/documents/{row.id}" in page and row.printed_code in page and "重新签发" in page
    login(client, people["county"])  # may not issue: no panel
    assert "/documents/application" not in client.get(f"/cases/{referred_case.id}").get_data(as_text=True)


def test_the_number_distinguishes_versions_of_one_day(referred_case, people):
    target = services.target_for("application", "case", referred_case)
    one = services.issue(target, actor=people["officer"], base_url="https://jk.example.gov.cn/")
    two = services.issue(target, actor=people["officer"], base_url="https://jk.example.gov.cn/", reissue=True)
    assert one.number != two.number and re.fullmatch(rf"JK-APP-{referred_case.id}-\d{{8}}-2", two.number)
    assert qr_texts(two.content) == [f"https://jk.example.gov.cn/verify/{two.printed_code}"]
    assert io.BytesIO(two.content).read(5) == b"%PDF-"


def test_all_seven_from_the_api_filled_and_blank(client, served_case, people):
    """Done-when of issue 5: every template downloads through the API, filled and blank."""
    from referral.cases.models import Assessment, FollowUp

    assessment = db.session.scalars(select(Assessment).where(Assessment.case_id == served_case.id)
                                    .order_by(Assessment.id)).first()
    follow_up = db.session.scalars(select(FollowUp).where(FollowUp.case_id == served_case.id,
                                                          FollowUp.done_at.is_not(None))).first()
    staff, county = bearer(people["staff"]), bearer(people["county"])
    inst = people["inst"]
    wanted = [
        (f"/api/v1/cases/{served_case.id}/documents/application", staff, "转介服务申请表", "李明"),
        (f"/api/v1/cases/{served_case.id}/documents/basic_file", staff, "基本情况档案", "李明"),
        (f"/api/v1/cases/{served_case.id}/documents/service_agreement", staff, "服务协议", inst.name),
        (f"/api/v1/cases/{served_case.id}/documents/assessment?assessment_id={assessment.id}", staff, "康复评估表",
         "综合评估"),
        (f"/api/v1/cases/{served_case.id}/documents/follow_up?follow_up_id={follow_up.id}", staff, "回访记录表",
         "本人及父亲"),
        (f"/api/v1/institutions/{inst.id}/documents/service_pledge", county, "服务承诺书", inst.name),
        (f"/api/v1/institutions/{inst.id}/documents/confidentiality_pledge", county, "保密承诺书", inst.name),
    ]
    for url, headers, title, value in wanted:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        body = flat(text_of(response.data))
        assert flat(title) in body and flat(value) in body and response.headers["X-Verification-Code"] in body, url
    codes = {row.code for row in issued_rows()}
    assert codes == {"application", "basic_file", "service_agreement", "assessment", "follow_up", "service_pledge",
                     "confidentiality_pledge"}
    for code, title in (("application", "转介服务申请表"), ("basic_file", "基本情况档案"), ("service_agreement", "服务协议"),
                        ("assessment", "康复评估表"), ("follow_up", "回访记录表"), ("service_pledge", "服务承诺书"),
                        ("confidentiality_pledge", "保密承诺书")):
        blank = client.get(f"/api/v1/documents/blank/{code}")
        assert blank.status_code == 200 and blank.mimetype == "application/pdf"
        body = flat(text_of(blank.data))
        assert flat(title) in body and "■" not in body and "校验码：" not in body, code


def test_the_template_version_follows_what_a_template_extends(app, tmp_path):
    """Changing the shared pledge layout must change both pledges' template version (not the others')."""
    from jinja2 import ChoiceLoader, DictLoader

    from referral.documents.catalog import template_version

    before = {code: template_version(code) for code in ("service_pledge", "confidentiality_pledge", "application")}
    source, _, _ = app.jinja_env.loader.get_source(app.jinja_env, "pdf/_pledge.html")
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({"pdf/_pledge.html": source + "\n{# changed #}"}), original])
    try:
        after = {code: template_version(code) for code in before}
    finally:
        app.jinja_env.loader = original
    assert after["service_pledge"] != before["service_pledge"]
    assert after["confidentiality_pledge"] != before["confidentiality_pledge"]
    assert after["application"] == before["application"]


def test_the_verification_page_is_rate_limited(client):
    """80 random bits are not guessable; the limit keeps anyone from trying many codes quickly anyway."""
    statuses = [client.get(f"/verify/ABCD-EFGH-JKMN-{i:04d}").status_code for i in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
