"""Background work on Huey (docs/architecture.md#background-work): notifications and escalation, imports,
batch document exports, and whatever else must not run inside a request.

Why Huey and not Celery (which Indico uses): one small, well-kept library gives the three set-ups the
platform needs with the same task code —

- production: ``TASK_QUEUE_URL=redis://…``, any number of ``flask tasks work`` consumers on any number of
  machines (one of them with the periodic scheduler, the others ``--no-periodic``);
- the embedded default (``make run``, SQLite): a SQLite file beside the database (``instance/tasks.db``) and
  consumer threads started inside the web process on its first request, so no server is needed;
- tests: ``immediate`` mode, where Huey runs each task as it is enqueued.

Celery would need a broker server or its experimental SQLAlchemy transport for the embedded default, and a
separate ``beat`` process for the periodic jobs; Huey's consumer carries its own scheduler.

A task is enqueued only once the transaction that asked for it has committed (``enqueue_after_commit``):
a worker must see the rows it is asked to work on, and a rolled-back request must start nothing. Every task
runs in an app context of its own, with its own database session."""

from __future__ import annotations

import functools
import logging
import os
import threading
from pathlib import Path

from flask import Flask
from huey import Huey, crontab
from huey.consumer import Consumer
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

from referral.filemodes import private_file

log = logging.getLogger(__name__)

QUEUE_NAME = "referral"
#: The one queue of the platform. Its storage is chosen by ``init_app`` from ``TASK_QUEUE_URL``.
huey = Huey(QUEUE_NAME, results=False, storage_class=MemoryStorage, utc=True)

_state: dict = {"app": None}
_consumer_lock = threading.Lock()
_consumers: dict[int, Consumer] = {}  # pid → the in-process consumer of that process


def init_app(app: Flask) -> None:
    url = app.config.get("TASK_QUEUE_URL") or ""
    name = app.config.get("TASK_QUEUE_NAME") or QUEUE_NAME
    if url == "immediate":
        huey.immediate = True
    else:
        huey.immediate = False
        if url.startswith(("redis://", "rediss://", "unix://")):
            huey.storage = RedisStorage(name, url=url)
        else:
            path = Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") \
                else Path(app.instance_path) / "tasks.db"
            private_file(path)  # queued tasks name people's cases: 0600 before SQLite creates it
            huey.storage = SqliteStorage(name, filename=str(path))
    _state["app"] = app
    app.extensions["huey"] = huey
    if app.config.get("TASK_RUNNER") == "in_process" and not huey.immediate:
        app.before_request(_ensure_in_process_consumer)


# --- tasks --------------------------------------------------------------------------------------------------

def _in_app_context(fn):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        app = _state["app"]
        if app is None:
            raise RuntimeError("referral.tasks.init_app was not called in this process")
        # A context of its own, hence a session of its own: in immediate mode the task runs while the
        # session that enqueued it is finishing its commit.
        from referral.extensions import db

        with app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()
    return run


def task(**options):
    """``@task()``: a Huey task that runs in an app context (Huey names it after its module and function)."""
    def decorate(fn):
        return huey.task(**options)(_in_app_context(fn))
    return decorate


def periodic_task(schedule: crontab, **options):
    def decorate(fn):
        return huey.periodic_task(schedule, **options)(_in_app_context(fn))
    return decorate


def enqueue_after_commit(task_wrapper, *args, **kwargs) -> None:
    """Enqueue ``task_wrapper(*args, **kwargs)`` once the current transaction commits; nothing if it rolls
    back. Services may call it: they flush, the request commits (docs/architecture.md#request-path)."""
    from referral.extensions import db

    db.session.info.setdefault("referral.tasks", []).append((task_wrapper, args, kwargs))


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session: Session) -> None:
    pending = session.info.pop("referral.tasks", None)
    for task_wrapper, args, kwargs in pending or ():
        try:
            task_wrapper(*args, **kwargs)
        except Exception:  # noqa: BLE001  the commit stands; a task that cannot be queued is logged
            log.exception("could not enqueue %s", getattr(task_wrapper, "name", task_wrapper))


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop("referral.tasks", None)


# --- consumers ----------------------------------------------------------------------------------------------

class _InProcessConsumer(Consumer):
    """The consumer inside the web process (embedded default): threads only, and the web server keeps its
    own signal handlers."""

    def _set_signal_handlers(self):
        pass


def _ensure_in_process_consumer() -> None:
    pid = os.getpid()
    if pid in _consumers:
        return
    with _consumer_lock:
        if pid in _consumers:
            return
        app = _state["app"]
        consumer = _InProcessConsumer(huey, workers=app.config.get("TASK_WORKERS", 2), worker_type="thread",
                                      periodic=True, check_worker_health=False)
        consumer.start()
        _consumers[pid] = consumer
        log.info("task queue: in-process consumer started (pid %s)", pid)


def stop_in_process_consumer() -> None:
    consumer = _consumers.pop(os.getpid(), None)
    if consumer is not None:
        consumer.stop(graceful=True)


def run_consumer(*, workers: int, periodic: bool) -> None:
    """``flask tasks work``: a consumer of its own (production, under systemd)."""
    huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic).run()


def import_all_tasks() -> None:
    """Register every feature's tasks with the queue (a consumer must know them all by name)."""
    from referral.audit import tasks as _audit  # noqa: F401
    from referral.demand import tasks as _demand  # noqa: F401
    from referral.documents import exports as _exports  # noqa: F401
    from referral.documents import prerender as _prerender  # noqa: F401
    from referral.notifications import tasks as _notifications  # noqa: F401


__all__ = ["crontab", "enqueue_after_commit", "huey", "init_app", "periodic_task", "task"]
