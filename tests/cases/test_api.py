"""A case through every step by the API, as each role in turn; places taken and freed; the errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta

from referral.calendar import add_working_days, today_in_china
from referral.cases.models import Assessment, Case, FollowUp, Referral
from referral.cases.services import next_working_day
from referral.extensions import db
from referral.registries.models import Institution
from tests.helpers import ADULT_ID, application, bearer, id_number


def post_event(client, headers, case_id, **payload):
    return client.post(f"/api/v1/cases/{case_id}/events", json=payload, headers=headers)


def test_a_case_walks_every_step(client, people):
    h = {k: bearer(people[k]) for k in ("hospital", "officer", "staff", "inst_admin")}
    created = client.post("/api/v1/cases", json=application(), headers=h["hospital"])
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    assert case["state"] == "applied" and case["channel"] == "medical"
    assert case["applicant"]["id_number"] == ADULT_ID[:6] + "*" * 12  # never the last four (README.md#encryption-at-rest)
    assert case["due_date"] == add_working_days(today_in_china(), 5).isoformat() and case["working_days_left"] == 5
    cid = case["id"]
    places = people["inst"].free_places
    next_review = today_in_china() + timedelta(days=60)

    steps = [
        ("officer", {"event": "register", "verification": "身份证、户籍、出院小结已核实"}, "registered"),
        ("officer", {"event": "refer", "institution_id": people["inst"].id}, "referred"),
        ("inst_admin", {"event": "accept"}, "assessing"),
        ("staff", {"event": "assess", "result": "suitable",
                   "assessment": {"risk_grade": 1, "insight": "partial", "sdss": 8, "plan": "服药训练每周两次"}},
         "assessed"),
        ("staff", {"event": "sign_agreement", "agreement": {
            "start_date": today_in_china().isoformat(),
            "end_date": (today_in_china() + timedelta(days=180)).isoformat(),
            "service_items": ["服药训练"], "form": "day", "frequency": "每周两次", "signer_name": "李明"}},
         "in_service"),
        # a chosen next review date (a date in the payload once crashed the save: it is a column, not a domain)
        ("staff", {"event": "review", "assessment": {"risk_grade": 0, "plan": "增加社交技能训练",
                                                     "next_review_date": next_review.isoformat()}}, "in_service"),
        ("staff", {"event": "close", "reason_code": "goals_met", "assessment": {"risk_grade": 0}}, "closed"),
        # recorded at once, before the follow-ups open: each needs its reason
        ("staff", {"event": "follow_up", "reason": "本人下月外出务工，提前回访",
                   "follow_up": {"date": today_in_china().isoformat(), "method": "phone", "contact_person": "本人"}},
         "closed"),
        ("staff", {"event": "follow_up", "reason": "同上", "follow_up": {"method": "visit", "condition": "稳定"}},
         "completed"),
    ]
    for who, payload, state in steps:
        response = post_event(client, h[who], cid, **payload)
        assert response.status_code == 200, (payload["event"], response.get_json())
        assert response.get_json()["state"] == state
        if payload["event"] == "accept":
            db.session.expire_all()
            assert db.session.get(Institution, people["inst"].id).free_places == places - 1
        if payload["event"] == "close":
            db.session.expire_all()
            assert db.session.get(Institution, people["inst"].id).free_places == places
    history = client.get(f"/api/v1/cases/{cid}/history", headers=h["officer"]).get_json()["items"]
    assert [e["event"] for e in history] == ["apply"] + [p["event"] for _w, p, _s in steps]
    assessments = db.session.scalars(db.select(Assessment).order_by(Assessment.id)).all()
    assert [a.kind for a in assessments] == ["comprehensive", "staged", "closing"]
    assert assessments[1].next_review_date == next_review and "next_review_date" not in assessments[1].domains
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowUp).where(FollowUp.done_at.is_(None))) == 0


def test_decline_and_refer_elsewhere(client, people):
    h = {k: bearer(people[k]) for k in ("hospital", "officer", "inst_admin")}
    cid = client.post("/api/v1/cases", json=application(), headers=h["hospital"]).get_json()["id"]
    post_event(client, h["officer"], cid, event="register", verification="已核实")
    post_event(client, h["officer"], cid, event="refer", institution_id=people["inst"].id)
    bad = post_event(client, h["inst_admin"], cid, event="decline")
    assert bad.status_code == 422 and "reason_code" in bad.get_json()["error"]["fields"]
    declined = post_event(client, h["inst_admin"], cid, event="decline", reason_code="no_capacity", reason="满员")
    assert declined.get_json()["state"] == "registered" and declined.get_json()["institution_id"] is None
    referral = db.session.scalars(db.select(Referral)).one()
    assert (referral.status, referral.decline_reason_code) == ("declined", "no_capacity")
    # The institution no longer sees the case.
    assert client.get(f"/api/v1/cases/{cid}", headers=h["inst_admin"]).status_code == 404
    again = post_event(client, h["officer"], cid, event="refer", institution_id=people["inst"].id)
    assert again.get_json()["state"] == "referred"
    assert db.session.scalar(db.select(db.func.count()).select_from(Referral)) == 2


def test_refer_only_to_an_eligible_institution(client, people, db):
    h = {k: bearer(people[k]) for k in ("hospital", "officer")}
    cid = client.post("/api/v1/cases", json=application(), headers=h["hospital"]).get_json()["id"]
    post_event(client, h["officer"], cid, event="register", verification="已核实")
    inst = db.session.get(Institution, people["inst"].id)
    inst.free_places = 0
    db.session.commit()
    full = post_event(client, h["officer"], cid, event="refer", institution_id=inst.id)
    assert full.status_code == 422 and "institution_id" in full.get_json()["error"]["fields"]


def test_risk_gate_unsuitable_then_medical_referral_closure(client, people):
    h = {k: bearer(people[k]) for k in ("hospital", "officer", "staff", "inst_admin")}
    cid = client.post("/api/v1/cases", json=application(), headers=h["hospital"]).get_json()["id"]
    post_event(client, h["officer"], cid, event="register", verification="已核实")
    post_event(client, h["officer"], cid, event="refer", institution_id=people["inst"].id)
    post_event(client, h["inst_admin"], cid, event="accept")
    no_reason = post_event(client, h["staff"], cid, event="assess", result="unsuitable", assessment={"risk_grade": 4})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    back = post_event(client, h["staff"], cid, event="assess", result="unsuitable", reason="病情不稳定，需先就医",
                      assessment={"risk_grade": 4})
    assert back.get_json()["state"] == "registered"
    closed = post_event(client, h["officer"], cid, event="close", reason_code="medical_referral")
    assert closed.get_json()["state"] == "closed"
    case = db.session.get(Case, cid)
    assert case.closed_before_service and case.close_reason_code == "medical_referral"
    # Follow-ups of a case closed before service are the officer's.
    assert post_event(client, h["staff"], cid, event="follow_up", follow_up={"method": "phone"}).status_code == 404
    assert post_event(client, h["officer"], cid, event="follow_up", reason="提前电话回访",
                      follow_up={"method": "phone"}).get_json()["state"] == "closed"


def test_errors_of_the_events_endpoint(client, people):
    h = {k: bearer(people[k]) for k in ("hospital", "officer", "other_officer", "staff")}
    cid = client.post("/api/v1/cases", json=application(), headers=h["hospital"]).get_json()["id"]
    assert post_event(client, h["other_officer"], cid, event="register", verification="x").status_code == 404
    assert post_event(client, h["officer"], cid, event="accept").status_code == 409
    assert post_event(client, h["hospital"], cid, event="register", verification="x").status_code == 403
    missing = post_event(client, h["officer"], cid, event="register")
    assert missing.status_code == 422 and "verification" in missing.get_json()["error"]["fields"]
    assert post_event(client, h["officer"], cid, event="to_registered").status_code == 422
    assert post_event(client, h["officer"], cid, event="register", verification="x", version=99).status_code == 409


def test_scope_of_cases(client, people):
    h = {k: bearer(people[k]) for k in people if k not in ("inst",)}
    cid = client.post("/api/v1/cases", json=application(), headers=h["hospital"]).get_json()["id"]
    expected = {"hospital": 200, "officer": 200, "county": 200, "other_officer": 404, "other_county": 404,
                "city": 404, "province": 404, "staff": 404, "inst_admin": 404, "community": 404}
    for who, status in expected.items():
        assert client.get(f"/api/v1/cases/{cid}", headers=h[who]).status_code == status, who


def test_minor_needs_the_guardian_and_is_hidden_in_lists(client, people):
    child = id_number((today_in_china() - timedelta(days=365 * 12)).strftime("%Y%m%d"))
    h = {k: bearer(people[k]) for k in ("community", "officer", "county")}
    body = application(channel="other", assister_role="儿童主任",
                       applicant={"name": "小明", "id_number": child, "division": "220102"})
    refused = client.post("/api/v1/cases", json=body, headers=h["community"])
    assert refused.status_code == 422 and "consent.signer" in refused.get_json()["error"]["fields"]
    created = client.post("/api/v1/cases", json={**body, "consent": {"signer": "guardian"}}, headers=h["community"])
    assert created.status_code == 201 and created.get_json()["is_minor"] is True
    listing = client.get("/api/v1/cases", headers=h["county"]).get_json()["items"]
    assert listing[0]["applicant"]["name"] == "（未成年人）" and "小明" not in str(listing)
    assert client.get("/api/v1/cases", headers=h["officer"]).get_json()["items"][0]["applicant"]["name"] == "小明"


def test_same_person_open_case_is_flagged(client, people):
    h = bearer(people["hospital"])
    first = client.post("/api/v1/cases", json=application(), headers=h).get_json()
    second = client.post("/api/v1/cases", json=application(), headers=h).get_json()
    assert second["duplicate_of"] == first["id"] and first["duplicate_of"] is None


def test_overdue_filter(client, people, db):
    h = bearer(people["officer"])
    cid = client.post("/api/v1/cases", json=application(), headers=bearer(people["hospital"])).get_json()["id"]
    assert client.get("/api/v1/cases?overdue=1", headers=h).get_json()["total"] == 0
    case = db.session.get(Case, cid)
    case.due_date = add_working_days(today_in_china(), -1)  # due dates are working days
    db.session.commit()
    assert [c["id"] for c in client.get("/api/v1/cases?overdue=1", headers=h).get_json()["items"]] == [cid]
    assert client.get("/api/v1/cases?overdue=1", headers=h).get_json()["items"][0]["working_days_left"] < 0


def test_public_application_status_and_withdrawal(client, people):
    created = client.post("/api/v1/public/applications", json=application(channel="self"))
    assert created.status_code == 201
    receipt = created.get_json()["receipt_no"]
    assert receipt.startswith("JK") and len(receipt) == 12
    last4 = ADULT_ID[-4:]
    status = client.get(f"/api/v1/public/applications/{receipt}?id_last4={last4}")
    assert status.status_code == 200 and status.get_json()["state"] == "applied"
    assert status.get_json() == {"receipt_no": receipt, "state": "applied", "stage": "提出申请：等待初核登记",
                                 "return_reason": None}  # nothing personal
    assert client.get(f"/api/v1/public/applications/{receipt}?id_last4=0000").status_code == 404
    assert client.get(f"/api/v1/public/applications/JKNOSUCH0000?id_last4={last4}").status_code == 404
    no_reason = client.post(f"/api/v1/public/applications/{receipt}/withdraw", json={"id_last4": last4})
    assert no_reason.status_code == 422
    withdrawn = client.post(f"/api/v1/public/applications/{receipt}/withdraw",
                            json={"id_last4": last4, "reason": "家属决定暂不申请"})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["state"] == "withdrawn"
    case = db.session.scalars(db.select(Case)).one()
    assert case.created_by_id is None and case.channel == "self"


def test_two_simultaneous_events_on_one_case_one_wins(client, people):
    """Two staff members accept the same referral at the same moment: both pass the machine on what they
    read; the version column lets exactly one commit (the other is a 409 at the HTTP layer)."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    from referral.auth.models import User
    from referral.cases import services

    h = {k: bearer(people[k]) for k in ("hospital", "officer")}
    cid = client.post("/api/v1/cases", json=application(), headers=h["hospital"]).get_json()["id"]
    post_event(client, h["officer"], cid, event="register", verification="已核实")
    post_event(client, h["officer"], cid, event="refer", institution_id=people["inst"].id)
    outcomes = []
    with Session(db.engine) as s1, Session(db.engine) as s2:
        for session, who in ((s1, people["staff"]), (s2, people["inst_admin"])):
            case = session.get(Case, cid)
            from workflows.case import fire_case
            fire_case(case, "accept", services.case_party(session.get(User, who.id), case), services.case_facts(case))
        for session in (s1, s2):
            try:
                session.commit()
                outcomes.append("ok")
            except StaleDataError:
                session.rollback()
                outcomes.append("stale")
    assert outcomes == ["ok", "stale"]
    db.session.expire_all()
    assert db.session.get(Case, cid).state == "assessing"


