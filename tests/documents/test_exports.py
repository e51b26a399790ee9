"""Batch export (issue 5): an official exports one document type over their cases as a ZIP, made in the
background with its progress on a page, downloadable when done; only by the one who asked."""

from __future__ import annotations

import csv
import io
import time
import zipfile

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEntry
from referral.cases import services as case_services
from referral.documents import exports
from referral.documents.models import DocumentExport, IssuedDocument
from referral.extensions import db
from tests.documents.pdfcheck import flat, text_of
from tests.helpers import application, csrf_token, login


@pytest.fixture
def two_cases(referred_case, people):
    body = application()
    second = case_services.submit_application(actor=people["officer"], data={
        "channel": "self", "name": "王芳", "id_number": "220102199002020029", "division_code": "220102",
        "needs": "家庭支持", "service_types": ["家庭支持"], "consent_signer": "applicant",
        "phone": body["applicant"]["phone"]})
    db.session.commit()
    return [referred_case, second]


def manifest(archive: zipfile.ZipFile) -> list[list[str]]:
    data = archive.read("manifest.csv").decode("utf-8")
    assert data.startswith("\ufeff")  # Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(data[1:])))


def wait_for(client, export_id: int, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/documents/exports/{export_id}/status").get_json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"export {export_id} still {status} after {timeout} s")


def test_export_in_the_background_with_progress(client, two_cases, people):
    login(client, people["officer"])
    form = client.get("/documents/exports/")
    assert form.status_code == 200 and "转介服务申请表" in form.get_data(as_text=True)
    response = client.post("/documents/exports/", data={"csrf_token": csrf_token(client, "/documents/exports/"),
                                                        "code": "application", "state": ""})
    assert response.status_code == 302
    export_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    page = client.get(f"/documents/exports/{export_id}").get_data(as_text=True)
    assert "<progress" in page and "export-bar" in page and 'aria-live="polite"' in page
    status = wait_for(client, export_id)
    assert status == {"id": export_id, "state": "done", "total": 2, "done": 2, "percent": 100, "error": None,
                      "download_url": f"/documents/exports/{export_id}/download"}
    download = client.get(status["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    rows = db.session.scalars(select(IssuedDocument).order_by(IssuedDocument.subject_id)).all()
    assert sorted(archive.namelist()) == sorted([f"{r.number}.pdf" for r in rows] + ["manifest.csv"])
    assert all(name.isascii() for name in archive.namelist())  # old Windows Explorer garbles UTF-8 names
    names = {r.subject_id: flat(text_of(archive.read(f"{r.number}.pdf"))) for r in rows}
    assert "李明" in names[two_cases[0].id] and "王芳" in names[two_cases[1].id]
    lines = manifest(archive)
    assert lines[0][:4] == ["个案编号", "受理号", "文书", "编号"]
    assert {(line[1], line[3], line[5]) for line in lines[1:]} == {
        (c.receipt_no, r.number, r.printed_code) for c, r in zip(two_cases, rows, strict=True)}
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "document_export")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["document.export_request", "document.export_done", "document.export_download"]
    assert "已完成" in client.get("/documents/exports/").get_data(as_text=True)


def test_an_export_reuses_what_was_issued_and_skips_what_cannot_be_printed(app, two_cases, people):
    first = exports.request_export(actor=people["officer"], code="application", case_ids=[c.id for c in two_cases],
                                   filters={}, base_url="http://jk.test/")
    db.session.commit()  # the queue runs the job once the request that asked for it commits
    assert db.session.get(DocumentExport, first.id).state == "done"
    again = exports.request_export(actor=people["officer"], code="application",
                                   case_ids=[c.id for c in two_cases] + [999999], filters={}, base_url="http://jk.test/")
    db.session.commit()
    done = db.session.get(DocumentExport, again.id)
    assert done.state == "done" and done.done == done.total == 3
    assert db.session.scalar(select(db.func.count(IssuedDocument.id))) == 2  # nothing changed: nothing reissued
    archive = zipfile.ZipFile(exports.zip_path(done))
    lines = manifest(archive)[1:]
    assert [line[6] for line in lines] == ["沿用已签发版本", "沿用已签发版本", "跳过：不在您的范围内"]


def test_cases_without_the_part_are_skipped(app, two_cases, people):
    export = exports.request_export(actor=people["officer"], code="follow_up", case_ids=[two_cases[1].id],
                                    filters={}, base_url="http://jk.test/")
    db.session.commit()
    done = db.session.get(DocumentExport, export.id)
    assert done.state == "done"
    [line] = manifest(zipfile.ZipFile(exports.zip_path(done)))[1:]
    assert line[6].startswith("跳过：") and "回访记录表" in line[6]


def test_a_job_runs_once(app, two_cases, people):
    export = exports.request_export(actor=people["officer"], code="application", case_ids=[two_cases[0].id],
                                    filters={}, base_url="http://jk.test/")
    db.session.commit()  # enqueued and run
    assert db.session.get(DocumentExport, export.id).state == "done"
    exports.run_export_task(export.id)  # enqueued again (a retry, a second consumer): the claim refuses it
    assert exports.run_export(export.id, workers=1) is None
    db.session.expire_all()
    assert db.session.get(DocumentExport, export.id).state == "done"
    assert db.session.scalar(select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "document.export_done", AuditEntry.object_id == str(export.id))) == 1


def test_a_failing_export_ends_failed_with_its_reason(app, two_cases, people, monkeypatch):
    from referral.documents import pdf

    def broken(htmls, workers=None):
        raise pdf.DocumentError("font file missing")

    monkeypatch.setattr(pdf, "render_many", broken)  # stands in for a broken server, not for our code's logic
    export = exports.request_export(actor=people["officer"], code="application", case_ids=[two_cases[0].id],
                                    filters={}, base_url="http://jk.test/")
    db.session.commit()
    failed = db.session.get(DocumentExport, export.id)
    assert failed.state == "failed" and "font file missing" in failed.error and exports.zip_path(failed) is None
    assert db.session.scalar(select(db.func.count(IssuedDocument.id))) == 0  # rolled back with the job


def test_exports_belong_to_who_asked(client, two_cases, people):
    export = exports.request_export(actor=people["officer"], code="application", case_ids=[two_cases[0].id],
                                    filters={}, base_url="http://jk.test/")
    db.session.commit()
    for someone in (people["staff"], people["county"], people["other_officer"]):
        login(client, someone)
        for suffix in ("", "/status", "/download"):
            assert client.get(f"/documents/exports/{export.id}{suffix}").status_code == 404


def test_nothing_to_export_is_a_form_error(client, two_cases, people):
    login(client, people["officer"])
    token = csrf_token(client, "/documents/exports/")
    response = client.post("/documents/exports/", data={"csrf_token": token, "code": "application",
                                                        "state": "completed"})
    assert response.status_code == 422 and "没有个案可导出" in response.get_data(as_text=True)
    response = client.post("/documents/exports/", data={"csrf_token": token, "code": "service_pledge"})
    assert response.status_code == 422
    assert db.session.scalar(select(db.func.count(DocumentExport.id))) == 0
