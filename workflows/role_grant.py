"""A role grant under four-eyes (docs/domain.md#accounts): requested by one sysadmin, approved or rejected
by another, or withdrawn when the request's account edit takes the role off again. Who may decide is
referral/users/policies.py: can_decide_grant (the database's CHECK four_eyes backs it)."""

from __future__ import annotations

from workflows.codes import N_, Coded
from workflows.engine import ColumnFlow, fire


class GrantState(Coded):
    PENDING = "pending", N_("待另一名系统管理员批准")
    APPROVED = "approved", N_("已批准")
    REJECTED = "rejected", N_("已驳回")
    WITHDRAWN = "withdrawn", N_("已撤回")


G = GrantState
GRANT_TRANSITIONS: list[dict] = [
    {"trigger": "approve", "source": G.PENDING, "dest": G.APPROVED},
    {"trigger": "reject", "source": G.PENDING, "dest": G.REJECTED},
    {"trigger": "withdraw", "source": G.PENDING, "dest": G.WITHDRAWN},
]


def fire_grant(grant, action: str):
    return fire(ColumnFlow(grant, "state", GrantState, GRANT_TRANSITIONS), action)
