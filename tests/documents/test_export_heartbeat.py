"""Issue 13.8: a batch export whose worker died does not stay "running" for ever. A running job writes its
heartbeat; a periodic job queues a silent one again once, and fails it the second time. The clock is
travelled (the platform's ``utcnow``), not waited for."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import referral.models
from referral.audit.models import AuditEntry
from referral.documents import exports
from referral.documents.models import DocumentExport
from referral.extensions import db

T0 = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


@pytest.fixture
def travel(monkeypatch):
    moment = {"now": T0}

    class Travelled(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment["now"].astimezone(tz) if tz else moment["now"].replace(tzinfo=None)

    monkeypatch.setattr(referral.models, "datetime", Travelled)

    def to(when: datetime) -> None:
        moment["now"] = when

    return to


@pytest.fixture
def abandoned(referred_case, people, travel):
    """A job a worker claimed at T0 and then died on: running, its heartbeat at T0."""
    officer = people["officer"]
    export = DocumentExport(code="application", requested_by_id=officer.id, division_code=officer.division_code,
                            filters={}, case_ids=[referred_case.id], base_url="http://jk.test/", total=1)
    db.session.add(export)
    db.session.commit()
    claimed = exports.claim(export.id)
    assert claimed.state == "running" and claimed.heartbeat_at == T0 and claimed.attempts == 1
    return export.id


def _reap_at(travel, when):
    travel(when)
    exports.reap_stale_exports_often()  # the periodic task, run now (the test queue runs what is enqueued at once)
    db.session.expire_all()


def _actions(export_id):
    return db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "document_export",
                                                              AuditEntry.object_id == str(export_id))
                              .order_by(AuditEntry.id)).all()


def test_a_beating_job_is_left_alone(app, abandoned, travel):
    _reap_at(travel, T0 + timedelta(minutes=9, seconds=59))
    export = db.session.get(DocumentExport, abandoned)
    assert export.state == "running" and export.attempts == 1 and _actions(abandoned) == []


def test_a_silent_job_is_queued_again_and_then_done(app, abandoned, travel):
    _reap_at(travel, T0 + timedelta(minutes=10, seconds=1))
    export = db.session.get(DocumentExport, abandoned)
    # Queued again and, the queue running tasks as they come, run by a new attempt to the end.
    assert export.state == "done" and export.attempts == 2 and export.file_name == f"export-{abandoned}-2.zip"
    assert export.heartbeat_at == T0 + timedelta(minutes=10, seconds=1)
    assert zipfile.ZipFile(exports.zip_path(export)).namelist()[-1] == "manifest.csv"
    assert _actions(abandoned) == ["document.export_requeue", "document.export_done"]


def test_a_job_silent_on_its_second_attempt_fails(app, abandoned, travel):
    export = db.session.get(DocumentExport, abandoned)
    export.attempts = exports.MAX_ATTEMPTS  # its second worker died too
    db.session.commit()
    _reap_at(travel, T0 + timedelta(hours=1))
    export = db.session.get(DocumentExport, abandoned)
    assert export.state == "failed" and export.finished_at == T0 + timedelta(hours=1)
    assert "中断" in export.error and exports.zip_path(export) is None
    assert _actions(abandoned) == ["document.export_fail"]


def test_the_timeout_is_a_setting(app, abandoned, travel):
    app.config["EXPORT_HEARTBEAT_TIMEOUT"] = 3600
    _reap_at(travel, T0 + timedelta(minutes=30))
    assert db.session.get(DocumentExport, abandoned).state == "running"
    _reap_at(travel, T0 + timedelta(minutes=61))
    assert db.session.get(DocumentExport, abandoned).state == "done"


def test_a_runner_taken_for_dead_stops_without_touching_the_job(app, referred_case, people, travel, monkeypatch):
    """The first worker was only slow: while it renders, ten minutes pass, the job is queued again and a
    second attempt makes the ZIP. When the first one resumes it finds the job taken over and leaves it."""
    from referral.documents import pdf

    real, calls = pdf.render_many, []

    def slow_first_time(htmls, workers=None):  # stands in for a render that hangs, not for our code's logic
        calls.append(1)
        if len(calls) == 1:
            travel(T0 + timedelta(minutes=11))
            exports.reap_stale_exports_often()
        return real(htmls, workers=workers)

    monkeypatch.setattr(pdf, "render_many", slow_first_time)
    officer = people["officer"]
    export = DocumentExport(code="application", requested_by_id=officer.id, division_code=officer.division_code,
                            filters={}, case_ids=[referred_case.id], base_url="http://jk.test/", total=1)
    db.session.add(export)
    db.session.commit()
    assert exports.run_export(export.id, workers=1) is None  # the first attempt stops
    db.session.expire_all()
    done = db.session.get(DocumentExport, export.id)
    assert done.state == "done" and done.attempts == 2 and len(calls) == 2
    assert exports.zip_path(done).name == f"export-{export.id}-2.zip"
    assert not (exports.export_root() / f"export-{export.id}.zip").exists()
    assert _actions(export.id) == ["document.export_requeue", "document.export_done"]
