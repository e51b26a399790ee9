"""The staff pages of a case: my tasks, the case page (progress, clock, actions), the event forms."""

from __future__ import annotations

from referral.cases import services
from referral.cases.models import Case
from referral.extensions import db
from tests.helpers import ADULT_ID, csrf_token, login


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
