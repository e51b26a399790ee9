"""A batch export of documents (issue 5): queued by an official, run in the background, done with a ZIP
or failed with a reason. Only the runner fires these events; ``start`` is the claim, so two runners that
pick up the same job cannot both run it (the row's version column makes the second commit fail)."""

from __future__ import annotations

import enum

from workflows.engine import ColumnFlow, fire


class ExportState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"  # the ZIP was deleted after EXPORT_KEEP_DAYS; the row and its hash stay


E = ExportState
EXPORT_TRANSITIONS: list[dict] = [
    {"trigger": "start", "source": E.QUEUED, "dest": E.RUNNING},
    {"trigger": "finish", "source": E.RUNNING, "dest": E.DONE},
    {"trigger": "fail", "source": [E.QUEUED, E.RUNNING], "dest": E.FAILED},
    {"trigger": "expire", "source": E.DONE, "dest": E.EXPIRED},
]


def fire_export(export, action: str):
    return fire(ColumnFlow(export, "state", ExportState, EXPORT_TRANSITIONS), action)
