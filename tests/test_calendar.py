"""referral/calendar.py: working days on the official 2026 arrangement, the deadline settings.

The 2026 facts asserted here are those of the State Council notice as carried by chinese-calendar 1.11.0
(国务院办公厅关于2026年部分节假日安排的通知)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from referral.calendar import (
    CHINA_TZ,
    WORKING_DAY_CLOCKS,
    Deadlines,
    add_working_days,
    calendar_covers,
    check_deadline_config,
    deadlines_for,
    is_working_day,
    today_in_china,
    working_days_between,
)

D = date.fromisoformat
NO_CONFIG: dict = {}


def due_date(clock: str, start: date, *, config, province_code: str | None = None) -> date:
    """As the services compute a clock's due date: ``start`` plus the clock's working days."""
    return add_working_days(start, getattr(deadlines_for(config, province_code), clock))


def days(first: str, last: str):
    day = D(first)
    while day <= D(last):
        yield day
        day += timedelta(days=1)


# --- the official 2026 calendar ---------------------------------------------------------------------------

def test_national_day_2026_days_off_and_make_up_days():
    assert [is_working_day(d) for d in days("2026-10-01", "2026-10-07")] == [False] * 7
    assert is_working_day(D("2026-09-20"))  # Sunday, 调休 working day
    assert is_working_day(D("2026-10-10"))  # Saturday, 调休 working day
    assert not is_working_day(D("2026-10-11"))  # an ordinary Sunday
    assert [is_working_day(d) for d in days("2026-09-25", "2026-09-27")] == [False] * 3  # Mid-Autumn, Fri–Sun


def test_application_on_30_september_2026_is_due_on_13_october():
    # Day 1 = Thu 10-08, 2 = Fri 10-09, 3 = Sat 10-10 (调休), 4 = Mon 10-12, 5 = Tue 10-13.
    # Without the make-up Saturday it would be 10-14; on a Monday–Friday calendar 10-07.
    assert due_date("application_to_registered", D("2026-09-30"), config=NO_CONFIG) == D("2026-10-13")
    assert working_days_between(D("2026-09-30"), D("2026-10-13")) == 5
    assert add_working_days(D("2026-09-30"), 10) == D("2026-10-20")


def test_a_start_on_a_holiday_counts_from_the_next_working_day():
    # Received on any day of the National Day break: the same due date as on the last working day before.
    for day in days("2026-10-01", "2026-10-07"):
        assert add_working_days(day, 5) == D("2026-10-13"), day
        assert add_working_days(day, 1) == D("2026-10-08"), day
    # A make-up Saturday is a working day, so it is an ordinary start: day 1 is Mon 10-12.
    assert add_working_days(D("2026-10-10"), 5) == D("2026-10-16")


def test_make_up_sunday_before_mid_autumn_counts():
    # Fri 09-18 → Sun 09-20 (调休) is day 1; 09-21…24 days 2–5. Fri 09-25 is Mid-Autumn.
    assert add_working_days(D("2026-09-18"), 5) == D("2026-09-24")
    assert add_working_days(D("2026-09-18"), 6) == D("2026-09-28")


def test_spring_festival_2026():
    assert [is_working_day(d) for d in days("2026-02-15", "2026-02-23")] == [False] * 9  # 9 days off, Sun–Mon
    assert is_working_day(D("2026-02-14"))  # Saturday before, 调休
    assert is_working_day(D("2026-02-28"))  # Saturday after, 调休
    # Thu 02-12 → Fri 02-13 (1), Sat 02-14 (2), break, Tue 02-24 (3), 02-25 (4), 02-26 (5).
    assert add_working_days(D("2026-02-12"), 5) == D("2026-02-26")
    # … 02-27 (6), Sat 02-28 (7), Mon 03-02 (8), 03-03 (9), 03-04 (10).
    assert due_date("county_review", D("2026-02-12"), config=NO_CONFIG) == D("2026-03-04")


def test_new_year_2026_make_up_sunday_across_the_year_end():
    assert not is_working_day(D("2026-01-01")) and not is_working_day(D("2026-01-02"))
    assert is_working_day(D("2026-01-04"))  # Sunday, 调休
    assert add_working_days(D("2025-12-31"), 1) == D("2026-01-04")


def test_ordinary_weekends():
    assert [is_working_day(d) for d in days("2026-03-02", "2026-03-08")] == [True] * 5 + [False] * 2
    assert add_working_days(D("2026-03-06"), 1) == D("2026-03-09")  # Fri → Mon
    assert add_working_days(D("2026-03-07"), 1) == D("2026-03-09")  # Sat start → Mon
    assert add_working_days(D("2026-03-09"), -1) == D("2026-03-06")
    assert add_working_days(D("2026-03-04"), 0) == D("2026-03-04")


# --- counting ---------------------------------------------------------------------------------------------

def test_between_inverts_add_for_every_day_of_2026():
    for start in days("2026-01-01", "2026-12-31"):
        for n in range(-25, 26):
            end = add_working_days(start, n)
            assert working_days_between(start, end) == n, (start, n)
            assert n == 0 or is_working_day(end), (start, n)


def test_add_inverts_between_for_working_day_ends():
    for start in days("2026-01-01", "2026-12-31"):
        for end in (start + timedelta(days=k) for k in range(-20, 21)):
            if is_working_day(end):
                assert add_working_days(start, working_days_between(start, end)) == end, (start, end)


def test_working_days_left_and_overdue():
    due = D("2026-03-06")  # a Friday
    assert working_days_between(D("2026-03-02"), due) == 4
    assert working_days_between(D("2026-03-06"), due) == 0  # due today
    assert working_days_between(D("2026-03-07"), due) == -1  # Saturday after: already overdue
    assert working_days_between(D("2026-03-09"), due) == -1
    assert working_days_between(D("2026-03-10"), due) == -2
    # Across the National Day break only the due day itself has gone by.
    assert working_days_between(D("2026-10-08"), D("2026-09-30")) == -1


def test_negative_exactly_when_overdue():
    for due in (d for d in days("2026-01-01", "2026-12-31") if is_working_day(d)):
        for today in (due + timedelta(days=k) for k in range(-15, 16)):
            assert (working_days_between(today, due) < 0) == (today > due), (today, due)


# --- years the package does not cover ---------------------------------------------------------------------

def test_covered_years_are_those_of_the_package():
    assert calendar_covers(2004) and calendar_covers(2026)
    assert not calendar_covers(2003) and not calendar_covers(2027)
    for year in range(2000, 2031):
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
            package_has_it = True
        except NotImplementedError:
            package_has_it = False
        assert calendar_covers(year) == package_has_it, year


def test_uncovered_years_fall_back_to_monday_to_friday():
    assert is_working_day(D("2027-10-01"))  # a Friday; the 2027 notice is not in the package
    assert not is_working_day(D("2027-10-02"))
    assert is_working_day(D("2003-10-01"))
    # Across the boundary: Thu 12-31 (1), Fri 2027-01-01 (2, provisional), Mon 01-04 … Wed 01-06 (5).
    assert add_working_days(D("2026-12-30"), 5) == D("2027-01-06")
    assert working_days_between(D("2026-12-30"), D("2027-01-06")) == 5
    assert due_date("city_review", D("2027-09-30"), config=NO_CONFIG) == D("2027-10-14")


# --- deadlines as settings --------------------------------------------------------------------------------

def test_defaults_are_those_of_design_3_2():
    assert Deadlines() == Deadlines(
        application_to_registered=5, registered_to_referred=5, referred_to_response=5,
        accepted_to_assessed=10, assessed_to_agreement=10, county_review=10, city_review=10,
        removal_statement_window=5, review_interval_months=3, follow_up_months=(1, 3))
    assert deadlines_for(NO_CONFIG, "220102") == Deadlines()
    assert "review_interval_months" not in WORKING_DAY_CLOCKS and "county_review" in WORKING_DAY_CLOCKS


CONFIG = {
    "DEADLINES": {"county_review": 7, "follow_up_months": [1, 6]},
    "DEADLINE_PROFILES": {"220000": {"county_review": 3, "application_to_registered": 10}},
}


def test_config_then_province_profile_override_the_defaults():
    national = deadlines_for(CONFIG, None)
    assert (national.county_review, national.follow_up_months, national.city_review) == (7, (1, 6), 10)
    jilin = deadlines_for(CONFIG, "220102")  # 南关区 → 吉林省's profile
    assert (jilin.county_review, jilin.application_to_registered, jilin.follow_up_months) == (3, 10, (1, 6))
    assert deadlines_for(CONFIG, "110105").county_review == 7  # 北京: no profile
    assert due_date("county_review", D("2026-03-02"), config=CONFIG, province_code="220102") == D("2026-03-05")
    assert due_date("county_review", D("2026-03-02"), config=CONFIG, province_code="110105") == D("2026-03-11")


def test_unknown_clock_names_raise():
    with pytest.raises(ValueError, match=r"DEADLINES: unknown deadline name\(s\) 'county_reveiw'"):
        deadlines_for({"DEADLINES": {"county_reveiw": 3}}, None)
    bad_profile = {"DEADLINE_PROFILES": {"220000": {"city_reviews": 3}}}
    with pytest.raises(ValueError, match=r"DEADLINE_PROFILES\['220000'\].*'city_reviews'"):
        deadlines_for(bad_profile, "220102")
    assert deadlines_for(bad_profile, "110105") == Deadlines()  # another province is not held up at run time
    with pytest.raises(ValueError, match="city_reviews"):
        check_deadline_config(bad_profile)  # … but a start-up check finds it
    with pytest.raises(ValueError, match="not a province code"):
        check_deadline_config({"DEADLINE_PROFILES": {"22": {}}})
    check_deadline_config(CONFIG)


@pytest.mark.parametrize(("name", "value"), [
    ("county_review", "10"), ("county_review", 0), ("county_review", True), ("county_review", 2.5),
    ("follow_up_months", []), ("follow_up_months", [1, 0]), ("follow_up_months", 3),
])
def test_bad_values_raise(name, value):
    with pytest.raises(ValueError, match=name):
        deadlines_for({"DEADLINES": {name: value}}, None)


# --- today ------------------------------------------------------------------------------------------------

def test_today_in_china_is_utc_plus_8():
    assert today_in_china(now=datetime(2026, 9, 30, 15, 59, tzinfo=timezone.utc)) == D("2026-09-30")
    assert today_in_china(now=datetime(2026, 9, 30, 16, 0, tzinfo=timezone.utc)) == D("2026-10-01")
    shanghai = ZoneInfo("Asia/Shanghai")
    for day in days("2020-01-01", "2030-12-31"):
        moment = datetime(day.year, day.month, day.day, 12, tzinfo=shanghai)
        assert moment.utcoffset() == CHINA_TZ.utcoffset(moment), day
    before = datetime.now(shanghai).date()
    assert today_in_china() in {before, datetime.now(shanghai).date()}


@pytest.mark.parametrize(("start", "end"), [
    (date(2023, 12, 29), date(2026, 12, 3)), (date(2026, 12, 3), date(2023, 12, 29)),  # across years both ways
    (date(2026, 9, 30), date(2026, 10, 9)), (date(2026, 10, 9), date(2026, 9, 30)),  # National Day and its 调休
    (date(1999, 12, 30), date(2000, 1, 4)), (date(2030, 12, 31), date(2031, 1, 2)),  # the sums' origin; weekdays
    (date(2024, 2, 29), date(2024, 2, 29)),
])
def test_working_days_between_counts_as_day_by_day(start, end):
    # The count is by yearly prefix sums (docs/architecture.md#speed): it must equal counting each day.
    if end >= start:
        expected = sum(is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))
    else:
        expected = -sum(is_working_day(end + timedelta(days=i)) for i in range((start - end).days))
    assert working_days_between(start, end) == expected
