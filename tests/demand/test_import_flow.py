"""The import's machine (workflows/demand_import.py), without Flask or a database."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from workflows.demand_import import DemandImportState as S
from workflows.demand_import import fire_demand_import
from workflows.engine import ActionRefused

ALLOWED = {(S.QUEUED, "start"): S.RUNNING, (S.RUNNING, "finish"): S.DONE, (S.QUEUED, "fail"): S.FAILED,
           (S.RUNNING, "fail"): S.FAILED}


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("event", ["start", "finish", "fail", "to_done", "expire"])
def test_every_event_from_every_state(state, event):
    row = SimpleNamespace(state=state)
    if (state, event) in ALLOWED:
        fire_demand_import(row, event)
        assert row.state == ALLOWED[(state, event)]
    else:
        with pytest.raises(ActionRefused):
            fire_demand_import(row, event)
        assert row.state == state


def test_every_state_has_a_chinese_label():
    assert S.labels() == {"queued": "排队中", "running": "导入中", "done": "已完成", "failed": "失败"}