def _in_service(client, h, people):
    cid = client.post("/api/v1/cases", json=application(), headers=h["hospital"]).get_json()["id"]
    post_event(client, h["officer"], cid, event="register", verification="已核实")
    post_event(client, h["officer"], cid, event="refer", institution_id=people["inst"].id)
    post_event(client, h["inst_admin"], cid, event="accept")
    post_event(client, h["staff"], cid, event="assess", result="suitable", assessment={"risk_grade": 1})
    response = post_event(client, h["staff"], cid, event="sign_agreement", agreement={
        "start_date": today_in_china().isoformat(), "end_date": (today_in_china() + timedelta(days=90)).isoformat(),
        "service_items": ["服药训练"], "signer_name": "李明"})
    assert response.get_json()["state"] == "in_service"
    return cid


def test_transfer_frees_the_place_and_goes_back_to_the_officer(client, people):
    h = {k: bearer(people[k]) for k in ("hospital", "officer", "staff", "inst_admin")}
    cid = _in_service(client, h, people)
    db.session.expire_all()  # the requests changed the row; read it afresh
    taken = db.session.get(Institution, people["inst"].id).free_places
    no_reason = post_event(client, h["staff"], cid, event="transfer")
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    moved = post_event(client, h["staff"], cid, event="transfer", reason="迁居到朝阳区")
    assert moved.get_json()["state"] == "registered" and moved.get_json()["institution_id"] is None
    db.session.expire_all()
    assert db.session.get(Institution, people["inst"].id).free_places == taken + 1
    assert client.get(f"/api/v1/cases/{cid}", headers=h["staff"]).status_code == 404  # no longer theirs
    assert post_event(client, h["officer"], cid, event="refer",
                      institution_id=people["inst"].id).get_json()["state"] == "referred"


