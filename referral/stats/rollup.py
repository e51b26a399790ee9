"""The statistics' summary table (``stats_facts``, docs/domain.md#statistics), kept exact in the same transaction
as the write that changes it.

Why in the transaction and not a periodic refresh: officials compare these figures with other systems, and the
overdue counts must hold for today; a table that is always right needs no "as of" on the page.

How: ``case_facts`` is a pure function of one case's row, history and referrals → the counted facts of that case
(a Counter of keys). Whenever a flush writes a case, a history row or a referral — whichever code does it — the
listeners below read the facts of the cases touched before the flush (locking their rows, so two transactions
cannot both subtract the same old facts) and after it, and add the difference to ``stats_facts`` with one upsert.
A bulk UPDATE/DELETE through the session (the calendar moving due dates) is handled the same way. ``rebuild``
recounts everything from the cases (the migration's backfill, ``flask stats rebuild``, the tests' proof).

The kinds (key columns not named are empty: '' / 0 / NO_DAY), dated ones at grains ``d`` (day) and ``m`` (month):

- ``case``:     day applied; k1 state now; k2 eligibility group
- ``closed``:   day closed; k2 group
- ``open``:     (grain ``a``) an open case: k1 state; day2 due date; institution
- ``event``:    day of a register / sign_agreement event (k1); k2 group; day2 the day of the case's previous event
                of the same name (so "cases with one in the period" is exact: the first in the period is the one
                whose previous is before it); k3 for register: '1' if the case has signed an agreement
- ``step``:     day a measured step ended; k1 its clock; value its working days
- ``referral``: day referred; k1 status; k2 decline reason; k3 '1' answered yes; institution
- ``answer``:   day referred (answered referrals); institution; value working days to the answer

Working days depend on the official calendar; importing a schedule recounts the steps and answers it changes
(``_calendar_changed``)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time
from itertools import chain

from sqlalchemy import delete, event, func, select, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, attributes

from referral.calendar import CHINA_TZ, working_days_between
from referral.calendar.models import CalendarDay
from referral.cases.models import Case, CaseEvent, Referral, ReferralStatus
from referral.stats.models import NO_DAY, StatsFact
from workflows.case import OPEN_CASE_STATES, CaseState

# The steps whose durations are measured: each is one clock, from entering its state to the event that ends it
# (consecutive case_events rows of a case). clock → (state entered, the next row's events).
STEP_ENDS = {
    "application_to_registered": (CaseState.APPLIED, {"register"}),
    "registered_to_referred": (CaseState.REGISTERED, {"refer"}),
    "referred_to_response": (CaseState.REFERRED, {"accept", "decline"}),
    "accepted_to_assessed": (CaseState.ASSESSING, {"assess"}),
    "assessed_to_agreement": (CaseState.ASSESSED, {"sign_agreement"}),
}
_CLOCK_OF_STEP = {(str(state), ev): clock for clock, (state, events) in STEP_ENDS.items() for ev in events}
_OPEN = {str(s) for s in OPEN_CASE_STATES}
COUNTED_EVENTS = ("register", "sign_agreement")

KEY = ("kind", "grain", "division_code", "day", "day2", "k1", "k2", "k3", "institution_id", "value")
_CASE_COLUMNS = ("state", "division_code", "applied_at", "closed_at", "due_date", "institution_id",
                 "eligibility_group")
_CHUNK = 2000


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def case_facts(case, events, referrals, working_days=working_days_between, out: Counter | None = None) -> Counter:
    """The facts one case adds to ``stats_facts``: ``case`` a row (division_code, state, applied_at, closed_at,
    due_date, institution_id, eligibility_group), ``events`` its history rows (event, to_state, at) in the order
    (at, id), ``referrals`` its referral rows (institution_id, status, decline_reason_code, referred_at,
    responded_at). ``out``: add to this Counter (a recount of many cases)."""
    out = Counter() if out is None else out
    division, group, state = case.division_code, case.eligibility_group or "", str(case.state)

    def dated(kind, day, day2=NO_DAY, k1="", k2="", k3="", institution=0, value=0):
        out[(kind, "d", division, day, day2, k1, k2, k3, institution, value)] += 1
        out[(kind, "m", division, day.replace(day=1), day2, k1, k2, k3, institution, value)] += 1

    dated("case", china_day(case.applied_at), k1=state, k2=group)
    if case.closed_at is not None:
        dated("closed", china_day(case.closed_at), k2=group)
    if state in _OPEN:
        out[("open", "a", division, NO_DAY, case.due_date or NO_DAY, state, "", "", case.institution_id or 0, 0)] += 1
    signed = "1" if any(e.event == "sign_agreement" for e in events) else "0"
    previous: dict[str, date] = {}
    for e in events:
        if e.event in COUNTED_EVENTS:
            day = china_day(e.at)
            dated("event", day, day2=previous.get(e.event, NO_DAY), k1=e.event, k2=group,
                  k3=signed if e.event == "register" else "")
            previous[e.event] = day
    for current, following in zip(events, events[1:], strict=False):
        clock = _CLOCK_OF_STEP.get((current.to_state, following.event))
        if clock:
            start, end = china_day(current.at), china_day(following.at)
            dated("step", end, k1=clock, value=working_days(start, end))
    for r in referrals:
        status = str(r.status)
        answered = r.responded_at is not None
        yes = "1" if answered and status != ReferralStatus.DECLINED.value else "0"
        dated("referral", china_day(r.referred_at), k1=status, k2=r.decline_reason_code or "", k3=yes,
              institution=r.institution_id)
        if answered:
            dated("answer", china_day(r.referred_at), institution=r.institution_id,
                  value=working_days(china_day(r.referred_at), china_day(r.responded_at)))
    return out


def facts_of(conn, case_ids, *, lock: bool = False) -> Counter:
    """The facts of these cases as the database holds them now (three statements per 2,000 cases). ``lock``:
    take the cases' row locks first (PostgreSQL; SQLite writes one at a time anyway)."""
    total: Counter = Counter()
    ids = sorted(i for i in case_ids if i is not None)
    memo: dict[tuple[date, date], int] = {}

    def working_days(start, end):
        if (start, end) not in memo:
            memo[(start, end)] = working_days_between(start, end)
        return memo[(start, end)]

    for at in range(0, len(ids), _CHUNK):
        chunk = ids[at:at + _CHUNK]
        query = (select(Case.id, Case.division_code, Case.state, Case.applied_at, Case.closed_at, Case.due_date,
                        Case.institution_id, Case.eligibility_group).where(Case.id.in_(chunk)).order_by(Case.id))
        cases = conn.execute(query.with_for_update() if lock else query).all()
        events: dict[int, list] = {}
        for row in conn.execute(select(CaseEvent.case_id, CaseEvent.event, CaseEvent.to_state, CaseEvent.at)
                                .where(CaseEvent.case_id.in_(chunk))
                                .order_by(CaseEvent.case_id, CaseEvent.at, CaseEvent.id)).all():
            events.setdefault(row.case_id, []).append(row)
        referrals: dict[int, list] = {}
        for row in conn.execute(select(Referral.case_id, Referral.institution_id, Referral.status,
                                       Referral.decline_reason_code, Referral.referred_at, Referral.responded_at)
                                .where(Referral.case_id.in_(chunk))).all():
            referrals.setdefault(row.case_id, []).append(row)
        for case in cases:
            case_facts(case, events.get(case.id, []), referrals.get(case.id, []), working_days, total)
    return total


