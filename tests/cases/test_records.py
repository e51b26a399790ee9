"""Issue 12.2–12.4: what the agreement, the assessment and the follow-up record — through the API and the HTML
event forms, valid and invalid (422 naming the field, never a 500), and listed in the case JSON."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from referral.calendar import today_in_china
from referral.cases import services
from referral.cases.models import Agreement, Assessment, AssessmentKind, FollowUp
from referral.errors import ValidationFailed
from referral.extensions import db
from referral.models import utcnow
from referral.registries.models import Talent, TalentEmployment
from tests.helpers import bearer, csrf_token, login
from workflows.approval import ApprovalState

ASSESSMENT = {"risk_grade": 1, "place": "机构内评估室", "mental_state": "幻听减少，偶有猜疑", "insight": "partial",
              "medication_adherence": "regular", "physical_health": "血压偏高", "social_function": "社交退缩",
              "personal_care": "good", "housework": "fair", "work": "poor", "learning": "fair",
              "social_contact": "poor", "self_care": "good", "social_adaptation": "fair", "employability": "poor",
              "family_support": "父亲同住，支持康复", "needs_wishes": "希望找到工作", "sdss": 8, "psp": 61, "gaf": 55,
              "adl": 20, "recommended_items": ["服药训练", "社交技能训练", "职业康复训练"], "plan": "每周两次"}


@pytest.fixture
def talents(people):
    """Two listed talent entries of the serving institution, and one listed entry of no institution."""
    now = utcnow()

    def talent(name, id_number, category, employer=True, **extra):
        row = Talent(name=name, id_number=id_number, category=category, division_code="220102",
                     state=ApprovalState.LISTED, submitted_at=now, **extra)  # set-up rows: access, not the workflow
        if employer:
            row.employer_rows = [TalentEmployment(institution_id=people["inst"].id)]
        db.session.add(row)
        return row

    rows = {"wang": talent("王芳", "220102199001011239", "social_worker", certificate_number="SW-001",
                           certificate_issuer="人社部", certificate_valid_until=today_in_china() + timedelta(days=900)),
            "liu": talent("刘强", "220102198807070014", "volunteer"),
            "elsewhere": talent("孙外", "220102198505050031", "volunteer", employer=False)}
    db.session.commit()
    return rows


def post_event(client, headers, case_id, **payload):
    return client.post(f"/api/v1/cases/{case_id}/events", json=payload, headers=headers)


def agreement_payload(**extra) -> dict:
    today = today_in_china()
    return {"start_date": today.isoformat(), "end_date": (today + timedelta(days=180)).isoformat(), **extra}


def test_every_field_through_the_api_and_back_in_the_case_json(client, referred_case, people, talents):
    h = bearer(people["staff"])
    cid = referred_case.id
    ids = [talents["wang"].id, talents["liu"].id]
    r = post_event(client, h, cid, event="assess", result="suitable", assessment={**ASSESSMENT, "assessors": ids})
    assert r.status_code == 200, r.get_json()
    [a] = r.get_json()["assessments"]
    assert a["place"] == "机构内评估室" and {x["name"] for x in a["assessors"]} == {"王芳", "刘强"}
    assert {k: a[k] for k in ("personal_care", "housework", "work", "learning", "social_contact")} == {
        "personal_care": "good", "housework": "fair", "work": "poor", "learning": "fair", "social_contact": "poor"}
    assert (a["sdss"], a["psp"], a["gaf"], a["adl"]) == (8, 61, 55, 20)
    assert a["recommended_items"] == ["服药训练", "社交技能训练", "职业康复训练"] and a["family_support"] == "父亲同住，支持康复"

    # No items given: the agreement takes those the assessment recommends; no representative: the legal one.
    r = post_event(client, h, cid, event="sign_agreement", agreement=agreement_payload(
        form="home", place="服务对象家中", frequency="每周一次", fee_amount=0, fee_payer="government",
        signer_name="李父", signer_relation="父亲"))
    assert r.status_code == 200, r.get_json()
    [g] = r.get_json()["agreements"]
    assert g["service_items"] == ["服药训练", "社交技能训练", "职业康复训练"]
    assert (g["form"], g["place"], g["fee_amount"], g["fee_payer"]) == ("home", "服务对象家中", 0, "government")
    assert (g["signer_name"], g["signer_relation"], g["representative_name"]) == ("李父", "父亲", "赵磊")

    assert post_event(client, h, cid, event="close", reason_code="goals_met",
                      assessment={"risk_grade": 0}).status_code == 200
    r = post_event(client, h, cid, event="follow_up", reason="提前回访", follow_up={
        "method": "phone", "contact_person": "李父", "contact_relation": "父亲", "condition": "稳定",
        "relapsed": True, "readmitted": False, "satisfaction": "very_satisfied", "next_step": "continue"})
    assert r.status_code == 200, r.get_json()
    done = [f for f in r.get_json()["follow_ups"] if f["done"]]
    assert done and {k: done[0][k] for k in ("contact_relation", "relapsed", "readmitted", "satisfaction",
                                             "next_step", "unreachable")} == {
        "contact_relation": "父亲", "relapsed": True, "readmitted": False, "satisfaction": "very_satisfied",
        "next_step": "continue", "unreachable": False}
    r = post_event(client, h, cid, event="follow_up", reason="提前回访", follow_up={
        "method": "phone", "unreachable": True, "lost_reason": "电话停机，搬迁去向不明", "satisfaction": "satisfied",
        "relapsed": True})
    assert r.status_code == 200, r.get_json()
    lost = r.get_json()["follow_ups"][-1]
    # unreachable: what only a talk tells stays unknown, whatever was sent
    assert (lost["unreachable"], lost["lost_reason"], lost["satisfaction"], lost["relapsed"]) == (
        True, "电话停机，搬迁去向不明", None, None)


def test_agreement_fee_is_exact_and_the_representative_may_be_named(client, referred_case, people):
    h = bearer(people["staff"])
    assert post_event(client, h, referred_case.id, event="assess", result="suitable",
                      assessment={"risk_grade": 0}).status_code == 200
    r = post_event(client, h, referred_case.id, event="sign_agreement", agreement=agreement_payload(
        service_items=["心理康复"], form="other", form_other="线上小组", fee_amount=120.5, fee_payer="self",
        representative_name="钱主任"))
    assert r.status_code == 200, r.get_json()
    row = db.session.scalars(select(Agreement)).one()
    assert row.fee_amount == Decimal("120.50") and row.form_other == "线上小组" and row.representative_name == "钱主任"
    assert (row.signer_name, row.signer_relation) == ("李明", "本人")  # nobody named: the person signs


ASSESS_BAD = [
    ("sdss", 21), ("sdss", -1), ("psp", 101), ("gaf", -1), ("gaf", 101), ("adl", 13), ("adl", 57),
    ("personal_care", "excellent"), ("social_contact", "x"), ("recommended_items", ["不存在的项目"]),
    ("assessors", ["王芳"]), ("place", "地" * 256),
]


@pytest.mark.parametrize(("field", "value"), ASSESS_BAD)
def test_invalid_assessment_fields_answer_422_naming_them(client, referred_case, people, field, value):
    r = post_event(client, bearer(people["staff"]), referred_case.id, event="assess", result="suitable",
                   assessment={"risk_grade": 1, field: value})
    assert r.status_code == 422, r.get_json()
    assert f"assessment.{field}" in r.get_json()["error"]["fields"]


def test_assessors_must_be_listed_talent_of_the_institution(client, referred_case, people, talents):
    h = bearer(people["staff"])
    r = post_event(client, h, referred_case.id, event="assess", result="suitable",
                   assessment={"risk_grade": 1, "assessors": [talents["wang"].id, talents["elsewhere"].id]})
    assert r.status_code == 422 and "assessment.assessors" in r.get_json()["error"]["fields"]
    talents["liu"].state = ApprovalState.DRAFT  # no longer listed
    db.session.commit()
    r = post_event(client, h, referred_case.id, event="assess", result="suitable",
                   assessment={"risk_grade": 1, "assessors": [talents["liu"].id]})
    assert r.status_code == 422 and "assessment.assessors" in r.get_json()["error"]["fields"]
    assert db.session.scalar(select(Assessment.id)) is None


AGREE_BAD = [("form", "日间康复"), ("fee_amount", -1), ("fee_amount", 1.234), ("fee_payer", "parents"),
             ("fee_amount", "十元"), ("place", "地" * 256)]


@pytest.mark.parametrize(("field", "value"), AGREE_BAD)
def test_invalid_agreement_fields_answer_422_naming_them(client, referred_case, people, field, value):
    h = bearer(people["staff"])
    post_event(client, h, referred_case.id, event="assess", result="suitable", assessment={"risk_grade": 0})
    r = post_event(client, h, referred_case.id, event="sign_agreement", agreement=agreement_payload(**{field: value}))
    assert r.status_code == 422, r.get_json()
    assert f"agreement.{field}" in r.get_json()["error"]["fields"]


def closed_case(client, referred_case, people):
    h = bearer(people["staff"])
    for payload in ({"event": "assess", "result": "suitable", "assessment": {"risk_grade": 0}},
                    {"event": "sign_agreement", "agreement": agreement_payload()},
                    {"event": "close", "reason_code": "goals_met", "assessment": {"risk_grade": 0}}):
        assert post_event(client, h, referred_case.id, **payload).status_code == 200
    return h


@pytest.mark.parametrize(("follow_up", "field"), [
    ({"unreachable": True}, "lost_reason"), ({"unreachable": True, "lost_reason": "  "}, "lost_reason"),
    ({"satisfaction": "ok"}, "satisfaction"), ({"next_step": "later"}, "next_step"),
    ({"relapsed": "yes"}, "relapsed"), ({"contact_relation": "关" * 33}, "contact_relation"),
])
def test_invalid_follow_up_fields_answer_422_naming_them(client, referred_case, people, follow_up, field):
    h = closed_case(client, referred_case, people)
    r = post_event(client, h, referred_case.id, event="follow_up", reason="提前回访",
                   follow_up={"method": "phone", **follow_up})
    assert r.status_code == 422, r.get_json()
    assert f"follow_up.{field}" in r.get_json()["error"]["fields"]
    assert db.session.scalar(select(FollowUp.id).where(FollowUp.done_at.is_not(None))) is None


@pytest.mark.parametrize(("scale", "value"), [("sdss", 21), ("psp", 101), ("gaf", -5), ("adl", 10), ("adl", "x")])
def test_the_service_refuses_out_of_range_scales_itself(referred_case, people, scale, value):
    """A caller that bypasses the form (the demo, a script) gets the same field error, not a CHECK's 500."""
    with pytest.raises(ValidationFailed) as caught:
        services.advance_case(referred_case, actor=people["staff"], event="assess", result="suitable",
                              assessment={"risk_grade": 1, scale: value})
    assert f"assessment.{scale}" in caught.value.fields


