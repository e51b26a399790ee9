"""Dynamic management of listed institutions: change requests, suspend/reinstate, removal after the
statement-and-defence window, voluntary withdrawal (docs/domain.md#registry-approval-machine)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from referral.calendar import add_working_days, today_in_china
from referral.errors import Conflict, NotPermitted, ValidationFailed
from referral.extensions import db
from referral.registries.models import ChangeRequest, ChangeState, Institution
from referral.registries.services import advance_entry, decide_change, update_institution
from tests.helpers import csrf_token, fire, login
from workflows.approval import ApprovalState


@pytest.fixture
def listed(draft, officials):
    inst, admin = draft
    fire(inst, admin, "submit")
    fire(inst, officials["county"], "county_approve")
    fire(inst, officials["city"], "city_confirm")
    return inst, admin


def test_key_field_change_waits_for_the_county_and_the_institution_stays_listed(listed, officials):
    inst, admin = listed
    change = update_institution(inst, actor=admin, data={"name": "南关区阳光康复中心（新址）", "capacity": 40,
                                                         "free_places": 10})
    db.session.commit()
    assert change is not None and change.state == ChangeState.PENDING
    assert (inst.name, inst.capacity, inst.state) == ("南关区阳光康复中心", 40, ApprovalState.LISTED)
    assert change.after == {"name": "南关区阳光康复中心（新址）"} and change.before == {"name": "南关区阳光康复中心"}
    assert change.due_date == add_working_days(today_in_china(), 10)
    with pytest.raises(Conflict, match="待县级复核"):
        update_institution(inst, actor=admin, data={"address": "新地址"})
    db.session.rollback()
    with pytest.raises(NotPermitted):
        decide_change(change, actor=admin, action="approve_change")
    db.session.rollback()
    decide_change(change, actor=officials["county"], action="approve_change")
    db.session.commit()
    assert inst.name == "南关区阳光康复中心（新址）" and change.state == ChangeState.APPROVED and change.decided_at


def test_change_request_rejected_with_reason(listed, officials):
    inst, admin = listed
    change = update_institution(inst, actor=admin, data={"service_area": ["220102"]})
    db.session.commit()
    with pytest.raises(ValidationFailed):
        decide_change(change, actor=officials["county"], action="reject_change", reason="")
    db.session.rollback()
    decide_change(change, actor=officials["county"], action="reject_change", reason="服务区域依据不足")
    db.session.commit()
    assert inst.service_area == ["220102", "220104"] and change.state == ChangeState.REJECTED


def test_change_request_through_the_pages(client, listed, officials):
    inst, admin = listed
    login(client, admin)
    url = f"/institutions/{inst.id}/edit"
    form = {"csrf_token": csrf_token(client, url), "name": "新名称", "division": "220102",
            "service_area": ["220102", "220104"], "service_types": ["服药训练", "社交技能训练"], "capacity": "30",
            "free_places": "2", "credit_code": inst.credit_code, "legal_form": "social_service_org",
            "legal_representative": "赵磊", "address": inst.address, "registration_authority": "x",
            "opening_hours": "周一至周五", "contact-name": "赵磊", "contact-phone": "0431-88880000"}
    response = client.post(url, data=form)
    assert response.status_code == 302
    db.session.expire_all()
    inst = db.session.get(Institution, inst.id)
    assert inst.name == "南关区阳光康复中心" and inst.free_places == 2  # minor change at once, key change waits
    change = db.session.scalars(db.select(ChangeRequest)).one()
    login(client, officials["county"])
    assert f'href="/institutions/{inst.id}#changes"' in client.get("/registry/queue").get_data(as_text=True)
    response = client.post(f"/change-requests/{change.id}/approve_change",
                           data={"csrf_token": csrf_token(client, f"/institutions/{inst.id}")})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Institution, inst.id).name == "新名称"


def test_suspend_and_reinstate(listed, officials):
    inst, admin = listed
    with pytest.raises(ValidationFailed):
        advance_entry(inst, actor=officials["county"], event="suspend", reason="")
    db.session.rollback()
    fire(inst, officials["county"], "suspend", reason="消防检查未通过")
    assert inst.state == ApprovalState.SUSPENDED
    fire(inst, officials["county"], "reinstate", comment="已整改")
    assert inst.state == ApprovalState.LISTED


def test_removal_waits_for_the_statement_window(listed, officials):
    inst, admin = listed
    fire(inst, officials["county"], "propose_removal", reason="抽查不合格")
    assert inst.state == ApprovalState.REMOVAL_PENDING
    assert inst.due_date == add_working_days(today_in_china(), 5)
    with pytest.raises(Conflict, match="陈述申辩期尚未结束"):
        advance_entry(inst, actor=officials["city"], event="remove", reason="抽查不合格")
    db.session.rollback()
    fire(inst, admin, "submit_statement", statement="我们已经整改，附整改报告。")
    assert inst.statement_received_at is not None and inst.due_date is not None
    with pytest.raises(Conflict, match="已提交过"):
        advance_entry(inst, actor=admin, event="submit_statement", statement="再补充")
    db.session.rollback()
    fire(inst, officials["city"], "remove", reason="整改不到位")
    assert inst.state == ApprovalState.REMOVED and inst.due_date is None


def test_removal_after_the_window_without_a_statement(listed, officials):
    inst, _admin = listed
    fire(inst, officials["county"], "propose_removal", reason="抽查不合格")
    inst.due_date = today_in_china() - timedelta(days=1)  # the window has passed
    db.session.commit()
    fire(inst, officials["city"], "remove", reason="逾期未陈述")
    assert inst.state == ApprovalState.REMOVED


def test_removal_can_be_withdrawn(listed, officials):
    inst, _admin = listed
    fire(inst, officials["county"], "propose_removal", reason="投诉")
    fire(inst, officials["city"], "withdraw_removal", reason="投诉不实")
    assert inst.state == ApprovalState.LISTED and inst.due_date is None


def test_voluntary_withdrawal_frees_the_credit_code(listed, client):
    inst, admin = listed
    fire(inst, admin, "withdraw")
    assert inst.state == ApprovalState.WITHDRAWN
    from referral.registries.services import validate_institution_data
    validate_institution_data({"credit_code": inst.credit_code, "division_code": "220102"})  # no clash any more


def test_no_edits_during_review(draft, officials):
    inst, admin = draft
    fire(inst, admin, "submit")
    with pytest.raises(Conflict):
        update_institution(inst, actor=admin, data={"capacity": 50})
