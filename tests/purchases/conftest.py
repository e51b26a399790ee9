"""A travelled clock and the hand-computed fixture of the purchase statements: two institutions of 南关区, cases
moved through the real services on chosen days of 2027, service records across the end of March."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest

import referral.calendar
import referral.models
from referral.calendar import CHINA_TZ
from referral.extensions import db as _db
from tests.helpers import INSTITUTION_DATA, OTHER_CREDIT_CODE, application, fire, id_number, png_bytes

_REAL_DATETIME = datetime


class Clock:
    """Now, for the app: ``to("2027-03-05 10:00")`` (China time). The app reads the time only through
    ``referral.models.utcnow`` and ``referral.calendar.today_in_china``, both ``datetime.now``; the fixture
    replaces that ``datetime`` in those two modules with one whose ``now`` is the travelled moment."""

    def __init__(self):
        self.moment = None

    def to(self, text: str) -> None:
        self.moment = _REAL_DATETIME.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CHINA_TZ)


@pytest.fixture
def clock(monkeypatch):
    state = Clock()

    class Travelled(_REAL_DATETIME):
        @classmethod
        def now(cls, tz=None):
            if state.moment is None:
                return _REAL_DATETIME.now(tz)
            return state.moment.astimezone(tz) if tz is not None else state.moment.replace(tzinfo=None)

    monkeypatch.setattr(referral.models, "datetime", Travelled)
    monkeypatch.setattr(referral.calendar, "datetime", Travelled)
    return state


def _listed_institution(officials, *, name, username, credit_code):
    from werkzeug.datastructures import FileStorage

    from referral.attachments.services import store_upload
    from referral.registries.services import register_institution

    admin, inst = register_institution(username=username, password="a long password", admin_name="孙",
                                       data={**INSTITUTION_DATA, "name": name, "credit_code": credit_code})
    store_upload(FileStorage(io.BytesIO(png_bytes()), filename="licence.png"), owner_type="institution",
                 owner_id=inst.id, kind="licence_scan", actor=admin, division_code=inst.division_code)
    _db.session.commit()
    fire(inst, admin, "submit")
    fire(inst, officials["county"], "county_approve")
    fire(inst, officials["city"], "city_confirm")
    return inst, admin


class Story:
    """Drives cases through the real services as the people of the fixture, on the clock's days."""

    def __init__(self, people, clock):
        self.people, self.clock, self.seq = people, clock, 100

    def in_service(self, inst, staff, name: str):
        from referral.cases import services

        self.seq += 1
        body = application()
        case = services.submit_application(actor=self.people["hospital"], data={
            "channel": "medical", "name": name, "id_number": id_number("19800101", self.seq), "division_code": "220102",
            "needs": body["needs"], "service_types": body["service_types"], "consent_signer": "applicant"})
        services.advance_case(case, actor=self.people["officer"], event="register", verification="已核实")
        self.to_institution(case, inst, staff)
        _db.session.commit()
        return case

    def to_institution(self, case, inst, staff):
        from referral.calendar import today_in_china
        from referral.cases import services

        services.advance_case(case, actor=self.people["officer"], event="refer", institution_id=inst.id)
        services.advance_case(case, actor=staff, event="accept")
        services.advance_case(case, actor=staff, event="assess", result="suitable", assessment={"risk_grade": 1})
        today = today_in_china()
        services.advance_case(case, actor=staff, event="sign_agreement", agreement={
            "start_date": today, "end_date": date(today.year + 1, today.month, 1), "service_items": ["服药训练"]})

    def record(self, case, staff, day: str, item: str, minutes: int):
        from referral.cases import services

        services.add_service_record(case, actor=staff, day=date.fromisoformat(day), item=item, minutes=minutes)
        _db.session.commit()


@pytest.fixture
def story(people, clock, create_user):
    """The fixture of tests/purchases/test_figures.py, whose expected figures are worked out there by hand.

    A = 南关区阳光康复中心 (people["inst"], staff ``staff``), B = 南关区心康中心 (staff ``staff_b``).
    - case 1: at A from 20 Feb (agreement 20 Feb); records 28 Feb and 1 Mar at A; transferred on 15 Mar and taken
      by B the same day (agreement 15 Mar); record 20 Mar at B.
    - case 2: at A from 5 Mar; records 5, 10 and 31 Mar; closed at 23:30 on 31 Mar (China time).
    - case 3: at B from 12 Mar; records 12 Mar and 1 Apr.
    - case 4: at A, agreement signed at 00:30 on 1 Apr China time (still 31 Mar in UTC): April's, not March's.
    """
    from referral.auth.permissions import Role
    from referral.cases import services

    officials = {k: people[k] for k in ("county", "city")}
    inst_b, admin_b = _listed_institution(officials, name="南关区心康中心", username="inst-b",
                                          credit_code=OTHER_CREDIT_CODE)
    staff_b = create_user(Role.INSTITUTION_STAFF, username="staff-b", institution=inst_b, display_name="心康康复师")
    a, staff = people["inst"], people["staff"]
    s = Story(people, clock)

    clock.to("2027-02-20 10:00")
    case1 = s.in_service(a, staff, "甲")
    clock.to("2027-02-28 16:00")
    s.record(case1, staff, "2027-02-28", "服药训练", 60)
    clock.to("2027-03-01 09:00")
    s.record(case1, staff, "2027-03-01", "服药训练", 45)
    clock.to("2027-03-05 10:00")
    case2 = s.in_service(a, staff, "乙")
    s.record(case2, staff, "2027-03-05", "社交技能训练", 90)
    clock.to("2027-03-10 15:00")
    s.record(case2, staff, "2027-03-10", "服药训练", 30)
    clock.to("2027-03-12 10:00")
    case3 = s.in_service(inst_b, staff_b, "丙")
    s.record(case3, staff_b, "2027-03-12", "心理康复", 60)
    clock.to("2027-03-15 10:00")
    services.advance_case(case1, actor=staff, event="transfer", reason="家庭搬迁，改由心康中心服务")
    s.to_institution(case1, inst_b, staff_b)
    _db.session.commit()
    clock.to("2027-03-20 10:00")
    s.record(case1, staff_b, "2027-03-20", "服药训练", 50)
    clock.to("2027-03-31 23:00")
    s.record(case2, staff, "2027-03-31", "服药训练", 20)
    clock.to("2027-03-31 23:30")
    services.advance_case(case2, actor=staff, event="close", reason_code="goals_met", assessment={"risk_grade": 0})
    _db.session.commit()
    clock.to("2027-04-01 00:30")
    s.in_service(a, staff, "丁")
    s.record(case3, staff_b, "2027-04-01", "心理康复", 60)
    clock.to("2027-04-02 10:00")
    return {**people, "a": a, "b": inst_b, "admin_b": admin_b, "staff_b": staff_b, "case1": case1, "case2": case2,
            "case3": case3, "story": s}
