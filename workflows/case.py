"""The referral case (docs/domain.md#case-machine; state and event names are a contract): the seven statutory steps
申请 → 初核登记 → 康复转介 → 综合评估 → 服务提供 → 阶段性评估 → 结案与回访 on one machine. Pure: the adapter
is given the case, the acting party and the facts the service computed."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from workflows.engine import Flow, available, fire


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
    gating = frozenset({"is_referral_officer", "is_creator", "is_institution_member", "is_institution_staff",
                        "is_follow_up_party", "can_withdraw"})
    selectors = frozenset({"result_suitable", "result_unsuitable", "last_follow_up", "not_last_follow_up"})

    def __init__(self, case, party: CaseParty, facts: CaseFacts):
        super().__init__()
        self.case, self.party, self.facts = case, party, facts

    @property
    def state(self):
        return CaseState(self.case.state)

    @state.setter
    def state(self, value):
        self.case.state = CaseState(value)

    # who
    def is_referral_officer(self, data):
        return self.party.referral_officer

    def is_creator(self, data):
        return self.party.creator or self.party.applicant

    def is_institution_member(self, data):
        return self.party.institution_member

    def is_institution_staff(self, data):
        return self.party.institution_staff

    def is_follow_up_party(self, data):
        """Follow-ups are the institution's; the referral officer's when the case closed before service."""
        return self.party.referral_officer if self.facts.closed_before_service else self.party.institution_staff

    def can_withdraw(self, data):
        return self.party.applicant or self.party.creator or self.party.referral_officer

    # what
    def _text(self, data, key):
        return bool((data.get(key) or "").strip()) if isinstance(data.get(key), str) else bool(data.get(key))

    def has_reason(self, data):
        return self._text(data, "reason")

    def has_verification(self, data):
        return self._text(data, "verification")

    def institution_eligible(self, data):
        return self.facts.institution_eligible

    def has_decline_reason(self, data):
        return data.get("reason_code") in DECLINE_REASONS

    def has_assessment(self, data):
        return bool(data.get("assessment"))

    def result_suitable(self, data):
        return data.get("result") == "suitable"

    def result_unsuitable(self, data):
        return data.get("result") == "unsuitable"

    def has_close_reason(self, data):
        return data.get("reason_code") in CLOSE_REASONS

    def has_early_close_reason(self, data):
        return data.get("reason_code") in EARLY_CLOSE_REASONS

    def has_agreement(self, data):
        return bool(data.get("agreement"))

    def has_follow_up(self, data):
        return bool(data.get("follow_up"))

    def last_follow_up(self, data):
        return self.facts.follow_ups_left <= 1

    def not_last_follow_up(self, data):
        return self.facts.follow_ups_left > 1


def fire_case(case, action: str, party: CaseParty, facts: CaseFacts, **data):
    return fire(CaseFlow(case, party, facts), states=CaseState, table=CASE_TRANSITIONS, action=action, **data)


def case_actions(case, party: CaseParty, facts: CaseFacts) -> list[str]:
    return available(CaseFlow(case, party, facts), table=CASE_TRANSITIONS)