@pytest.mark.parametrize("reason_code", ["goals_met", "voluntary_end", "moved_away", "medical_referral", "death",
                                         "lost_contact", "agreement_expired", "unreachable"])
def test_every_closure_reason_from_service(client, people, reason_code):
    h = {k: bearer(people[k]) for k in ("hospital", "officer", "staff", "inst_admin")}
    cid = _in_service(client, h, people)
    closed = post_event(client, h["staff"], cid, event="close", reason_code=reason_code,
                        assessment={"risk_grade": 0})
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    case = db.session.get(Case, cid)
    assert case.close_reason_code == reason_code and not case.closed_before_service
    assert [f.due_date for f in db.session.scalars(db.select(FollowUp).where(FollowUp.case_id == cid)
                                                   .order_by(FollowUp.due_date))] == \
        [next_working_day(today_in_china() + relativedelta(months=m)) for m in (1, 3)]


@pytest.mark.parametrize(("reason_code", "allowed"), [("unreachable", True), ("medical_referral", True),
                                                      ("moved_away", True), ("death", True), ("voluntary_end", True),
                                                      ("goals_met", False), ("agreement_expired", False)])
def test_closure_before_service_takes_only_the_early_reasons(client, people, reason_code, allowed):
    h = {k: bearer(people[k]) for k in ("hospital", "officer")}
    cid = client.post("/api/v1/cases", json=application(), headers=h["hospital"]).get_json()["id"]
    post_event(client, h["officer"], cid, event="register", verification="已核实")
    response = post_event(client, h["officer"], cid, event="close", reason_code=reason_code)
    assert response.status_code == (200 if allowed else 422)


