"""Rendering documents ahead (issue 14.4, docs/domain.md#rendered-ahead): a case event or edit has the queue render
the documents whose data changed, so the first download issues stored bytes and renders nothing; those
bytes carry the right number, date and verification code, the issue is the person's (audited), the render
itself reveals nothing; and a download that finds nothing current renders, as before.

Real renders on the immediate queue. "Renders nothing" is counted where WeasyPrint is called
(``pdf.render_count``), not by replacing any of our code."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import datetime, timedelta

import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import select

import referral.calendar
from referral.audit.models import AuditEntry
from referral.calendar import today_in_china
from referral.cases import services as case_services
from referral.documents import exports, pdf, prerender
from referral.documents.models import IssuedDocument, RenderedDocument
from referral.extensions import db
from tests.documents.pdfcheck import flat, text_of
from tests.helpers import bearer, csrf_token, login

ASSESSMENT = {"risk_grade": 1, "insight": "partial", "sdss": 8, "plan": "服药训练每周两次"}


@pytest.fixture
def prerendering(app):
    app.config["DOCUMENT_PRERENDER"] = True
    yield app
    app.config["DOCUMENT_PRERENDER"] = False


@pytest.fixture
def public_url(app):
    """Where the QR codes point when a change is made outside a request (here: by calling the services)."""
    app.config["PUBLIC_URL"] = "http://localhost/"
    yield app
    app.config["PUBLIC_URL"] = None


def qr_texts(data: bytes) -> list[str]:
    """What a phone reads from the QR codes of every page (the assessment's is on its last)."""
    found = []
    for page in pypdfium2.PdfDocument(data):
        found += [barcode.text for barcode in zxingcpp.read_barcodes(page.render(scale=4).to_pil())]
    return found


def ahead() -> dict[str, RenderedDocument]:
    db.session.expire_all()
    return {row.code: row for row in db.session.scalars(select(RenderedDocument))}


def document_actions() -> list[tuple[str, int | None, dict]]:
    return [(e.action, e.actor_id, e.summary) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("document.%")).order_by(AuditEntry.id))]


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def test_an_event_renders_ahead_and_the_first_download_renders_nothing(client, referred_case, people, prerendering):
    renders = pdf.render_count()
    # The event through the API (no PUBLIC_URL: the QR codes point where the request came from).
    response = client.post(f"/api/v1/cases/{referred_case.id}/events", headers=bearer(people["staff"]),
                           json={"event": "assess", "result": "suitable", "assessment": ASSESSMENT})
    assert response.status_code == 200, response.get_json()
    # The case documents the case has data for, each once; no agreement or follow-up yet.
    rows = ahead()
    assert set(rows) == {"application", "basic_file", "assessment"}
    assert pdf.render_count() == renders + 3
    # Rendering ahead issued nothing and recorded no one's reveal.
    assert db.session.scalars(select(IssuedDocument)).all() == [] and document_actions() == []
    reserved = rows["assessment"]
    db.session.expunge(reserved)  # kept as it was: the download deletes the row
    assert reserved.version == 1 and reserved.issued_on == today_in_china()
    assert reserved.number == f"JK-ASM-{reserved.part_id}-{today_in_china():%Y%m%d}-1"
    # Nobody can verify a code that was never handed out.
    assert "未找到" in client.get(f"/verify/{reserved.verification_code}").get_data(as_text=True)

    login(client, people["staff"])
    renders = pdf.render_count()
    first = download(client, f"/cases/{referred_case.id}/documents/assessment")
    assert pdf.render_count() == renders  # stored bytes, no render
    [issued] = db.session.scalars(select(IssuedDocument)).all()
    assert first.data == issued.content and issued.sha256 == hashlib.sha256(first.data).hexdigest()
    assert issued.sha256 == reserved.sha256 and issued.verification_code == reserved.verification_code
    assert (issued.version, issued.number) == (1, reserved.number) and issued.issued_by_id == people["staff"].id
    assert first.headers["X-Verification-Code"] == issued.printed_code
    # What is printed is what was issued: its number, its date, its code, a QR code to the public page.
    body = flat(text_of(first.data))
    assert issued.number in body and issued.printed_code in body and f"{today_in_china():%Y}年" in body
    assert qr_texts(first.data) == [f"http://localhost/verify/{issued.printed_code}"]
    # The issue is the person's, as always, and says its bytes were rendered ahead; the row is used up.
    assert document_actions() == [("document.issue", people["staff"].id,
                                   {"document": "assessment", "number": issued.number, "version": 1,
                                    "rendered_ahead": True})]
    assert "assessment" not in ahead() and {"application", "basic_file"} <= set(ahead())
    page = client.get(f"/verify/{issued.printed_code}").get_data(as_text=True)
    assert "真实" in page and issued.number in page
    # Again: the issued version, no render, a download recorded.
    assert download(client, f"/cases/{referred_case.id}/documents/assessment").data == first.data
    assert pdf.render_count() == renders and document_actions()[-1][0] == "document.download"


