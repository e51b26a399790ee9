"""Rendering documents ahead (issue 14.4, docs/domain.md#rendered-ahead): when the data behind a subject's documents
changes, a task of the queue renders the ones whose snapshot changed, so that the next download stores
bytes already made (~25 ms) instead of rendering them (~480 ms).

What is rendered is the *next version as it would be issued today*: its number and verification code are
reserved and printed in the bytes, which wait in ``document_renders`` (one row per document). Nothing is
issued and nothing is revealed: nobody sees those bytes, the verification page does not know the code, and
no audit entry is written. The first download that finds the row current — same snapshot, template, next
version number, issue day and site address — issues exactly those bytes as that version, in the person's
name, with the usual ``document.issue`` entry (``services.prepare``/``store``). Any other download renders
as before; a render that turns out useless is replaced by the next one or dropped at night.

Work is capped: services send ``referral.changes.data_changed`` (one task per subject per transaction, a short delay so
that a burst of edits coalesces); the task builds each document's snapshot — cheap — and renders only the
ones that differ from both the latest issued version and what is already rendered ahead, so an event that
does not change a document costs it no render. Services flush; the task commits."""

from __future__ import annotations

import hashlib
import logging

from flask import current_app, has_request_context, request
from sqlalchemy import delete, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referral.calendar import today_in_china
from referral.cases.models import FollowUp
from referral.changes import data_changed as data_changed_signal
from referral.documents import services
from referral.documents.catalog import documents_for, render_document
from referral.documents.models import RenderedDocument
from referral.documents.pdf import DocumentError
from referral.extensions import db
from referral.tasks import crontab, enqueue_after_commit, huey, periodic_task, task

log = logging.getLogger(__name__)

_PENDING = "referral.documents.prerender"  # session.info: the subjects already asked for in this transaction


@data_changed_signal.connect
def _on_data_changed(subject_type: str, *, subject_id: int, **_) -> None:
    data_changed(subject_type, subject_id)


def data_changed(subject_type: str, subject_id: int) -> None:
    """The hook (``referral.changes.changed``, sent by the cases and registries services): the data behind the
    documents of ``subject_type`` ``subject_id`` (case, institution, talent) changed in the current transaction.
    Once it commits, their documents are rendered ahead.

    Off when ``DOCUMENT_PRERENDER`` is false (the tests' default: most tests never download a document), and
    when there is no site address to print in the QR code (no ``PUBLIC_URL``, no request: the download
    renders as it always did)."""
    config = current_app.config
    if not config.get("DOCUMENT_PRERENDER"):
        return
    base_url = config.get("PUBLIC_URL") or (request.url_root if has_request_context() else None)
    if not base_url:
        return
    asked = db.session.info.setdefault(_PENDING, set())
    if (subject_type, subject_id) in asked:
        return
    asked.add((subject_type, subject_id))
    enqueue_after_commit(_enqueue, subject_type, subject_id, base_url, config.get("DOCUMENT_PRERENDER_DELAY") or 0)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _enqueue(subject_type: str, subject_id: int, base_url: str, delay: float) -> None:
    # A delayed task waits in the queue's schedule: in immediate mode (tests) it would never run.
    if delay and not huey.immediate:
        prerender_task.schedule((subject_type, subject_id, base_url), delay=delay)
    else:
        prerender_task(subject_type, subject_id, base_url)


@task()
def prerender_task(subject_type: str, subject_id: int, base_url: str) -> None:
    prerender_subject(subject_type, subject_id, base_url=base_url)


def targets_of(subject_type: str, subject) -> list:
    """The documents to keep rendered ahead for a subject: each of its document types, for a case document
    with parts the latest part (the agreement, assessment or follow-up an event has just recorded)."""

    targets = []
    for document in documents_for(subject_type):
        if document.part is None:
            targets.append(services.Target(document, subject_type, subject))
            continue
        if document.part == "follow_up":
            # A follow-up is printed once recorded; the one due next is still blank lines.
            part = db.session.scalar(select(FollowUp).where(FollowUp.case_id == subject.id,
                                                            FollowUp.done_at.is_not(None))
                                     .order_by(FollowUp.due_date.desc(), FollowUp.id.desc()).limit(1))
            if part is not None:
                targets.append(services.Target(document, subject_type, subject, part))
            continue
        try:
            targets.append(services.target_for(document.code, subject_type, subject))
        except services.PartMissing:
            continue
    return targets


def prerender_subject(subject_type: str, subject_id: int, *, base_url: str) -> dict[str, str]:
    """Render ahead the documents of one subject whose data changed; commits after each. Returns what
    happened to each (code → ``rendered``, ``ahead`` already rendered, ``issued`` the issued version is
    current, ``failed``)."""
    if subject_type not in ("case", "institution", "talent"):
        return {}
    subject = db.session.get(services.SUBJECT_MODELS[subject_type], subject_id)
    if subject is None:
        return {}
    outcome = {}
    for target in targets_of(subject_type, subject):
        try:
            outcome[target.document.code] = prerender(target, base_url=base_url)
            db.session.commit()
        except IntegrityError:  # another worker rendered it a moment ago
            db.session.rollback()
            outcome[target.document.code] = "ahead"
        except (DocumentError, LookupError):  # the download will render it, and fail visibly if it must
            db.session.rollback()
            log.exception("rendering ahead %s of %s %s failed", target.document.code, subject_type, subject_id)
            outcome[target.document.code] = "failed"
    return outcome


def prerender(target, *, base_url: str) -> str:
    """Render ``target``'s next version ahead unless the issued version or the one already rendered ahead
    prints the same; flushes."""
    today = today_in_china()
    pending, latest = services.next_version(target, base_url=base_url, issued_on=today)
    row = db.session.scalar(select(RenderedDocument).where(*_key(target)))
    if services.is_current(latest, pending):
        if row is not None:  # out of date: the issued version is what a download returns
            db.session.delete(row)
            db.session.flush()
        return "issued"
    if (row is not None and row.version == pending.version and row.snapshot_sha256 == pending.snapshot_sha256
            and row.template_version == pending.template_version and row.issued_on == today
            and row.base_url == base_url):
        return "ahead"
    pdf = render_document(pending.context)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
    db.session.add(RenderedDocument(
        code=target.document.code, subject_type=target.subject_type, subject_id=target.subject.id,
        part_id=target.part_id, version=pending.version, number=pending.context["number"],
        verification_code=pending.code, issued_on=today, base_url=base_url,
        template_version=pending.template_version, snapshot_sha256=pending.snapshot_sha256,
        sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), content=pdf))
    db.session.flush()
    log.info("rendered ahead: %s of %s %s (part %s), version %s", target.document.code, target.subject_type,
             target.subject.id, target.part_id, pending.version)
    return "rendered"


def _key(target):
    return (RenderedDocument.code == target.document.code, RenderedDocument.subject_type == target.subject_type,
            RenderedDocument.subject_id == target.subject.id, RenderedDocument.part_id == target.part_id)


def drop_stale_renders(*, today=None) -> int:
    """Delete what was rendered ahead on an earlier day: it prints another issue date and will never be
    used. Returns how many; flushes."""
    result = db.session.execute(delete(RenderedDocument).where(RenderedDocument.issued_on < (today or today_in_china())))
    db.session.flush()
    return result.rowcount or 0


@periodic_task(crontab(minute="7", hour="17"))  # the queue's clock is UTC: 01:07 in China, after the day turned
def drop_stale_renders_daily() -> None:
    if drop_stale_renders():
        db.session.commit()
