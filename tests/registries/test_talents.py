"""服务人才库 (docs/domain.md#talent, docs/domain.md#api-contract): registration, 身份证号 and certificate rules, the county →
city approval walk, exits, the masked 身份证号 and its logged reveal, the training log and the 20-hour rule.

HTML views run with CSRF on; the API with a bearer token issued by the service."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from stdnum.cn import ric

from referral.audit.models import AuditEntry
from referral.auth.permissions import Role
from referral.calendar import today_in_china
from referral.extensions import db
from referral.id_hash import id_hash  # the number is encrypted: found by its hash
from referral.registries.models import ApprovalDecision, Pledge, PledgeKind, Talent, TrainingRecord
from tests.helpers import bearer, csrf_token, fire, login


def valid_id(base17: str) -> str:
    """A 身份证号 with the right check character for its first 17 digits (python-stdnum)."""
    number = base17 + ric.calc_check_digit(base17 + "0")
    assert ric.is_valid(number)
    return number


ID_X = valid_id("11010519850118002")  # ends in X: masks to 110105************ (never the last four)
MASKED_X = "110105************"
ID_A = valid_id("22010219850301001")
ID_B = valid_id("22010219850301002")
ID_C = valid_id("22010219850301003")
BAD_CHECKSUM = ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")
BAD_BIRTH_DATE = "22010219851301001" + ric.calc_check_digit("22010219851301001" + "0")  # month 13


# --- helpers -----------------------------------------------------------------------------------------------

def fresh(model, ident):
    """The row as the last request left it (requests run in their own app context and session)."""
    db.session.expire_all()
    return db.session.get(model, ident)


def new_talent(actor, id_number, **data) -> Talent:
    from referral.registries.services import create_talent

    talent = create_talent(actor=actor, data={"name": "王芳", "id_number": id_number, "category": "direct_service",
                                              "division_code": "220102", "phone": "13800000000", **data})
    db.session.commit()
    return talent


def make_listed(talent, owner, officials) -> Talent:
    fire(talent, owner, "submit", signer_name=owner.name)
    fire(talent, officials["county"], "county_approve")
    fire(talent, officials["city"], "city_confirm")
    assert talent.state == "listed"
    return talent


def post_form(client, path, data, *, token_from=None):
    token = csrf_token(client, token_from or path)
    response = client.post(path, data={"csrf_token": token, **data})
    if response.status_code == 302 and "/events/" in path:
        # issue 10.4: after an event the actor lands on a page they may still see.
        assert client.get(response.headers["Location"]).status_code == 200, (path, response.headers["Location"])
    return response


def audit_actions(talent_id) -> list[str]:
    db.session.expire_all()
    return db.session.scalars(db.select(AuditEntry.action).where(
        AuditEntry.object_type == "talent", AuditEntry.object_id == str(talent_id)).order_by(AuditEntry.id)).all()


def reveal_entries(talent_id) -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.action == "talent.reveal_id_number", AuditEntry.object_id == str(talent_id))
        .order_by(AuditEntry.id)).all()


def talent_count() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(Talent.id)))


@pytest.fixture
def officer(create_user):
    """A referral_officer of 南关区: registers themself in the talent registry."""
    return create_user(Role.REFERRAL_OFFICER, username="officer", division="220102", display_name="刘转介")


# --- registration --------------------------------------------------------------------------------------------

def test_institution_admin_registers_a_staff_member_through_the_form(client, draft):
    inst, admin = draft
    login(client, admin)
    response = post_form(client, "/talents/new", {
        "name": "陈护士", "id_number": ID_A, "category": "nurse", "division": "220102", "phone": "0431-88880001",
        "certificate-number": "N-2020-001", "certificate-issuer": "长春市卫生健康委员会",
        "certificate-valid_until": "2030-12-31"})
    assert response.status_code == 302
    talent = db.session.scalar(db.select(Talent).where(Talent.id_hash == id_hash(ID_A)))
    assert response.headers["Location"].endswith(f"/talents/{talent.id}")
    assert talent.state == "draft" and talent.category == "nurse"
    assert talent.institution_ids == [inst.id]  # employed by the admin's institution
    assert talent.user_id is None and talent.created_by_id == admin.id
    assert talent.certificate_valid_until == date(2030, 12, 31)
    assert audit_actions(talent.id) == ["talent.create"]


def test_admin_cannot_place_staff_in_another_institution(client, draft, create_institution):
    inst, admin = draft
    elsewhere = create_institution("别家机构")
    response = client.post("/api/v1/talents", headers=bearer(admin),
                           json={"name": "陈护工", "id_number": ID_A, "category": "volunteer", "division": "220102",
                                 "institution_id": elsewhere.id})
    assert response.status_code == 422 and "institution_id" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/talents", headers=bearer(admin),
                           json={"name": "陈护工", "id_number": ID_A, "category": "volunteer", "division": "220102",
                                 "institution_id": inst.id})
    body = response.get_json()
    assert response.status_code == 201 and body["institution_id"] == inst.id and body["institution_ids"] == [inst.id]


def test_self_registration_links_the_user(client, officer):
    response = client.post("/api/v1/talents", headers=bearer(officer),
                           json={"name": "刘转介", "id_number": ID_B, "category": "referral_staff",
                                 "division": "220102", "phone": "13800000001"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "draft" and body["institution_id"] is None and body["version"] == 1
    talent = fresh(Talent, body["id"])
    assert talent.user_id == officer.id and talent.created_by_id == officer.id and talent.institution_ids == []


def test_only_an_institution_admin_may_name_an_employer(client, officer, draft):
    inst, _admin = draft
    response = client.post("/api/v1/talents", headers=bearer(officer),
                           json={"name": "刘转介", "id_number": ID_B, "category": "referral_staff",
                                 "division": "220102", "institution_id": inst.id})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"institution_id"}
    assert talent_count() == 0


def test_self_registration_through_the_form(client, officer):
    login(client, officer)
    response = post_form(client, "/talents/new", {"name": "刘转介", "id_number": ID_B.lower(),
                                                  "category": "volunteer", "division": "220102"})
    assert response.status_code == 302
    talent = db.session.scalar(db.select(Talent))
    assert talent.user_id == officer.id and talent.institution_ids == [] and talent.id_number == ID_B


# --- 身份证号 ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [BAD_CHECKSUM, BAD_BIRTH_DATE, ID_A[:17], "22010219850301001Y"])
def test_invalid_id_number_answers_422_in_the_api(client, officer, bad):
    response = client.post("/api/v1/talents", headers=bearer(officer),
                           json={"name": "刘转介", "id_number": bad, "category": "volunteer", "division": "220102"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and "id_number" in error["fields"]
    assert talent_count() == 0


def test_invalid_id_number_is_a_form_error_in_html(client, officer):
    login(client, officer)
    response = post_form(client, "/talents/new", {"name": "刘转介", "id_number": BAD_CHECKSUM,
                                                  "category": "volunteer", "division": "220102"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "身份证号无效" in page
    assert 'id="id_number"' in page and 'aria-invalid="true"' in page
    assert talent_count() == 0


def test_x_check_character_is_accepted_in_either_case(client, officer):
    response = client.post("/api/v1/talents", headers=bearer(officer),
                           json={"name": "刘转介", "id_number": ID_X.lower(), "category": "volunteer",
                                 "division": "220102"})
    assert response.status_code == 201
    assert fresh(Talent, response.get_json()["id"]).id_number == ID_X


def test_same_id_number_with_an_open_entry_is_refused(client, officer, draft, officials):
    _inst, admin = draft
    first = new_talent(admin, ID_A)
    response = client.post("/api/v1/talents", headers=bearer(officer),
                           json={"name": "王芳", "id_number": ID_A, "category": "volunteer", "division": "220102"})
    assert response.status_code == 422
    assert "id_number" in response.get_json()["error"]["fields"]
    # The same in HTML: a message next to the field.
    login(client, officer)
    page = post_form(client, "/talents/new", {"name": "王芳", "id_number": ID_A, "category": "volunteer",
                                              "division": "220102"})
    assert page.status_code == 422 and "此人已在人才库中或正在审核" in page.get_data(as_text=True)
    assert talent_count() == 1
    # A final (rejected) entry no longer blocks a new registration of the same person.
    fire(first, admin, "submit")
    fire(first, officials["county"], "county_reject", reason="材料不实")
    assert first.state == "rejected"
    again = client.post("/api/v1/talents", headers=bearer(officer),
                        json={"name": "王芳", "id_number": ID_A, "category": "volunteer", "division": "220102"})
    assert again.status_code == 201
    assert talent_count() == 2


# --- certificate -------------------------------------------------------------------------------------------

def submit_via_api(client, user, talent_id, **extra):
    return client.post(f"/api/v1/talents/{talent_id}/events", headers=bearer(user),
                       json={"event": "submit", "accept_pledges": True, "signer_name": user.name, **extra})


@pytest.mark.parametrize("certificate", [
    None,
    {"number": "Y-2019-88", "issuer": "吉林省卫生健康委员会"},  # no valid_until
    {"number": "Y-2019-88", "valid_until": "2031-06-30"},  # no issuer
    {"issuer": "吉林省卫生健康委员会", "valid_until": "2031-06-30"},  # no number
])
def test_a_psychiatrist_cannot_be_submitted_without_a_full_certificate(client, draft, certificate):
    _inst, admin = draft
    payload = {"name": "周医生", "id_number": ID_A, "category": "psychiatrist", "division": "220102",
               "phone": "13800000002"}
    if certificate:
        payload["certificate"] = certificate
    created = client.post("/api/v1/talents", headers=bearer(admin), json=payload)
    assert created.status_code == 201  # a draft may be incomplete
    talent_id = created.get_json()["id"]
    response = submit_via_api(client, admin, talent_id)
    assert response.status_code == 422
    assert "certificate" in response.get_json()["error"]["fields"]
    # Each missing part by its Chinese name (issue 10.11).
    wanted = {"number": "请填写：执业证书编号", "issuer": "请填写：发证机关", "valid_until": "请填写：证书有效期"}
    assert response.get_json()["error"]["fields"]["certificate"] == [
        message for part, message in wanted.items() if part not in (certificate or {})]
    talent = fresh(Talent, talent_id)
    assert talent.state == "draft" and talent.submitted_at is None
    assert db.session.scalar(db.select(db.func.count(Pledge.id))) == 0


def test_a_psychiatrist_with_a_full_certificate_can_be_submitted(client, draft):
    _inst, admin = draft
    talent = new_talent(admin, ID_A, category="psychiatrist")
    headers = bearer(admin)
    patch = client.patch(f"/api/v1/talents/{talent.id}", headers=headers, json={"certificate": {
        "number": "Y-2019-88", "issuer": "吉林省卫生健康委员会", "valid_until": "2031-06-30"}})
    assert patch.status_code == 200
    assert patch.get_json()["certificate"] == {"number": "Y-2019-88", "issuer": "吉林省卫生健康委员会",
                                               "valid_until": "2031-06-30"}
    response = submit_via_api(client, admin, talent.id)
    assert response.status_code == 200
    assert response.get_json()["state"] == "county_review"


def test_a_volunteer_needs_no_certificate(client, officer):
    talent = new_talent(officer, ID_B, category="volunteer")
    response = submit_via_api(client, officer, talent.id)
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "county_review" and body["certificate"]["number"] is None
    assert body["due_date"] is not None and body["working_days_left"] is not None


def test_a_talent_accepts_only_the_confidentiality_pledge(client, officer, draft):
    # issue 10.11: the talent's submit page names the one pledge a talent signs; an institution's both.
    talent = new_talent(officer, ID_B, category="volunteer")
    login(client, officer)
    page = client.get(f"/talents/{talent.id}/events/submit").get_data(as_text=True)
    assert "我已阅读并接受保密承诺书" in page and "服务承诺书" not in page
    inst, admin = draft
    login(client, admin)
    page = client.get(f"/institutions/{inst.id}/events/submit").get_data(as_text=True)
    assert "我已阅读并接受服务承诺书和保密承诺书" in page


def test_submit_needs_the_confidentiality_pledge(client, officer):
    talent = new_talent(officer, ID_B, category="volunteer")
    response = submit_via_api(client, officer, talent.id, accept_pledges=False)
    assert response.status_code == 422
    assert "accept_pledges" in response.get_json()["error"]["fields"]
    assert fresh(Talent, talent.id).state == "draft"


# --- the approval walk -------------------------------------------------------------------------------------

def test_approval_walk_through_the_pages(client, officer, officials):
    talent = new_talent(officer, ID_B, category="direct_service", name="刘转介")
    tid = talent.id
    detail = f"/talents/{tid}"

    login(client, officer)
    response = post_form(client, f"{detail}/events/submit", {"accept_pledges": "y", "signer_name": "刘转介"})
    assert response.status_code == 302 and response.headers["Location"].endswith(detail)
    talent = fresh(Talent, tid)
    assert talent.state == "county_review" and talent.submitted_by_id == officer.id and talent.due_date
    pledges = db.session.scalars(db.select(Pledge).where(Pledge.talent_id == tid)).all()
    assert [(p.kind, p.signer_name, p.signed_by_id) for p in pledges] == [
        (PledgeKind.CONFIDENTIALITY, "刘转介", officer.id)]

    # A county official of another county does not see the entry at all.
    login(client, officials["other_county"])
    assert client.get(detail).status_code == 404
    token = csrf_token(client, "/")
    assert client.post(f"{detail}/events/county_approve", data={"csrf_token": token}).status_code == 404
    other = bearer(officials["other_county"])
    assert client.get(f"/api/v1/talents/{tid}", headers=other).status_code == 404
    assert client.post(f"/api/v1/talents/{tid}/events", headers=other,
                       json={"event": "county_approve"}).status_code == 404
    assert fresh(Talent, tid).state == "county_review"

    login(client, officials["county"])
    response = post_form(client, f"{detail}/events/county_approve", {"comment": "材料齐全"})
    assert response.status_code == 302
    assert fresh(Talent, tid).state == "city_review"

    login(client, officials["city"])
    response = post_form(client, f"{detail}/events/city_confirm", {"comment": "同意入库"})
    assert response.status_code == 302
    talent = fresh(Talent, tid)
    assert talent.state == "listed" and talent.due_date is None

    decisions = db.session.scalars(db.select(ApprovalDecision).where(ApprovalDecision.talent_id == tid)
                                   .order_by(ApprovalDecision.id)).all()
    assert [(d.event, d.from_state, d.to_state, d.level, d.actor_id) for d in decisions] == [
        ("submit", "draft", "county_review", "owner", officer.id),
        ("county_approve", "county_review", "city_review", "county", officials["county"].id),
        ("city_confirm", "city_review", "listed", "city", officials["city"].id),
    ]
    assert [d.comment for d in decisions[1:]] == ["材料齐全", "同意入库"]
    assert audit_actions(tid) == ["talent.create", "talent.submit", "talent.county_approve", "talent.city_confirm"]
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "talent.city_confirm"))
    assert entry.actor_id == officials["city"].id and entry.division_code == "220102"
    assert entry.summary["before"] == {"state": "city_review"} and entry.summary["after"] == {"state": "listed"}


def test_approval_walk_through_the_api(client, draft, officials):
    _inst, admin = draft
    talent = new_talent(admin, ID_A, category="volunteer")
    url = f"/api/v1/talents/{talent.id}/events"
    assert submit_via_api(client, admin, talent.id).status_code == 200
    response = client.post(url, headers=bearer(officials["county"]), json={"event": "county_approve", "version": 2})
    assert response.status_code == 200 and response.get_json()["state"] == "city_review"
    response = client.post(url, headers=bearer(officials["city"]), json={"event": "city_confirm"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "listed" and body["due_date"] is None and body["version"] == 4


def test_owner_cannot_approve_and_city_cannot_pre_check(client, officer, officials):
    talent = new_talent(officer, ID_B, category="volunteer")
    fire(talent, officer, "submit")
    url = f"/api/v1/talents/{talent.id}/events"
    assert client.post(url, headers=bearer(officer), json={"event": "county_approve"}).status_code == 403
    assert client.post(url, headers=bearer(officials["city"]), json={"event": "county_approve"}).status_code == 403
    assert fresh(Talent, talent.id).state == "county_review"


def test_city_confirmation_needs_a_second_person(client, officer, officials, create_user):
    """Four-eyes: someone holding both roles in the area cannot confirm what they pre-checked."""
    both = create_user(Role.COUNTY_OFFICIAL, Role.CITY_OFFICIAL, username="both", division="220102")
    talent = new_talent(officer, ID_B, category="volunteer")
    fire(talent, officer, "submit")
    fire(talent, both, "county_approve")
    url = f"/api/v1/talents/{talent.id}/events"
    response = client.post(url, headers=bearer(both), json={"event": "city_confirm"})
    assert response.status_code == 403
    assert fresh(Talent, talent.id).state == "city_review"
    assert client.post(url, headers=bearer(officials["city"]), json={"event": "city_confirm"}).status_code == 200
    assert fresh(Talent, talent.id).state == "listed"


@pytest.mark.parametrize(("state_path", "actor", "event"), [
    (["submit"], "city", "city_confirm"),  # still at the county
    (["submit", "county_approve", "city_confirm"], "county", "county_approve"),  # already listed
    ([], "county", "county_approve"),  # still a draft
])
def test_event_in_the_wrong_state_answers_409(client, officer, officials, state_path, actor, event):
    talent = new_talent(officer, ID_B, category="volunteer")
    actors = {"submit": officer, "county_approve": officials["county"], "city_confirm": officials["city"]}
    for step in state_path:
        fire(talent, actors[step], step)
    before = talent.state
    response = client.post(f"/api/v1/talents/{talent.id}/events", headers=bearer(officials[actor]),
                           json={"event": event})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert fresh(Talent, talent.id).state == before


def test_unknown_event_and_stale_version(client, officer, officials):
    talent = new_talent(officer, ID_B, category="volunteer")
    fire(talent, officer, "submit")
    url = f"/api/v1/talents/{talent.id}/events"
    headers = bearer(officials["county"])
    unknown = client.post(url, headers=headers, json={"event": "to_listed"})
    assert unknown.status_code == 422 and "event" in unknown.get_json()["error"]["fields"]
    stale = client.post(url, headers=headers, json={"event": "county_approve", "version": 1})
    assert stale.status_code == 409
    assert fresh(Talent, talent.id).state == "county_review"


def test_county_return_needs_a_reason(client, officer, officials):
    talent = new_talent(officer, ID_B, category="volunteer")
    fire(talent, officer, "submit")
    url = f"/api/v1/talents/{talent.id}/events"
    headers = bearer(officials["county"])
    for body in ({"event": "county_return"}, {"event": "county_return", "reason": "   "}):
        response = client.post(url, headers=headers, json=body)
        assert response.status_code == 422
        assert "reason" in response.get_json()["error"]["fields"]
    assert fresh(Talent, talent.id).state == "county_review"
    response = client.post(url, headers=headers, json={"event": "county_return", "reason": "联系电话有误"})
    assert response.status_code == 200 and response.get_json()["state"] == "returned"
    decision = db.session.scalars(db.select(ApprovalDecision).where(ApprovalDecision.talent_id == talent.id)
                                  .order_by(ApprovalDecision.id.desc())).first()
    assert (decision.event, decision.level, decision.comment) == ("county_return", "county", "联系电话有误")
    # A returned entry can be submitted again by its owner.
    assert submit_via_api(client, officer, talent.id).status_code == 200


# --- exits ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["qualification_lapsed", "misconduct"])
def test_county_official_revokes_with_reason_code(client, officer, officials, code):
    talent = make_listed(new_talent(officer, ID_B, category="volunteer"), officer, officials)
    response = client.post(f"/api/v1/talents/{talent.id}/events", headers=bearer(officials["county"]),
                           json={"event": "revoke", "reason": "核查属实", "reason_code": code})
    assert response.status_code == 200 and response.get_json()["state"] == "removed"
    talent = fresh(Talent, talent.id)
    assert talent.state == "removed" and talent.exit_reason_code == code
    decision = db.session.scalars(db.select(ApprovalDecision).where(ApprovalDecision.talent_id == talent.id)
                                  .order_by(ApprovalDecision.id.desc())).first()
    assert (decision.event, decision.reason_code, decision.comment) == ("revoke", code, "核查属实")
    assert audit_actions(talent.id)[-1] == "talent.revoke"


def test_revoke_through_the_page(client, officer, officials):
    talent = make_listed(new_talent(officer, ID_B, category="volunteer"), officer, officials)
    login(client, officials["county"])
    page = f"/talents/{talent.id}/events/revoke"
    assert 'name="reason_code"' in client.get(page).get_data(as_text=True)
    response = post_form(client, page, {"reason": "资格证书已过期", "reason_code": "qualification_lapsed"})
    assert response.status_code == 302
    talent = fresh(Talent, talent.id)
    assert talent.state == "removed" and talent.exit_reason_code == "qualification_lapsed"


@pytest.mark.parametrize(("actor", "body", "status", "field"), [
    ("county", {"event": "revoke", "reason": "违规"}, 422, "reason_code"),
    ("county", {"event": "revoke", "reason_code": "misconduct"}, 422, "reason"),
    ("county", {"event": "revoke", "reason": "违规", "reason_code": "voluntary"}, 422, "reason_code"),
    ("city", {"event": "revoke", "reason": "违规", "reason_code": "misconduct"}, 403, None),
    ("owner", {"event": "revoke", "reason": "违规", "reason_code": "misconduct"}, 403, None),
])
def test_revoke_is_refused_without_reason_code_or_by_others(client, officer, officials, actor, body, status, field):
    talent = make_listed(new_talent(officer, ID_B, category="volunteer"), officer, officials)
    user = officer if actor == "owner" else officials[actor]
    response = client.post(f"/api/v1/talents/{talent.id}/events", headers=bearer(user), json=body)
    assert response.status_code == status
    if field:
        assert field in response.get_json()["error"]["fields"]
    talent = fresh(Talent, talent.id)
    assert talent.state == "listed" and talent.exit_reason_code is None


def test_owner_withdraws(client, officer, officials):
    talent = make_listed(new_talent(officer, ID_B, category="volunteer"), officer, officials)
    login(client, officer)
    response = post_form(client, f"/talents/{talent.id}/events/withdraw", {"comment": "调离本市"})
    assert response.status_code == 302
    talent = fresh(Talent, talent.id)
    assert talent.state == "withdrawn" and talent.exit_reason_code == "voluntary"
    assert audit_actions(talent.id)[-1] == "talent.withdraw"
    # The county cannot withdraw someone (that is revoke), and a final entry takes no more events.
    response = client.post(f"/api/v1/talents/{talent.id}/events", headers=bearer(officials["county"]),
                           json={"event": "revoke", "reason": "x", "reason_code": "misconduct"})
    assert response.status_code == 409


def test_county_official_cannot_withdraw_for_the_owner(client, officer, officials):
    talent = make_listed(new_talent(officer, ID_B, category="volunteer"), officer, officials)
    response = client.post(f"/api/v1/talents/{talent.id}/events", headers=bearer(officials["county"]),
                           json={"event": "withdraw"})
    assert response.status_code == 403
    assert fresh(Talent, talent.id).state == "listed"


# --- 身份证号: masked, revealed with a reason, logged ----------------------------------------------------------

def test_id_number_is_masked_in_lists_and_the_api(client, officer, officials):
    talent = new_talent(officer, ID_X, name="赵掩码")
    login(client, officials["county"])
    response = client.get("/talents/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "赵掩码" in html and MASKED_X in html and ID_X not in html
    headers = bearer(officials["county"])
    listed = client.get("/api/v1/talents", headers=headers).get_json()
    assert [item["id_number"] for item in listed["items"]] == [MASKED_X]
    one = client.get(f"/api/v1/talents/{talent.id}", headers=headers)
    assert one.status_code == 200 and one.get_json()["id_number"] == MASKED_X
    assert ID_X not in one.get_data(as_text=True)
    assert reveal_entries(talent.id) == []  # reading the masked value is not a reveal


@pytest.mark.parametrize("who", ["county", "owner"])
def test_reveal_through_the_page_is_logged_each_time(client, officer, officials, who):
    talent = new_talent(officer, ID_X)
    user = officer if who == "owner" else officials[who]
    login(client, user)
    for reason in ("核对身份", "再次核对"):
        response = post_form(client, f"/talents/{talent.id}/reveal", {"reason": reason}, token_from="/")
        assert response.status_code == 200
        assert ID_X in response.get_data(as_text=True)
    entries = reveal_entries(talent.id)
    assert [(e.actor_id, e.summary["reason"]) for e in entries] == [(user.id, "核对身份"), (user.id, "再次核对")]
    assert all(e.division_code == "220102" for e in entries)


def test_reveal_without_a_reason_is_refused(client, officer, officials):
    talent = new_talent(officer, ID_X)
    login(client, officials["county"])
    detail = f"/talents/{talent.id}"
    response = post_form(client, f"{detail}/reveal", {"reason": "  "}, token_from="/")
    assert response.status_code == 302 and response.headers["Location"].endswith(detail)
    page = client.get("/talents/").get_data(as_text=True)  # the next page shows why
    assert "请说明查看完整身份证号的理由" in page and ID_X not in page
    api = client.get(f"/api/v1/talents/{talent.id}?reveal=id_number", headers=bearer(officials["county"]))
    assert api.status_code == 422 and "reason" in api.get_json()["error"]["fields"]
    assert ID_X not in api.get_data(as_text=True)
    assert reveal_entries(talent.id) == []


def test_reveal_needs_the_csrf_token(client, officer, officials):
    talent = new_talent(officer, ID_X)
    login(client, officials["county"])
    response = client.post(f"/talents/{talent.id}/reveal", data={"reason": "核对身份"})
    assert response.status_code == 400
    assert ID_X not in response.get_data(as_text=True)
    assert reveal_entries(talent.id) == []


def test_city_official_may_not_reveal(client, officer, officials):
    talent = new_talent(officer, ID_X)
    login(client, officials["city"])
    listed = client.get("/talents/").get_data(as_text=True)
    assert MASKED_X in listed  # in the city's scope, masked
    response = post_form(client, f"/talents/{talent.id}/reveal", {"reason": "好奇"}, token_from="/")
    assert response.status_code == 403 and ID_X not in response.get_data(as_text=True)
    api = client.get(f"/api/v1/talents/{talent.id}?reveal=id_number&reason=核对", headers=bearer(officials["city"]))
    assert api.status_code == 403
    assert reveal_entries(talent.id) == []


def test_reveal_through_the_api(client, officer, officials):
    talent = new_talent(officer, ID_X)
    url = f"/api/v1/talents/{talent.id}"
    response = client.get(f"{url}?reveal=id_number&reason=核对身份", headers=bearer(officials["county"]))
    assert response.status_code == 200 and response.get_json()["id_number"] == ID_X
    owner = client.get(f"{url}?reveal=id_number&reason=本人查看", headers=bearer(officer))
    assert owner.status_code == 200 and owner.get_json()["id_number"] == ID_X
    assert [(e.actor_id, e.summary["reason"]) for e in reveal_entries(talent.id)] == [
        (officials["county"].id, "核对身份"), (officer.id, "本人查看")]


# --- training log and the 20-hour rule ------------------------------------------------------------------------

def add_hours(talent, owner, *records):
    from referral.registries.services import add_training

    for day, hours in records:
        add_training(talent, actor=owner, day=day, hours=Decimal(hours), provider="长春市精神卫生中心")
    db.session.commit()


def test_owner_records_training_through_the_page(client, draft):
    _inst, admin = draft
    talent = new_talent(admin, ID_A)
    login(client, admin)
    detail = f"/talents/{talent.id}"
    today = today_in_china()
    response = post_form(client, f"{detail}/training", {"date": today.isoformat(), "hours": "9.5",
                                                         "provider": "长春市精神卫生中心", "topic": "服药训练"},
                         token_from="/")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{detail}#training")
    rows = db.session.scalars(db.select(TrainingRecord).where(TrainingRecord.talent_id == talent.id)).all()
    assert [(r.date, r.hours, r.recorded_by_id) for r in rows] == [(today, Decimal("9.5"), admin.id)]
    assert audit_actions(talent.id)[-1] == "talent.training_add"


def test_a_future_training_date_is_refused(client, draft):
    _inst, admin = draft
    talent = new_talent(admin, ID_A)
    login(client, admin)
    detail = f"/talents/{talent.id}"
    tomorrow = today_in_china() + timedelta(days=1)
    response = post_form(client, f"{detail}/training", {"date": tomorrow.isoformat(), "hours": "4",
                                                         "provider": "长春市精神卫生中心"}, token_from="/")
    assert response.status_code == 302
    assert "培训日期不能晚于今天" in client.get("/talents/new").get_data(as_text=True)  # flashed
    assert db.session.scalar(db.select(db.func.count(TrainingRecord.id))) == 0


def test_only_the_owner_records_training(client, draft, officials):
    _inst, admin = draft
    talent = new_talent(admin, ID_A)
    login(client, officials["county"])
    detail = f"/talents/{talent.id}"
    response = post_form(client, f"{detail}/training", {"date": today_in_china().isoformat(), "hours": "4",
                                                         "provider": "长春市精神卫生中心"}, token_from="/")
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count(TrainingRecord.id))) == 0


@pytest.fixture
def training_population(draft, officials):
    """Listed direct service staff of 南关区 with various hours, and some who do not count."""
    _inst, admin = draft
    today = today_in_china()
    new_year, last_year = date(today.year, 1, 1), date(today.year - 1, 12, 31)
    short = make_listed(new_talent(admin, ID_A, name="张学时不足"), admin, officials)
    add_hours(short, admin, (new_year, "10"), (today, "9.5"))
    enough = make_listed(new_talent(admin, ID_B, name="李学时已满"), admin, officials)
    add_hours(enough, admin, (new_year, "10.5"), (today, "9.5"))
    old = make_listed(new_talent(admin, ID_C, name="孙去年学时"), admin, officials)
    add_hours(old, admin, (last_year, "40"), (today, "19.5"))
    none = make_listed(new_talent(admin, valid_id("22010219850301005"), name="周零学时"), admin, officials)
    volunteer = make_listed(new_talent(admin, ID_X, name="钱志愿者", category="volunteer"), admin, officials)
    pending = new_talent(admin, valid_id("22010219850301004"), name="吴尚未入库")
    assert volunteer.state == "listed" and pending.state == "draft"
    return {"short": short, "enough": enough, "old": old, "none": none}


def shortfall_of(user) -> dict[str, Decimal]:
    from referral.registries.queries import training_shortfall

    rows = db.session.execute(training_shortfall(user, today_in_china().year)).all()
    return {talent.name: Decimal(str(hours)).quantize(Decimal("0.1")) for talent, hours in rows}


def test_training_shortfall_counts_this_years_hours_of_listed_direct_service_staff(training_population,
                                                                                    officials):
    expected = {"周零学时": Decimal("0.0"), "张学时不足": Decimal("19.5"), "孙去年学时": Decimal("19.5")}
    assert shortfall_of(officials["county"]) == expected  # 20 h exactly is enough; last year does not count
    assert list(shortfall_of(officials["county"])) == ["周零学时", "孙去年学时", "张学时不足"]  # fewest first
    assert shortfall_of(officials["city"]) == expected
    assert shortfall_of(officials["other_county"]) == {}


def test_training_shortfall_page(client, training_population, officials):
    login(client, officials["county"])
    response = client.get("/talents/training-shortfall")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "张学时不足" in page and "孙去年学时" in page and "周零学时" in page
    assert "李学时已满" not in page and "钱志愿者" not in page and "吴尚未入库" not in page


def test_training_shortfall_page_of_another_county_is_empty(client, training_population, officials):
    login(client, officials["other_county"])
    response = client.get("/talents/training-shortfall")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "没有学时不足的人员" in page and "张学时不足" not in page


def test_detail_page_masks_offers_reveal_and_shows_own_hours(client, training_population, officials):
    short = training_population["short"]
    login(client, officials["county"])
    response = client.get(f"/talents/{short.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert short.id_number not in page
    assert short.id_number[:6] + "*" * 12 in page
    assert f'action="/talents/{short.id}/reveal"' in page
    assert "累计 19.5 学时" in page and "直接服务人员每年应不少于 20 学时" in page
    assert "市级确认入库" in page  # the decision history
    enough = client.get(f"/talents/{training_population['enough'].id}").get_data(as_text=True)
    assert re.search(r"累计 20(\.0)? 学时", enough) and "直接服务人员每年应不少于 20 学时" not in enough
    login(client, officials["city"])
    response = client.get(f"/talents/{short.id}")
    assert response.status_code == 200 and "/reveal" not in response.get_data(as_text=True)


def test_training_shortfall_needs_registry_access(client, draft):
    _inst, admin = draft
    login(client, admin)  # an institution admin has no area list
    assert client.get("/talents/training-shortfall").status_code == 403
    anonymous = client.application.test_client()
    response = anonymous.get("/talents/training-shortfall")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
