"""Case clocks in working days on the official calendar, across real holidays (docs/domain.md#deadlines)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from referral.cases import services
from referral.cases.models import Case
from referral.extensions import db
from tests.helpers import ADULT_ID
from workflows.case import CaseState

CHINA = ZoneInfo("Asia/Shanghai")


def case_in(state, entered) -> Case:
    """A case as it stands after entering ``state`` at ``entered`` (not stored: only its clock matters)."""
    return Case(state=state, state_changed_at=entered, division_code="220102")


@pytest.mark.parametrize(("state", "entered", "due"), [
    # National Day 2026: 10-01..10-07 off, Sat 10-10 a make-up working day → 5 working days from 09-30.
    (CaseState.APPLIED, datetime(2026, 9, 30, 16, 0, tzinfo=CHINA), date(2026, 10, 13)),
    # The same application at 23:30 China time is still 09-30 in China (07-30 UTC would not matter).
    (CaseState.APPLIED, datetime(2026, 9, 30, 23, 30, tzinfo=CHINA), date(2026, 10, 13)),
    # Spring Festival 2026: 02-15..02-23 off, Sat 02-14 and Sat 02-28 working → 02-12 + 5 = 02-26.
    (CaseState.REGISTERED, datetime(2026, 2, 12, 9, 0, tzinfo=CHINA), date(2026, 2, 26)),
    # Assumed 10 working days for the comprehensive assessment, across the same Spring Festival.
    (CaseState.ASSESSING, datetime(2026, 2, 12, 9, 0, tzinfo=CHINA), date(2026, 3, 4)),
    # An ordinary week: Friday + 5 working days = the next Friday.
    (CaseState.REFERRED, datetime(2026, 3, 6, 9, 0, tzinfo=CHINA), date(2026, 3, 13)),
])
def test_clock_of_each_state_across_holidays(app, state, entered, due):
    assert services.due_date_of(case_in(state, entered)) == due


def test_a_new_application_gets_its_clock(app, people):
    made = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "李明", "id_number": ADULT_ID, "division_code": "220102", "needs": "x",
        "consent_signer": "applicant"})
    db.session.commit()
    assert made.due_date == services.due_date_of(made) and made.due_date > made.applied_at.date()


def test_province_profile_overrides_the_default(app):
    app.config["DEADLINE_PROFILES"] = {"220000": {"application_to_registered": 3}}
    entered = datetime(2026, 9, 30, 16, 0, tzinfo=CHINA)
    # 10-08 (Thu), 10-09 (Fri), 10-10 (the make-up Saturday): three working days.
    assert services.due_date_of(case_in(CaseState.APPLIED, entered)) == date(2026, 10, 10)
    app.config["DEADLINE_PROFILES"] = {"110000": {"application_to_registered": 3}}  # another province's
    assert services.due_date_of(case_in(CaseState.APPLIED, entered)) == date(2026, 10, 13)
