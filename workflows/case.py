"""The referral case (docs/domain.md#case-machine; state and event names are a contract): the seven statutory steps
申请 → 初核登记 → 康复转介 → 综合评估 → 服务提供 → 阶段性评估 → 结案与回访 on one machine. Pure: the adapter
is given the case, the acting party and the facts the service computed."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.codes import N_, Coded
from workflows.engine import Flow, available, fire, needs, selector, who


class CaseState(Coded):
    """The steps, labelled as the public status shows them (docs/domain.md#case-machine)."""

    APPLIED = "applied", N_("提出申请：等待初核登记")
    RETURNED = "returned", N_("申请已退回，请按要求补正")
    NOT_REGISTERED = "not_registered", N_("不予登记")
    REGISTERED = "registered", N_("已登记：等待康复转介")
    REFERRED = "referred", N_("已转介：等待机构接收")
    ASSESSING = "assessing", N_("综合评估中")
    ASSESSED = "assessed", N_("评估完成：等待签订服务协议")
    IN_SERVICE = "in_service", N_("服务提供中")
    CLOSED = "closed", N_("已结案：回访中")
    COMPLETED = "completed", N_("已完成")
    WITHDRAWN = "withdrawn", N_("已撤回")


S = CaseState
FINAL_CASE_STATES = frozenset({S.NOT_REGISTERED, S.COMPLETED, S.WITHDRAWN})
OPEN_CASE_STATES = frozenset(CaseState) - FINAL_CASE_STATES
BEFORE_CLOSED = [S.APPLIED, S.RETURNED, S.REGISTERED, S.REFERRED, S.ASSESSING, S.ASSESSED, S.IN_SERVICE]
# The states whose step runs on a clock counted from entering it (docs/domain.md#deadlines); in service and
# closed the due date is the next review or follow-up; the others have none.
CLOCKED_CASE_STATES = frozenset({S.APPLIED, S.REGISTERED, S.REFERRED, S.ASSESSING, S.ASSESSED})
UNCLOCKED_CASE_STATES = frozenset({S.RETURNED}) | FINAL_CASE_STATES
# States in which the case is with an institution.
WITH_INSTITUTION_STATES = frozenset({S.REFERRED, S.ASSESSING, S.ASSESSED, S.IN_SERVICE})


class CloseReason(Coded):
    GOALS_MET = "goals_met", N_("康复目标达成")
    VOLUNTARY_END = "voluntary_end", N_("本人自愿终止")
    MOVED_AWAY = "moved_away", N_("迁出服务区域")
    MEDICAL_REFERRAL = "medical_referral", N_("住院或转介医疗")
    DEATH = "death", N_("死亡")
    LOST_CONTACT = "lost_contact", N_("失去联系")
    AGREEMENT_EXPIRED = "agreement_expired", N_("协议期满")
    UNREACHABLE = "unreachable", N_("无法联系")


# Before service starts, the referral officer closes for these (docs/domain.md#case-machine: the early reason codes).
EARLY_CLOSE_REASONS = (CloseReason.UNREACHABLE, CloseReason.MEDICAL_REFERRAL, CloseReason.MOVED_AWAY,
                       CloseReason.DEATH, CloseReason.VOLUNTARY_END)


class DeclineReason(Coded):
    NO_CAPACITY = "no_capacity", N_("名额已满")
    OUTSIDE_SERVICE_AREA = "outside_service_area", N_("不在服务区域")
    NEEDS_NOT_MATCHED = "needs_not_matched", N_("需求不匹配")
    OTHER = "other", N_("其他")


class AssessmentResult(Coded):
    SUITABLE = "suitable", N_("适合社区康复")
    UNSUITABLE = "unsuitable", N_("暂不适合")


CASE_TRANSITIONS: list[dict] = [
    {"trigger": "register", "source": S.APPLIED, "dest": S.REGISTERED,
     "conditions": ["is_referral_officer", "has_verification"]},
    {"trigger": "return", "source": S.APPLIED, "dest": S.RETURNED,
     "conditions": ["is_referral_officer", "has_reason"]},
    {"trigger": "resubmit", "source": S.RETURNED, "dest": S.APPLIED, "conditions": ["can_resubmit"]},
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
# What people call each event (buttons, history, audit log).
CASE_EVENT_LABELS = {
    "register": N_("初核登记"), "return": N_("退回补正"), "resubmit": N_("重新提交"), "reject": N_("不予登记"),
    "refer": N_("康复转介"), "accept": N_("接收"), "decline": N_("不接收"), "assess": N_("综合评估"),
    "sign_agreement": N_("签订服务协议"), "review": N_("阶段性评估"), "transfer": N_("转出"), "close": N_("结案"),
    "follow_up": N_("回访"), "withdraw": N_("撤回申请"),
}


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
    def can_resubmit(self, data):
        """A returned application is corrected by the applicant (by receipt), the assister who entered it,
        or the referral officer on their behalf (docs/domain.md#case-machine)."""
        return self.party.creator or self.party.applicant or self.party.referral_officer

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
        return data.get("reason_code") in DeclineReason.values()

    @needs("assessment", N_("缺少必填内容。"))
    def has_assessment(self, data):
        return bool(data.get("assessment"))

    @selector("result")
    def result_suitable(self, data):
        return data.get("result") == AssessmentResult.SUITABLE

    @selector("result")
    def result_unsuitable(self, data):
        return data.get("result") == AssessmentResult.UNSUITABLE

    @needs("reason_code", N_("请选择结案原因。"))
    def has_close_reason(self, data):
        return data.get("reason_code") in CloseReason.values()

    @needs("reason_code", N_("该结案原因不适用于尚未接受服务的个案。"))
    def has_early_close_reason(self, data):
        return data.get("reason_code") in CloseReason.values(EARLY_CLOSE_REASONS)

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
