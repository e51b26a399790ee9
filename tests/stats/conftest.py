"""The hand-computed county (docs/domain.md#statistics): 长春市南关区 (220102) with one case in every state, built
through the real services on a travelled clock, so every figure of the statistics has a known value. The
expected values are worked out by hand in tests/stats/test_figures.py, next to each assertion.

The clock: ``referral.models.utcnow`` and ``referral.calendar.today_in_china`` read ``datetime.now`` of their
own modules; ``travel`` swaps that one standard-library class for one whose ``now()`` is the moment we set."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

import referral.calendar
import referral.models
from referral.auth.permissions import Role
from referral.calendar import CHINA_TZ
from referral.cases import services
from referral.extensions import db
from referral.registries.models import Institution, InstitutionServiceArea, Talent, TrainingRecord
from tests.helpers import id_number
from workflows.approval import ApprovalState

TODAY = date(2026, 11, 30)  # a Monday; the dashboard is looked at at 10:00 China time


@pytest.fixture
def travel(monkeypatch):
    """``travel(datetime)`` sets the platform's clock (an aware moment); it stays there until the next call."""
    moment = {"now": None}

    class Travelled(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment["now"].astimezone(tz) if tz else moment["now"].astimezone().replace(tzinfo=None)

    monkeypatch.setattr(referral.models, "datetime", Travelled)
    monkeypatch.setattr(referral.calendar, "datetime", Travelled)

    def to(when: datetime) -> None:
        moment["now"] = when

    return to


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA_TZ)


COMPREHENSIVE = {"risk_grade": 1, "mental_state": "稳定"}


