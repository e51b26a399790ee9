"""Change requests for key fields of a listed institution (docs/domain.md#change-requests): the county re-checks them
while the institution stays listed."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.codes import N_, Coded
from workflows.engine import Flow, available, fire, needs, who


class ChangeState(Coded):
    PENDING = "pending", N_("待复核")
    APPROVED = "approved", N_("已通过")
    REJECTED = "rejected", N_("未通过")


PENDING, APPROVED, REJECTED = ChangeState.PENDING, ChangeState.APPROVED, ChangeState.REJECTED

CHANGE_TRANSITIONS: list[dict] = [
    {"trigger": "approve_change", "source": PENDING, "dest": APPROVED,
     "conditions": ["is_county", "not_requester", "entry_still_listed"]},
    {"trigger": "reject_change", "source": PENDING, "dest": REJECTED,
     "conditions": ["is_county", "not_requester", "has_reason"]},
    {"trigger": "cancel_change", "source": PENDING, "dest": REJECTED,
     "conditions": ["is_requester_side"]},
]


@dataclass(frozen=True)
class ChangeParty:
    user_id: int | None
    county: bool = False
    owner: bool = False


class ChangeFlow(Flow):
    states, table = ChangeState, CHANGE_TRANSITIONS
    refused_who = N_("您不能对该条目执行此操作。")
    refused_state = N_("当前状态不允许此操作，或条目已被他人修改。请刷新后重试。")

    def __init__(self, change, party: ChangeParty, *, requested_by_id: int | None, entry_listed: bool):
        super().__init__(change)
        self.party, self.requested_by_id, self.entry_listed = party, requested_by_id, entry_listed

    @who
    def is_county(self, data):
        return self.party.county

    @who
    def not_requester(self, data):
        return self.party.user_id is not None and self.party.user_id != self.requested_by_id

    @who
    def is_requester_side(self, data):
        return self.party.owner

    def entry_still_listed(self, data):
        return self.entry_listed

    @needs("reason", N_("请填写理由。"))
    def has_reason(self, data):
        return bool((data.get("reason") or "").strip())


def fire_change(change, action: str, party: ChangeParty, *, requested_by_id, entry_listed: bool, **data):
    flow = ChangeFlow(change, party, requested_by_id=requested_by_id, entry_listed=entry_listed)
    return fire(flow, action, **data)


def change_actions(change, party: ChangeParty, *, requested_by_id, entry_listed: bool) -> list[str]:
    flow = ChangeFlow(change, party, requested_by_id=requested_by_id, entry_listed=entry_listed)
    return available(flow)
