"""The referral case (docs/domain.md#case-machine; state and event names are a contract): the seven statutory steps
申请 → 初核登记 → 康复转介 → 综合评估 → 服务提供 → 阶段性评估 → 结案与回访 on one machine. Pure: the adapter
is given the case, the acting party and the facts the service computed."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from workflows.engine import N_, Flow, available, fire, needs, selector, who


class CaseState(enum.StrEnum):
    APPLIED = "applied"
    RETURNED = "returned"
    NOT_REGISTERED = "not_registered"
    REGISTERED = "registered"
    REFERRED = "referred"
    ASSESSING = "assessing"
    ASSESSED = "assessed"
    IN_SERVICE = "in_service"
    CLOSED = "closed"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


S = CaseState
FINAL_CASE_STATES = frozenset({S.NOT_REGISTERED, S.COMPLETED, S.WITHDRAWN})
OPEN_CASE_STATES = frozenset(CaseState) - FINAL_CASE_STATES
BEFORE_CLOSED = [S.APPLIED, S.RETURNED, S.REGISTERED, S.REFERRED, S.ASSESSING, S.ASSESSED, S.IN_SERVICE]

CLOSE_REASONS = ("goals_met", "voluntary_end", "moved_away", "medical_referral", "death", "lost_contact",
                 "agreement_expired", "unreachable")
# Before service starts, the referral officer closes for these (docs/domain.md#case-machine: the early reason codes).
EARLY_CLOSE_REASONS = ("unreachable", "medical_referral", "moved_away", "death", "voluntary_end")
DECLINE_REASONS = ("no_capacity", "outside_service_area", "needs_not_matched", "other")

CASE_TRANSITIONS: list[dict] = [
    {"trigger": "register", "source": S.APPLIED, "dest": S.REGISTERED,
     "conditions": ["is_referral_officer", "has_verification"]},
    {"trigger": "return", "source": S.APPLIED, "dest": S.RETURNED,
     "conditions": ["is_referral_officer", "has_reason"]},
    {"trigger": "resubmit", "source": S.RETURNED, "dest": S.APPLIED, "conditions": ["is_creator"]},
    {"trigger": "reject", "source": S.APPLIED, "dest": S.NOT_REGISTERED,
     "conditions": ["is_referral_officer", "has_reason"]},
    {"trigger": "refer", "source": S.REGISTERED, "dest": S.REFERRED,
     "conditions": ["is_referral_officer", "institution_eligible"]},
    {"trigger": "accept", "source": S.REFERRED, "dest": S.ASSESSING, "conditions": ["is_institution_member"]},
    {"trigger": "decline", "source": S.REFERRED, "dest": S.REGISTERED,
     "conditions": ["is_institution_member", "has_decline_reason"]},
    # One event, two destinations: the assessment's result decides. Selectors last, so that a refusal
    # names what is wrong (who, missing assessment) rather than "not the other branch".
    {"trigger": "assess", "source": S.ASSESSING, "dest": S.ASSESSED,
     "conditions": ["is_institution_staff", "has_assessment", "result_suitable"]},
    {"trigger": "assess", "source": S.ASSESSING, "dest": S.REGISTERED,
     "conditions": ["is_institution_staff", "has_assessment", "has_reason", "result_unsuitable"]},
    {"trigger": "close", "source": S.REGISTERED, "dest": S.CLOSED,
     "conditions": ["is_referral_officer", "has_early_close_reason"]},
    {"trigger": "sign_agreement", "source": S.ASSESSED, "dest": S.IN_SERVICE,
     "conditions": ["is_institution_staff", "has_agreement"]},
    {"trigger": "review", "source": S.IN_SERVICE, "dest": S.IN_SERVICE,
     "conditions": ["is_institution_staff", "has_assessment"]},
    {"trigger": "transfer", "source": S.IN_SERVICE, "dest": S.REGISTERED,
     "conditions": ["is_institution_staff", "has_reason"]},
    {"trigger": "close", "source": S.IN_SERVICE, "dest": S.CLOSED,
     "conditions": ["is_institution_staff", "has_close_reason", "has_assessment"]},
    {"trigger": "follow_up", "source": S.CLOSED, "dest": S.CLOSED,
     "conditions": ["is_follow_up_party", "has_follow_up", "not_last_follow_up"]},
    {"trigger": "follow_up", "source": S.CLOSED, "dest": S.COMPLETED,
     "conditions": ["is_follow_up_party", "has_follow_up", "last_follow_up"]},
    {"trigger": "withdraw", "source": BEFORE_CLOSED, "dest": S.WITHDRAWN,
     "conditions": ["can_withdraw", "has_reason"]},
]
CASE_EVENTS = frozenset(t["trigger"] for t in CASE_TRANSITIONS)


@dataclass(frozen=True)
class CaseParty:
    """The acting user as the service worked them out (pure data for the machine)."""

    user_id: int | None
    referral_officer: bool = False  # referral_officer of the residence county
    institution_member: bool = False  # institution_admin/staff of the institution the case is with
    institution_staff: bool = False  # institution_staff of that institution
    creator: bool = False  # created the application (an assister, an officer, or the public by receipt)
    applicant: bool = False  # the applicant or guardian, by receipt number and ID check


@dataclass(frozen=True)
class CaseFacts:
    institution_eligible: bool = False  # listed, not suspended, serves the county, offers a need, has a place
    follow_ups_left: int = 0  # scheduled follow-ups not yet done, this one included
    closed_before_service: bool = False


class CaseFlow(Flow):
    states, table = CaseState, CASE_TRANSITIONS
    refused_who = N_("您不能对该个案执行此操作。")
    refused_state = N_("当前状态不允许此操作，或个案已被他人修改。请刷新后重试。")

    def __init__(self, case, party: CaseParty, facts: CaseFacts):
        super().__init__(case)
        self.party, self.facts = party, facts

    # who
    @who
    def is_referral_officer(self, data):
        return self.party.referral_officer

    @who
    def is_creator(self, data):
        return self.party.creator or self.party.applicant

    @who
    def is_institution_member(self, data):
        return self.party.institution_member

    @who
    def is_institution_staff(self, data):
        return self.party.institution_staff

    @who
    def is_follow_up_party(self, data):
        """Follow-ups are the institution's; the referral officer's when the case closed before service."""
        return self.party.referral_officer if self.facts.closed_before_service else self.party.institution_staff

    @who
    def can_withdraw(self, data):
        return self.party.applicant or self.party.creator or self.party.referral_officer

    # what
    def _text(self, data, key):
        return bool((data.get(key) or "").strip()) if isinstance(data.get(key), str) else bool(data.get(key))

    @needs("reason", N_("请填写理由。"))
    def has_reason(self, data):
        return self._text(data, "reason")

    @needs("verification", N_("请填写核实情况。"))
    def has_verification(self, data):
        return self._text(data, "verification")

    @needs("institution_id", N_("该机构不符合转介条件（须在库、未暂停、服务本县、提供所需服务且有空余名额）。"))
    def institution_eligible(self, data):
        return self.facts.institution_eligible

    @needs("reason_code", N_("请选择不接收的原因。"))
    def has_decline_reason(self, data):
        return data.get("reason_code") in DECLINE_REASONS

    @needs("assessment", N_("缺少必填内容。"))
    def has_assessment(self, data):
        return bool(data.get("assessment"))

    @selector("result")
    def result_suitable(self, data):
        return data.get("result") == "suitable"

    @selector("result")
    def result_unsuitable(self, data):
        return data.get("result") == "unsuitable"

    @needs("reason_code", N_("请选择结案原因。"))
    def has_close_reason(self, data):
        return data.get("reason_code") in CLOSE_REASONS

    @needs("reason_code", N_("该结案原因不适用于尚未接受服务的个案。"))
    def has_early_close_reason(self, data):
        return data.get("reason_code") in EARLY_CLOSE_REASONS

    @needs("agreement", N_("缺少必填内容。"))
    def has_agreement(self, data):
        return bool(data.get("agreement"))

    @needs("follow_up", N_("缺少必填内容。"))
    def has_follow_up(self, data):
        return bool(data.get("follow_up"))

    @selector
    def last_follow_up(self, data):
        return self.facts.follow_ups_left <= 1

    @selector
    def not_last_follow_up(self, data):
        return self.facts.follow_ups_left > 1


def fire_case(case, action: str, party: CaseParty, facts: CaseFacts, **data):
    return fire(CaseFlow(case, party, facts), action, **data)


def case_actions(case, party: CaseParty, facts: CaseFacts) -> list[str]:
    return available(CaseFlow(case, party, facts))
