"""Every figure of the statistics against values worked out by hand from the county of tests/stats/conftest.py
(timeline there). Working days on the 2026 calendar: Nov 2026 has no holiday; weekends 11-07/08, 14/15, 21/22,
28/29. "Days overdue" = working days from the due date to today (2026-11-30), today excluded."""

from __future__ import annotations

from datetime import date

import pytest

from referral.stats.queries import area_of, division_stats, overdue_cutoff, weighted_median
from tests.stats.conftest import TODAY

D = date.fromisoformat


def stats(code, **kw):
    return division_stats(area_of(code), today=TODAY, **kw)


def test_county_everything_so_far(county):
    s = stats("220102")
    # A completed, B closed, C in service, D assessed, E assessing, F referred, G registered, H applied,
    # I returned, J not registered, K withdrawn: one case in each state; N is the neighbour's.
    assert s["cases_by_state"] == {k: 1 for k in (
        "applied", "returned", "not_registered", "registered", "referred", "assessing", "assessed", "in_service",
        "closed", "completed", "withdrawn")}
    # Overdue today: H (due 11-23), G (11-27), E (assessing since 11-06 + 10 = 11-20), C (review 11-20), and 二号
    # at county review (11-16). B's follow-up is due today (not overdue), F's answer on 12-02, D's agreement 12-04.
    assert s["overdue_by_clock"] == {
        "application_to_registered": 1, "registered_to_referred": 1, "referred_to_response": 0,
        "accepted_to_assessed": 1, "assessed_to_agreement": 0, "staged_review": 1, "follow_up": 0,
        "county_review": 1, "city_review": 0}
    # Due within 2 working days (11-30 … 12-02): F's answer (12-02) and B's follow-up (11-30).
    assert s["due_soon_by_clock"] == {
        "application_to_registered": 0, "registered_to_referred": 0, "referred_to_response": 1,
        "accepted_to_assessed": 0, "assessed_to_agreement": 0, "staged_review": 0, "follow_up": 1,
        "county_review": 0, "city_review": 0}
    assert s["institutions_by_state"]["listed"] == 1 and s["institutions_by_state"]["county_review"] == 1
    assert sum(s["institutions_by_state"].values()) == 2
    # 阳光: 5 free at the start; C, D, E hold a place each (A and B gave theirs back at closure).
    assert s["free_places"] == {"free": 2, "capacity": 30, "institutions": 1}
    # Referrals of A–G: A–E accepted (A's has ended since), G declined for no capacity, F waiting.
    assert s["referrals"] == {"made": 7, "accepted": 5, "declined": 1, "pending": 1, "declined_by_reason": {
        "no_capacity": 1, "outside_service_area": 0, "needs_not_matched": 0, "other": 0}}
    # applied→registered: A 2, B 1, C 3, D 1, E 3, F 1, G 2 → 1 1 1 2 2 3 3 → 2
    # registered→referred: A 1, B 1, C 0, D 1, E 1, F 1, G 1 → 1
    # referred→answer: A 1, B 1, C 1, D 1, E 0, G 1 (decline) → 1
    # accepted→assessed: A 3 (08-07 → 08-12 over a weekend), B 2, C 0, D 1 → (1 + 2) / 2 = 1.5
    # assessed→agreement: A 2, B 1, C 1 → 1
    assert s["median_working_days_by_step"] == {
        "application_to_registered": 2.0, "registered_to_referred": 1.0, "referred_to_response": 1.0,
        "accepted_to_assessed": 1.5, "assessed_to_agreement": 1.0}
    assert s["steps_counted"] == {"application_to_registered": 7, "registered_to_referred": 7,
                                  "referred_to_response": 6, "accepted_to_assessed": 4, "assessed_to_agreement": 3}
    # Registered: A–G (7); of them A, B, C signed an agreement: 3/7.
    assert s["service_rate"] == {"registered": 7, "served": 3, "rate": 0.4286}
    assert s["coverage"] == {"counties": 1, "covered": 1, "rate": 1.0}
    # 钱护工 12 h, 孙护工 20 h in 2026: one short of 20.
    assert s["training"] == {"year": 2026, "required_hours": 20, "staff": 2, "short": 1}
    assert s["by_group"] == {
        "severe_mental_disorder": {"applied": 3, "registered": 3, "served": 2, "closed": 1, "in_service": 1},  # A C G
        "other_mental_disorder": {"applied": 1, "registered": 1, "served": 0, "closed": 0, "in_service": 0},  # F
        "depression": {"applied": 1, "registered": 1, "served": 1, "closed": 1, "in_service": 0},  # B
        "autism": {"applied": 1, "registered": 1, "served": 0, "closed": 0, "in_service": 0},  # D
        "unspecified": {"applied": 5, "registered": 1, "served": 0, "closed": 0, "in_service": 0},  # E H I J K
    }
    # K was applied at 00:30 on 11-01 China time (10-31 in UTC): a November application.
    assert s["by_month"] == [
        {"month": "2026-08", "applied": 1, "registered": 1, "referred": 1, "closed": 1},
        {"month": "2026-09", "applied": 0, "registered": 0, "referred": 0, "closed": 0},
        {"month": "2026-10", "applied": 1, "registered": 1, "referred": 1, "closed": 1},
        {"month": "2026-11", "applied": 9, "registered": 5, "referred": 5, "closed": 0}]
    # 阳光's answers: A 1, B 1, C 1, D 1, E 0, G 1 → 1; in service C; overdue E and C. 二号 is not listed yet.
    assert s["institutions"] == [{
        "id": county["inst"].id, "name": "南关区阳光康复中心", "state": "listed", "division": "220102",
        "received": 7, "accepted": 5, "declined": 1, "pending": 1, "median_working_days_to_answer": 1.0,
        "in_service": 1, "overdue": 2, "capacity": 30, "free_places": 2}]
    assert s["children"] == []
    assert s["supervision"] == {"spot_checks": {"pending": 0, "passed": 1, "failed": 0},
                                "evaluations": {"excellent": 0, "good": 1, "qualified": 0, "unqualified": 0},
                                "complaints": {"received": 0, "handling": 0, "resolved": 1}}