def apply_delta(conn, delta: Counter) -> None:
    """Add ``delta`` (key → change of n) to ``stats_facts``: one upsert, keys in order (two transactions touching
    the same rows lock them in the same order)."""
    rows = [dict(zip(KEY, key, strict=True), n=n) for key, n in sorted(delta.items()) if n]
    table = StatsFact.__table__
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    for at in range(0, len(rows), 500):
        stmt = make(table).values(rows[at:at + 500])
        conn.execute(stmt.on_conflict_do_update(index_elements=list(KEY), set_={"n": table.c.n + stmt.excluded.n}))


def rebuild(conn, *, kinds: tuple[str, ...] | None = None) -> int:
    """Recount ``stats_facts`` (or only ``kinds`` of it) from every case; returns the number of cases read.
    County by county: no key is shared between counties, so each county's facts are summed in memory and
    inserted once (plain INSERTs, no upsert)."""
    wanted = delete(StatsFact)
    conn.execute(wanted if kinds is None else wanted.where(StatsFact.kind.in_(kinds)))
    counties = list(conn.execute(select(Case.division_code).distinct().order_by(Case.division_code)).scalars())
    total = 0
    for county in counties:
        ids = list(conn.execute(select(Case.id).where(Case.division_code == county).order_by(Case.id)).scalars())
        found = facts_of(conn, ids)
        rows = [dict(zip(KEY, key, strict=True), n=n) for key, n in sorted(found.items())
                if n and (kinds is None or key[0] in kinds)]
        for at in range(0, len(rows), 10_000):
            conn.execute(StatsFact.__table__.insert(), rows[at:at + 10_000])
        total += len(ids)
    return total


# --- upkeep on every write ---------------------------------------------------------------------------------

