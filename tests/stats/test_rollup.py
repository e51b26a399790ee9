"""The summary table (referral/stats/rollup.py) kept in the transaction equals a recount from the cases, and the
figures read from it equal a direct GROUP BY over the cases — after events across day changes on a travelled
clock, a calendar import that moves working days, the recount of ``flask stats rebuild`` and the migration's
backfill. The statement count of the statistics does not grow with the cases."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, event, func, select

from referral.calendar import today_in_china, use_official_schedules, working_days_between
from referral.calendar.models import DayKind
from referral.calendar.services import import_schedule
from referral.cases import services
from referral.cases.models import Case, CaseEvent, Referral
from referral.extensions import db
from referral.stats.models import StatsFact
from referral.stats.queries import area_of, division_stats, weighted_median
from referral.stats.rollup import STEP_ENDS, china_day, rebuild
from tests.helpers import id_number
from tests.stats.conftest import TODAY, at
from workflows.case import OPEN_CASE_STATES


def table() -> dict:
    """The summary table as it is: key → n (rows at 0 left out)."""
    return {tuple(r[:-1]): r[-1] for r in db.session.execute(select(
        StatsFact.kind, StatsFact.grain, StatsFact.division_code, StatsFact.day, StatsFact.day2, StatsFact.k1,
        StatsFact.k2, StatsFact.k3, StatsFact.institution_id, StatsFact.value, StatsFact.n).where(StatsFact.n != 0))}


def recounted() -> dict:
    """The table as a recount from every case makes it (then put back as it was, by the rollback)."""
    rebuild(db.session.connection())
    out = table()
    db.session.rollback()
    return out


def direct(code: str, today: date) -> dict:
    """Figures by GROUP BY over the cases and their history, as before the summary table."""
    area = Case.division_code.between(code[:4] + "00" if code.endswith("00") else code, code[:4] + "99"
                                      if code.endswith("00") else code)
    by_state = dict(db.session.execute(select(Case.state, func.count()).where(area).group_by(Case.state)).all())
    overdue = db.session.scalar(select(func.count()).where(area, Case.state.in_(OPEN_CASE_STATES),
                                                           Case.due_date < today))
    rows = db.session.execute(select(CaseEvent.case_id, CaseEvent.event, CaseEvent.to_state, CaseEvent.at)
                              .join(Case, Case.id == CaseEvent.case_id).where(area)
                              .order_by(CaseEvent.case_id, CaseEvent.at, CaseEvent.id)).all()
    steps: dict[str, list] = {clock: [] for clock in STEP_ENDS}
    for a, b in zip(rows, rows[1:], strict=False):
        for clock, (state, events) in STEP_ENDS.items():
            if a.case_id == b.case_id and a.to_state == str(state) and b.event in events:
                steps[clock].append((working_days_between(china_day(a.at), china_day(b.at)), 1))
    made = db.session.scalar(select(func.count()).select_from(Referral).join(Case, Case.id == Referral.case_id)
                             .where(area))
    return {"cases_by_state": {str(k): v for k, v in by_state.items()}, "overdue": overdue,
            "medians": {c: weighted_median(p) for c, p in steps.items()}, "made": made}


def from_table(code: str, today: date) -> dict:
    s = division_stats(area_of(code), today=today)
    case_overdue = sum(n for c, n in s["overdue_by_clock"].items() if c not in ("county_review", "city_review"))
    return {"cases_by_state": {k: v for k, v in s["cases_by_state"].items() if v}, "overdue": case_overdue,
            "medians": s["median_working_days_by_step"], "made": s["referrals"]["made"]}


def test_the_table_kept_by_the_events_equals_a_recount(county):
    assert table() == recounted()
    for code in ("220102", "220100"):
        assert from_table(code, TODAY) == direct(code, TODAY)


def test_events_across_days_on_a_travelled_clock(county, travel):
    """Late-evening events (the previous UTC day), a day change, the next week: after each, the table equals a
    recount and the figures of that day equal the direct count — overdue ones move with today."""
    cases, officer, staff = county["cases"], county["referral_officer"], county["staff"]
    h, f = cases["H"], cases["F"]
    travel(at(11, 30, 23, 50))  # 15:50 UTC
    services.advance_case(h, actor=officer, event="register", verification="已核实")
    db.session.commit()
    assert table() == recounted()
    travel(at(12, 1, 0, 10))  # the next China day, still 11-30 in UTC
    services.advance_case(f, actor=staff, event="accept")
    services.advance_case(h, actor=officer, event="refer", institution_id=county["inst"].id)
    db.session.commit()
    assert table() == recounted()
    for day in (date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 31)):
        travel(at(day.month, day.day, 9))
        assert today_in_china() == day
        assert from_table("220102", day) == direct("220102", day)
    travel(at(12, 8, 9))
    services.advance_case(h, actor=staff, event="decline", reason_code="no_capacity", reason="满员")
    db.session.commit()
    assert table() == recounted()
    assert from_table("220102", date(2026, 12, 8)) == direct("220102", date(2026, 12, 8))


def test_a_period_sums_month_and_day_rows_exactly(county):
    """Periods starting and ending mid-month, on month bounds, within one month, open at either end."""
    whole = division_stats(area_of("220102"), today=TODAY)
    periods = [(date(2026, 8, 4), date(2026, 11, 16)), (date(2026, 10, 1), date(2026, 11, 30)),
               (date(2026, 11, 9), date(2026, 11, 20)), (None, date(2026, 10, 31)), (date(2026, 11, 2), None),
               (date(2026, 10, 20), date(2026, 10, 20))]
    for start, end in periods:
        s = division_stats(area_of("220102"), start=start, end=end, today=TODAY)
        applied = db.session.execute(select(Case.applied_at).where(Case.division_code == "220102")).scalars()
        expected = sum(1 for a in applied if (start is None or china_day(a) >= start)
                       and (end is None or china_day(a) <= end))
        assert sum(s["cases_by_state"].values()) == expected, (start, end)
    assert sum(m["applied"] for m in whole["by_month"]) == sum(whole["cases_by_state"].values())


def test_a_calendar_import_recounts_the_working_days(county, app):
    """A schedule making 11-18 (a Wednesday) a holiday: steps over it take a working day less; the table equals
    the recount and the direct medians."""
    try:
        before = division_stats(area_of("220102"), today=TODAY)["median_working_days_by_step"]
        days = {date(2026, 11, 18): DayKind.HOLIDAY, date(2026, 10, 1): DayKind.HOLIDAY}
        import_schedule(days, actor=None)
        db.session.commit()
        assert table() == recounted()
        after = from_table("220102", TODAY)
        assert after == direct("220102", TODAY)
        assert after["medians"] != before
    finally:
        use_official_schedules({})


def test_rebuild_command_and_backfill(county, app):
    """``flask stats rebuild`` after the table was emptied (as the migration's backfill over existing cases)."""
    kept = table()
    figures = division_stats(area_of("220100"), today=TODAY)
    db.session.execute(delete(StatsFact))
    db.session.commit()
    assert table() == {}
    result = app.test_cli_runner().invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "recounted from" in result.output
    db.session.expire_all()
    assert table() == kept
    assert division_stats(area_of("220100"), today=TODAY) == figures


def test_statements_do_not_grow_with_the_cases(county, travel):
    def statements(code):
        n = {"n": 0}

        def count(*_a, **_k):
            n["n"] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            division_stats(area_of(code), today=TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return n["n"]

    first = {code: statements(code) for code in ("220102", "220100", "220000")}
    hospital = county["hospital"]
    for k in range(5):
        travel(at(11, 30, 9) - timedelta(days=k))
        services.submit_application(actor=hospital, data={
            "channel": "medical", "name": f"加{k}", "id_number": id_number("19800101", 300 + k),
            "division_code": "220102", "needs": "康复", "service_types": ["服药训练"], "consent_signer": "applicant"})
    db.session.commit()
    assert {code: statements(code) for code in first} == first

