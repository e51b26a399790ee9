"""A year's official 放假安排 entered as data (issue 10.8), tested with 2027, which no calendar package has."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import update

from referral.audit.models import AuditEntry
from referral.auth.permissions import Role
from referral.calendar import (
    add_working_days,
    calendar_source,
    first_uncovered_year,
    today_in_china,
    use_official_schedules,
)
from referral.cases.models import Case
from referral.extensions import db
from tests.helpers import application, bearer, login

# A schedule shaped like a Spring Festival notice: 2027-02-05 (Fri) to 02-11 (Thu) off, Sunday 01-31 and
# Saturday 02-20 worked instead.
SCHEDULE_2027 = "date,kind\n" + "".join(f"2027-02-{d:02d},holiday\n" for d in range(5, 12)) + \
    "2027-01-31,workday\n2027-02-20,workday\n"


@pytest.fixture(autouse=True)
def forget_schedules():
    yield
    use_official_schedules({})  # pure tests later in this process count without them


@pytest.fixture
def schedule_file(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    return path


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_2027_entered_overrides_weekdays(app, schedule_file):
    assert date(2027, 1, 31).weekday() == 6 and date(2027, 2, 20).weekday() == 5  # the make-up days are weekend
    assert calendar_source(2027) == "weekdays"
    assert add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 5)  # Monday–Friday only: the festival counts
    result = run(app, "calendar", "import", str(schedule_file))
    assert result.exit_code == 0, result.output
    assert "2027: 7 holiday(s), 2 make-up working day(s)" in result.output
    assert calendar_source(2027) == "official"
    assert add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 12)  # the seven days off are skipped
    assert add_working_days(date(2027, 1, 29), 1) == date(2027, 1, 31)  # the Sunday is worked
    assert add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 20)  # and the Saturday


def test_running_clocks_move_and_the_change_is_audited(app, client, schedule_file):
    receipt = client.post("/api/v1/public/applications", json=application(channel="self")).get_json()["receipt_no"]
    # The application arrived on Monday 2027-02-01: five working days counted Monday–Friday end on 02-08.
    arrived = datetime(2027, 2, 1, 2, 0, tzinfo=timezone.utc)
    db.session.execute(update(Case).where(Case.receipt_no == receipt)
                       .values(state_changed_at=arrived, due_date=add_working_days(date(2027, 2, 1), 5)))
    db.session.commit()
    assert db.session.scalar(db.select(Case.due_date)) == date(2027, 2, 8)
    version = db.session.scalar(db.select(Case.version))
    assert run(app, "calendar", "import", str(schedule_file)).exit_code == 0
    db.session.expire_all()
    # 02-02, 02-03, 02-04, then 02-12 and 02-15: the festival is not counted.
    assert db.session.scalar(db.select(Case.due_date)) == date(2027, 2, 15)
    assert db.session.scalar(db.select(Case.version)) == version  # nobody's open form turns stale
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "calendar.import")).one()
    assert entry.summary["moved"]["case"] == 1 and entry.summary["after"] == {"holidays": 7, "workdays": 2}


def test_the_api_says_where_a_year_comes_from(app, client, users_by_role, schedule_file):
    headers = bearer(users_by_role[Role.REFERRAL_OFFICER])
    before = client.get("/api/v1/calendar/2027", headers=headers).get_json()
    assert before == {"year": 2027, "source": "weekdays", "holidays": [], "workdays": []}
    package = client.get("/api/v1/calendar/2026", headers=headers).get_json()
    assert package["source"] == "package" and "2026-10-01" in package["holidays"]
    assert "2026-01-04" in package["workdays"]
    run(app, "calendar", "import", str(schedule_file))
    after = client.get("/api/v1/calendar/2027", headers=headers).get_json()
    assert after["source"] == "official"
    assert after["holidays"] == [f"2027-02-{d:02d}" for d in range(5, 12)]
    assert after["workdays"] == ["2027-01-31", "2027-02-20"]
    assert client.get("/api/v1/calendar/1800", headers=headers).status_code == 404
    assert client.get("/api/v1/calendar/2027").status_code == 401


@pytest.mark.parametrize(("text", "why"), [
    ("date,kind\n2027-02-30,holiday\n", "第 2 行：日期“2027-02-30”"),
    ("date,kind\n2027-02-05,rest\n", "第 2 行：类型“rest”"),
    ("date,kind\n2027-02-01,workday\n", "第 2 行：2027-02-01 是工作日"),
    ("date,kind\n2027-02-06,holiday\n2027-02-06,workday\n", "第 3 行：2027-02-06 同时列为"),
    ("date,kind\n", "没有日期"),
])
def test_a_bad_file_is_refused_line_by_line_and_nothing_is_entered(app, tmp_path, text, why):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    result = run(app, "calendar", "import", str(path))
    assert result.exit_code == 2 and why in result.output
    assert calendar_source(2027) == "weekdays"
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "calendar.import")) == 0


def test_officials_are_warned_while_the_next_60_days_lack_a_schedule(app, client, users_by_role, tmp_path):
    gap = first_uncovered_year(today_in_china())
    login(client, users_by_role[Role.COUNTY_OFFICIAL])
    page = client.get("/").get_data(as_text=True)
    assert ("官方放假安排尚未录入" in page) == (gap is not None)
    if gap is not None:
        assert f"{gap} 年的官方放假安排尚未录入" in page
        path = tmp_path / "gap.csv"
        # Any official entry covers the year; one day is enough to make it "entered".
        path.write_text(f"date,kind\n{gap}-01-01,holiday\n{gap + 1}-01-01,holiday\n", encoding="utf-8")
        assert run(app, "calendar", "import", str(path)).exit_code == 0
        assert "官方放假安排尚未录入" not in client.get("/").get_data(as_text=True)
    login(client, users_by_role[Role.INSTITUTION_ADMIN])  # those who count no deadline are not bothered
    assert "官方放假安排尚未录入" not in client.get("/").get_data(as_text=True)