def test_a_needs_service_again_follow_up_suggests_reapplying(client, referred_case, people):
    h = closed_case(client, referred_case, people)
    r = post_event(client, h, referred_case.id, event="follow_up", reason="提前回访",
                   follow_up={"method": "visit", "needs_service_again": True})
    assert r.status_code == 200
    assert r.get_json()["follow_ups"][0]["next_step"] == "reapply"


# --- the HTML event forms ---------------------------------------------------------------------------------

def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def test_the_pages_record_every_field(client, referred_case, people, talents):
    login(client, people["staff"])
    base = f"/cases/{referred_case.id}/events"
    page = client.get(f"{base}/assess").get_data(as_text=True)
    # the assessors are offered by name, as checkboxes: no id is ever typed
    assert "王芳" in page and "刘强" in page and "孙外" not in page
    assert f'type="checkbox" value="{talents["wang"].id}"' in page.replace('name="assessment-assessors" ', "")
    fields = {f"assessment-{k}": v for k, v in ASSESSMENT.items() if k != "recommended_items"}
    data = {"result": "suitable", **{k: str(v) for k, v in fields.items()},
            "assessment-recommended_items": ["服药训练", "家庭支持"],
            "assessment-assessors": [str(talents["wang"].id), str(talents["liu"].id)]}
    bad = post(client, f"{base}/assess", **{**data, "assessment-adl": "60"})
    assert bad.status_code == 422 and "ADL" in bad.get_data(as_text=True)
    bad = post(client, f"{base}/assess", **{**data, "assessment-sdss": "abc"})
    assert bad.status_code == 422
    assert post(client, f"{base}/assess", **data).status_code == 302
    row = db.session.scalars(select(Assessment)).one()
    assert row.kind == AssessmentKind.COMPREHENSIVE and row.place == "机构内评估室" and row.adl == 20
    assert {link.talent_id for link in row.assessor_links} == {talents["wang"].id, talents["liu"].id}
    assert row.domains["housework"] == "fair" and row.recommended_items == ["服药训练", "家庭支持"]

    page = client.get(f"{base}/sign_agreement").get_data(as_text=True)
    # the latest assessment's recommendations are ticked; the legal representative is offered
    ticked = {m.group(2) for m in re.finditer(r'<input ([^>]*)value="([^"]+)"([^>]*)>', page)
              if "agreement-service_items" in m.group(0) and "checked" in m.group(0)}
    assert ticked == {"服药训练", "家庭支持"}
    assert 'value="赵磊"' in page
    today = today_in_china()
    agreement = {"agreement-start_date": today.isoformat(),
                 "agreement-end_date": (today + timedelta(days=90)).isoformat(),
                 "agreement-service_items": ["服药训练"], "agreement-form": "residential",
                 "agreement-place": "康复中心宿舍", "agreement-fee_amount": "300.00", "agreement-fee_payer": "insurance",
                 "agreement-signer_name": "李父", "agreement-signer_relation": "父亲",
                 "agreement-representative_name": "赵磊"}
    bad = post(client, f"{base}/sign_agreement", **{**agreement, "agreement-fee_amount": "-3"})
    assert bad.status_code == 422
    assert post(client, f"{base}/sign_agreement", **agreement).status_code == 302
    g = db.session.scalars(select(Agreement)).one()
    assert (g.form, g.place, g.fee_amount, g.fee_payer, g.signer_relation) == (
        "residential", "康复中心宿舍", Decimal("300.00"), "insurance", "父亲")

    assert post(client, f"{base}/close", reason_code="goals_met", **{"assessment-risk_grade": "0"}).status_code == 302
    follow = {"reason": "提前回访", "follow_up-method": "phone", "follow_up-unreachable": "y"}
    bad = post(client, f"{base}/follow_up", **follow)
    assert bad.status_code == 422 and "请填写失访原因" in bad.get_data(as_text=True)
    assert post(client, f"{base}/follow_up", **follow, **{"follow_up-lost_reason": "空号"}).status_code == 302
    f = db.session.scalars(select(FollowUp).where(FollowUp.done_at.is_not(None))).one()
    assert f.unreachable and f.lost_reason == "空号" and f.relapsed is None
