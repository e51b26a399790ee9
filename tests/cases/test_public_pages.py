"""The public HTML pages of the referral case (no account), CSRF on: apply → receipt, status, withdraw.
Same rules as the public JSON endpoints: channel self, no actor, receipt number + last four ID characters,
404 for any mismatch, nothing personal on the status pages."""

from __future__ import annotations

import re

from dateutil.relativedelta import relativedelta

from referral.auth.permissions import Role
from referral.calendar import today_in_china
from referral.cases import services
from referral.cases.models import Case, CaseEvent
from referral.extensions import db
from tests.helpers import ADULT_ID, csrf_token, id_number

LAST4 = ADULT_ID[-4:]


def form_data(client, **changes) -> dict:
    """A complete application as the browser posts it (nested fields are prefixed: applicant-name …)."""
    data = {"csrf_token": csrf_token(client, "/apply"),
            "applicant-name": "王小明", "applicant-id_number": ADULT_ID, "applicant-phone": "13800001234",
            "applicant-address": "南关区幸福街 8 号", "applicant-division": "220102",
            "guardian-name": "", "guardian-relation": "", "guardian-phone": "",
            "needs": "出院后需要服药训练和社交技能训练", "service_types": ["服药训练", "社交技能训练"],
            "consent-signer": "applicant", "consent_given": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def field_error(page: str, field_id: str) -> str:
    """The error message rendered next to one field (render_field: <p class="error" id="<id>-error">)."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S)
    assert match, f"no error next to {field_id}"
    return match.group(1)


def apply(client, **changes):
    return client.post("/apply", data=form_data(client, **changes))


def submitted(client, **changes) -> Case:
    response = apply(client, **changes)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    return db.session.scalars(db.select(Case).order_by(Case.id.desc())).first()


# --- apply --------------------------------------------------------------------------------------------------

def test_the_form_is_labelled_and_hides_the_channel(client):
    page = client.get("/apply").get_data(as_text=True)
    assert '<html lang="zh-CN"' in page and "转介服务申请" in page
    for field_id in ("applicant-name", "applicant-id_number", "applicant-division", "guardian-name",
                     "guardian-phone", "needs", "consent-signer", "consent_given"):
        assert f'for="{field_id}"' in page and f'id="{field_id}"' in page
    assert 'name="channel"' not in page and 'name="assister_role"' not in page
    assert 'name="consent-signed_at"' not in page
    assert "未满 18 周岁的，必须填写监护人" in page
    assert 'aria-describedby="applicant-division-hint"' in page and 'id="applicant-division-hint"' in page
    assert 'name="csrf_token"' in page


def test_an_application_gives_a_receipt_that_matches_the_stored_case(client):
    response = apply(client, channel="medical", assister_role="伪造", **{"consent-signer": "guardian",
                                                                       "guardian-name": "王父",
                                                                       "guardian-relation": "父亲",
                                                                       "guardian-phone": "13900004321"})
    assert response.status_code == 302 and response.location.endswith("/apply/receipt")
    case = db.session.scalars(db.select(Case)).one()
    assert case.channel == "self" and case.created_by_id is None and case.assister_role == ""
    assert case.consent_signer == "guardian" and case.consent_signed_at is not None
    assert case.state == "applied" and case.division_code == "220102" and not case.is_minor
    assert case.guardian_name == "王父" and case.service_types == ["服药训练", "社交技能训练"]
    event = db.session.scalars(db.select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
    assert event.event == "apply" and event.actor_id is None

    receipt = client.get("/apply/receipt")
    page = receipt.get_data(as_text=True)
    assert receipt.status_code == 200
    assert re.search(r"<h1>[^<]*受理号[^<]*<span class=\"code receipt-no\">" + case.receipt_no + "</span></h1>", page)
    assert "初核登记" in page and "5 个工作日" in page
    assert f'href="/apply/status?receipt_no={case.receipt_no}"' in page
    assert "王小明" not in page and ADULT_ID not in page and "13800001234" not in page
    # A reload shows the same receipt and files nothing more.
    assert client.get("/apply/receipt").status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 1


def test_the_receipt_page_without_an_application_goes_to_the_form(client):
    response = client.get("/apply/receipt")
    assert response.status_code == 302 and response.location.endswith("/apply")


def _nothing_stored():
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


def test_missing_consent_is_a_field_error(client):
    response = apply(client, consent_given=None)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "须经申请人或监护人知情同意" in field_error(page, "consent_given")
    assert 'class="error-summary"' in page and 'href="#consent_given"' in page
    assert _nothing_stored()


def test_an_invalid_id_number_is_a_field_error(client):
    bad = ADULT_ID[:-1] + ("0" if ADULT_ID[-1] != "0" else "1")
    response = apply(client, **{"applicant-id_number": bad})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "身份证号无效" in field_error(page, "applicant-id_number")
    assert 'href="#applicant-id_number"' in page  # the summary lists nested fields too
    assert _nothing_stored()


def test_an_unknown_county_is_a_field_error_from_the_service(client):
    for code in ("229999", "220100"):  # no such division; a city, not a county
        response = apply(client, **{"applicant-division": code})
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "县级行政区划代码" in field_error(page, "applicant-division")
        assert 'href="#applicant-division"' in page
        assert '<option value="220000" selected>吉林省</option>' in page  # the picker stays on the province
    assert _nothing_stored()


def test_a_minor_needs_the_guardian(client):
    child = id_number((today_in_china() - relativedelta(years=12)).strftime("%Y%m%d"))
    response = apply(client, **{"applicant-id_number": child})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "监护人签署知情同意" in field_error(page, "consent-signer")
    assert "请填写监护人姓名和电话" in field_error(page, "guardian-name")
    assert _nothing_stored()

    case = submitted(client, **{"applicant-id_number": child, "consent-signer": "guardian",
                                "guardian-name": "王母", "guardian-relation": "母亲",
                                "guardian-phone": "13900004321"})
    assert case.is_minor and case.consent_signer == "guardian" and case.channel == "self"


def test_applications_are_rate_limited(client):
    for _ in range(10):
        assert apply(client, consent_given=None).status_code == 422
    assert apply(client).status_code == 429
    assert client.get("/apply").status_code == 200  # the form itself stays open
    assert _nothing_stored()


def test_the_form_refuses_a_post_without_csrf(client):
    data = form_data(client)
    data.pop("csrf_token")
    response = client.post("/apply", data=data)
    assert response.status_code in (400, 422)
    assert _nothing_stored()


def test_garbage_is_never_a_500(client):
    response = client.post("/apply", data={"csrf_token": csrf_token(client, "/apply"),
                                           "applicant-id_number": "x" * 500, "service_types": ["没有这项"],
                                           "consent-signer": "somebody", "applicant-division": "abc"})
    assert response.status_code == 422
    assert _nothing_stored()


# --- status -------------------------------------------------------------------------------------------------

def look_up(client, receipt_no, id_last4):
    return client.post("/apply/status", data={"csrf_token": csrf_token(client, "/apply/status"),
                                              "receipt_no": receipt_no, "id_last4": id_last4})


def test_status_shows_the_stage_and_nothing_personal(client):
    case = submitted(client)
    blank = client.get("/apply/status")
    assert blank.status_code == 200 and 'for="receipt_no"' in blank.get_data(as_text=True)
    assert '<form method="post" action="/apply/status"' in blank.get_data(as_text=True)
    prefilled = client.get(f"/apply/status?receipt_no={case.receipt_no}")  # the receipt page's link
    assert prefilled.status_code == 200 and f'value="{case.receipt_no}"' in prefilled.get_data(as_text=True)
    assert 'class="error"' not in prefilled.get_data(as_text=True)
    # The lookup is a POST: a GET carrying the ID characters looks nothing up (they stay out of the URL).
    assert "progress-title" not in client.get(f"/apply/status?receipt_no={case.receipt_no}&id_last4={LAST4}").get_data(
        as_text=True)

    found = look_up(client, case.receipt_no.lower(), LAST4)
    page = found.get_data(as_text=True)
    assert found.status_code == 200
    assert "提出申请：等待初核登记" in page and "applied" not in page and case.receipt_no in page
    for personal in ("王小明", ADULT_ID, "13800001234", "幸福街", "服药训练"):
        assert personal not in page
    assert f'href="/apply/withdraw?receipt_no={case.receipt_no}"' in page


def test_status_is_404_for_any_mismatch(client):
    case = submitted(client)
    wrong = "0000" if LAST4 != "0000" else "1111"
    for receipt, last4 in ((case.receipt_no, wrong), ("JKNOSUCH0000", LAST4)):
        response = look_up(client, receipt, last4)
        page = response.get_data(as_text=True)
        assert response.status_code == 404
        assert "未找到" in page and "提出申请" not in page and "王小明" not in page


def test_status_with_missing_fields_is_a_field_error(client):
    response = look_up(client, "", "")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field_error(page, "receipt_no")
    field_error(page, "id_last4")


def test_status_lookups_are_rate_limited(client):
    for _ in range(30):
        assert look_up(client, "JKNOSUCH0000", "1234").status_code == 404
    assert look_up(client, "JKNOSUCH0000", "1234").status_code == 429
    assert client.get("/apply/status").status_code == 200  # the empty form is not a lookup


# --- a returned application: its reason, and the correction by the applicant ---------------------------------

def test_a_returned_application_is_corrected_and_resubmitted_by_the_applicant(client, create_user):
    # issue 10.2: the public see why it was returned and correct it, on the page and through the API.
    case = submitted(client)
    officer = create_user(Role.REFERRAL_OFFICER, username="officer", division="220102")
    services.advance_case(db.session.get(Case, case.id), actor=officer, event="return",
                          reason="请补充监护人联系方式和详细住址")
    db.session.commit()
    page = look_up(client, case.receipt_no, LAST4).get_data(as_text=True)
    assert "申请已退回" in page and "退回原因" in page and "请补充监护人联系方式和详细住址" in page
    assert "补正后重新提交" in page and f'value="{LAST4}"' in page and "王小明" not in page
    token = csrf_token(client, "/apply/status")
    bad = client.post("/apply/resubmit", data={"csrf_token": token, "receipt_no": case.receipt_no,
                                               "id_last4": LAST4, "applicant-phone": "12"})
    assert bad.status_code == 422 and "补正后重新提交" in bad.get_data(as_text=True)
    done = client.post("/apply/resubmit", data={
        "csrf_token": token, "receipt_no": case.receipt_no, "id_last4": LAST4,
        "applicant-address": "南关区幸福街 8 号 2 单元 301", "guardian-name": "王父", "guardian-phone": "13900001111"})
    assert done.status_code == 200 and "已重新提交" in done.get_data(as_text=True)
    db.session.expire_all()
    fixed = db.session.get(Case, case.id)
    assert (fixed.state, fixed.applicant_address, fixed.guardian_name, fixed.applicant_phone) == \
        ("applied", "南关区幸福街 8 号 2 单元 301", "王父", "13800001234")
    assert fixed.due_date is not None  # the registration clock runs again
    event = db.session.scalars(db.select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                          CaseEvent.event == "resubmit")).one()
    assert event.actor_id is None and event.summary["corrected"] == ["applicant_address", "guardian_name",
                                                                     "guardian_phone"]
    # Through the API: the status carries the reason while returned, and the resubmit takes corrections.
    services.advance_case(fixed, actor=officer, event="return", reason="电话打不通")
    db.session.commit()
    status = client.get(f"/api/v1/public/applications/{case.receipt_no}", query_string={"id_last4": LAST4})
    assert status.get_json()["return_reason"] == "电话打不通"
    wrong = client.post(f"/api/v1/public/applications/{case.receipt_no}/resubmit",
                        json={"id_last4": "0000" if LAST4 != "0000" else "1111"})
    assert wrong.status_code == 404
    again = client.post(f"/api/v1/public/applications/{case.receipt_no}/resubmit",
                        json={"id_last4": LAST4, "applicant": {"phone": "13800009999"}})
    assert again.status_code == 200 and again.get_json()["state"] == "applied"
    assert again.get_json()["return_reason"] is None
    db.session.expire_all()
    assert db.session.get(Case, case.id).applicant_phone == "13800009999"


# --- withdraw -----------------------------------------------------------------------------------------------

def withdraw(client, **data):
    return client.post("/apply/withdraw", data={"csrf_token": csrf_token(client, "/apply/withdraw"), **data})


def test_withdrawal_with_a_reason(client):
    case = submitted(client)
    form = client.get(f"/apply/withdraw?receipt_no={case.receipt_no}").get_data(as_text=True)
    assert f'value="{case.receipt_no}"' in form and 'id="reason"' in form

    no_reason = withdraw(client, receipt_no=case.receipt_no, id_last4=LAST4, reason="")
    assert no_reason.status_code == 422 and field_error(no_reason.get_data(as_text=True), "reason")

    response = withdraw(client, receipt_no=case.receipt_no, id_last4=LAST4, reason="家属决定暂不申请")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "已撤回" in page and "王小明" not in page
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == "withdrawn"
    event = db.session.scalars(db.select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                          CaseEvent.event == "withdraw")).one()
    assert event.from_state == "applied" and event.to_state == "withdrawn" and event.actor_id is None
    assert event.summary == {"reason": "家属决定暂不申请"}

    again = withdraw(client, receipt_no=case.receipt_no, id_last4=LAST4, reason="再撤一次")
    assert again.status_code == 409 and "不能再撤回" in again.get_data(as_text=True)
    assert 'id="reason"' not in again.get_data(as_text=True)  # nothing left to submit


def test_withdrawal_of_an_unknown_receipt_or_wrong_last4_is_404(client):
    case = submitted(client)
    wrong = "0000" if LAST4 != "0000" else "1111"
    for receipt, last4 in (("JKNOSUCH0000", LAST4), (case.receipt_no, wrong)):
        response = withdraw(client, receipt_no=receipt, id_last4=last4, reason="不需要了")
        assert response.status_code == 404 and "未找到" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "applied"


def test_a_closed_case_cannot_be_withdrawn(client, create_user):
    case = submitted(client)
    officer = create_user(Role.REFERRAL_OFFICER, username="officer", division="220102")
    case = db.session.get(Case, case.id)
    services.advance_case(case, actor=officer, event="register", verification="已核实")
    services.advance_case(case, actor=officer, event="close", reason_code="unreachable")
    db.session.commit()

    status = look_up(client, case.receipt_no, LAST4).get_data(as_text=True)
    assert "已结案" in status and "/apply/withdraw" not in status
    response = withdraw(client, receipt_no=case.receipt_no, id_last4=LAST4, reason="不需要了")
    assert response.status_code == 409 and "不能再撤回" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "closed"


# --- choosing the county of residence ------------------------------------------------------------------------

def test_the_county_is_chosen_from_lists_not_typed(client):
    # issue 10.5: province → (one reload without JavaScript) → the province's counties grouped by city.
    page = client.get("/apply").get_data(as_text=True)
    assert 'name="applicant-division__province"' in page and '<option value="220000">吉林省</option>' in page
    assert '<select id="applicant-division" name="applicant-division"' in page
    assert 'value="220102"' not in page  # no county offered before a province is chosen
    reloaded = client.post("/apply", data={"csrf_token": csrf_token(client, "/apply"), "applicant-name": "王小明",
                                           "applicant-division__province": "220000",
                                           "division_refresh": "applicant-division"})
    page = reloaded.get_data(as_text=True)
    assert reloaded.status_code == 200 and 'class="error"' not in page  # a reload, not a refused submit
    assert '<optgroup label="长春市"><option value="220102">南关区</option>' in page
    assert 'value="王小明"' in page  # what was typed survives the reload
    assert '<option value="220000" selected>吉林省</option>' in page
    lists = client.get("/divisions/picker/220000.json").get_json()
    assert {"code": "220102", "name": "南关区"} in next(g for g in lists["groups"] if g["label"] == "长春市")["options"]
    assert client.get("/divisions/picker/999999.json").status_code == 404


def test_an_officials_area_may_be_a_province_a_city_or_a_county(app):
    # The user form's picker offers every level (forms/users.py: levels); an applicant's, counties only.
    from referral.divisions.picker import picker_lists

    _provinces, groups = picker_lists("220000", ("province", "city", "county"))
    offered = {code for _label, options in groups for code, _name in options}
    assert {"220000", "220100", "220102"} <= offered
    _provinces, groups = picker_lists("220000", ("county",))
    assert not {"220000", "220100"} & {code for _label, options in groups for code, _name in options}