def test_withdraw_while_in_service_frees_the_place(client, people):
    h = {k: bearer(people[k]) for k in ("hospital", "officer", "staff", "inst_admin")}
    cid = _in_service(client, h, people)
    db.session.expire_all()  # the requests changed the row; read it afresh
    taken = db.session.get(Institution, people["inst"].id).free_places
    response = post_event(client, h["hospital"], cid, event="withdraw", reason="本人不愿继续")
    assert response.get_json()["state"] == "withdrawn"
    db.session.expire_all()
    assert db.session.get(Institution, people["inst"].id).free_places == taken + 1


def test_a_follow_up_date_in_the_future_is_refused(client, people):
    h = {k: bearer(people[k]) for k in ("hospital", "officer", "staff", "inst_admin")}
    cid = _in_service(client, h, people)
    post_event(client, h["staff"], cid, event="close", reason_code="goals_met", assessment={"risk_grade": 0})
    later = (today_in_china() + timedelta(days=3)).isoformat()
    response = post_event(client, h["staff"], cid, event="follow_up", reason="提前回访",
                          follow_up={"date": later, "method": "visit"})
    assert response.status_code == 422 and "follow_up.date" in response.get_json()["error"]["fields"]
    day = (today_in_china() - timedelta(days=1)).isoformat()
    assert post_event(client, h["staff"], cid, event="follow_up", reason="提前回访",
                      follow_up={"date": day, "method": "visit"}).status_code == 200
    done = db.session.scalars(db.select(FollowUp).where(FollowUp.case_id == cid, FollowUp.done_at.is_not(None))).one()
    assert today_in_china(now=done.done_at).isoformat() == day


