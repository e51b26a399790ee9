"""Institutions: online sign-up, county pre-check, city confirmation, four-eyes, scope, concurrency."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from referral.audit.models import AuditEntry
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.errors import NotPermitted, ValidationFailed
from referral.extensions import db
from referral.registries.models import ApprovalDecision, Institution, Pledge, PledgeKind
from referral.registries.services import advance_entry
from tests.helpers import CREDIT_CODE, csrf_token, fire, login
from workflows.approval import ApprovalState

SIGNUP = {
    "name": "朝阳区康乐家园", "credit_code": "91110108551385082Q", "registration_authority": "朝阳区民政局",
    "legal_form": "social_service_org", "legal_representative": "钱明", "address": "长春市朝阳区 2 号",
    "division": "220104", "service_types": ["服药训练", "家庭支持"], "service_area": ["220104"], "capacity": "20",
    "free_places": "3", "opening_hours": "周一至周五", "contact-name": "钱明", "contact-phone": "0431-1234567",
    "admin_name": "钱明", "username": "kangle", "password": "a long password", "confirm": "a long password",
}


def signup(client, **changes):
    data = {**SIGNUP, **changes, "csrf_token": csrf_token(client, "/institutions/signup")}
    return client.post("/institutions/signup", data=data)


def test_signup_creates_a_draft_and_its_admin(client):
    response = signup(client)
    assert response.status_code == 302
    inst = db.session.scalars(db.select(Institution)).one()
    assert (inst.state, inst.division_code, inst.service_area, inst.service_types) == \
        (ApprovalState.DRAFT, "220104", ["220104"], ["家庭支持", "服药训练"])
    admin = db.session.scalars(db.select(User).where(User.username == "kangle")).one()
    assert admin.roles == {Role.INSTITUTION_ADMIN} and admin.institution_id == inst.id
    assert response.location == f"/institutions/{inst.id}"
    # Signed in as the new admin, whose first page is its own 保密承诺书 (docs/domain.md#personal-data).
    pledge = client.get(response.location)
    assert pledge.location == f"/me/pledge?next=/institutions/{inst.id}"
    accepted = client.post("/me/pledge", data={"csrf_token": csrf_token(client, pledge.location), "accept": "y",
                                               "signer_name": "钱明", "next": f"/institutions/{inst.id}"})
    assert accepted.location == f"/institutions/{inst.id}"
    page = client.get(response.location).get_data(as_text=True)
    assert "提交审核前还需要" in page and "登记证书或执业许可扫描件" in page


@pytest.mark.parametrize(("changes", "message"), [
    ({"credit_code": "91110108551385082A"}, "统一社会信用代码无效"),
    ({"service_area": ["110101"]}, "不在机构所在省份内"),
    ({"service_area": ["220199"]}, "不是有效的县级行政区划代码"),
    ({"division": "220100"}, "不是有效的县级行政区划代码"),
    ({"free_places": "30"}, "空余名额不能超过服务容量"),
    ({"capacity": "-1"}, "数值大小必须介于 0 到 100000 之间"),
    ({"confirm": "different password"}, "两次输入的密码不一致"),
])
def test_signup_refuses_bad_data_with_a_clear_message(client, changes, message):
    response = signup(client, **changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert db.session.scalar(db.select(Institution.id)) is None
    assert db.session.scalar(db.select(User.id).where(User.username == "kangle")) is None


def test_a_credit_code_registers_once_while_open(client, draft):
    response = signup(client, credit_code=CREDIT_CODE)
    assert response.status_code == 422 and "已有在库或审核中的登记" in response.get_data(as_text=True)


def test_full_walk_with_decisions_pledges_and_clocks(draft, officials):
    inst, admin = draft
    fire(inst, admin, "submit")
    assert inst.state == ApprovalState.COUNTY_REVIEW and inst.due_date is not None and inst.submitted_at
    pledges = db.session.scalars(db.select(Pledge).where(Pledge.institution_id == inst.id)).all()
    assert {p.kind for p in pledges} == {PledgeKind.SERVICE, PledgeKind.CONFIDENTIALITY}
    assert {p.signer_name for p in pledges} == {"赵磊"} and all(p.signed_at for p in pledges)
    county_due = inst.due_date
    fire(inst, officials["county"], "county_approve", comment="材料齐全")
    assert inst.state == ApprovalState.CITY_REVIEW and inst.due_date >= county_due
    fire(inst, officials["city"], "city_confirm")
    assert inst.state == ApprovalState.LISTED and inst.due_date is None
    decisions = db.session.scalars(db.select(ApprovalDecision).where(ApprovalDecision.institution_id == inst.id)
                                   .order_by(ApprovalDecision.id)).all()
    assert [(d.event, d.level, d.actor_id) for d in decisions] == [
        ("submit", "owner", admin.id), ("county_approve", "county", officials["county"].id),
        ("city_confirm", "city", officials["city"].id)]
    assert decisions[1].comment == "材料齐全"
    actions = db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.object_type == "institution")
                                 .order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["institution.submit", "institution.county_approve", "institution.city_confirm"]


def test_submit_needs_the_pledges_and_complete_data(draft):
    inst, admin = draft
    with pytest.raises(ValidationFailed) as exc:
        advance_entry(inst, actor=admin, event="submit", accept_pledges=False, signer_name="赵磊")
    assert "accept_pledges" in exc.value.fields
    db.session.rollback()
    inst.opening_hours = ""
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        advance_entry(inst, actor=admin, event="submit", accept_pledges=True, signer_name="赵磊")
    assert set(exc.value.fields) == {"opening_hours"} and "开放时间" in exc.value.message


def test_returned_entry_is_corrected_and_resubmitted(draft, officials):
    inst, admin = draft
    fire(inst, admin, "submit")
    fire(inst, officials["county"], "county_return", reason="请补充场地面积")
    assert inst.state == ApprovalState.RETURNED and inst.due_date is None
    fire(inst, admin, "submit")
    assert inst.state == ApprovalState.COUNTY_REVIEW


def test_four_eyes_the_county_approver_cannot_confirm(draft, create_user):
    inst, admin = draft
    both = create_user(Role.COUNTY_OFFICIAL, Role.CITY_OFFICIAL, username="both", division="220102")
    both.division_code = "220102"
    fire(inst, admin, "submit")
    fire(inst, both, "county_approve")
    with pytest.raises(NotPermitted, match="双人审核"):
        advance_entry(inst, actor=both, event="city_confirm")


def test_other_officials_cannot_decide(draft, officials):
    inst, admin = draft
    fire(inst, admin, "submit")
    with pytest.raises(NotPermitted):
        advance_entry(inst, actor=officials["other_county"], event="county_approve")
    with pytest.raises(NotPermitted):
        advance_entry(inst, actor=officials["city"], event="county_approve")


@pytest.mark.parametrize(("who", "status"), [("county", 200), ("city", 200), ("province", 200),
                                             ("other_county", 404), ("other_city", 404)])
def test_scope_of_the_institution_page(client, draft, officials, who, status):
    inst, _admin = draft
    login(client, officials[who])
    assert client.get(f"/institutions/{inst.id}").status_code == status


def test_another_institution_admin_gets_404(client, draft, create_user, create_institution):
    inst, _admin = draft
    login(client, create_user(Role.INSTITUTION_ADMIN, institution=create_institution("别的机构")))
    assert client.get(f"/institutions/{inst.id}").status_code == 404


def test_event_page_shows_only_allowed_actions(client, draft, officials):
    inst, admin = draft
    fire(inst, admin, "submit")
    login(client, officials["county"])
    page = client.get(f"/institutions/{inst.id}").get_data(as_text=True)
    assert "县级初核通过" in page and "市级确认入库" not in page
    assert client.get(f"/institutions/{inst.id}/events/city_confirm").status_code == 409
    login(client, officials["province"])
    assert client.get(f"/institutions/{inst.id}/events/county_approve").status_code == 403
    assert client.get(f"/institutions/{inst.id}/events/to_listed").status_code == 404


def test_county_return_through_the_form_requires_a_reason(client, draft, officials):
    inst, admin = draft
    fire(inst, admin, "submit")
    login(client, officials["county"])
    url = f"/institutions/{inst.id}/events/county_return"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": ""})
    assert response.status_code == 422 and "请填写理由" in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "缺少场地照片"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Institution, inst.id).state == ApprovalState.RETURNED


def test_two_simultaneous_city_confirms_one_wins(app, draft, officials, create_user):
    """Two city officials confirm at the same moment: both read city_review, both pass the machine;
    the version column lets exactly one commit, the other fails (409 at the HTTP layer)."""
    inst, admin = draft
    fire(inst, admin, "submit")
    fire(inst, officials["county"], "county_approve")
    second_city = create_user(Role.CITY_OFFICIAL, username="city-b", division="220100")
    outcomes = []
    with Session(db.engine) as s1, Session(db.engine) as s2:
        for session, who in ((s1, officials["city"]), (s2, second_city)):
            entry = session.get(Institution, inst.id)
            actor = session.get(User, who.id)
            from referral.registries.policies import party_for
            from referral.registries.services import facts_for
            from workflows.approval import fire_approval
            fire_approval(entry, "city_confirm", party_for(actor, entry), facts_for(entry))
            entry.due_date = None
        for session in (s1, s2):
            try:
                session.commit()
                outcomes.append("ok")
            except StaleDataError:
                session.rollback()
                outcomes.append("stale")
    assert outcomes == ["ok", "stale"]
    db.session.expire_all()
    assert db.session.get(Institution, inst.id).state == ApprovalState.LISTED
