"""Batch export: the documents of many cases as one ZIP, made in the background (issue 5).

An official asks for one document type over the cases of a list (its filters, as they stand at that
moment: the case ids are fixed when asked). The job runs as a task of the queue (``referral/tasks.py``),
enqueued when the request that asked for it commits; the machine's ``start`` is the claim, so a job enqueued
twice or picked up by two consumers runs once.

Each document is issued like a single download (the current version is reused, a changed one issued
anew), rendered in a process pool (``pdf.render_many``), and the ZIP is written to ``EXPORT_ROOT``
(default ``<instance>/exports``, outside the web root). Progress is committed as it goes, so the page
that polls the job shows a true count. ZIP entry names are ASCII (the document numbers): Windows 7's
Explorer, common on intranet PCs, shows UTF-8 names in a ZIP as mojibake; a UTF-8 manifest with a BOM
(opens in Excel) lists title, number, version and verification code of each entry. A ZIP is deleted
``EXPORT_KEEP_DAYS`` after it was made (a daily job); the job's row, with the hash, stays as the record.

A running job writes ``heartbeat_at`` with each progress commit. A worker can die mid-job (killed, machine
restarted) and leave it ``running`` for ever; a job every few minutes queues such a job again once and fails
it the second time (``reap_stale_exports``, issue 13.8). Each attempt writes a ZIP of its own, and a runner
that was only slow finds the row changed under it (its version) and stops without touching it."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import time
import zipfile
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from referral.audit.services import record
from referral.auth.models import User
from referral.cases.models import Case
from referral.cases.queries import cases_visible_to
from referral.documents import pdf, services
from referral.documents.catalog import DOCUMENTS, render_html
from referral.documents.models import DocumentExport
from referral.errors import NotPermitted, ValidationFailed
from referral.extensions import db
from referral.filemodes import open_private
from referral.models import utcnow
from referral.tasks import crontab, enqueue_after_commit, periodic_task, task
from workflows.export import ExportState, fire_export

log = logging.getLogger(__name__)

#: The documents of a case (for a type with parts, the batch prints each case's latest agreement,
#: assessment or follow-up).
EXPORT_CODES = tuple(code for code, d in DOCUMENTS.items() if "case" in d.subjects)
PROGRESS_EVERY = 0.5  # seconds between progress commits


def export_root() -> Path:
    configured = current_app.config.get("EXPORT_ROOT")
    return Path(configured) if configured else Path(current_app.instance_path) / "exports"


def request_export(*, actor, code: str, case_ids: list[int], filters: dict, base_url: str) -> DocumentExport:
    if code not in EXPORT_CODES:
        raise ValidationFailed(fields={"code": [_("不能批量导出这种文书。")]})
    limit = current_app.config["DOCUMENT_EXPORT_MAX"]
    if not case_ids:
        raise ValidationFailed(fields={"code": [_("当前筛选条件下没有个案可导出。")]})
    if len(case_ids) > limit:
        raise ValidationFailed(fields={"code": [_("一次最多导出 %(n)d 个个案，请缩小筛选范围。", n=limit)]})
    export = DocumentExport(code=code, requested_by_id=actor.id, division_code=actor.division_code,
                            filters=filters, case_ids=list(case_ids), base_url=base_url, total=len(case_ids))
    db.session.add(export)
    db.session.flush()
    enqueue_after_commit(run_export_task, export.id)
    record("document.export_request", "document_export", export.id, actor=actor, division_code=actor.division_code,
           document=code, cases=len(case_ids), filters=filters)
    return export


def exports_of(user):
    """A user sees only their own exports: the ZIP holds what they were allowed to issue."""
    return select(DocumentExport).where(DocumentExport.requested_by_id == user.id)


def claim(export_id: int) -> DocumentExport | None:
    """queued → running, committed; None if the job is not queued or another runner claimed it first."""
    export = db.session.get(DocumentExport, export_id)
    if export is None or export.state != ExportState.QUEUED:
        return None
    fire_export(export, "start")
    export.started_at = export.heartbeat_at = utcnow()
    export.attempts += 1
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return None
    return export


def run_export(export_id: int, *, workers: int | None = None) -> DocumentExport | None:
    export = claim(export_id)
    if export is None:
        return None
    file_name, attempt = _file_name(export), export.attempts
    try:
        _build_zip(export, workers=workers or current_app.config.get("DOCUMENT_EXPORT_WORKERS"))
    except Exception as exc:  # noqa: BLE001  the job must end failed, with a reason, whatever went wrong
        db.session.rollback()
        (export_root() / file_name).unlink(missing_ok=True)
        export = db.session.get(DocumentExport, export_id)
        if export is None or export.state != ExportState.RUNNING or export.attempts != attempt:
            # Gone, or taken for dead meanwhile and queued again or failed (reap_stale_exports): the job is no
            # longer this runner's to mark. Its commit found the row changed (StaleDataError), or the new
            # attempt's documents in the way.
            log.warning("document export %s: attempt %s stopped, the job was taken over (%s)", export_id, attempt,
                        type(exc).__name__)
            return None
        log.exception("document export %s failed", export_id)
        fire_export(export, "fail")
        export.error = f"{type(exc).__name__}: {exc}"[:500]
        export.finished_at = utcnow()
        db.session.commit()
    return export


def _build_zip(export: DocumentExport, *, workers: int | None) -> None:
    actor = db.session.get(User, export.requested_by_id)
    # Scope as it is now, not as it was when asked: a moved or disabled official exports nothing more.
    cases = {c.id: c for c in db.session.scalars(
        cases_visible_to(actor).where(Case.id.in_(export.case_ids)))} if actor is not None and actor.is_active else {}
    rows: list[list] = []  # the manifest, in the order of case_ids
    planned: list[tuple[int, object]] = []  # (row index, IssuedDocument | Pending)
    for case_id in export.case_ids:
        case = cases.get(case_id)
        if case is None:
            rows.append([case_id, "", "", "", "", "", _("跳过：不在您的范围内")])
            continue
        try:
            target = services.target_for(export.code, "case", case)
            prepared = services.prepare(target, actor=actor, base_url=export.base_url)
        except services.PartMissing as exc:
            rows.append([case_id, case.receipt_no, "", "", "", "", _("跳过：%(why)s", why=exc.message)])
            continue
        except NotPermitted:
            rows.append([case_id, case.receipt_no, "", "", "", "", _("跳过：无权签发")])
            continue
        rows.append([case_id, case.receipt_no])
        planned.append((len(rows) - 1, prepared))

    root = export_root()
    path = root / _file_name(export)
    # What the queue rendered ahead is not rendered again (docs/domain.md#rendered-ahead).
    pending = [p for _, p in planned if isinstance(p, services.Pending) and p.rendered is None]
    rendered = pdf.render_many((render_html(p.context) for p in pending), workers=workers)
    last_commit = time.monotonic()
    done = export.total - len(planned)  # skipped cases count as handled
    # The ZIP holds people's documents: 0600 in a 0700 directory (referral/filemodes.py).
    with open_private(path) as fh, zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as archive:
        for index, prepared in planned:
            if isinstance(prepared, services.Pending):
                data = prepared.rendered.content if prepared.rendered is not None else next(rendered)
                document = services.store(prepared, data, actor=actor)
                status = _("新签发")
            else:
                document = prepared
                status = _("沿用已签发版本")
            archive.writestr(f"{document.number}.pdf", document.content)
            rows[index] += [DOCUMENTS[document.code].title, document.number, document.version,
                            document.printed_code, status]
            done += 1
            if time.monotonic() - last_commit >= PROGRESS_EVERY:
                export.done, export.heartbeat_at = done, utcnow()
                db.session.commit()
                last_commit = time.monotonic()
        archive.writestr("manifest.csv", _manifest(rows))
    with path.open("rb") as fh:  # up to DOCUMENT_EXPORT_MAX documents: hashed as a stream, not read whole
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    # Read what the row holds before writing: a lazy load would flush a half-finished row, which the CHECKs
    # (done iff hash, done has its file) rightly refuse.
    total = export.total
    fire_export(export, "finish")
    export.sha256, export.done, export.file_name = digest, total, path.name
    export.size, export.finished_at = path.stat().st_size, utcnow()
    record("document.export_done", "document_export", export.id, actor=actor, division_code=export.division_code,
           document=export.code, documents=len(planned))
    db.session.commit()


def _file_name(export: DocumentExport) -> str:
    """One file per attempt: a runner taken for dead that still writes does not write into the new one's."""
    return f"export-{export.id}.zip" if export.attempts <= 1 else f"export-{export.id}-{export.attempts}.zip"