def test_county_who_is_late(county):
    late = stats("220102")["late"]
    assert late["grace_working_days"] == 0 and late["overdue_before"] == "2026-11-30"
    inst = county["inst"].id
    rows = {(r["party"], r["institution_id"], r["clock"]): (r["overdue"], r["due_soon"]) for r in late["rows"]}
    assert rows == {
        ("county_officials", None, "county_review"): (1, 0),          # 二号
        ("institution", inst, "accepted_to_assessed"): (1, 0),        # E
        ("institution", inst, "staged_review"): (1, 0),               # C
        ("institution", inst, "referred_to_response"): (0, 1),        # F
        ("institution", inst, "follow_up"): (0, 1),                   # B
        ("referral_officers", None, "application_to_registered"): (1, 0),  # H
        ("referral_officers", None, "registered_to_referred"): (1, 0),     # G (declined: back with the officers)
    }
    assert {r["institution"] for r in late["rows"]} == {"南关区阳光康复中心", None}


def test_november_only(county):
    s = stats("220102", start=D("2026-11-01"), end=D("2026-11-30"))
    assert s["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    # Applied in November: C–K (K at 00:30 on 11-01).
    assert s["cases_by_state"] == {**{k: 1 for k in ("applied", "returned", "not_registered", "registered", "referred",
                                                      "assessing", "assessed", "in_service", "withdrawn")},
                                   "closed": 0, "completed": 0}
    assert s["referrals"] == {"made": 5, "accepted": 3, "declined": 1, "pending": 1, "declined_by_reason": {
        "no_capacity": 1, "outside_service_area": 0, "needs_not_matched": 0, "other": 0}}
    # Steps finished in November: C 3 0 1 0 1, D 1 1 1 1, E 3 1 0, F 1 1, G 2 1 1.
    assert s["median_working_days_by_step"] == {
        "application_to_registered": 2.0, "registered_to_referred": 1.0, "referred_to_response": 1.0,
        "accepted_to_assessed": 0.5, "assessed_to_agreement": 1.0}
    assert s["steps_counted"] == {"application_to_registered": 5, "registered_to_referred": 5,
                                  "referred_to_response": 4, "accepted_to_assessed": 2, "assessed_to_agreement": 1}
    assert s["service_rate"] == {"registered": 5, "served": 1, "rate": 0.2}  # C–G registered; C signed
    assert s["by_month"] == [{"month": "2026-11", "applied": 9, "registered": 5, "referred": 5, "closed": 0}]
    assert s["by_group"]["severe_mental_disorder"] == {"applied": 2, "registered": 2, "served": 1, "closed": 0,
                                                       "in_service": 1}
    assert s["by_group"]["depression"] == {"applied": 0, "registered": 0, "served": 0, "closed": 0, "in_service": 0}
    assert s["institutions"][0]["received"] == 5 and s["institutions"][0]["accepted"] == 3
    # The state of today does not depend on the period.
    assert s["overdue_by_clock"] == stats("220102")["overdue_by_clock"]


def test_october_ends_before_midnight_china_time(county):
    s = stats("220102", start=D("2026-10-01"), end=D("2026-10-31"))
    assert s["cases_by_state"]["closed"] == 1 and sum(s["cases_by_state"].values()) == 1  # B only, not K
    assert s["by_month"] == [{"month": "2026-10", "applied": 1, "registered": 1, "referred": 1, "closed": 1}]
    assert s["supervision"]["spot_checks"] == {"pending": 0, "passed": 0, "failed": 0}


def test_city_sees_only_what_is_late_past_the_grace(county):
    s = stats("220100", grace=3)
    late = s["late"]
    # 3 working days back from Monday 11-30: 11-27, 11-26, 11-25 → overdue by more than 3 if due before 11-25.
    assert late["grace_working_days"] == 3 and late["overdue_before"] == "2026-11-25"
    inst = county["inst"].id
    rows = {(r["county"], r["party"], r["institution_id"], r["clock"]): (r["overdue"], r["due_soon"])
            for r in late["rows"]}
    assert rows == {  # G (overdue by 1) is the county's own business yet; nothing due soon above the county
        ("220102", "county_officials", None, "county_review"): (1, 0),
        ("220102", "institution", inst, "accepted_to_assessed"): (1, 0),
        ("220102", "institution", inst, "staged_review"): (1, 0),
        ("220102", "referral_officers", None, "application_to_registered"): (1, 0),
        ("220104", "referral_officers", None, "application_to_registered"): (1, 0),  # N
    }
    assert {r["county_name"] for r in late["rows"]} == {"南关区", "朝阳区"}
    # 长春市 has 11 counties; 阳光 serves 南关区 and 朝阳区, 心康 朝阳区.
    assert s["coverage"] == {"counties": 11, "covered": 2, "rate": 0.1818}
    assert s["free_places"] == {"free": 6, "capacity": 40, "institutions": 2}
    assert s["cases_by_state"]["applied"] == 2  # H and N
    assert [c["code"] for c in s["children"]] == ["220102", "220103", "220104", "220105", "220106", "220112",
                                                  "220113", "220122", "220182", "220183", "220184"]
    kids = {c["code"]: c for c in s["children"]}
    # Open: A–K minus completed A, not registered J, withdrawn K = 8; overdue past the grace: H, E, C.
    assert kids["220102"] == {"code": "220102", "name": "南关区", "open_cases": 8, "overdue": 3, "referrals_made": 7,
                              "listed_institutions": 1, "free_places": 2}
    assert kids["220104"] == {"code": "220104", "name": "朝阳区", "open_cases": 1, "overdue": 1, "referrals_made": 0,
                              "listed_institutions": 1, "free_places": 4}
    assert kids["220103"]["open_cases"] == 0


def test_province_rolls_up_cities(county):
    s = stats("220000", grace=3)
    kids = {c["code"]: c for c in s["children"]}
    assert kids["220100"]["open_cases"] == 9 and kids["220100"]["overdue"] == 4
    assert kids["220200"]["open_cases"] == 0
    assert s["referrals"]["made"] == 7


@pytest.mark.parametrize(("pairs", "median"), [
    ([], None), ([(3, 1)], 3.0), ([(1, 3), (2, 2), (3, 2)], 2.0),  # 1 1 1 2 2 3 3
    ([(0, 1), (1, 1), (2, 1), (3, 1)], 1.5), ([(5, 2), (1, 2)], 3.0), ([(4, 0), (2, 1)], 2.0)])
def test_weighted_median(pairs, median):
    assert weighted_median(pairs) == median


@pytest.mark.parametrize(("today", "grace", "cutoff"), [
    (D("2026-11-30"), 0, D("2026-11-30")), (D("2026-11-30"), 1, D("2026-11-27")),
    (D("2026-11-30"), 3, D("2026-11-25")),
    # Across National Day: 10-08 (Thu) back over 10-01…07 off and the weekend to 09-30, 09-29.
    (D("2026-10-08"), 2, D("2026-09-29"))])
def test_overdue_cutoff(today, grace, cutoff):
    assert overdue_cutoff(today, grace) == cutoff
