"""T5 康复评估表 and T6 回访记录表 (referral/documents/case_records.py), rendered for real assessments of each
kind and real follow-ups — made by driving a case through assess → sign_agreement → review → close →
follow_up with the real services — and blank. Assertions are on the text pypdf extracts and on the fonts
the PDF embeds, never on bytes (docs/architecture.md#tests)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from referral.calendar import today_in_china
from referral.cases import services
from referral.cases.models import Assessment, AssessmentKind, FollowUp
from referral.documents.case_records import (
    KIND_LABELS,
    assessment_context,
    blank_assessment,
    blank_follow_up,
    follow_up_context,
)
from referral.documents.catalog import render_html
from referral.documents.context import format_date
from referral.documents.pdf import render_pdf
from referral.extensions import db
from referral.service_items import SERVICE_ITEMS
from tests.documents.pdfcheck import check_fonts, check_plain, check_text_covered, flat, text_of
from tests.helpers import application, fire, id_number

STAFF_ID_NUMBER = id_number("19900301", seq=456)


def pdf_text(context: dict) -> tuple[bytes, str]:
    data = render_pdf(render_html(context))
    return data, flat(text_of(data))


def assessment_of(case, kind: AssessmentKind) -> Assessment:
    return db.session.scalars(select(Assessment).where(Assessment.case_id == case.id, Assessment.kind == kind)).one()


def follow_ups_of(case) -> list[FollowUp]:
    return list(db.session.scalars(select(FollowUp).where(FollowUp.case_id == case.id)
                                   .order_by(FollowUp.due_date, FollowUp.id)))


# --- T5 康复评估表 ------------------------------------------------------------------------------------------

def test_comprehensive_assessment_pdf(served_case, people):
    row = assessment_of(served_case, AssessmentKind.COMPREHENSIVE)
    context = assessment_context(row, verification_code="5HQ2-8ZKD")
    data, text = pdf_text(context)
    assert re.fullmatch(rf"JK-ASM-{row.id}-\d{{8}}", context["number"])
    for value in ("康复评估表", "李明", "男", "1985年06月15日", served_case.receipt_no, format_date(row.assessed_at),
                  people["inst"].name, "康复师", "■综合评估", "□阶段性评估", "□结案评估",
                  "幻听减少，情绪平稳，偶有猜疑", "■不全", "□完全", "■规律", "■1级", "□3级", "高血压，规律服药控制",
                  "个人生活料理良好，家务一般，社交退缩", "与父亲同住，家属支持康复", "希望参加社交技能训练，将来找到工作",
                  "SDSS（0–20）8分", "PSP（0–100）61分", "GAF（0–100）55分", "ADL（14–56）20分",
                  "■适合社区康复", "□暂不适合", "服药训练每周两次，社交技能小组每周一次", "评估机构（盖章）",
                  "评估人签名", context["number"], "5HQ2-8ZKD"):
        assert flat(value) in text, value
    assert "结案原因" not in text  # a comprehensive assessment prints its own conclusion rows only
    # 最小必要: the assessment carries no contact details (the follow-up form does, to reach the person).
    assert "phone" not in context["person"] and "13800001234" not in text
    check_text_covered(text)
    check_fonts(data)


def test_staged_assessment_pdf(served_case):
    row = assessment_of(served_case, AssessmentKind.STAGED)
    assert row.next_review_date is not None  # the service sets it (the configured review interval)
    context = assessment_context(row)
    data, text = pdf_text(context)
    for value in ("■阶段性评估（第1次）", "□综合评估", "□结案评估", "症状基本消失", "■完全", "■0级",
                  "SDSS（0–20）5分", "增加职业康复训练", "下次阶段性评估日期" + format_date(row.next_review_date)):
        assert flat(value) in text, value
    assert "综合评估结论" not in text and "结案原因" not in text
    check_fonts(data)


def test_closing_assessment_pdf(served_case):
    row = assessment_of(served_case, AssessmentKind.CLOSING)
    context = assessment_context(row)
    data, text = pdf_text(context)
    due = "、".join(format_date(f.due_date) for f in follow_ups_of(served_case))
    for value in ("■结案评估", "□综合评估", "□阶段性评估", "病情稳定", "已在超市就业，希望保持联系",
                  "GAF（0–100）72分", "■康复目标达成", "□协议期满", "计划回访日期" + due):
        assert flat(value) in text, value
    assert "综合评估结论" not in text and "下次阶段性评估日期" not in text
    check_fonts(data)


def test_the_kind_ticked_is_the_assessments_kind(served_case):
    for kind in AssessmentKind:
        context = assessment_context(assessment_of(served_case, kind))
        assert [o["label"] for o in context["kind_options"] if o["checked"]] == [KIND_LABELS[kind]]
        text = pdf_text(context)[1]
        ticked = re.findall(r"■(综合评估|阶段性评估|结案评估)", text)
        assert ticked == [KIND_LABELS[kind]], (kind, ticked)


def test_an_unsuitable_assessment_prints_its_reason(referred_case, people):
    services.advance_case(referred_case, actor=people["staff"], event="assess", result="unsuitable",
                          reason="病情不稳定，需先到精神专科医院治疗", assessment={"risk_grade": 4})
    db.session.commit()
    context = assessment_context(assessment_of(referred_case, AssessmentKind.COMPREHENSIVE))
    text = pdf_text(context)[1]
    for value in ("■暂不适合", "□适合社区康复", "■4级", "结论说明病情不稳定，需先到精神专科医院治疗",
                  people["inst"].name):  # the institution that assessed, though the case has left it
        assert flat(value) in text, value
    assert context["insight"] == "" and "■完全" not in text  # not recorded: nothing ticked


def test_the_assessors_profession_comes_from_the_talent_registry(served_case, people):
    """The staff member who assessed is a listed 社会工作者 in the talent registry (self-registered, confirmed
    by county and city): the form names the profession; before that, the line stays blank."""
    from referral.registries.services import create_talent

    row = assessment_of(served_case, AssessmentKind.COMPREHENSIVE)
    assert assessment_context(row)["assessor_profession"] == ""
    talent = create_talent(actor=people["staff"], data={
        "name": "康复师", "id_number": STAFF_ID_NUMBER, "category": "social_worker", "division_code": "220102",
        "phone": "13800005678",
        "certificate_number": "SW-2020-0001", "certificate_issuer": "长春市人力资源和社会保障局",
        "certificate_valid_until": today_in_china() + timedelta(days=365)})
    db.session.commit()
    fire(talent, people["staff"], "submit", signer_name="康复师")
    assert assessment_context(row)["assessor_profession"] == ""  # submitted, not yet confirmed
    fire(talent, people["county"], "county_approve")
    fire(talent, people["city"], "city_confirm")
    context = assessment_context(row)
    assert context["assessor_profession"] == "社会工作者"
    assert "专业类别社会工作者" in pdf_text(context)[1]


def test_blank_assessment_pdf(app):
    data, text = pdf_text(blank_assessment())
    for value in ("康复评估表", "受理号", "姓名", "□综合评估", "□阶段性评估（第", "次）", "□结案评估", "□机构内",
                  "□入户", "精神状况与症状", "自知力", "□完全", "□不全", "□缺失", "服药依从性", "□医嘱无需服药",
                  *(f"□{g}级" for g in range(6)), "生活自理能力", "社会适应能力", "就业能力", "□良好",
                  "SDSS（0–20）", "PSP（0–100）", "GAF（0–100）", "ADL（14–56）", "□适合社区康复", "□暂不适合",
                  "结案原因", "□康复目标达成", "下次阶段性评估日期", "计划回访日期", "评估人签名",
                  "服务对象（监护人）签名", "评估机构（盖章）", *(f"□{item}" for item in SERVICE_ITEMS)):
        assert flat(value) in text, value
    assert "■" not in text and "JK-ASM" not in text and "校验码：" not in text
    check_text_covered(text)
    check_fonts(data)


def test_assessment_labels_are_chinese_whatever_the_readers_language(app, served_case):
    row = assessment_of(served_case, AssessmentKind.COMPREHENSIVE)
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        context = assessment_context(row)
    assert context["labels"]["insight"] == "自知力" and context["insight"] == "不全"
    assert context["result"] == "适合社区康复"


# --- T6 回访记录表 ------------------------------------------------------------------------------------------

def test_follow_up_pdf(served_case, people):
    first, second = follow_ups_of(served_case)
    context = follow_up_context(first, verification_code="9RT3-XW4M")
    data, text = pdf_text(context)
    assert re.fullmatch(rf"JK-FUP-{first.id}-\d{{8}}", context["number"])
    for value in ("回访记录表", "李明", "男", served_case.receipt_no, "13800001234", "李父（父亲）", "13900004321",
                  "长春市南关区", "南关区幸福街8号", people["inst"].name, "■康复目标达成",
                  "结案日期" + format_date(served_case.closed_at), "第1次（共2次）", format_date(first.due_date),
                  "回访日期" + format_date(first.done_at), "■上门", "□电话", "□到机构", "回访对象本人及父亲",
                  "在超市上班三个月，按时服药，未住院", "■否", "□是", "家属对服务满意", "康复师", "回访单位（盖章）",
                  "回访人签名", context["number"], "9RT3-XW4M"):
        assert flat(value) in text, value
    check_text_covered(text)
    check_fonts(data)


def test_a_follow_up_not_done_yet_prints_blanks(served_case):
    second = follow_ups_of(served_case)[1]
    context = follow_up_context(second)
    assert context["date"] == "" and context["method"] == "" and context["recorder"] == ""
    text = pdf_text(context)[1]
    assert "第2次（共2次）" in text and format_date(second.due_date) in text
    assert "□电话□上门□到机构" in text and "□是□否" in text


def test_blank_follow_up_pdf(app):
    data, text = pdf_text(blank_follow_up())
    for value in ("回访记录表", "受理号", "姓名", "结案日期", "□康复目标达成", "□失去联系", "回访次数", "计划回访日期",
                  "回访日期", "回访方式", "□电话", "□上门", "□到机构", "回访对象", "目前情况", "需要再次接受服务",
                  "□是", "□否", "□满意", "备注", "回访人签名", "被回访人签名", "回访单位（盖章）"):
        assert flat(value) in text, value
    assert "■" not in text and "JK-FUP" not in text and "校验码：" not in text
    check_text_covered(text)
    check_fonts(data)


# --- both: plain data, and the paper version has the filled version's shape ----------------------------------

def shape(value):
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):  # a list's items have one shape (choices, scale rows …): compare the first
        return ["list", shape(value[0]) if value else None]
    return type(value).__name__


def test_contexts_are_plain_data_with_the_blank_shape(served_case):
    filled = [assessment_context(assessment_of(served_case, kind)) for kind in AssessmentKind]
    blank = blank_assessment()
    for context in (*filled, blank):
        check_plain(context)
    for context in filled:
        assert shape(context) == shape(blank)
        assert [len(context[k]) for k in ("abilities", "scales")] == [len(blank[k]) for k in ("abilities", "scales")]
    follow_ups = [follow_up_context(f) for f in follow_ups_of(served_case)]  # one done, one not yet
    for context in (*follow_ups, blank_follow_up()):
        check_plain(context)
        assert shape(context) == shape(blank_follow_up())


def test_a_follow_up_of_a_case_closed_before_service(people):
    """Closed by the referral officer before any service: no institution, the officer follows up."""
    body = application()
    who = body["applicant"]
    case = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "王芳", "id_number": who["id_number"], "division_code": "220102",
        "needs": "家庭支持", "consent_signer": "applicant"})
    services.advance_case(case, actor=people["officer"], event="register", verification="已核实")
    services.advance_case(case, actor=people["officer"], event="close", reason_code="unreachable")
    services.advance_case(case, actor=people["officer"], event="follow_up", reason="提前回访",
                          follow_up={"method": "phone", "contact_person": "母亲", "condition": "已外出务工"})
    db.session.commit()
    context = follow_up_context(follow_ups_of(case)[0])
    assert context["institution"] == "" and context["recorder"] == "转介员"
    text = pdf_text(context)[1]
    assert "■无法联系" in text and "■电话" in text and "已外出务工" in text and "王芳" in text