def test_a_follow_up_due_on_a_rest_day_moves_to_the_next_working_day(app):
    from datetime import date

    from referral.cases.services import follow_up_opens, next_working_day

    assert next_working_day(date(2026, 10, 3)) == date(2026, 10, 8)  # National Day week → Thursday
    assert next_working_day(date(2026, 10, 10)) == date(2026, 10, 10)  # a make-up Saturday is worked
    assert next_working_day(date(2026, 10, 12)) == date(2026, 10, 12)
    # 10-10 (make-up Saturday), 10-09, 10-08, then over the holiday to 09-30 and 09-29
    assert follow_up_opens(date(2026, 10, 12)) == date(2026, 9, 29)


def test_a_follow_up_opens_before_its_due_date_and_earlier_needs_a_reason(client, people):
    from referral.calendar import is_working_day

    h = {k: bearer(people[k]) for k in ("hospital", "officer", "staff", "inst_admin")}
    cid = _in_service(client, h, people)
    post_event(client, h["staff"], cid, event="close", reason_code="goals_met", assessment={"risk_grade": 0})
    dues = db.session.scalars(db.select(FollowUp.due_date).where(FollowUp.case_id == cid)
                              .order_by(FollowUp.due_date)).all()
    today = today_in_china()
    assert len(dues) == 2 and all(map(is_working_day, dues))
    assert dues[0] >= today + relativedelta(months=1) and dues[1] >= today + relativedelta(months=3)
    early = post_event(client, h["staff"], cid, event="follow_up", follow_up={"method": "phone"})
    assert early.status_code == 422
    fields = early.get_json()["error"]["fields"]
    assert "follow_up.date" in fields and "reason" in fields and dues[0].isoformat() in fields["reason"][0]
    assert db.session.get(Case, cid).state == "closed"
    # Three working days before it is due, the first follow-up is open: no reason needed.
    first = db.session.scalars(db.select(FollowUp).where(FollowUp.case_id == cid).order_by(FollowUp.due_date)).first()
    first.due_date = add_working_days(today, 3)
    db.session.commit()
    on_time = post_event(client, h["staff"], cid, event="follow_up", follow_up={"method": "phone"})
    assert on_time.status_code == 200 and on_time.get_json()["state"] == "closed"
    # The last one, months ahead, only with a reason, which the history keeps.
    last = post_event(client, h["staff"], cid, event="follow_up", reason="本人将迁出本市，提前回访",
                      follow_up={"method": "visit"})
    assert last.status_code == 200 and last.get_json()["state"] == "completed"
    history = client.get(f"/api/v1/cases/{cid}/history", headers=h["staff"]).get_json()
    assert any("本人将迁出本市" in str(item) for item in history["items"])


