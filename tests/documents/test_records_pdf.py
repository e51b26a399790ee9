"""Issue 12.7: a fully filled case prints every recorded value of its assessment (T5 康复评估表), agreement
(T4 服务协议) and follow-ups (T6 回访记录表) — checked on the text pypdf extracts — and the 康复评估表 never ends
with a page that holds only the verification block."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from referral.calendar import today_in_china
from referral.cases import services
from referral.cases.models import Agreement, Assessment, AssessmentKind, FollowUp
from referral.documents.case_file import service_agreement_context
from referral.documents.case_records import assessment_context, follow_up_context
from referral.documents.catalog import render_html
from referral.documents.context import format_date
from referral.documents.pdf import render_pdf
from referral.extensions import db
from referral.models import utcnow
from referral.registries.models import Talent, TalentEmployment
from tests.documents.pdfcheck import flat, text_of
from workflows.approval import ApprovalState

FULL = {"risk_grade": 2, "place": "入户（服务对象家中）", "mental_state": "偶有幻听，能够识别并求助",
        "insight": "partial", "medication_adherence": "intermittent", "physical_health": "体重增加，血脂偏高",
        "social_function": "社交主动性差，能完成简单家务", "personal_care": "good", "housework": "fair",
        "work": "poor", "learning": "fair", "social_contact": "poor", "self_care": "good",
        "social_adaptation": "fair", "employability": "poor", "family_support": "母亲照料，家庭关系和睦",
        "needs_wishes": "想学做饭，将来到超市上班", "sdss": 11, "psp": 48, "gaf": 52, "adl": 23,
        "recommended_items": ["服药训练", "生活技能训练", "职业康复训练", "家庭支持"],
        "plan": "服药训练每周两次，生活技能训练每周一次，三个月后阶段性评估"}


@pytest.fixture
def full_case(referred_case, people):
    now = utcnow()
    talents = []
    for name, id_number, category, extra in (
            ("王芳", "220102199001011239", "social_worker",
             {"certificate_number": "SW-001", "certificate_issuer": "人社部",
              "certificate_valid_until": today_in_china() + timedelta(days=900)}),
            ("刘强", "220102198807070014", "volunteer", {})):
        row = Talent(name=name, id_number=id_number, category=category, division_code="220102",
                     state=ApprovalState.LISTED, submitted_at=now, **extra)  # set-up rows, not the workflow
        row.employer_rows = [TalentEmployment(institution_id=people["inst"].id)]
        db.session.add(row)
        talents.append(row)
    db.session.flush()
    staff, today = people["staff"], today_in_china()
    services.advance_case(referred_case, actor=staff, event="assess", result="suitable",
                          assessment={**FULL, "assessors": [t.id for t in talents],
                                      "next_review_date": today + timedelta(days=60)})
    services.advance_case(referred_case, actor=staff, event="sign_agreement", agreement={
        "start_date": today, "end_date": today + timedelta(days=180), "form": "other", "form_other": "线上小组",
        "place": "南关区康复中心二楼活动室", "frequency": "每周三次", "fee_amount": "0", "fee_payer": "government",
        "signer_name": "李父", "signer_relation": "父亲", "representative_name": "钱主任"})
    services.advance_case(referred_case, actor=staff, event="close", reason_code="goals_met",
                          assessment={"risk_grade": 0})
    services.advance_case(referred_case, actor=staff, event="follow_up", reason="提前回访", follow_up={
        "date": today, "method": "visit", "contact_person": "李母", "contact_relation": "母亲",
        "condition": "在超市上班，按时服药", "relapsed": True, "readmitted": True, "satisfaction": "dissatisfied",
        "next_step": "reapply", "note": "建议重新申请"})
    services.advance_case(referred_case, actor=staff, event="follow_up", reason="提前回访", follow_up={
        "date": today, "method": "phone", "unreachable": True, "lost_reason": "电话停机，邻居称已搬走",
        "next_step": "end"})
    db.session.commit()
    return referred_case


def rendered(context) -> tuple[list[str], str]:
    data = render_pdf(render_html(context))
    pages = [flat(page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages]
    return pages, flat(text_of(data))


def test_the_assessment_prints_every_field_and_no_lonely_last_page(full_case):
    row = db.session.scalars(select(Assessment).where(Assessment.kind == AssessmentKind.COMPREHENSIVE)).one()
    context = assessment_context(row, verification_code="5HQ2-8ZKD")
    pages, text = rendered(context)
    for value in ("入户（服务对象家中）", "刘强、王芳", "志愿者、社会工作者", "偶有幻听，能够识别并求助", "■不全", "■间断",
                  "■2级", "体重增加，血脂偏高", "社交主动性差，能完成简单家务",
                  "个人生活料理■良好", "家务劳动□良好■一般", "工作□良好□一般■较差", "学习□良好■一般",
                  "社会交往□良好□一般■较差", "生活自理能力■良好", "社会适应能力□良好■一般", "就业能力□良好□一般■较差",
                  "母亲照料，家庭关系和睦", "想学做饭，将来到超市上班", "SDSS（0–20）11分", "PSP（0–100）48分",
                  "GAF（0–100）52分", "ADL（14–56）23分", "■服药训练", "■生活技能训练", "■职业康复训练", "■家庭支持",
                  "□同伴支持", "服药训练每周两次，生活技能训练每周一次", "■适合社区康复", "5HQ2-8ZKD",
                  "下次阶段性评估日期" + format_date(row.next_review_date)):
        assert flat(value) in text, value
    # The last page holds more than the verification block: the conclusion and signatures go with it.
    last = pages[-1]
    assert "校验码" in last and "评估人签名" in last, last


def test_the_assessment_without_a_verification_code_also_keeps_its_end_together(full_case):
    row = db.session.scalars(select(Assessment).where(Assessment.kind == AssessmentKind.COMPREHENSIVE)).one()
    pages, _text = rendered(assessment_context(row))
    assert "预览稿" in pages[-1] and "评估人签名" in pages[-1]


def test_the_agreement_prints_every_field(full_case):
    agreement = db.session.scalars(select(Agreement)).one()
    _pages, text = rendered(service_agreement_context(agreement, verification_code="3KDX-91QA"))
    for value in ("■服药训练", "■生活技能训练", "■职业康复训练", "■家庭支持", "□社交技能训练",  # the recommended items
                  "■其他（线上小组）", "服务地点：南关区康复中心二楼活动室", "服务频次：每周三次",
                  "服务费用：0.00元", "费用承担：■政府购买□自费□医保□其他",
                  "授权代表（签字）：钱主任", "签字：李父（父亲）", "签署人李父（父亲），甲方代表钱主任"):
        assert flat(value) in text, value


def test_the_follow_ups_print_every_field(full_case):
    reached, lost = db.session.scalars(select(FollowUp).order_by(FollowUp.due_date, FollowUp.id)).all()
    _pages, text = rendered(follow_up_context(reached, verification_code="7QWE-2RTY"))
    for value in ("■已联系上□未能联系上（失访）", "回访对象李母", "与服务对象关系母亲", "■上门", "在超市上班，按时服药",
                  "结案后复发■是□否", "结案后再住院■是□否", "□非常满意□满意□一般■不满意□非常不满意",
                  "需要再次接受服务■是", "■建议重新申请服务", "建议重新申请"):
        assert flat(value) in text, value
    assert text.count("失访原因") == 1  # the footnote's; no row of a reason when the person was reached
    _pages, text = rendered(follow_up_context(lost))
    for value in ("□已联系上■未能联系上（失访）", "失访原因电话停机，邻居称已搬走", "■电话", "■结束",
                  "结案后复发□是□否", "□非常满意□满意□一般□不满意□非常不满意"):
        assert flat(value) in text, value

