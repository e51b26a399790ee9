"""Supervision (docs/domain.md#supervision): the small machines of a spot check and of a complaint."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from workflows.engine import Flow, available, fire


class CheckState(enum.StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


class ComplaintState(enum.StrEnum):
    RECEIVED = "received"
    HANDLING = "handling"
    RESOLVED = "resolved"


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
    gating = frozenset({"is_county"})
    selectors = frozenset({"result_is_pass", "result_is_fail"})

    def __init__(self, row, states, supervisor: Supervisor):
        super().__init__()
        self.row, self.states, self.supervisor = row, states, supervisor

    @property
    def state(self):
        return self.states(self.row.state)

    @state.setter
    def state(self, value):
        self.row.state = self.states(value)

    def is_county(self, data):
        return self.supervisor.county

    def result_is_pass(self, data):
        return data.get("result") == "pass"

    def result_is_fail(self, data):
        return data.get("result") == "fail"

    def has_findings(self, data):
        return bool((data.get("findings") or "").strip())

    def has_outcome(self, data):
        return bool((data.get("outcome") or "").strip())


def fire_spot_check(check, supervisor: Supervisor, **data):
    return fire(SupervisionFlow(check, CheckState, supervisor), states=CheckState, table=SPOT_CHECK_TRANSITIONS,
                action="record_result", **data)


def fire_complaint(complaint, action: str, supervisor: Supervisor, **data):
    return fire(SupervisionFlow(complaint, ComplaintState, supervisor), states=ComplaintState,
                table=COMPLAINT_TRANSITIONS, action=action, **data)


def complaint_actions(complaint, supervisor: Supervisor) -> list[str]:
    return available(SupervisionFlow(complaint, ComplaintState, supervisor), table=COMPLAINT_TRANSITIONS)
