"""The staff pages of a case: my tasks, the case page (progress, clock, actions), the event forms."""

from __future__ import annotations

from referral.cases import services
from referral.cases.models import Case
from referral.extensions import db
from tests.helpers import ADULT_ID, bearer, csrf_token, login


def new_case(people):
    case = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "李明", "id_number": ADULT_ID, "division_code": "220102",
        "needs": "服药训练", "service_types": ["服药训练"], "consent_signer": "applicant", "phone": "13800001234"})
    db.session.commit()
    return case


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def test_a_case_through_the_pages(client, people):
    case = new_case(people)
    login(client, people["officer"])
    page = client.get("/cases/").get_data(as_text=True)
    assert case.receipt_no in page and "李明" in page
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'aria-current="step">申请' in detail and "初核登记" in detail and "13800001234" not in detail
    assert "138****1234" in detail
    base = f"/cases/{case.id}/events"
    assert post(client, f"{base}/register", verification="").status_code == 422
    assert post(client, f"{base}/register", verification="已核实身份与户籍").status_code == 302
    refer_page = client.get(f"{base}/refer").get_data(as_text=True)
    assert people["inst"].name in refer_page
    assert post(client, f"{base}/refer", institution_id=str(people["inst"].id)).status_code == 302
    login(client, people["staff"])
    assert post(client, f"{base}/accept").status_code == 302
    response = post(client, f"{base}/assess", result="suitable", **{"assessment-risk_grade": "4"})
    assert response.status_code == 422 and "不能评为适合" in response.get_data(as_text=True)
    assert post(client, f"{base}/assess", result="unsuitable", reason="病情不稳定",
                **{"assessment-risk_grade": "4"}).status_code == 302
    login(client, people["officer"])
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "病情不稳定，应先接受医疗救治" in detail and "medical=1" in detail
    assert post(client, f"{base}/close", reason_code="medical_referral").status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "closed"


def test_event_pages_answer_403_or_409(client, people):
    case = new_case(people)
    login(client, people["hospital"])
    assert client.get(f"/cases/{case.id}/events/register").status_code == 403
    login(client, people["officer"])
    # the wrong state answers 409 whoever asks; the right state but the wrong person 403 (above)
    assert client.get(f"/cases/{case.id}/events/accept").status_code == 409
    assert client.get(f"/cases/{case.id}/events/sign_agreement").status_code == 409
    assert client.get(f"/cases/{case.id}/events/to_registered").status_code == 404
    login(client, people["other_officer"])
    assert client.get(f"/cases/{case.id}").status_code == 404


def test_reveal_is_recorded(client, people):
    from referral.audit.models import AuditEntry

    case = new_case(people)
    login(client, people["officer"])
    response = post(client, f"/cases/{case.id}/reveal", reason="电话核实")
    assert response.status_code == 200 and ADULT_ID in response.get_data(as_text=True)
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "case.reveal_identity")).one()
    assert entry.summary["reason"] == "电话核实" and entry.actor_id == people["officer"].id


def test_assister_application_form(client, people):
    login(client, people["hospital"])
    url = "/cases/new"
    response = post(client, url, channel="medical", **{"applicant-name": "王五", "applicant-id_number": ADULT_ID,
                                                       "applicant-division": "220102", "needs": "需要家庭支持",
                                                       "consent-signer": "applicant", "consent_given": "y"})
    assert response.status_code == 302
    assert db.session.scalars(db.select(Case)).one().created_by_id == people["hospital"].id
    refused = post(client, url, channel="other", **{"applicant-name": "王五", "applicant-id_number": ADULT_ID,
                                                    "applicant-division": "220102", "needs": "x",
                                                    "consent-signer": "applicant", "consent_given": "y"})
    assert refused.status_code == 422 and "申请渠道" in refused.get_data(as_text=True)


