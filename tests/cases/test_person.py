"""The person's record (issue 12.1, DESIGN §3.5; docs/domain.md#the-persons-record): every field through the
API and the page, valid and invalid (422 naming the field), masking and the audited reveal of the health data,
who may edit, and the record on the two documents that print it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEntry
from referral.calendar import today_in_china
from referral.cases.models import Case, CasePerson
from referral.documents.case_file import basic_file_context, blank_basic_file
from referral.documents.catalog import render_html
from referral.documents.context import application_context, blank_context
from referral.documents.pdf import render_pdf
from referral.extensions import db
from tests.documents.pdfcheck import flat, text_of
from tests.helpers import ADULT_ID, application, bearer, csrf_token, login

FULL = {
    "ethnicity": "10", "marital_status": "divorced", "education": "senior_secondary", "employment": "unemployed",
    "living_arrangement": "with_family",
    "diagnosis": {"icd10": "F20", "name": "ignored: the list names it", "diagnosed_on": "2015-03-01"},
    "medications": [{"name": "利培酮", "dose": "2mg", "frequency": "每日两次"},
                    {"name": "丙戊酸镁缓释片", "dose": "250mg", "frequency": "每晚一次"}],
    "disability_certificate": {"number": ADULT_ID + "62", "grade": 2},
    "subsistence_allowance": True, "medical_insurance": "resident", "smd_registered": False,
}


def _patch(client, case_id, who, body):
    return client.patch(f"/api/v1/cases/{case_id}", json=body, headers=bearer(who))


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


@pytest.fixture
def filled(client, referred_case, people):
    """The referred case with every field of the record, set by the institution's staff through the API."""
    response = _patch(client, referred_case.id, people["staff"], {"person": FULL, "eligibility_group": "severe_mental_disorder"})
    assert response.status_code == 200, response.get_json()
    return referred_case


# --- the API --------------------------------------------------------------------------------------------------

def test_patch_sets_every_field_and_answers_it_masked(client, filled, people):
    db.session.expire_all()
    person = db.session.get(CasePerson, filled.id)
    assert (person.ethnicity, person.marital_status, person.education, person.employment,
            person.living_arrangement) == ("10", "divorced", "senior_secondary", "unemployed", "with_family")
    assert (person.diagnosis_icd10, person.diagnosis_name, person.diagnosed_on.isoformat()) == \
        ("F20", "精神分裂症", "2015-03-01")
    assert person.medications[0] == {"name": "利培酮", "dose": "2mg", "frequency": "每日两次"}
    assert (person.disability_certificate_number, person.disability_grade) == (ADULT_ID + "62", 2)
    assert (person.subsistence_allowance, person.medical_insurance, person.smd_registered) == (True, "resident", False)
    assert db.session.get(Case, filled.id).eligibility_group == "severe_mental_disorder"
    answer = client.get(f"/api/v1/cases/{filled.id}", headers=bearer(people["staff"])).get_json()["person"]
    assert answer["diagnosis"] == "***" and answer["medications"] == "***"
    assert answer["ethnicity"] == "10" and answer["smd_registered"] is False
    assert answer["disability_certificate"] == {"number": ADULT_ID[:6] + "*" * 14, "grade": 2}
    # the audit names the fields that changed, never a value
    entry = _audit("case.update_person")[-1]
    assert sorted(entry.summary["fields"]) == sorted([*FULL, "eligibility_group"])
    assert "利培酮" not in str(entry.summary) and "F20" not in str(entry.summary)


def test_reveal_health_needs_a_reason_and_is_recorded(client, filled, people):
    url = f"/api/v1/cases/{filled.id}?reveal=health"
    assert client.get(url, headers=bearer(people["officer"])).status_code == 422
    answer = client.get(url + "&reason=核实用药", headers=bearer(people["officer"])).get_json()["person"]
    assert answer["diagnosis"] == {"icd10": "F20", "name": "精神分裂症", "diagnosed_on": "2015-03-01"}
    assert answer["medications"][1] == {"name": "丙戊酸镁缓释片", "dose": "250mg", "frequency": "每晚一次"}
    entry = _audit("case.reveal_health")[-1]
    assert entry.actor_id == people["officer"].id and entry.summary["reason"] == "核实用药"
    # a county official sees the case, but its health data is not their task
    refused = client.get(url + "&reason=看看", headers=bearer(people["county"]))
    assert refused.status_code == 403
    assert client.get(f"/api/v1/cases/{filled.id}", headers=bearer(people["county"])).get_json()["person"][
        "diagnosis"] == "***"


def test_the_list_masks_health_data_for_everyone(client, filled, people):
    items = client.get("/api/v1/cases", headers=bearer(people["staff"])).get_json()["items"]
    mine = next(i for i in items if i["id"] == filled.id)
    assert mine["person"]["diagnosis"] == "***" and mine["person"]["medications"] == "***"


