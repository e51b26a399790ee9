"""Supervision (docs/domain.md#supervision): the small machines of a spot check and of a complaint."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.codes import N_, Coded
from workflows.engine import Flow, available, fire, needs, selector, who


class CheckState(Coded):
    PENDING = "pending", N_("待检查")
    PASSED = "passed", N_("合格")
    FAILED = "failed", N_("不合格")


class ComplaintState(Coded):
    RECEIVED = "received", N_("已收到")
    HANDLING = "handling", N_("处理中")
    RESOLVED = "resolved", N_("已办结")


# Two transitions share one event; the result picks the destination. The selector comes last, so a
# refusal names what is actually wrong (who, or missing findings) rather than "not the other branch".
SPOT_CHECK_TRANSITIONS: list[dict] = [
    {"trigger": "record_result", "source": CheckState.PENDING, "dest": CheckState.PASSED,
     "conditions": ["is_county", "has_findings", "result_is_pass"]},
    {"trigger": "record_result", "source": CheckState.PENDING, "dest": CheckState.FAILED,
     "conditions": ["is_county", "has_findings", "result_is_fail"]},
]
COMPLAINT_TRANSITIONS: list[dict] = [
    {"trigger": "handle", "source": ComplaintState.RECEIVED, "dest": ComplaintState.HANDLING,
     "conditions": ["is_county"]},
    {"trigger": "resolve", "source": [ComplaintState.RECEIVED, ComplaintState.HANDLING],
     "dest": ComplaintState.RESOLVED, "conditions": ["is_county", "has_outcome"]},
]


@dataclass(frozen=True)
class Supervisor:
    """The acting user as the service sees them: the county official of the institution's county?"""

    user_id: int | None
    county: bool = False


class SupervisionFlow(Flow):
    """The conditions both machines share; the refusal of a who-condition is the plain 403."""

    def __init__(self, row, supervisor: Supervisor):
        super().__init__(row)
        self.supervisor = supervisor

    @who
    def is_county(self, data):
        return self.supervisor.county

    @selector
    def result_is_pass(self, data):
        return data.get("result") == "pass"

    @selector
    def result_is_fail(self, data):
        return data.get("result") == "fail"

    @needs("findings", N_("请填写检查发现。"))
    def has_findings(self, data):
        return bool((data.get("findings") or "").strip())

    @needs("outcome", N_("请填写处理结果。"))
    def has_outcome(self, data):
        return bool((data.get("outcome") or "").strip())


class SpotCheckFlow(SupervisionFlow):
    states, table = CheckState, SPOT_CHECK_TRANSITIONS
    refused_state = N_("该抽查已记录结果。")


class ComplaintFlow(SupervisionFlow):
    states, table = ComplaintState, COMPLAINT_TRANSITIONS
    refused_state = N_("该投诉的状态已变化，请刷新。")


def fire_spot_check(check, supervisor: Supervisor, **data):
    return fire(SpotCheckFlow(check, supervisor), "record_result", **data)


def fire_complaint(complaint, action: str, supervisor: Supervisor, **data):
    return fire(ComplaintFlow(complaint, supervisor), action, **data)


def complaint_actions(complaint, supervisor: Supervisor) -> list[str]:
    return available(ComplaintFlow(complaint, supervisor))