def test_service_records_while_in_service(client, people):
    from datetime import timedelta

    from referral.calendar import today_in_china
    from referral.cases.models import ServiceRecord

    case = new_case(people)
    for actor, event, data in (
            (people["officer"], "register", {"verification": "已核实"}),
            (people["officer"], "refer", {"institution_id": people["inst"].id}),
            (people["inst_admin"], "accept", {}),
            (people["staff"], "assess", {"result": "suitable", "assessment": {"risk_grade": 1}}),
            (people["staff"], "sign_agreement", {"agreement": {
                "start_date": today_in_china(), "end_date": today_in_china() + timedelta(days=90),
                "service_items": ["服药训练"], "signer_name": "李明"}})):
        services.advance_case(case, actor=actor, event=event, **data)
    db.session.commit()
    login(client, people["staff"])
    url = f"/cases/{case.id}/service-records"
    token = csrf_token(client, f"/cases/{case.id}")
    ok = client.post(url, data={"csrf_token": token, "date": today_in_china().isoformat(), "item": "服药训练",
                                "minutes": "60", "note": "小组服药训练"})
    assert ok.status_code == 302
    future = client.post(url, data={"csrf_token": token, "date": (today_in_china() + timedelta(days=2)).isoformat(),
                                    "item": "服药训练", "minutes": "60"})
    assert future.status_code == 302
    rows = db.session.scalars(db.select(ServiceRecord)).all()
    assert [(r.item, r.minutes, r.staff_id) for r in rows] == [("服药训练", 60, people["staff"].id)]
    assert "小组服药训练" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    login(client, people["officer"])
    token = csrf_token(client, f"/cases/{case.id}")
    refused = client.post(url, data={"csrf_token": token, "date": today_in_china().isoformat(), "item": "服药训练",
                                     "minutes": "30"})
    assert refused.status_code == 403


def test_the_refer_form_shows_what_the_officer_weighs(client, people):
    # issue 10.10: area, the needed items offered, free places, and an earlier refusal of this case (marked).
    case = new_case(people)
    services.advance_case(case, actor=people["officer"], event="register", verification="已核实")
    services.advance_case(case, actor=people["officer"], event="refer", institution_id=people["inst"].id)
    services.advance_case(case, actor=people["staff"], event="decline", reason_code="no_capacity", reason="满员")
    db.session.commit()
    login(client, people["officer"])
    page = client.get(f"/cases/{case.id}/events/refer").get_data(as_text=True)
    assert people["inst"].name in page
    assert "服务区域：南关区、朝阳区" in page and "可提供所需服务：服药训练" in page
    assert "曾不接收本个案" in page and "名额已满" in page
    body = client.get(f"/api/v1/cases/{case.id}/eligible-institutions", headers=bearer(people["officer"])).get_json()
    assert [(i["id"], i["declined_before"], i["needed_items"]) for i in body] == \
        [(people["inst"].id, True, ["服药训练"])]
    assert body[0]["declined"][0]["reason_code"] == "no_capacity" and body[0]["free_places"] >= 1


def test_finding_a_case(client, people):
    # issue 10.9: by receipt number, name, ID number and phone (whole), with filters, paginated with its total.
    from tests.helpers import id_number

    wanted = new_case(people)
    other = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "王强", "id_number": id_number("19700101", 456), "division_code": "220102",
        "needs": "社交", "service_types": [], "consent_signer": "applicant", "phone": "13900005678"})
    minor = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "小明", "id_number": id_number("20150101", 789), "division_code": "220102",
        "needs": "学习", "service_types": [], "consent_signer": "guardian", "phone": "13700000001",
        "guardian_name": "小明妈妈", "guardian_phone": "13700000002"})
    db.session.commit()
    login(client, people["officer"])
    for q in (wanted.receipt_no, wanted.receipt_no.lower(), "李明", ADULT_ID, "13800001234"):
        page = client.get("/cases/", query_string={"q": q}).get_data(as_text=True)
        assert wanted.receipt_no in page and other.receipt_no not in page, q
        assert "共 1 条" in page
    assert other.receipt_no not in client.get("/cases/?q=李").get_data(as_text=True)  # whole values only
    page = client.get("/cases/?minor=1").get_data(as_text=True)
    assert minor.receipt_no in page and wanted.receipt_no not in page
    page = client.get("/cases/?sort=newest").get_data(as_text=True)
    assert page.index(minor.receipt_no) < page.index(other.receipt_no) < page.index(wanted.receipt_no)
    assert client.get("/cases/?state=nonsense").status_code == 422
    # The county official sees the cases but not a minor's identity: a minor's name finds nothing for them.
    body = client.get("/api/v1/cases", query_string={"q": "小明"}, headers=bearer(people["county"])).get_json()
    assert body["total"] == 0
    body = client.get("/api/v1/cases", query_string={"q": "小明"}, headers=bearer(people["officer"])).get_json()
    assert [c["receipt_no"] for c in body["items"]] == [minor.receipt_no]
    body = client.get("/api/v1/cases", query_string={"channel": "medical", "clock": "running"},
                      headers=bearer(people["officer"])).get_json()
    assert body["total"] == 3  # applied today: the registration clock has more than 2 working days left


