"""The task queue (referral/tasks.py, issue 11.4) with real consumers: a SQLite-backed store (the embedded
default, consumer threads in the web process) and Redis (production, a consumer of its own). A batch export
asked for on the page is done by the consumer, not by the request; a rolled-back request enqueues nothing;
the export's ZIP expires after EXPORT_KEEP_DAYS."""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from referral import tasks
from referral.documents import exports
from referral.documents.models import DocumentExport
from referral.extensions import db
from referral.models import utcnow
from tests.documents.test_exports import two_cases  # noqa: F401  (the fixture)
from tests.helpers import csrf_token, login

REDIS_URL = os.environ.get("TEST_REDIS_URL")


def _ask_for_export(client, officer) -> int:
    login(client, officer)
    response = client.post("/documents/exports/", data={"csrf_token": csrf_token(client, "/documents/exports/"),
                                                        "code": "application", "state": ""})
    assert response.status_code == 302
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def _state_of(export_id: int, *, wait: float = 0) -> str:
    deadline = time.monotonic() + wait
    while True:
        db.session.expire_all()
        state = db.session.scalar(select(DocumentExport.state).where(DocumentExport.id == export_id))
        if state in ("done", "failed") or time.monotonic() >= deadline:
            return str(state)
        time.sleep(0.2)


@pytest.fixture
def queued(app, tmp_path):
    """The app with a real queue store and no consumer yet (TASK_RUNNER=worker, as on production web servers)."""
    def use(url: str):
        app.config.update(TASK_QUEUE_URL=url, TASK_RUNNER="worker", TASK_QUEUE_NAME=f"test-{uuid.uuid4().hex}")
        tasks.init_app(app)
        tasks.huey.flush()
        return tasks.huey
    yield use
    tasks.huey.flush()
    app.config.update(TASK_QUEUE_URL="immediate")
    tasks.init_app(app)


def _consume_until_done(export_id: int) -> str:
    consumer = tasks._InProcessConsumer(tasks.huey, workers=1, worker_type="thread", periodic=False,
                                        check_worker_health=False)
    consumer.start()
    try:
        return _state_of(export_id, wait=120)
    finally:
        consumer.stop(graceful=True)


def test_a_sqlite_store_holds_the_job_until_a_consumer_runs_it(client, people, two_cases, queued, tmp_path):  # noqa: F811
    huey = queued(f"sqlite:///{tmp_path / 'tasks.db'}")
    export_id = _ask_for_export(client, people["officer"])
    assert _state_of(export_id) == "queued" and huey.pending_count() == 1  # the request did not run it
    assert (tmp_path / "tasks.db").is_file()
    assert _consume_until_done(export_id) == "done"
    assert huey.pending_count() == 0


@pytest.mark.skipif(not REDIS_URL, reason="needs TEST_REDIS_URL (CI sets it)")
def test_redis_holds_the_job_until_a_consumer_runs_it(client, people, two_cases, queued):  # noqa: F811
    huey = queued(REDIS_URL)
    export_id = _ask_for_export(client, people["officer"])
    assert _state_of(export_id) == "queued" and huey.pending_count() == 1
    assert _consume_until_done(export_id) == "done"


def test_the_embedded_default_starts_consumer_threads_in_the_web_process(app, client, people, two_cases,  # noqa: F811
                                                                          queued, tmp_path):
    queued(f"sqlite:///{tmp_path / 'tasks.db'}")
    app.config["TASK_RUNNER"] = "in_process"
    tasks.init_app(app)
    try:
        export_id = _ask_for_export(client, people["officer"])  # the first request starts the consumer
        assert os.getpid() in tasks._consumers
        assert _state_of(export_id, wait=120) == "done"
    finally:
        tasks.stop_in_process_consumer()
    assert os.getpid() not in tasks._consumers


def test_a_rolled_back_transaction_enqueues_nothing(app, people, two_cases, queued, tmp_path):  # noqa: F811
    huey = queued(f"sqlite:///{tmp_path / 'tasks.db'}")
    exports.request_export(actor=people["officer"], code="application", case_ids=[two_cases[0].id], filters={},
                           base_url="http://jk.test/")
    db.session.rollback()
    assert huey.pending_count() == 0
    exports.request_export(actor=people["officer"], code="application", case_ids=[two_cases[0].id], filters={},
                           base_url="http://jk.test/")
    db.session.commit()
    assert huey.pending_count() == 1


def test_a_finished_zip_expires_after_the_keep_days(app, client, people, two_cases):  # noqa: F811
    export_id = _ask_for_export(client, people["officer"])  # immediate mode: done at once
    export = db.session.get(DocumentExport, export_id)
    path = exports.zip_path(export)
    assert path is not None and path.is_file()
    keep = app.config["EXPORT_KEEP_DAYS"]
    assert exports.expire_exports(now=export.finished_at + timedelta(days=keep) - timedelta(minutes=1)) == 0
    assert exports.expire_exports(now=export.finished_at + timedelta(days=keep, minutes=1)) == 1
    db.session.commit()
    export = db.session.get(DocumentExport, export_id)
    assert export.state == "expired" and export.sha256 and not path.exists() and exports.zip_path(export) is None
    page = client.get(f"/documents/exports/{export_id}").get_data(as_text=True)
    assert "文件已在完成 7 天后删除" in page
    assert client.get(f"/documents/exports/{export_id}/download").status_code == 404
    assert "已过期删除" in client.get("/documents/exports/").get_data(as_text=True)
    assert exports.expire_exports(now=utcnow() + timedelta(days=keep + 1)) == 0  # nothing twice


def test_the_daily_task_expires_and_commits(app, client, people, two_cases):  # noqa: F811
    export_id = _ask_for_export(client, people["officer"])
    export = db.session.get(DocumentExport, export_id)
    export.finished_at = utcnow() - timedelta(days=app.config["EXPORT_KEEP_DAYS"] + 1)  # set-up: an old ZIP
    db.session.commit()
    exports.expire_exports_daily()
    db.session.expire_all()
    assert db.session.get(DocumentExport, export_id).state == "expired"


def test_every_task_is_registered_by_name():
    names = set(tasks.huey._registry._registry)
    assert {"referral.documents.exports.run_export_task", "referral.documents.exports.expire_exports_daily",
            "referral.notifications.tasks.escalate_clocks", "referral.notifications.tasks.send_emails"} <= names


def test_the_cli_starts_a_consumer(app):
    result = app.test_cli_runner().invoke(args=["tasks", "work", "--help"])
    assert result.exit_code == 0 and "--no-periodic" in result.output
