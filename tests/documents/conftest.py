"""Fixtures of the document tests (the registry and case fixtures they build on are in tests/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from referral.calendar import today_in_china
from referral.cases import services
from referral.extensions import db

COMPREHENSIVE = {"risk_grade": 1, "mental_state": "幻听减少，情绪平稳，偶有猜疑", "insight": "partial",
                 "medication_adherence": "regular", "physical_health": "高血压，规律服药控制",
                 "social_function": "个人生活料理良好，家务一般，社交退缩", "family_support": "与父亲同住，家属支持康复",
                 "needs_wishes": "希望参加社交技能训练，将来找到工作", "sdss": 8, "psp": 61, "gaf": 55, "adl": 20,
                 "plan": "服药训练每周两次，社交技能小组每周一次"}
STAGED = {"risk_grade": 0, "mental_state": "症状基本消失", "insight": "complete", "medication_adherence": "regular",
          "sdss": 5, "plan": "增加职业康复训练"}
CLOSING = {"risk_grade": 0, "mental_state": "病情稳定", "insight": "complete", "medication_adherence": "regular",
           "needs_wishes": "已在超市就业，希望保持联系", "gaf": 72}
FOLLOW_UP = {"method": "visit", "contact_person": "本人及父亲", "condition": "在超市上班三个月，按时服药，未住院",
             "needs_service_again": False, "note": "家属对服务满意"}


@pytest.fixture
def served_case(referred_case, people):
    """The referred case taken through the whole service: comprehensive assessment (suitable), agreement,
    one staged review, closure with a closing assessment, and the first of its follow-ups."""
    case, staff = referred_case, people["staff"]
    today = today_in_china()
    services.advance_case(case, actor=staff, event="assess", result="suitable", assessment=dict(COMPREHENSIVE))
    services.advance_case(case, actor=staff, event="sign_agreement", agreement={
        "start_date": today, "end_date": today + timedelta(days=180), "service_items": ["服药训练", "社交技能训练"],
        "form": "day", "frequency": "每周两次", "signer_name": "李明"})
    services.advance_case(case, actor=staff, event="review", assessment=dict(STAGED))
    services.advance_case(case, actor=staff, event="close", reason_code="goals_met", assessment=dict(CLOSING))
    services.advance_case(case, actor=staff, event="follow_up", reason="提前回访",
                          follow_up={"date": today, **FOLLOW_UP})
    db.session.commit()
    return case