def _changed(obj, names) -> bool:
    state = attributes.instance_state(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _touched(session) -> tuple[set[int], list]:
    """The ids of the (existing) cases whose facts this flush may change, and the new objects whose case has no
    id yet."""
    ids, pending = set(), []
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Case):
            if obj.id is None:
                pending.append(obj)
            elif obj in session.new or obj in session.deleted or _changed(obj, _CASE_COLUMNS):
                ids.add(obj.id)
        elif isinstance(obj, (CaseEvent, Referral)):
            if obj.case_id is None:
                pending.append(obj)
            elif obj in session.new or obj in session.deleted or session.is_modified(obj):
                ids.add(obj.case_id)
                ids.update(i for i in attributes.instance_state(obj).attrs["case_id"].history.deleted or () if i)
    return ids, pending


@event.listens_for(Session, "before_flush")
def _before_flush(session, flush_context, _instances):
    ids, pending = _touched(session)
    if ids or pending:
        with session.no_autoflush:
            old = facts_of(session.connection(), ids, lock=True)
        flush_context.attributes["stats_rollup"] = (ids, pending, old)


@event.listens_for(Session, "after_flush_postexec")
def _after_flush(session, flush_context):
    entry = flush_context.attributes.pop("stats_rollup", None)
    if entry is not None:
        ids, pending, old = entry
        new_cases = {o.id for o in pending if isinstance(o, Case)}
        late = {o.case_id for o in pending if not isinstance(o, Case)} - new_cases - ids
        if late:  # a row whose case id was set only by the flush, for a case read before it: its old facts unknown
            raise RuntimeError(f"stats rollup: history or referral rows of cases {sorted(late)} had no case_id "
                               "before the flush")
        conn = session.connection()
        delta = facts_of(conn, ids | new_cases)
        delta.subtract(old)
        apply_delta(conn, delta)


@event.listens_for(Session, "do_orm_execute")
def _bulk(orm_state):
    """A bulk UPDATE or DELETE of cases, history or referrals through the session (the calendar moving due
    dates: referral/calendar/services.py) — or a bulk INSERT of history or referrals — changes facts too."""
    if not (orm_state.is_update or orm_state.is_delete or orm_state.is_insert):
        return None
    mapper = orm_state.bind_mapper
    model = mapper.class_ if mapper is not None else None
    if model is CalendarDay and orm_state.is_delete:  # a schedule replaced: see "the calendar" below
        conn = orm_state.session.connection()
        first = conn.execute(select(func.min(CalendarDay.day)).where(orm_state.statement.whereclause)).scalar()
        if first is not None:
            _calendar_changed(orm_state.session, first)
        return None
    if model not in (Case, CaseEvent, Referral):
        return None
    conn = orm_state.session.connection()
    if orm_state.is_insert:
        if model is Case:
            return None  # new cases by bulk INSERT: only bench/; ``flask stats rebuild`` counts them
        params = orm_state.parameters
        ids = {p.get("case_id") for p in (params if isinstance(params, list) else [params or {}])}
    else:
        key = model.id if model is Case else model.case_id
        ids = set(conn.execute(select(key).where(orm_state.statement.whereclause)).scalars())
    old = facts_of(conn, ids, lock=True)
    result = orm_state.invoke_statement()
    delta = facts_of(conn, ids)
    delta.subtract(old)
    apply_delta(conn, delta)
    return result


# --- the calendar ------------------------------------------------------------------------------------------
# Importing a schedule (referral/calendar/services.py: import_schedule) deletes the years' days, adds the new ones,
# flushes, then loads them into the process's calendar. Until that reload the old schedule is the one counted
# with: the step and answer facts of the cases with a step or an answer on or after the first changed day are
# read then, and recounted with the new schedule before the commit.

def _calendar_changed(session, day: date) -> None:
    pending = session.info.get("stats_calendar")
    if pending is not None and pending[0] <= day:
        return
    conn = session.connection()
    lo = datetime.combine(day, time(), tzinfo=CHINA_TZ)
    ids = set(conn.execute(union(select(CaseEvent.case_id).where(CaseEvent.at >= lo),
                                 select(Referral.case_id).where(Referral.responded_at >= lo))).scalars())
    session.info["stats_calendar"] = (day, ids, _working_day_facts(conn, ids))


def _working_day_facts(conn, ids) -> Counter:
    return Counter({k: n for k, n in facts_of(conn, ids).items() if k[0] in ("step", "answer")})


@event.listens_for(Session, "after_flush")
def _calendar_flushed(session, _flush_context):
    days = [o.day for o in chain(session.new, session.dirty, session.deleted) if isinstance(o, CalendarDay)]
    if days:
        _calendar_changed(session, min(days))


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    pending = session.info.pop("stats_calendar", None)
    if pending is not None:
        _day, ids, old = pending
        conn = session.connection()
        delta = _working_day_facts(conn, ids)
        delta.subtract(old)
        apply_delta(conn, delta)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("stats_calendar", None)