def test_assessments_keep_what_they_ask(client, people):
    # issue 10.6: the comprehensive assessment's next review date is kept and becomes the first review's due
    # date; the ratings (self-care, social adaptation, employability) are kept and printed; a closing
    # assessment has no next review date to ask for.
    from referral.documents.case_records import assessment_context
    from tests.helpers import login

    h = {k: bearer(people[k]) for k in ("hospital", "officer", "staff")}
    cid = client.post("/api/v1/cases", json=application(), headers=h["hospital"]).get_json()["id"]
    post_event(client, h["officer"], cid, event="register", verification="已核实")
    post_event(client, h["officer"], cid, event="refer", institution_id=people["inst"].id)
    post_event(client, h["staff"], cid, event="accept")
    planned = today_in_china() + timedelta(days=45)
    past = post_event(client, h["staff"], cid, event="assess", result="suitable", assessment={
        "risk_grade": 1, "next_review_date": today_in_china().isoformat()})
    assert past.status_code == 422 and "assessment.next_review_date" in past.get_json()["error"]["fields"]
    response = post_event(client, h["staff"], cid, event="assess", result="suitable", assessment={
        "risk_grade": 1, "self_care": "good", "social_adaptation": "fair", "employability": "poor",
        "next_review_date": planned.isoformat()})
    assert response.status_code == 200, response.get_json()
    post_event(client, h["staff"], cid, event="sign_agreement", agreement={
        "start_date": today_in_china().isoformat(), "end_date": (today_in_china() + timedelta(days=180)).isoformat()})
    db.session.expire_all()
    first = db.session.scalars(db.select(Assessment).where(Assessment.case_id == cid)).one()
    assert first.next_review_date == planned
    assert {k: first.domains[k] for k in ("self_care", "social_adaptation", "employability")} == \
        {"self_care": "good", "social_adaptation": "fair", "employability": "poor"}
    assert db.session.get(Case, cid).next_review_date == planned and db.session.get(Case, cid).due_date == planned
    printed = assessment_context(first, issued_on=today_in_china(), verification_code="TEST")
    assert [[o["label"] for o in a["options"] if o["checked"]] for a in printed["abilities"]] == [["良好"], ["一般"], ["较差"]]
    assert printed["next_review_date"]
    login(client, people["staff"])
    close_page = client.get(f"/cases/{cid}/events/close").get_data(as_text=True)
    assert "下次阶段性评估日期" not in close_page and "生活自理能力" in close_page


def test_the_case_json_lists_its_parts_with_their_ids(client, people):
    # issue 10.12: assessments, agreements and follow-ups with ids, so ?assessment_id= can be found by the API.
    h = {k: bearer(people[k]) for k in ("hospital", "officer", "staff")}
    cid = client.post("/api/v1/cases", json=application(), headers=h["hospital"]).get_json()["id"]
    post_event(client, h["officer"], cid, event="register", verification="已核实")
    post_event(client, h["officer"], cid, event="refer", institution_id=people["inst"].id)
    post_event(client, h["staff"], cid, event="accept")
    post_event(client, h["staff"], cid, event="assess", result="suitable", assessment={"risk_grade": 1})
    body = post_event(client, h["staff"], cid, event="sign_agreement", agreement={
        "start_date": today_in_china().isoformat(),
        "end_date": (today_in_china() + timedelta(days=90)).isoformat()}).get_json()
    assessment = db.session.scalars(db.select(Assessment).where(Assessment.case_id == cid)).one()
    assert [(a["id"], a["kind"], a["result"]) for a in body["assessments"]] == \
        [(assessment.id, "comprehensive", "suitable")]
    assert len(body["agreements"]) == 1 and body["follow_ups"] == []
    post_event(client, h["staff"], cid, event="close", reason_code="goals_met", assessment={"risk_grade": 0})
    listed = client.get("/api/v1/cases", query_string={"q": ADULT_ID}, headers=h["officer"]).get_json()["items"]
    assert [f["done"] for f in listed[0]["follow_ups"]] == [False, False]
    assert [a["kind"] for a in listed[0]["assessments"]] == ["comprehensive", "closing"]
    pdf = client.get(f"/api/v1/cases/{cid}/documents/assessment",
                     query_string={"assessment_id": body["assessments"][0]["id"]}, headers=h["staff"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