@pytest.fixture
def county(people, travel, create_user):
    """Cases A–K of 南关区 and N of 朝阳区 (the neighbour); institution 阳光 (people["inst"]: capacity 30, 5 free)
    serves both; 二号 waits at county review since 11-02; a listed institution of 朝阳区; two direct service staff;
    one spot check, one evaluation, one complaint. The clock ends at 2026-11-30 10:00."""
    inst, officer, staff, hospital = people["inst"], people["officer"], people["staff"], people["hospital"]
    seq = iter(range(100, 200))
    cases = {}

    def apply(name, when, group=None, division="220102"):
        travel(when)
        case = services.submit_application(actor=hospital, data={
            "channel": "medical", "name": f"申请人{name}", "id_number": id_number("19800101", next(seq)),
            "division_code": division, "needs": "康复", "service_types": ["服药训练"], "consent_signer": "applicant",
            "eligibility_group": group})
        db.session.commit()
        cases[name] = case
        return case

    def step(name, when, event, actor, **data):
        travel(when)
        services.advance_case(cases[name], actor=actor, event=event, **data)
        db.session.commit()

    def to_assessing(name, register, refer, accept):
        step(name, register, "register", officer, verification="已核实")
        step(name, refer, "refer", officer, institution_id=inst.id)
        step(name, accept, "accept", staff)

    def agreement(when):
        return {"start_date": when.date(), "end_date": date(2027, 6, 30), "service_items": ["服药训练"]}

    # A: completed. Steps: registered 2 working days after applying, referred 1, answered 1, assessed 3, signed 2.
    apply("A", at(8, 3), "severe_mental_disorder")
    to_assessing("A", at(8, 5), at(8, 6), at(8, 7))
    step("A", at(8, 12), "assess", staff, result="suitable", assessment=dict(COMPREHENSIVE))
    step("A", at(8, 14), "sign_agreement", staff, agreement=agreement(at(8, 14)))
    step("A", at(8, 24), "close", staff, reason_code="goals_met", assessment=dict(COMPREHENSIVE))
    step("A", at(9, 24), "follow_up", staff, follow_up={"method": "phone"})   # due 09-24
    step("A", at(11, 24), "follow_up", staff, follow_up={"method": "visit"})  # due 11-24: the last one

    # B: closed, its first follow-up due 11-30 (11-28 is a Saturday). Steps 1, 1, 1, 2, 1.
    apply("B", at(10, 19), "depression")
    to_assessing("B", at(10, 20), at(10, 21), at(10, 22))
    step("B", at(10, 26), "assess", staff, result="suitable", assessment=dict(COMPREHENSIVE))
    step("B", at(10, 27), "sign_agreement", staff, agreement=agreement(at(10, 27)))
    step("B", at(10, 28), "close", staff, reason_code="voluntary_end", assessment=dict(COMPREHENSIVE))

    # C: in service, its staged review due 11-20 (set by the assessment): overdue. Steps 3, 0, 1, 0, 1.
    apply("C", at(11, 9), "severe_mental_disorder")
    to_assessing("C", at(11, 12), at(11, 12, 15), at(11, 13))
    step("C", at(11, 13, 16), "assess", staff, result="suitable",
         assessment={**COMPREHENSIVE, "next_review_date": date(2026, 11, 20)})
    step("C", at(11, 16), "sign_agreement", staff, agreement=agreement(at(11, 16)))

    # D: assessed on 11-20, agreement due 12-04. Steps 1, 1, 1, 1.
    apply("D", at(11, 16), "autism")
    to_assessing("D", at(11, 17), at(11, 18), at(11, 19))
    step("D", at(11, 20), "assess", staff, result="suitable", assessment=dict(COMPREHENSIVE))

    # E: assessing since 11-06, due 11-20: overdue. Steps 3, 1, 0. No group.
    apply("E", at(11, 2))
    to_assessing("E", at(11, 5), at(11, 6), at(11, 6, 15))

    # F: referred on 11-25, the answer due 12-02: due soon. Steps 1, 1.
    apply("F", at(11, 23), "other_mental_disorder")
    step("F", at(11, 24), "register", officer, verification="已核实")
    step("F", at(11, 25), "refer", officer, institution_id=inst.id)

    # G: declined (no capacity) on 11-20, back with the referral officer, due 11-27: overdue by 1. Steps 2, 1, 1.
    apply("G", at(11, 16), "severe_mental_disorder")
    step("G", at(11, 18), "register", officer, verification="已核实")
    step("G", at(11, 19), "refer", officer, institution_id=inst.id)
    step("G", at(11, 20), "decline", staff, reason_code="no_capacity", reason="满员")

    # H: applied 11-16, registration due 11-23: overdue by 5. I returned, J not registered, K withdrawn.
    apply("H", at(11, 16))
    apply("I", at(11, 20))
    step("I", at(11, 23), "return", officer, reason="请补充住址")
    apply("J", at(11, 20))
    step("J", at(11, 23), "reject", officer, reason="不符合条件")
    apply("K", at(11, 1, 0, 30))  # 00:30 China time on 11-01 is still October in UTC: counted in November
    step("K", at(11, 25), "withdraw", officer, reason="本人撤回")

    # N: the neighbour's (朝阳区) application of 11-16, overdue by 5.
    apply("N", at(11, 16), division="220104")

    travel(at(11, 30))
    second = Institution(name="南关区二号康复站", division_code="220102", capacity=8, free_places=8,
                         state=ApprovalState.COUNTY_REVIEW, submitted_at=at(11, 2), due_date=date(2026, 11, 16))
    neighbour = Institution(name="朝阳区心康中心", division_code="220104", capacity=10, free_places=4,
                            state=ApprovalState.LISTED, submitted_at=at(10, 1))
    db.session.add_all([second, neighbour])  # test data set-up: rows in a state, as tests/conftest.py: objects
    db.session.flush()
    db.session.add(InstitutionServiceArea(institution_id=neighbour.id, division_code="220104"))
    for name, hours in (("钱护工", "12.0"), ("孙护工", "20.0")):
        talent = Talent(name=name, id_number=id_number("19900101", next(seq)), category="direct_service",
                        division_code="220102", state=ApprovalState.LISTED, submitted_at=at(1, 5))
        db.session.add(talent)
        db.session.flush()
        db.session.add(TrainingRecord(talent_id=talent.id, date=date(2026, 6, 1), hours=Decimal(hours), provider="市培训中心"))
    db.session.commit()

    from referral.supervision import services as supervision

    draw = supervision.draw_spot_checks(actor=people["county"])  # 阳光 is the one listed institution of 南关区
    supervision.record_spot_check(draw.checks[0], actor=people["county"], result="pass", findings="台账齐全")
    supervision.add_evaluation(inst, actor=people["county"], period="2026 年度", score=86, conclusion="good")
    complaint = supervision.file_complaint(inst, content="等候时间过长", name="王女士", contact="13800000000")
    supervision.act_on_complaint(complaint, actor=people["county"], action="resolve", outcome="已约谈机构并整改")
    db.session.commit()
    return {"cases": cases, "inst": inst, "second": second, "neighbour": neighbour, **people,
            "referral_officer": officer,
            "county_officer": create_user(Role.REFERRAL_OFFICER, username="officer-b", division="220102")}