def test_every_event_lands_where_its_actor_may_look(client, people):
    # issue 10.4: after each event the actor lands on a page they may see (200), never on a 404.
    from tests.helpers import id_number

    def fire(actor, case, event, **data):
        login(client, people[actor])
        response = post(client, f"/cases/{case.id}/events/{event}", **data)
        assert response.status_code == 302, (event, response.get_data(as_text=True)[:500])
        landing = client.get(response.headers["Location"])
        assert landing.status_code == 200, (event, response.headers["Location"])
        return response.headers["Location"]

    inst = str(people["inst"].id)
    served = new_case(people)
    assert fire("officer", served, "register", verification="已核实") == f"/cases/{served.id}"
    fire("officer", served, "refer", institution_id=inst)
    assert fire("staff", served, "decline", reason_code="no_capacity", reason="满员") == "/cases/"  # left their view
    fire("officer", served, "refer", institution_id=inst)
    fire("staff", served, "accept")
    fire("staff", served, "assess", result="suitable", **{"assessment-risk_grade": "1"})
    fire("staff", served, "sign_agreement", **{"agreement-start_date": "2026-01-05", "agreement-end_date": "2026-12-31"})
    fire("staff", served, "review", **{"assessment-risk_grade": "1"})
    assert fire("staff", served, "transfer", reason="迁居") == "/cases/"  # back with the officer
    assert fire("officer", served, "close", reason_code="moved_away") == f"/cases/{served.id}"
    fire("officer", served, "follow_up", reason="家属来电，提前回访", **{"follow_up-method": "phone"})
    other = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "王强", "id_number": id_number("19850615", 457), "division_code": "220102",
        "needs": "社交", "service_types": ["服药训练"], "consent_signer": "applicant"})
    db.session.commit()
    fire("officer", other, "return", reason="请补充诊断证明")
    fire("hospital", other, "resubmit")
    fire("officer", other, "reject", reason="不符合条件")
    third = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "赵六", "id_number": id_number("19850615", 461), "division_code": "220102",
        "needs": "社交", "service_types": ["服药训练"], "consent_signer": "applicant"})
    db.session.commit()
    fire("hospital", third, "withdraw", reason="家属决定暂不申请")


def test_a_service_error_on_a_nested_field_shows_next_to_it(client, people):
    """The services name fields as the API does, dotted into sub-forms (applicant.division); the one mapper
    (referral.web.apply_errors) puts the message on that sub-field, not on the sub-form, nor on a 500."""
    login(client, people["hospital"])
    response = post(client, "/cases/new", channel="medical", **{
        "applicant-name": "王五", "applicant-id_number": ADULT_ID, "applicant-division": "999999",
        "needs": "需要家庭支持", "consent-signer": "applicant", "consent_given": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and db.session.scalars(db.select(Case)).all() == []
    error = page.index('id="applicant-division-error"')
    assert "请填写申请人居住地的县级行政区划代码" in page[error:error + 200]


def test_apply_errors_walks_dotted_names_and_keeps_the_rest_above_the_form(app):
    from forms.cases import CaseEventForm
    from referral.errors import ValidationFailed
    from referral.web import apply_errors

    with app.test_request_context():
        form = CaseEventForm(meta={"csrf": False})
        apply_errors(form, ValidationFailed("整体说明", fields={
            "assessment.risk_grade": ["等级"], "reason": ["理由"], "agreement": ["协议"], "nowhere": ["无处"]}))
        assert form.assessment.form.risk_grade.errors == ["等级"] and form.reason.errors == ["理由"]
        assert form.form_errors == ["协议", "无处"]  # a sub-form or an unknown name: above the form
        apply_errors(form, ValidationFailed("只有说明"))
        assert form.form_errors[-1] == "只有说明"


def test_the_officer_corrects_and_resubmits_on_the_applicants_behalf(client, people):
    # issue 10.2: the referral officer (or the assister who entered it) sees the reason and corrects it.
    case = new_case(people)
    services.advance_case(case, actor=people["officer"], event="return", reason="电话号码有误")
    db.session.commit()
    login(client, people["officer"])
    page = client.get(f"/cases/{case.id}/events/resubmit").get_data(as_text=True)
    assert "退回原因：" in page and "电话号码有误" in page and 'name="corrections-applicant-phone"' in page
    assert post(client, f"/cases/{case.id}/events/resubmit", **{"corrections-applicant-phone": "13800005555"}) \
        .status_code == 302
    db.session.expire_all()
    fixed = db.session.get(Case, case.id)
    assert (fixed.state, fixed.applicant_phone) == ("applied", "13800005555")