def test_patch_changes_only_the_keys_sent_and_null_clears(client, filled, people):
    assert _patch(client, filled.id, people["officer"], {"person": {"ethnicity": "01", "diagnosis": None}}).status_code == 200
    db.session.expire_all()
    person = db.session.get(CasePerson, filled.id)
    assert person.ethnicity == "01" and person.diagnosis_icd10 is None and person.diagnosed_on is None
    assert person.marital_status == "divorced" and len(person.medications) == 2 and person.subsistence_allowance
    assert db.session.get(Case, filled.id).eligibility_group == "severe_mental_disorder"  # not sent: kept
    assert _audit("case.update_person")[-1].summary["fields"] == ["diagnosis", "ethnicity"]


@pytest.mark.parametrize(("payload", "field"), [
    ({"ethnicity": "60"}, "person.ethnicity"),
    ({"ethnicity": 1}, "person.ethnicity"),
    ({"marital_status": "single"}, "person.marital_status"),
    ({"education": "phd"}, "person.education"),
    ({"employment": "busy"}, "person.employment"),
    ({"living_arrangement": "hotel"}, "person.living_arrangement"),
    ({"diagnosis": {"icd10": "F08"}}, "person.diagnosis.icd10"),
    ({"diagnosis": {"icd10": "G40"}}, "person.diagnosis.icd10"),
    ({"diagnosis": {"icd10": "other"}}, "person.diagnosis.name"),
    ({"diagnosis": {"icd10": "F32", "diagnosed_on": "2999-01-01"}}, "person.diagnosis.diagnosed_on"),
    ({"diagnosis": {"name": "抑郁", "diagnosed_on": "2020-01-01"}}, "person.diagnosis.diagnosed_on"),
    ({"diagnosis": "F20"}, "person.diagnosis"),
    ({"medications": [{"dose": "2mg"}]}, "person.medications.0.name"),
    ({"medications": [{"name": "药" * 65}]}, "person.medications.0.name"),
    ({"medications": [{"name": "利培酮", "frequency": "x" * 33}]}, "person.medications.0.frequency"),
    ({"medications": ["利培酮"]}, "person.medications.0"),
    ({"medications": "利培酮"}, "person.medications"),
    ({"medications": [{"name": "a"}] * 21}, "person.medications"),
    ({"disability_certificate": {"grade": 5}}, "person.disability_certificate.grade"),
    ({"disability_certificate": {"grade": "二级"}}, "person.disability_certificate.grade"),
    ({"disability_certificate": {"number": "2201-02"}}, "person.disability_certificate.number"),
    ({"subsistence_allowance": "yes"}, "person.subsistence_allowance"),
    ({"medical_insurance": "private"}, "person.medical_insurance"),
    ({"smd_registered": 1}, "person.smd_registered"),
    ({"blood_type": "A"}, "person.blood_type"),
])
def test_invalid_fields_answer_422_naming_them(client, referred_case, people, payload, field):
    response = _patch(client, referred_case.id, people["staff"], {"person": payload})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert db.session.get(CasePerson, referred_case.id) is None  # nothing kept


def test_other_diagnosis_keeps_its_typed_name(client, referred_case, people):
    body = {"person": {"diagnosis": {"icd10": "other", "name": "癫痫所致精神障碍"}}}
    assert _patch(client, referred_case.id, people["staff"], body).status_code == 200
    person = db.session.get(CasePerson, referred_case.id)
    assert (person.diagnosis_icd10, person.diagnosis_name) == ("other", "癫痫所致精神障碍")


@pytest.mark.parametrize(("who", "status"), [("county", 403), ("hospital", 403), ("inst_admin", 403),
                                             ("other_officer", 404), ("city", 404)])
def test_who_may_not_edit(client, referred_case, people, who, status):
    assert _patch(client, referred_case.id, people[who], {"person": {"ethnicity": "01"}}).status_code == status
    assert db.session.get(CasePerson, referred_case.id) is None


def test_a_finished_case_keeps_its_record(client, referred_case, people):
    from referral.cases import services

    services.advance_case(referred_case, actor=people["officer"], event="withdraw", reason="家属决定")
    db.session.commit()
    assert _patch(client, referred_case.id, people["officer"], {"person": {"ethnicity": "01"}}).status_code == 409


