"""An import of a demand list (issue 11.5, docs/domain.md#demand-data): queued when an official uploads it,
run in the background, done with its good and bad row counts or failed with a reason (the file could not be
read). Only the runner fires these events; ``start`` is the claim, so two consumers that pick up the same
import cannot both run it (the row's version column makes the second commit fail)."""

from __future__ import annotations

from workflows.codes import N_, Coded
from workflows.engine import ColumnFlow, fire


class DemandImportState(Coded):
    QUEUED = "queued", N_("排队中")
    RUNNING = "running", N_("导入中")
    DONE = "done", N_("已完成")
    FAILED = "failed", N_("失败")


FINISHED_IMPORT_STATES = frozenset({DemandImportState.DONE, DemandImportState.FAILED})

S = DemandImportState
DEMAND_IMPORT_TRANSITIONS: list[dict] = [
    {"trigger": "start", "source": S.QUEUED, "dest": S.RUNNING},
    {"trigger": "finish", "source": S.RUNNING, "dest": S.DONE},
    {"trigger": "fail", "source": [S.QUEUED, S.RUNNING], "dest": S.FAILED},
]


def fire_demand_import(row, action: str):
    return fire(ColumnFlow(row, "state", DemandImportState, DEMAND_IMPORT_TRANSITIONS), action)
