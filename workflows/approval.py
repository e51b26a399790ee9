"""The approval machine shared by the 服务机构库 and the 服务人才库 (docs/domain.md#registry-approval-machine; state and event names
are a contract). Pure: the adapter is given the entry, the acting party and the facts the service
computed; it never queries anything."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.codes import N_, Coded
from workflows.engine import Flow, available, blocks, fire, needs, who


class ApprovalState(Coded):
    DRAFT = "draft", N_("草稿")
    COUNTY_REVIEW = "county_review", N_("县级初核中")
    CITY_REVIEW = "city_review", N_("市级确认中")
    RETURNED = "returned", N_("已退回修改")
    REJECTED = "rejected", N_("未通过")
    LISTED = "listed", N_("已入库")
    SUSPENDED = "suspended", N_("暂停接收转介")
    REMOVAL_PENDING = "removal_pending", N_("移出程序中（陈述申辩期）")
    REMOVED = "removed", N_("已移出")
    WITHDRAWN = "withdrawn", N_("已退出")


FINAL_STATES = frozenset({ApprovalState.REJECTED, ApprovalState.REMOVED, ApprovalState.WITHDRAWN})
# Entries in these states are "in the registry": they answer for their data and may not be re-registered.
OPEN_STATES = frozenset(ApprovalState) - FINAL_STATES

S = ApprovalState
# States whose clock runs: county pre-check, city confirmation, the statement-and-defence window.
CLOCKED_STATES = frozenset({S.COUNTY_REVIEW, S.CITY_REVIEW, S.REMOVAL_PENDING})

# Who fires each event is a condition: owner / county / city (``is_owner``, ``is_county``, ``is_city``).
APPROVAL_TRANSITIONS: list[dict] = [
    {"trigger": "submit", "source": [S.DRAFT, S.RETURNED], "dest": S.COUNTY_REVIEW,
     "conditions": ["is_owner", "entry_complete", "pledges_accepted"]},
    {"trigger": "county_approve", "source": S.COUNTY_REVIEW, "dest": S.CITY_REVIEW,
     "conditions": ["is_county", "not_own_entry"]},
    {"trigger": "county_return", "source": S.COUNTY_REVIEW, "dest": S.RETURNED,
     "conditions": ["is_county", "not_own_entry", "has_reason"]},
    {"trigger": "county_reject", "source": S.COUNTY_REVIEW, "dest": S.REJECTED,
     "conditions": ["is_county", "not_own_entry", "has_reason"]},
    {"trigger": "city_confirm", "source": S.CITY_REVIEW, "dest": S.LISTED,
     "conditions": ["is_city", "not_own_entry", "not_county_approver"]},
    {"trigger": "city_return", "source": S.CITY_REVIEW, "dest": S.RETURNED,
     "conditions": ["is_city", "not_own_entry", "has_reason"]},
    {"trigger": "city_reject", "source": S.CITY_REVIEW, "dest": S.REJECTED,
     "conditions": ["is_city", "not_own_entry", "has_reason"]},
    {"trigger": "suspend", "source": S.LISTED, "dest": S.SUSPENDED,
     "conditions": ["is_county", "has_reason"]},
    {"trigger": "reinstate", "source": S.SUSPENDED, "dest": S.LISTED,
     "conditions": ["is_county"]},
    {"trigger": "propose_removal", "source": [S.LISTED, S.SUSPENDED], "dest": S.REMOVAL_PENDING,
     "conditions": ["is_county", "has_reason"]},
    {"trigger": "submit_statement", "source": S.REMOVAL_PENDING, "dest": S.REMOVAL_PENDING,
     "conditions": ["is_owner", "has_statement", "no_statement_yet"]},
    {"trigger": "remove", "source": S.REMOVAL_PENDING, "dest": S.REMOVED,
     "conditions": ["is_city", "has_reason", "defence_heard"]},
    {"trigger": "withdraw_removal", "source": S.REMOVAL_PENDING, "dest": S.LISTED,
     "conditions": ["is_county_or_city", "has_reason"]},
    {"trigger": "withdraw", "source": [S.LISTED, S.SUSPENDED], "dest": S.WITHDRAWN,
     "conditions": ["is_owner"]},
    # Talent only (docs/domain.md#registry-approval-machine, `revoke`: a county_official event with a reason);
    # also used when a qualification lapses.
    {"trigger": "revoke", "source": [S.LISTED, S.SUSPENDED], "dest": S.REMOVED,
     "conditions": ["is_talent", "is_county", "has_reason", "has_exit_reason"]},
]
APPROVAL_EVENTS = frozenset(t["trigger"] for t in APPROVAL_TRANSITIONS)
# What people call each event (buttons, decisions, audit log).
APPROVAL_EVENT_LABELS = {
    "submit": N_("提交审核"), "county_approve": N_("县级初核通过"), "county_return": N_("退回修改（县级）"),
    "county_reject": N_("不予通过（县级）"), "city_confirm": N_("市级确认入库"), "city_return": N_("退回修改（市级）"),
    "city_reject": N_("不予通过（市级）"), "suspend": N_("暂停接收转介"), "reinstate": N_("恢复"),
    "propose_removal": N_("提出移出"), "submit_statement": N_("提交陈述申辩"), "remove": N_("决定移出"),
    "withdraw_removal": N_("撤回移出程序"), "withdraw": N_("主动退出"), "revoke": N_("撤销入库"),
}
DECISION_LEVEL = {  # which level's decision each event records (ApprovalDecision.level)
    "submit": "owner", "submit_statement": "owner", "withdraw": "owner",
    "county_approve": "county", "county_return": "county", "county_reject": "county", "suspend": "county",
    "reinstate": "county", "propose_removal": "county", "revoke": "county",
    "city_confirm": "city", "city_return": "city", "city_reject": "city", "remove": "city",
    "withdraw_removal": None,  # county or city: whoever acts
}


class ExitReason(Coded):
    """Why a talent leaves the registry (revoke)."""

    QUALIFICATION_LAPSED = "qualification_lapsed", N_("资格失效")
    MISCONDUCT = "misconduct", N_("违规违纪")
    VOLUNTARY = "voluntary", N_("主动退出")  # the talent's own withdraw, never a county's choice


# The reasons a county may give when it revokes a talent.
REVOKE_REASONS = (ExitReason.QUALIFICATION_LAPSED, ExitReason.MISCONDUCT)


@dataclass(frozen=True)
class Party:
    """Who is acting, as the service worked it out from roles and scope (pure data for the machine)."""

    user_id: int | None
    owner: bool = False  # the entry's own institution admin, or the talent themself (or their employer's admin)
    county: bool = False  # county_official whose county holds the entry
    city: bool = False  # city_official whose city holds the entry


@dataclass(frozen=True)
class Facts:
    kind: str  # "institution" | "talent"
    complete: bool = True  # all required fields present
    pledges_accepted: bool = False  # 服务承诺书 (institutions) and 保密承诺书 accepted at submit
    submitted_by_id: int | None = None
    owner_user_ids: frozenset[int] = frozenset()
    county_approver_id: int | None = None
    statement_received: bool = False
    statement_window_over: bool = False


class ApprovalFlow(Flow):
    states, table = ApprovalState, APPROVAL_TRANSITIONS
    refused_who = N_("您不能对该条目执行此操作。")
    refused_state = N_("当前状态不允许此操作，或条目已被他人修改。请刷新后重试。")

    def __init__(self, entry, party: Party, facts: Facts):
        super().__init__(entry)
        self.party, self.facts = party, facts

    # who
    @who
    def is_owner(self, data):
        return self.party.owner

    @who
    def is_county(self, data):
        return self.party.county

    @who
    def is_city(self, data):
        return self.party.city

    @who
    def is_county_or_city(self, data):
        return self.party.county or self.party.city

    @who
    def is_talent(self, data):
        return self.facts.kind == "talent"

    @who
    def not_own_entry(self, data):
        """Nobody decides their own entry: not its submitter, not one of its owners."""
        uid = self.party.user_id
        return uid is not None and uid != self.facts.submitted_by_id and uid not in self.facts.owner_user_ids

    @who(N_("市级确认须由县级初核人以外的人员进行（双人审核）。"))
    def not_county_approver(self, data):
        """Four-eyes: the city confirmer is a different person from the county approver."""
        return self.party.user_id != self.facts.county_approver_id

    # what
    def entry_complete(self, data):
        return self.facts.complete

    @needs("accept_pledges", N_("提交前须接受服务承诺书和保密承诺书。"))
    def pledges_accepted(self, data):
        return self.facts.pledges_accepted

    @needs("reason", N_("请填写理由。"))
    def has_reason(self, data):
        return bool((data.get("reason") or "").strip())

    @needs("statement", N_("请填写陈述申辩内容。"))
    def has_statement(self, data):
        return bool((data.get("statement") or "").strip())

    @blocks(N_("已提交过陈述申辩。"))
    def no_statement_yet(self, data):
        return not self.facts.statement_received

    @blocks(N_("陈述申辩期尚未结束，且尚未收到陈述：暂不能移出。"))
    def defence_heard(self, data):
        """陈述申辩: removal only after the statement arrived or the window has passed."""
        return self.facts.statement_received or self.facts.statement_window_over

    @needs("reason_code", N_("请选择退出原因。"))
    def has_exit_reason(self, data):
        return data.get("reason_code") in ExitReason.values(REVOKE_REASONS)


def fire_approval(entry, action: str, party: Party, facts: Facts, **data):
    return fire(ApprovalFlow(entry, party, facts), action, **data)


def approval_actions(entry, party: Party, facts: Facts) -> list[str]:
    return available(ApprovalFlow(entry, party, facts))