def test_only_what_changed_is_rendered_again(app, referred_case, people, prerendering, public_url):
    app.config["PUBLIC_URL"] = "https://jk.example.gov.cn"
    renders = pdf.render_count()
    case_services.advance_case(referred_case, actor=people["staff"], event="assess", result="suitable",
                               assessment=dict(ASSESSMENT))
    db.session.commit()
    assert pdf.render_count() == renders + 3
    first = {code: (row.verification_code, row.snapshot_sha256) for code, row in ahead().items()}
    assert ahead()["application"].base_url == "https://jk.example.gov.cn"
    # Asked again with nothing changed (a burst of triggers): nothing rendered.
    assert prerender.prerender_subject("case", referred_case.id, base_url="https://jk.example.gov.cn") == {
        "application": "ahead", "basic_file": "ahead", "assessment": "ahead"}
    assert pdf.render_count() == renders + 3
    # An edit of the person's record changes the application and the basic file, not the assessment.
    case_services.update_person(referred_case, actor=people["staff"], data={"person": {"ethnicity": "02"}})
    db.session.commit()
    assert pdf.render_count() == renders + 5
    second = {code: (row.verification_code, row.snapshot_sha256) for code, row in ahead().items()}
    assert second["assessment"] == first["assessment"]
    for code in ("application", "basic_file"):
        assert second[code][0] != first[code][0] and second[code][1] != first[code][1]


def test_a_download_with_nothing_current_ahead_renders_as_before(client, referred_case, people, prerendering,
                                                                 public_url):
    # Rendering ahead off when the data changed (or not done yet): the download renders.
    prerendering.config["DOCUMENT_PRERENDER"] = False
    case_services.update_person(referred_case, actor=people["officer"], data={"person": {"ethnicity": "02"}})
    db.session.commit()
    assert ahead() == {}
    login(client, people["officer"])
    renders = pdf.render_count()
    url = f"/cases/{referred_case.id}/documents/application"
    response = download(client, url)
    assert pdf.render_count() == renders + 1
    [issued] = db.session.scalars(select(IssuedDocument)).all()
    assert response.data == issued.content and issued.printed_code in flat(text_of(response.data))
    assert [a for a, _, _ in document_actions()] == ["document.issue"]
    assert "rendered_ahead" not in document_actions()[0][2]

    # Rendered ahead, then the data changed again without it being rendered: the stale bytes are not used.
    prerendering.config["DOCUMENT_PRERENDER"] = True
    case_services.update_person(referred_case, actor=people["officer"], data={"person": {"ethnicity": "03"}})
    db.session.commit()
    stale = ahead()["application"]
    db.session.expunge(stale)
    assert stale.version == 2
    referred_case.applicant_address = "南关区幸福街9号"  # changed behind the hook's back
    db.session.commit()
    renders = pdf.render_count()
    response = download(client, url)
    assert pdf.render_count() == renders + 1
    newest = db.session.scalars(select(IssuedDocument).order_by(IssuedDocument.version.desc())).first()
    assert newest.version == 2 and newest.verification_code != stale.verification_code
    assert "幸福街9号" in flat(text_of(response.data)) and response.data == newest.content
    assert "application" not in ahead()  # issuing version 2 dropped the stale render of version 2


def test_a_render_of_another_day_is_not_used(client, referred_case, people, prerendering, public_url, monkeypatch):
    case_services.update_person(referred_case, actor=people["officer"], data={"person": {"ethnicity": "02"}})
    db.session.commit()
    yesterday = ahead()["application"]
    db.session.expunge(yesterday)
    tomorrow = datetime.now(referral.calendar.CHINA_TZ) + timedelta(days=1)

    class Tomorrow(datetime):
        @classmethod
        def now(cls, tz=None):
            return tomorrow.astimezone(tz) if tz else tomorrow.replace(tzinfo=None)

    monkeypatch.setattr(referral.calendar, "datetime", Tomorrow)
    login(client, people["officer"])
    renders = pdf.render_count()
    response = download(client, f"/cases/{referred_case.id}/documents/application")
    assert pdf.render_count() == renders + 1  # its date would be wrong: rendered now
    [issued] = db.session.scalars(select(IssuedDocument)).all()
    assert issued.number.endswith(f"-{tomorrow:%Y%m%d}-1") and issued.number != yesterday.number
    assert issued.number in flat(text_of(response.data))
    # The nightly job drops what an earlier day rendered.
    case_services.update_person(referred_case, actor=people["officer"], data={"person": {"ethnicity": "03"}})
    db.session.commit()
    assert ahead()["basic_file"].issued_on == tomorrow.date()
    db.session.add(RenderedDocument(**{c: getattr(yesterday, c) for c in (
        "code", "subject_type", "part_id", "version", "number", "verification_code", "issued_on", "base_url",
        "template_version", "snapshot_sha256", "sha256", "size")}, content=b"%PDF-", subject_id=referred_case.id + 1))
    db.session.commit()
    assert prerender.drop_stale_renders() == 1
    db.session.commit()
    assert all(row.issued_on == tomorrow.date() for row in ahead().values())


def test_an_export_uses_what_was_rendered_ahead(client, referred_case, people, prerendering, public_url):
    case_services.update_person(referred_case, actor=people["officer"], data={"person": {"ethnicity": "02"}})
    db.session.commit()
    reserved = ahead()["application"]
    db.session.expunge(reserved)
    login(client, people["officer"])
    renders = pdf.render_count()
    response = client.post("/documents/exports/", data={"csrf_token": csrf_token(client, "/documents/exports/"),
                                                        "code": "application", "state": ""})
    assert response.status_code == 302
    assert pdf.render_count() == renders  # the export rendered nothing
    [export] = db.session.scalars(select(exports.DocumentExport)).all()
    archive = zipfile.ZipFile(io.BytesIO(exports.zip_path(export).read_bytes()))
    [issued] = db.session.scalars(select(IssuedDocument)).all()
    assert archive.read(f"{reserved.number}.pdf") == issued.content
    assert issued.verification_code == reserved.verification_code and issued.issued_by_id == people["officer"].id