def _manifest(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["个案编号", "受理号", "文书", "编号", "版本", "校验码", "说明"])
    for row in rows:
        writer.writerow(row + [""] * (7 - len(row)))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def zip_path(export: DocumentExport) -> Path | None:
    if export.state != ExportState.DONE or not export.file_name:
        return None
    path = export_root() / export.file_name
    return path if path.is_file() else None


def record_download(export: DocumentExport, *, actor) -> None:
    record("document.export_download", "document_export", export.id, actor=actor,
           division_code=export.division_code, document=export.code, sha256=export.sha256)


@task()
def run_export_task(export_id: int) -> None:
    run_export(export_id)


def expire_exports(*, now=None) -> int:
    """Delete the ZIPs older than ``EXPORT_KEEP_DAYS``; the job's row stays, marked expired. Returns how many."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["EXPORT_KEEP_DAYS"])
    expired = 0
    for export in db.session.scalars(select(DocumentExport).where(DocumentExport.state == ExportState.DONE,
                                                                  DocumentExport.finished_at < cutoff)):
        if export.file_name:
            (export_root() / export.file_name).unlink(missing_ok=True)
        fire_export(export, "expire")
        record("document.export_expire", "document_export", export.id, actor=None,
               division_code=export.division_code, document=export.code)
        expired += 1
    db.session.flush()
    return expired


@periodic_task(crontab(minute="17", hour="3"))
def expire_exports_daily() -> None:
    if expire_exports():
        db.session.commit()


#: Attempts before a job whose worker died is failed rather than queued again.
MAX_ATTEMPTS = 2


def reap_stale_exports(*, now=None) -> tuple[int, int]:
    """Running jobs without a heartbeat for ``EXPORT_HEARTBEAT_TIMEOUT`` seconds: queued again if they ran
    fewer than ``MAX_ATTEMPTS`` times, else failed. Returns (requeued, failed); flushes, the caller commits."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["EXPORT_HEARTBEAT_TIMEOUT"])
    beat = db.func.coalesce(DocumentExport.heartbeat_at, DocumentExport.started_at)
    requeued = failed = 0
    for export in db.session.scalars(select(DocumentExport).where(DocumentExport.state == ExportState.RUNNING,
                                                                  beat < cutoff).order_by(DocumentExport.id)):
        silent = now - (export.heartbeat_at or export.started_at)
        if export.attempts < MAX_ATTEMPTS:
            fire_export(export, "requeue")
            enqueue_after_commit(run_export_task, export.id)
            requeued += 1
            action = "document.export_requeue"
        else:
            fire_export(export, "fail")
            export.error = _("处理中断（%(n)d 次尝试均无响应），请重新申请导出。", n=export.attempts)
            export.finished_at = now
            failed += 1
            action = "document.export_fail"
        record(action, "document_export", export.id, actor=None, division_code=export.division_code,
               document=export.code, attempts=export.attempts, silent_seconds=int(silent.total_seconds()))
    db.session.flush()
    return requeued, failed


@periodic_task(crontab(minute="*/5"))
def reap_stale_exports_often() -> None:
    if any(reap_stale_exports()):
        try:
            db.session.commit()
        except StaleDataError:  # the job beat or ended meanwhile: it is alive, leave it
            db.session.rollback()