def test_application_takes_the_record_in_applicant(client, people):
    body = application()
    body["applicant"] = {**body["applicant"], **FULL}
    made = client.post("/api/v1/cases", json=body, headers=bearer(people["hospital"]))
    assert made.status_code == 201, made.get_json()
    person = db.session.get(CasePerson, made.get_json()["id"])
    assert person.diagnosis_icd10 == "F20" and person.ethnicity == "10" and len(person.medications) == 2
    assert made.get_json()["person"]["diagnosis"] == "***"
    bad = application()
    bad["applicant"] = {**bad["applicant"], "diagnosis": {"icd10": "other"}, "ethnicity": "00"}
    refused = client.post("/api/v1/cases", json=bad, headers=bearer(people["hospital"]))
    assert refused.status_code == 422
    assert {"applicant.diagnosis.name", "applicant.ethnicity"} <= set(refused.get_json()["error"]["fields"])


def test_an_application_without_the_record_stores_no_row(client, people):
    made = client.post("/api/v1/public/applications", json=application(channel="self", assister_role=""))
    assert made.status_code == 201
    case = db.session.scalar(select(Case).where(Case.receipt_no == made.get_json()["receipt_no"]))
    assert db.session.get(CasePerson, case.id) is None


# --- the pages ------------------------------------------------------------------------------------------------

def _form_body(client, url, **fields):
    body = {"csrf_token": csrf_token(client, url), "eligibility_group": "", "person-ethnicity": "",
            "person-marital_status": "", "person-education": "", "person-employment": "",
            "person-living_arrangement": "", "person-diagnosis-icd10": "", "person-diagnosis-name": "",
            "person-diagnosis-diagnosed_on": "", "person-disability_certificate-number": "",
            "person-disability_certificate-grade": "", "person-subsistence_allowance": "",
            "person-medical_insurance": "", "person-smd_registered": ""}
    body.update(fields)
    return body


def test_the_person_page_saves_every_field(client, referred_case, people):
    login(client, people["staff"])
    url = f"/cases/{referred_case.id}/person"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for hint in ("用于了解家庭支持", "F20 精神分裂症", "朝鲜族", "精神残疾等级", "用于与精防随访衔接"):
        assert hint in html, hint
    assert _audit("case.reveal_health")[-1].actor_id == people["staff"].id  # the form shows the health data
    body = _form_body(client, url, **{
        "eligibility_group": "depression", "person-ethnicity": "03", "person-marital_status": "married",
        "person-education": "junior_college", "person-employment": "employed", "person-living_arrangement": "alone",
        "person-diagnosis-icd10": "F32", "person-diagnosis-diagnosed_on": "2019-05-20",
        "person-medications-0-name": "舍曲林", "person-medications-0-dose": "50mg",
        "person-medications-0-frequency": "每日一次", "person-medications-1-name": "",
        "person-disability_certificate-number": ADULT_ID + "63", "person-disability_certificate-grade": "3",
        "person-subsistence_allowance": "false", "person-medical_insurance": "employee",
        "person-smd_registered": "true"})
    response = client.post(url, data=body)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    person = db.session.get(CasePerson, referred_case.id)
    assert (person.ethnicity, person.marital_status, person.education, person.employment, person.living_arrangement,
            person.diagnosis_icd10, person.diagnosis_name, person.diagnosed_on.isoformat()) == \
        ("03", "married", "junior_college", "employed", "alone", "F32", "抑郁发作", "2019-05-20")
    assert person.medications == [{"name": "舍曲林", "dose": "50mg", "frequency": "每日一次"}]
    assert (person.disability_grade, person.subsistence_allowance, person.medical_insurance, person.smd_registered) \
        == (3, False, "employee", True)
    assert db.session.get(Case, referred_case.id).eligibility_group == "depression"
    # the case page lists the record with the health data hidden
    detail = client.get(f"/cases/{referred_case.id}").get_data(as_text=True)
    assert "回族" in detail and "城镇职工基本医疗保险" in detail and "抑郁发作" not in detail and "舍曲林" not in detail
    revealed = client.post(f"/cases/{referred_case.id}/reveal-health",
                           data={"csrf_token": csrf_token(client, "/"), "reason": "制定康复计划"})
    assert revealed.status_code == 200 and "F32 抑郁发作" in revealed.get_data(as_text=True)
    assert "舍曲林 50mg 每日一次" in revealed.get_data(as_text=True)
    assert _audit("case.reveal_health")[-1].summary["reason"] == "制定康复计划"


@pytest.mark.parametrize(("fields", "message"), [
    ({"person-diagnosis-icd10": "other"}, "请填写诊断名称"),
    ({"person-medications-0-dose": "2mg"}, "请填写药名"),
    ({"person-disability_certificate-grade": "7"}, "person-disability_certificate-grade-error"),
    ({"person-ethnicity": "99"}, "person-ethnicity-error"),
    ({"person-diagnosis-icd10": "F20", "person-diagnosis-diagnosed_on": "2999-01-01"}, "不能晚于今天"),
])
def test_the_person_page_shows_what_is_wrong(client, referred_case, people, fields, message):
    login(client, people["officer"])
    url = f"/cases/{referred_case.id}/person"
    response = client.post(url, data=_form_body(client, url, **fields))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.get(CasePerson, referred_case.id) is None


