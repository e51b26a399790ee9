"""A batch export of documents (issue 5): queued by an official, run in the background, done with a ZIP
or failed with a reason. Only the runner fires these events; ``start`` is the claim, so two runners that
pick up the same job cannot both run it (the row's version column makes the second commit fail)."""

from __future__ import annotations

from workflows.codes import N_, Coded
from workflows.engine import ColumnFlow, fire


class ExportState(Coded):
    QUEUED = "queued", N_("排队中")
    RUNNING = "running", N_("进行中")
    DONE = "done", N_("已完成")
    FAILED = "failed", N_("失败")
    EXPIRED = "expired", N_("已过期删除")  # the ZIP was deleted after EXPORT_KEEP_DAYS; the row and its hash stay


E = ExportState
EXPORT_TRANSITIONS: list[dict] = [
    {"trigger": "start", "source": E.QUEUED, "dest": E.RUNNING},
    {"trigger": "finish", "source": E.RUNNING, "dest": E.DONE},
    {"trigger": "fail", "source": [E.QUEUED, E.RUNNING], "dest": E.FAILED},
    # Its worker died (no heartbeat for EXPORT_HEARTBEAT_TIMEOUT): the job goes back to the queue, once.
    {"trigger": "requeue", "source": E.RUNNING, "dest": E.QUEUED},
    {"trigger": "expire", "source": E.DONE, "dest": E.EXPIRED},
]


def fire_export(export, action: str):
    return fire(ColumnFlow(export, "state", ExportState, EXPORT_TRANSITIONS), action)
