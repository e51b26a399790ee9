"""The shared machine glue (workflows/engine.py): refusal kinds declared beside the conditions, dry_run,
available, required_fields and the column adapter, without Flask or a database."""

from types import SimpleNamespace

import pytest

from workflows.approval import ApprovalFlow, ApprovalState, Facts, Party
from workflows.case import CASE_EVENTS, CaseFacts, CaseFlow, CaseParty, CaseState
from workflows.change_request import ChangeFlow, ChangeParty
from workflows.engine import DATA, STATE, WHO, ActionRefused, ColumnFlow, available, dry_run, fire, required_fields
from workflows.export import EXPORT_TRANSITIONS, ExportState, fire_export
from workflows.referral import ReferralState, fire_referral
from workflows.supervision import ComplaintFlow, SpotCheckFlow

FLOWS = [CaseFlow, ApprovalFlow, ChangeFlow, SpotCheckFlow, ComplaintFlow]


@pytest.mark.parametrize("flow", FLOWS)
def test_every_condition_in_the_table_is_a_method(flow):
    for row in flow.table:
        for name in row.get("conditions", ()):
            assert callable(getattr(flow, name, None)), f"{flow.__name__}.{name}"


def test_the_who_conditions_are_declared_once_beside_each_condition():
    assert CaseFlow.gating == {"is_referral_officer", "can_resubmit", "is_institution_member", "is_institution_staff",
                               "is_follow_up_party", "can_withdraw"}
    assert ApprovalFlow.gating == {"is_owner", "is_county", "is_city", "is_county_or_city", "not_own_entry",
                                   "not_county_approver", "is_talent", "no_statement_yet", "defence_heard"}
    assert ChangeFlow.gating == {"is_county", "not_requester", "is_requester_side"}
    assert SpotCheckFlow.gating == ComplaintFlow.gating == {"is_county"}
    assert CaseFlow.selectors == {"result_suitable", "result_unsuitable", "last_follow_up", "not_last_follow_up"}


def _case(state, **party):
    return CaseFlow(SimpleNamespace(state=state), CaseParty(1, **party), CaseFacts(institution_eligible=True))


@pytest.mark.parametrize(("flow", "action", "data", "kind", "field", "message"), [
    (lambda: _case(CaseState.APPLIED), "register", {"verification": "x"}, WHO, None, "您不能对该个案执行此操作。"),
    (lambda: _case(CaseState.APPLIED, referral_officer=True), "register", {}, DATA, "verification", "请填写核实情况。"),
    (lambda: _case(CaseState.IN_SERVICE, institution_staff=True), "close", {"reason_code": "goals_met"}, DATA,
     "assessment", "缺少必填内容。"),
    (lambda: _case(CaseState.REFERRED), "register", {}, STATE, None, "当前状态不允许此操作，或个案已被他人修改。请刷新后重试。"),
    (lambda: _case(CaseState.APPLIED), "jump", {}, STATE, None, "当前状态不允许此操作，或个案已被他人修改。请刷新后重试。"),
    (lambda: ApprovalFlow(SimpleNamespace(state=ApprovalState.CITY_REVIEW), Party(5, city=True),
                          Facts("institution", county_approver_id=5)), "city_confirm", {}, WHO, None,
     "市级确认须由县级初核人以外的人员进行（双人审核）。"),
    (lambda: ApprovalFlow(SimpleNamespace(state=ApprovalState.REMOVAL_PENDING), Party(5, city=True),
                          Facts("institution")), "remove", {"reason": "x"}, STATE, None,
     "陈述申辩期尚未结束，且尚未收到陈述：暂不能移出。"),
    (lambda: ApprovalFlow(SimpleNamespace(state=ApprovalState.DRAFT), Party(5, owner=True),
                          Facts("institution")), "submit", {}, DATA, "accept_pledges", "提交前须接受服务承诺书和保密承诺书。"),
    (lambda: ChangeFlow(SimpleNamespace(state="pending"), ChangeParty(5, county=True), requested_by_id=6,
                        entry_listed=False), "approve_change", {}, STATE, None,
     "当前状态不允许此操作，或条目已被他人修改。请刷新后重试。"),
    (lambda: ComplaintFlow(SimpleNamespace(state="received"), SimpleNamespace(county=False)), "handle", {}, WHO,
     None, None),
])
def test_a_refusal_carries_what_the_flow_declared(flow, action, data, kind, field, message):
    with pytest.raises(ActionRefused) as exc:
        fire(flow(), action, **data)
    assert (exc.value.kind, exc.value.field, exc.value.message) == (kind, field, message)


def test_dry_run_never_touches_the_row_and_ignores_the_data():
    row = SimpleNamespace(state=CaseState.APPLIED)
    officer = CaseFlow(row, CaseParty(1, referral_officer=True), CaseFacts())
    assert dry_run(officer, "register") is None and row.state == CaseState.APPLIED
    refused = dry_run(CaseFlow(row, CaseParty(2), CaseFacts()), "register")
    assert refused.kind == WHO and refused.reason == "is_referral_officer" and row.state == CaseState.APPLIED
    assert dry_run(officer, "accept").reason == "wrong_state"
    # A fact of the row is still checked when the data is taken as given.
    entry = SimpleNamespace(state=ApprovalState.REMOVAL_PENDING)
    removal = ApprovalFlow(entry, Party(5, city=True), Facts("institution"))
    assert dry_run(removal, "remove").reason == "defence_heard" and entry.state == ApprovalState.REMOVAL_PENDING


def test_available_is_the_gating_conditions_only():
    assert available(_case(CaseState.APPLIED, referral_officer=True)) == ["register", "return", "reject", "withdraw"]


CASE_REQUIRED = {  # what the case pages mark as required (in event-data keys)
    "register": ["verification"], "return": ["reason"], "resubmit": [], "reject": ["reason"],
    "refer": ["institution_id"], "accept": [], "decline": ["reason_code"], "assess": ["assessment", "result"],
    "review": ["assessment"], "sign_agreement": ["agreement"], "transfer": ["reason"], "close": ["reason_code"],
    "follow_up": ["follow_up"], "withdraw": ["reason"],
}


@pytest.mark.parametrize("event", sorted(CASE_EVENTS))
def test_required_fields_come_from_the_table(event):
    assert required_fields(CaseFlow, event) == CASE_REQUIRED[event]


def test_required_fields_depend_on_the_source_state():
    assert required_fields(CaseFlow, "close", CaseState.REGISTERED) == ["reason_code"]
    assert required_fields(CaseFlow, "close", CaseState.IN_SERVICE) == ["reason_code", "assessment"]
    needs_reason = {e for e in {t["trigger"] for t in ApprovalFlow.table} if "reason" in required_fields(ApprovalFlow, e)}
    assert needs_reason == {"county_return", "county_reject", "city_return", "city_reject", "suspend",
                            "propose_removal", "remove", "withdraw_removal", "revoke"}


def test_the_column_adapter_serves_the_small_machines():
    export = SimpleNamespace(state=ExportState.QUEUED)
    assert fire_export(export, "start").dest == ExportState.RUNNING and export.state == ExportState.RUNNING
    referral = SimpleNamespace(status=ReferralState.PENDING)
    fire_referral(referral, "declined")
    assert referral.status == ReferralState.DECLINED
    with pytest.raises(ActionRefused, match="wrong_state"):
        fire_referral(referral, "accepted")
    flow = ColumnFlow(SimpleNamespace(state="queued"), "state", ExportState, EXPORT_TRANSITIONS)
    assert available(flow) == ["start", "fail"]