def test_the_registration_page_links_the_record(client, people):
    from referral.cases import services

    case = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "王五", "id_number": ADULT_ID, "division_code": "220102", "needs": "x",
        "service_types": [], "consent_signer": "applicant"})
    db.session.commit()
    login(client, people["officer"])
    assert f"/cases/{case.id}/person" in client.get(f"/cases/{case.id}/events/register").get_data(as_text=True)


def test_applications_take_the_record_on_the_staff_and_public_pages(client, people):
    def post(url, **extra):
        body = {"csrf_token": csrf_token(client, url), "channel": "medical", "assister_role": "",
                "applicant-name": "赵六", "applicant-id_number": ADULT_ID, "applicant-division": "220102",
                "needs": "康复", "consent-signer": "applicant", "consent_given": "y",
                "applicant-ethnicity": "11", "applicant-diagnosis-icd10": "F31",
                "applicant-medications-0-name": "碳酸锂", "applicant-medications-0-dose": "0.25g",
                "applicant-medications-0-frequency": "每日三次", "applicant-smd_registered": "true", **extra}
        return client.post(url, data=body)

    assert "其他信息（选填）" in client.get("/apply").get_data(as_text=True)
    assert post("/apply", channel="self").status_code == 302
    login(client, people["hospital"])
    assert "其他信息（选填）" in client.get("/cases/new").get_data(as_text=True)
    assert post("/cases/new").status_code == 302
    persons = db.session.scalars(select(CasePerson)).all()
    assert len(persons) == 2 and all(p.diagnosis_name == "双相情感障碍" and p.ethnicity == "11" and p.smd_registered
                                     and p.medications[0]["name"] == "碳酸锂" for p in persons)


# --- the documents --------------------------------------------------------------------------------------------

def _text(context) -> str:
    return flat(text_of(render_pdf(render_html(context))))


def test_both_documents_print_every_field_of_a_full_record(filled):
    values = ("朝鲜族", "■离婚", "■高中／中专", "■失业", "■与家人同住", "F20精神分裂症", "2015年03月01日",
              "利培酮2mg每日两次", "丙戊酸镁缓释片250mg每晚一次", ADULT_ID + "62", "■二级", "■享受低保或特困人员供养",
              "■城乡居民基本医疗保险", "■严重精神障碍")
    basic = _text(basic_file_context(filled))
    for value in (*values, "残疾人证□无■有", "纳入精防管理□是■否", "第2页共2页"):
        assert flat(value) in basic, value
    app_text = _text(application_context(filled))
    for value in (*values, "纳入精防管理：□是■否", "第1页共1页"):  # still one sheet
        assert flat(value) in app_text, value


def test_blank_documents_keep_the_record_to_fill_by_hand(app):
    for text in (_text(blank_basic_file()), _text(blank_context())):
        assert "■" not in text
        for value in ("民族", "□未婚□已婚□离婚□丧偶", "□一级□二级□三级□四级", "□城镇职工基本医疗保险"):
            assert flat(value) in text, value


def test_blank_and_filled_contexts_have_the_same_keys(filled):
    assert basic_file_context(filled)["record"].keys() == blank_basic_file()["record"].keys()
    assert application_context(filled)["record"].keys() == blank_context()["record"].keys()


def test_dates_of_the_record_are_not_in_the_future(client, referred_case, people):
    tomorrow = (today_in_china() + timedelta(days=1)).isoformat()
    response = _patch(client, referred_case.id, people["staff"],
                      {"person": {"diagnosis": {"icd10": "F20", "diagnosed_on": tomorrow}}})
    assert response.status_code == 422 and "person.diagnosis.diagnosed_on" in response.get_json()["error"]["fields"]


# --- the demo -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("profiles", [None, {}], ids=["tests' profile", "baseline only"])
def test_the_demo_cases_carry_real_looking_records(app, tmp_path, profiles):
    if profiles is not None:
        app.config["ELIGIBILITY_PROFILES"] = profiles  # a production start: the demo must still seed
    app.instance_path = str(tmp_path)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    cases = db.session.scalars(select(Case)).all()
    persons = {p.case_id: p for p in db.session.scalars(select(CasePerson))}
    assert len(persons) == len(cases)
    assert {p.diagnosis_icd10 for p in persons.values()} >= {"F20", "F31", "F32", "F84"}
    assert any(m == {"name": "利培酮", "dose": "2mg", "frequency": "每日两次"} for p in persons.values()
               for m in p.medications)
    groups = {c.eligibility_group for c in cases}
    assert ("depression" in groups) == (profiles is None)
