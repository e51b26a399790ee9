"""T3 基本情况档案 and T4 服务协议 (referral/documents/case_file.py), rendered for real cases — driven through
register → refer → accept → assess → sign_agreement with the real services — and blank. Assertions are on
the text pypdf extracts and on the fonts the PDF embeds, never on bytes (docs/architecture.md#tests)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from referral.calendar import today_in_china
from referral.cases import services
from referral.cases.models import Agreement, Assessment, CaseEvent
from referral.documents.case_file import (
    basic_file_context,
    blank_basic_file,
    blank_service_agreement,
    service_agreement_context,
)
from referral.documents.catalog import render_html
from referral.documents.context import format_date
from referral.documents.pdf import render_pdf
from referral.extensions import db
from referral.service_items import SERVICE_ITEMS
from tests.documents.pdfcheck import check_fonts, check_plain, check_text_covered, flat, text_of
from tests.helpers import id_number

ASSESSMENT = {"risk_grade": 1, "medication_adherence": "regular", "insight": "partial",
              "physical_health": "高血压，规律服药控制", "family_support": "与父亲同住，家属支持康复",
              "plan": "服药训练每周两次"}
# A woman (the 17th digit is even), not the fixture's applicant, so no duplicate flag either.
OTHER_ID = id_number("19900301", 456)


def pdf_text(context: dict) -> tuple[bytes, str]:
    data = render_pdf(render_html(context))
    return data, flat(text_of(data))


def pages(text: str) -> int:
    """The page count the footer states ("第 n 页 共 N 页"), checked against the footers found."""
    found = re.findall(r"第(\d+)页共(\d+)页", text)
    assert found and all(total == str(len(found)) for _, total in found)
    return len(found)


def assess_and_sign(case, staff, **agreement):
    """Comprehensive assessment (suitable) and the agreement: the case goes to in_service."""
    services.advance_case(case, actor=staff, event="assess", result="suitable", assessment=dict(ASSESSMENT))
    today = today_in_china()
    services.advance_case(case, actor=staff, event="sign_agreement", agreement={
        "start_date": today, "end_date": today + timedelta(days=180), "service_items": ["服药训练", "社交技能训练"],
        "form": "day", "frequency": "每周两次", "signer_name": "李明", **agreement})


def refer_and_accept(case, people):
    services.advance_case(case, actor=people["officer"], event="refer", institution_id=people["inst"].id)
    services.advance_case(case, actor=people["staff"], event="accept")


def agreements_of(case) -> list[Agreement]:
    return list(db.session.scalars(select(Agreement).where(Agreement.case_id == case.id).order_by(Agreement.id)))


@pytest.fixture
def serving_case(referred_case, people):
    """The referred and accepted case, assessed and in service under one agreement."""
    assess_and_sign(referred_case, people["staff"])
    db.session.commit()
    return referred_case


@pytest.fixture
def no_guardian_case(people):
    """An application from the hospital for an adult with no guardian named, taken to in_service."""
    case = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "王芳", "id_number": OTHER_ID, "phone": "13700005678",
        "address": "南关区和平路 3 号", "division_code": "220102", "needs": "希望参加社交技能训练",
        "service_types": ["社交技能训练"],
        "consent_signer": "applicant"})
    services.advance_case(case, actor=people["officer"], event="register", verification="已核实")
    refer_and_accept(case, people)
    assess_and_sign(case, people["staff"], service_items=["社交技能训练"], signer_name="王芳")
    db.session.commit()
    return case


# --- T3 基本情况档案 -----------------------------------------------------------------------------------------

def test_basic_file_pdf_of_a_real_case(serving_case, people):
    case = serving_case
    context = basic_file_context(case, verification_code="7Q4M-K2XD")
    data, text = pdf_text(context)
    assessed = db.session.scalars(select(Assessment).where(Assessment.case_id == case.id)).one()
    registered = db.session.scalar(select(CaseEvent.at).where(CaseEvent.case_id == case.id,
                                                              CaseEvent.event == "register"))
    assert re.fullmatch(rf"JK-BAS-{case.id}-\d{{8}}", context["number"])
    for value in ("基本情况档案", context["number"], "7Q4M-K2XD", case.receipt_no, "李明", "■男□女", "1985年06月15日",
                  case.applicant_id_number, "13800001234", "长春市南关区", "南关区幸福街8号", "□是■否",
                  "李父", "父亲", "13900004321",
                  # from the comprehensive assessment
                  "■规律□间断", "□0级■1级□2级", f"评估日期{format_date(assessed.assessed_at)}",
                  "高血压，规律服药控制", "与父亲同住，家属支持康复",
                  # the referral, from the case's history
                  "■医疗卫生机构协助申请", "□个人自愿申请", "精神科出院随访", "医院协助人",
                  f"申请日期{format_date(case.applied_at)}", f"登记日期{format_date(registered)}",
                  f"承接机构{people['inst'].name}", f"综合评估{format_date(assessed.assessed_at)}", "■适合社区康复□暂不适合",
                  "出院后需要服药训练和社交技能训练", "■服药训练", "■社交技能训练", "□家庭支持", "■申请人本人",
                  # what the platform does not record stays to be ticked by hand
                  "□未婚□已婚", "□精神分裂症", "□无□有", "□独居", "建档机构（盖章）"):
        assert flat(value) in text, value
    assert context["institution"] == people["inst"].name and context["referral"]["accepted_on"]
    assert pages(text) == 2
    check_text_covered(text)
    check_fonts(data)


def test_blank_basic_file_pdf(app):
    data, text = pdf_text(blank_basic_file())
    for value in ("基本情况档案", "受理号", "建档机构", "姓名", "□男□女", "民族", "身份证号", "监护人", "□精神分裂症",
                  "□规律□间断□不服药□医嘱无需服药", "□0级□1级□2级□3级□4级□5级", "□一级□二级□三级□四级",
                  "□个人自愿申请□医疗卫生机构协助申请□其他主体协助申请", "□适合社区康复□暂不适合",
                  "□申请人本人□监护人", "本人签名", "监护人签名", "建档人（签名）", "建档机构（盖章）",
                  *(f"□{item}" for item in SERVICE_ITEMS)):
        assert flat(value) in text, value
    assert "■" not in text and "JK-BAS" not in text and "校验码：" not in text
    assert pages(text) == 2
    check_text_covered(text)
    check_fonts(data)


def test_a_case_without_guardian_and_not_yet_assessed(people):
    """The basic file of a fresh application: guardian, assessment and referral print as blank lines."""
    case = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "王芳", "id_number": OTHER_ID, "division_code": "220102",
        "needs": "家庭支持", "service_types": ["家庭支持", "个案管理"], "consent_signer": "applicant"})
    db.session.commit()
    context = basic_file_context(case)
    assert context["guardian"] == {"name": "", "relation": "", "phone": ""}
    assert context["referral"]["registered_on"] == context["referral"]["institution"] == context["institution"] == ""
    _, text = pdf_text(context)
    assert "王芳" in text and "■女" in text and "1990年03月01日" in text
    # empty cells: each label runs straight into the next one
    assert "二、监护人（主要联系人）情况姓名与本人关系联系电话住址" in text
    assert "□0级□1级□2级□3级□4级□5级" in text and "□适合社区康复□暂不适合" in text
    assert "登记日期年月日" in text and "■家庭支持" in text and "其他：个案管理" in text


# --- T4 服务协议 ---------------------------------------------------------------------------------------------

def test_service_agreement_pdf_of_a_real_case(serving_case, people):
    case = serving_case
    agreement = agreements_of(case)[0]
    context = service_agreement_context(agreement, verification_code="3KDX-91QA")
    data, text = pdf_text(context)
    today = today_in_china()
    assert re.fullmatch(rf"JK-AGR-{agreement.id}-\d{{8}}", context["number"])
    for value in ("服务协议", context["number"], "3KDX-91QA", case.receipt_no,
                  # 甲方
                  people["inst"].name, "91110108551385082Q", "长春市南关区民康路1号", "赵磊", "0431-88880000",
                  "周一至周五8:30-17:00",
                  # 乙方, 丙方
                  "李明", "■男", "1985年06月15日", case.applicant_id_number, "13800001234", "南关区幸福街8号",
                  "李父", "父亲", "13900004321",
                  # what was agreed
                  "■服药训练", "■社交技能训练", "□家庭支持",
                  f"自{format_date(today)}起至{format_date(today + timedelta(days=180))}止",
                  "■日间康复□居家上门□住宿□小组□个案□其他", "服务频次：每周两次", "□政府购买",
                  # the standard clauses
                  "第五条甲方的权利和义务", "第七条安全与应急处置", "转介至精神专科医院或其他医疗卫生机构",
                  "第八条保密与个人信息保护", "第九条协议的变更、终止与结案", "第十条争议解决", "一式三份",
                  # the signing
                  "签署人李明", "康复师", "甲方（盖章）", "乙方（签字）", "丙方（签字）"):
        assert flat(value) in text, value
    signed = f"日期：{format_date(agreement.signed_at)}"
    assert signed * 3 in text  # the last row of the signatures: 甲方, 乙方 and 丙方 signed together
    assert pages(text) == 2
    check_text_covered(text)
    check_fonts(data)


def test_blank_service_agreement_pdf(app):
    data, text = pdf_text(blank_service_agreement())
    for value in ("服务协议", "受理号", "甲方（社区康复服务机构）", "乙方（服务对象）", "丙方（乙方的监护人）",
                  "□日间康复□居家上门□住宿□小组□个案□其他", "□政府购买□自费□医保□其他", "服务地点",
                  "第十一条其他", "甲方（盖章）", "授权代表（签字）", *(f"□{item}" for item in SERVICE_ITEMS)):
        assert flat(value) in text, value
    assert "■" not in text and "JK-AGR" not in text and "校验码：" not in text and "平台记录" not in text
    assert pages(text) == 2
    check_text_covered(text)
    check_fonts(data)


def test_an_agreement_without_guardian(no_guardian_case):
    agreement = agreements_of(no_guardian_case)[0]
    context = service_agreement_context(agreement)
    assert context["guardian"] == {"name": "", "relation": "", "phone": ""} and context["guardian_signed_on"] == ""
    _, text = pdf_text(context)
    assert "王芳" in text and "■女" in text and "□服药训练" in text and "■社交技能训练" in text and "一式两份" in text
    assert "丙方（乙方的监护人）姓名与乙方关系联系电话" in text  # blank cells
    signed = f"日期：{format_date(agreement.signed_at)}"
    assert signed * 2 + "日期：年月日" in text  # only 丙方's date is left to write in
    basic = flat(text_of(render_pdf(render_html(basic_file_context(no_guardian_case)))))
    assert "二、监护人（主要联系人）情况姓名与本人关系联系电话住址" in basic


def test_each_agreement_of_a_case_has_its_own_number(serving_case, people):
    """A case transferred and served again has two agreements: each document is numbered by its agreement,
    and both carry the case's receipt number."""
    case = serving_case
    services.advance_case(case, actor=people["staff"], event="transfer", reason="需要重新评估")
    refer_and_accept(case, people)
    assess_and_sign(case, people["staff"], service_items=["同伴支持", "个案管理"], form="other", form_other="线上小组",
                    frequency="每月一次")
    db.session.commit()
    first, second = agreements_of(case)
    numbers = {service_agreement_context(a)["number"] for a in (first, second)}
    assert numbers == {f"JK-AGR-{a.id}-{today_in_china():%Y%m%d}" for a in (first, second)}
    context = service_agreement_context(second)
    assert context["receipt_no"] == case.receipt_no
    _, text = pdf_text(context)
    # what lies outside the fixed lists still prints
    assert "■同伴支持" in text and "□服药训练" in text and "其他服务：个案管理" in text
    assert "□日间康复□居家上门□住宿□小组□个案■其他（线上小组）" in text and "每月一次" in text


# --- both ----------------------------------------------------------------------------------------------------

def shape(value):
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):  # a list of choices: its labels are part of the form's shape
        return [shape(v) if not isinstance(v, dict) or "checked" not in v else v["label"] for v in value]
    return type(value).__name__


def test_the_contexts_are_plain_data_and_the_paper_versions_have_the_same_keys(serving_case):
    agreement = agreements_of(serving_case)[0]
    for filled, blank in ((basic_file_context(serving_case), blank_basic_file()),
                          (service_agreement_context(agreement), blank_service_agreement())):
        check_plain(filled)
        check_plain(blank)
        assert shape(filled) == shape(blank), filled["code"]
        assert blank["blank"] and not filled["blank"]
