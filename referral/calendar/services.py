"""Entering a year's official 放假安排 (docs/domain.md#deadlines): parse and check the file, replace that year's
days, count with them in this process, and move the due dates of the clocks that are running. Flush, never
commit."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import delete, func, select, update

from referral.audit.services import record
from referral.calendar import (
    add_working_days,
    deadlines_for,
    today_in_china,
    use_official_schedules,
)
from referral.calendar.models import CalendarDay, DayKind
from referral.errors import ValidationFailed
from referral.extensions import db


@dataclass
class ScheduleImport:
    years: list[int]
    holidays: int
    workdays: int
    moved: dict = field(default_factory=dict)  # object type → how many due dates moved


def parse_schedule(text: str) -> dict[date, DayKind]:
    """CSV ``date,kind`` (kind ``holiday`` or ``workday``; 放假/调休上班 also read). Every bad line is named."""
    kinds = {"holiday": DayKind.HOLIDAY, "放假": DayKind.HOLIDAY, "workday": DayKind.WORKDAY,
             "调休上班": DayKind.WORKDAY, "上班": DayKind.WORKDAY}
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    days: dict[date, DayKind] = {}
    errors: list[str] = []
    for line, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (line == 1 and cells[:1] in (["date"], ["日期"])):
            continue
        if len(cells) < 2:
            errors.append(f"第 {line} 行：应为“日期,类型”两列。")
            continue
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            errors.append(f"第 {line} 行：日期“{cells[0]}”应为 YYYY-MM-DD。")
            continue
        kind = kinds.get(cells[1].lower())
        if kind is None:
            errors.append(f"第 {line} 行：类型“{cells[1]}”应为 holiday（放假）或 workday（调休上班）。")
        elif kind is DayKind.WORKDAY and day.weekday() < 5:
            errors.append(f"第 {line} 行：{day} 是工作日，调休上班日应为周六或周日。")
        elif days.get(day, kind) is not kind:
            errors.append(f"第 {line} 行：{day} 同时列为放假和调休上班。")
        else:
            days[day] = kind
    if errors:
        raise ValidationFailed("；".join(errors[:20]), fields={"file": errors})
    if not days:
        raise ValidationFailed("文件中没有日期。", fields={"file": ["文件中没有日期。"]})
    return days


def load_official_schedules() -> None:
    """Count with the schedules in the database (this process)."""
    schedules: dict[int, tuple[set, set]] = {}
    for day, kind in db.session.execute(select(CalendarDay.day, CalendarDay.kind)):
        holidays, workdays = schedules.setdefault(day.year, (set(), set()))
        (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
    use_official_schedules(schedules)


def import_schedule(days: dict[date, DayKind], *, actor) -> ScheduleImport:
    """Replace the schedule of every year the file names, then move the running clocks."""
    years = sorted({d.year for d in days})
    before = {y: db.session.scalar(select(func.count()).where(CalendarDay.year == y)) for y in years}
    db.session.execute(delete(CalendarDay).where(CalendarDay.year.in_(years)))
    db.session.add_all(CalendarDay(day=d, year=d.year, kind=k, entered_by_id=getattr(actor, "id", None))
                       for d, k in sorted(days.items()))
    db.session.flush()
    load_official_schedules()
    result = ScheduleImport(years, sum(k is DayKind.HOLIDAY for k in days.values()),
                            sum(k is DayKind.WORKDAY for k in days.values()))
    result.moved = recompute_running_clocks(date(years[0], 1, 1))
    record("calendar.import", "calendar", ",".join(map(str, years)), actor=actor,
           before={"days": before}, after={"holidays": result.holidays, "workdays": result.workdays},
           moved=result.moved)
    db.session.flush()
    return result


def recompute_running_clocks(since: date) -> dict:
    """Working-day clocks whose counted days reach ``since`` or later get their due date counted again
    (a clock whose due date is before ``since`` counted no day of the changed years). Plain UPDATEs: a new
    due date is not an edit of the case, so nobody's open form becomes stale."""
    from referral.cases.models import Case
    from referral.cases.services import STATE_CLOCKS
    from referral.registries.models import ApprovalDecision, Institution, Talent
    from workflows.approval import ApprovalState

    moved = {"case": 0, "institution": 0, "talent": 0}
    config = current_app.config
    cases = db.session.execute(select(Case.id, Case.state, Case.state_changed_at, Case.division_code, Case.due_date)
                               .where(Case.state.in_(list(STATE_CLOCKS)), Case.due_date >= since))
    for case_id, state, changed_at, division, due in cases.all():
        days = getattr(deadlines_for(config, division), STATE_CLOCKS[state])
        new = add_working_days(today_in_china(now=changed_at), days)
        if new != due:
            db.session.execute(update(Case).where(Case.id == case_id).values(due_date=new)
                               .execution_options(synchronize_session=False))
            moved["case"] += 1
    clocks = {ApprovalState.COUNTY_REVIEW: "county_review", ApprovalState.CITY_REVIEW: "city_review",
              ApprovalState.REMOVAL_PENDING: "removal_statement_window"}
    for model, kind in ((Institution, "institution"), (Talent, "talent")):
        rows = db.session.execute(select(model.id, model.state, model.state_changed_at, model.division_code,
                                         model.due_date).where(model.state.in_(list(clocks)), model.due_date >= since))
        for entry_id, state, changed_at, division, due in rows.all():
            start = changed_at
            if state == ApprovalState.REMOVAL_PENDING:  # a statement does not restart the window
                start = db.session.scalar(select(func.max(ApprovalDecision.at)).where(
                    getattr(ApprovalDecision, f"{kind}_id") == entry_id,
                    ApprovalDecision.event == "propose_removal")) or changed_at
            new = add_working_days(today_in_china(now=start), getattr(deadlines_for(config, division), clocks[state]))
            if new != due:
                db.session.execute(update(model).where(model.id == entry_id).values(due_date=new)
                                   .execution_options(synchronize_session=False))
                moved[kind] += 1
    return moved
