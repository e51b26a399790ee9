"""The demand feature's work on the task queue (``referral/tasks.py``): running an uploaded list's import."""

from __future__ import annotations

from referral.tasks import task


@task()
def run_import_task(import_id: int) -> None:
    # Imported here: the services enqueue this task, so they import this module.
    from referral.demand.services import run_import

    run_import(import_id)
