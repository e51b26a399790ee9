"""The one query layer of the statistics (docs/domain.md#statistics): every figure of a division, computed with
GROUP BY in the database (SQLite and PostgreSQL alike), returned as plain data (dicts, lists, numbers). The figures of cases, their history and referrals are
summed from the summary table ``stats_facts`` (referral/stats/rollup.py), kept exact in the same transaction as
every write, so a province of a million cases costs what a county does; registries and supervision are small
and still grouped directly. The
API, the dashboard, its charts and tables and the exports all read ``division_stats``, so a number means the
same everywhere and is tested once against a hand-computed fixture (tests/stats/).

Adding a figure: write ``def figure(ctx) -> dict``, append ``("figure", figure)`` to ``FIGURES``; the API
returns it under that key, and a table in ``referral/stats/tables.py`` puts it on the page and in the exports.

Periods: ``start``/``end`` are China dates, both inclusive. Flow figures count what happened in the period
(applications, registrations, referrals made, steps finished, closures); state figures are as of today
(open cases, due dates, institutions, free places); ``cases_by_state`` counts the cases applied in the
period by the state they are in now. No period: everything so far."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, distinct, func, or_, select, true

from referral.calendar import CHINA_TZ, add_working_days, is_working_day, working_days_between
from referral.cases.models import Case, EligibilityGroup, ReferralStatus
from referral.cases.services import STATE_CLOCKS
from referral.divisions.models import Division, DivisionLevel, within
from referral.extensions import db
from referral.registries.models import Institution, InstitutionServiceArea, Talent, TalentCategory
from referral.registries.queries import ANNUAL_TRAINING_HOURS, training_hours_in
from referral.stats.models import NO_DAY, StatsFact
from referral.stats.rollup import STEP_ENDS
from referral.supervision.models import Complaint, Evaluation, SpotCheck, SpotCheckRound
from workflows.approval import ApprovalState
from workflows.case import OPEN_CASE_STATES, CaseState, DeclineReason
from workflows.codes import N_
from workflows.supervision import CheckState, ComplaintState

# "Due soon": within this many working days, as the case list's 即将到期 filter (referral/cases/queries.py).
DUE_SOON_WORKING_DAYS = 2
UNSPECIFIED = "unspecified"  # a case without an eligibility group (applied before the field existed)
UNSPECIFIED_LABEL = N_("未填写")
NATIONAL_LABEL = N_("全国")

# The clocks whose overdue items are counted, keyed as the deadline settings name them
# (referral/calendar: Deadlines); in service the next staged review, once closed the next follow-up, and the
# registry entries' two review levels.
CASE_CLOCKS = tuple(STATE_CLOCKS.values())
CLOCKS = (*CASE_CLOCKS, "staged_review", "follow_up", "county_review", "city_review")
CLOCK_LABELS = {
    "application_to_registered": N_("初核登记"), "registered_to_referred": N_("康复转介"),
    "referred_to_response": N_("机构接收答复"), "accepted_to_assessed": N_("综合评估"),
    "assessed_to_agreement": N_("签订服务协议"), "staged_review": N_("阶段性评估"), "follow_up": N_("回访"),
    "county_review": N_("县级初核（机构库、人才库）"), "city_review": N_("市级确认（机构库、人才库）"),
}
_CLOCK_OF_STATE = {**{str(s): c for s, c in STATE_CLOCKS.items()}, CaseState.IN_SERVICE.value: "staged_review",
                   CaseState.CLOSED.value: "follow_up"}

# The steps whose durations are measured: referral/stats/rollup.py (STEP_ENDS).

# Who answers for a late item (docs/domain.md#statistics): the serving institution, else the county's referral
# officers; registry entries the county or city officials.
PARTY_LABELS = {"institution": N_("服务机构"), "referral_officers": N_("县级转介服务人员"),
                "county_officials": N_("县级民政"), "city_officials": N_("市级民政")}


# --- what is asked: an area, a period, a day --------------------------------------------------------------

@dataclass(frozen=True)
class Area:
    """A division (or, for the sysadmin, the whole country: ``code`` None) whose figures are asked."""

    code: str | None
    name: str
    level: str  # national | province | city | county

    @property
    def child_length(self) -> int | None:
        """How many digits of a code name the child division (province → city → county)."""
        return {"national": 2, "province": 4, "city": 6}.get(self.level)

    def clause(self, column):
        return true() if self.code is None else within(column, self.code)


def area_of(code: str | None) -> Area | None:
    """The division ``code`` (None: the whole country), or None when there is no such division."""
    if code is None:
        return Area(None, NATIONAL_LABEL, "national")
    division = db.session.get(Division, code)
    if division is None:
        return None
    return Area(division.code, division.full_name, str(division.level))


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The period as UTC moments [from, to): midnight China time of the first day and of the day after."""
        lo = datetime.combine(self.start, time(), tzinfo=CHINA_TZ) if self.start else None
        hi = datetime.combine(self.end + timedelta(days=1), time(), tzinfo=CHINA_TZ) if self.end else None
        return lo, hi

    def clause(self, column):
        lo, hi = self.bounds()
        parts = [c for c in (column >= lo if lo else None, column < hi if hi else None) if c is not None]
        return and_(true(), *parts)

    def day_clause(self, column):
        """For a DATE column (a training day)."""
        parts = [c for c in (column >= self.start if self.start else None,
                             column <= self.end if self.end else None) if c is not None]
        return and_(true(), *parts)


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_before(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def period_facts(period: Period, fact=StatsFact):
    """The ``stats_facts`` rows that count each fact of the period exactly once: month rows for the whole months
    inside it, day rows for the days before the first and after the last whole month."""
    s, e = period.start, period.end
    first = None if s is None else (s if s.day == 1 else _month_after(s))
    last = None if e is None else (e.replace(day=1) if (e + timedelta(days=1)).day == 1
                                   else _month_before(e.replace(day=1)))
    if first is not None and last is not None and first > last:  # no whole month: days only
        return and_(fact.grain == "d", fact.day >= s, fact.day <= e)
    months = [fact.grain == "m"] + ([fact.day >= first] if first else []) + ([fact.day <= last] if last else [])
    parts = [and_(*months)]
    if s is not None and s < first:
        parts.append(and_(fact.grain == "d", fact.day >= s, fact.day < first))
    if e is not None and e >= _month_after(last):
        parts.append(and_(fact.grain == "d", fact.day >= _month_after(last), fact.day <= e))
    return or_(*parts)


def _first_in_period(period: Period, fact=StatsFact):
    """Count a case once per period for an event it may have had more than once (sign_agreement): its first
    such event in the period is the one whose previous one (``day2``) is before the period."""
    return fact.day2 < period.start if period.start else fact.day2 == NO_DAY


@dataclass
class Context:
    area: Area
    period: Period
    today: date
    grace: int  # working days an item is overdue before it shows above the county (0 for a county)
    cache: dict = field(default_factory=dict)


# --- helpers ---------------------------------------------------------------------------------------------

def weighted_median(pairs) -> float | None:
    """The median of values given as (value, count) pairs; the mean of the two middle ones for an even total.

    The values are working days, counted when the step ended (referral/stats/rollup.py): the official calendar
    (chinese-calendar plus the schedules entered as data, referral/calendar) is not known to SQL."""
    items = sorted((v, n) for v, n in pairs if n)
    total = sum(n for _v, n in items)
    if not total:
        return None

    def nth(k):  # the k-th value (0-based) in sorted order
        seen = 0
        for value, n in items:
            seen += n
            if k < seen:
                return value
        raise IndexError(k)

    middle = (nth((total - 1) // 2) + nth(total // 2)) / 2
    return float(middle)


def overdue_cutoff(today: date, grace: int) -> date:
    """Items due before this day are overdue by more than ``grace`` working days (days overdue: the working
    days from the due date to today, today excluded — ``-working_days_between(today, due)``). ``grace`` 0: today."""
    if grace <= 0:
        return today  # plainly overdue: due before today, as everywhere else (referral/cases/queries.py)
    cutoff, count = today, 0
    while True:
        before = cutoff - timedelta(days=1)
        step = 1 if is_working_day(before) else 0
        if count + step > grace:
            return cutoff
        count += step
        cutoff = before


def facts(ctx: Context, kind: str, *keys, period: bool | None = True, where=(), area: bool = True):
    """SELECT keys, sum(n) of ``kind`` in the area's counties: the period's rows (``period`` True), every month
    (False: everything so far), or the undated rows (None: the ``open`` kind). Sums of 0 are left out (a fact
    counted and uncounted again leaves its row at 0)."""
    grain = {True: period_facts(ctx.period), False: StatsFact.grain == "m", None: StatsFact.grain == "a"}[period]
    stmt = (select(*keys, func.sum(StatsFact.n))
            .where(StatsFact.kind == kind, ctx.area.clause(StatsFact.division_code) if area else true(), grain, *where)
            .group_by(*keys).having(func.sum(StatsFact.n) != 0))
    return db.session.execute(stmt).all()


def _zeroed(keys, rows) -> dict:
    out = dict.fromkeys(keys, 0)
    for key, n in rows:
        out[str(key)] = out.get(str(key), 0) + int(n or 0)
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _group(value) -> str:
    return value or UNSPECIFIED


# --- the figures ---------------------------------------------------------------------------------------------

def cases_by_state(ctx: Context) -> dict:
    return _zeroed(CaseState.values(), facts(ctx, "case", StatsFact.k1))


def _registry_clock_rows(ctx: Context, before: date | None, window: tuple[date, date] | None):
    """(division, clock, n) of registry entries waiting at county or city review, overdue or due soon."""
    out = []
    for model in (Institution, Talent):
        due = model.due_date < before if before else model.due_date.between(*window)
        out += db.session.execute(
            select(model.division_code, model.state, func.count())
            .where(ctx.area.clause(model.division_code), due,
                   model.state.in_([ApprovalState.COUNTY_REVIEW, ApprovalState.CITY_REVIEW]))
            .group_by(model.division_code, model.state)).all()
    return [(code, str(state), n) for code, state, n in out]


def _case_clock_rows(ctx: Context, before: date | None, window: tuple[date, date] | None):
    """(division, institution id, state, n) of open cases whose step is overdue (due before ``before``) or due
    within ``window``. The dashboard's questions (overdue today, overdue beyond the grace, due soon) are answered
    from one pass over the open facts (``_open_buckets``); any other is asked of the table."""
    buckets = _open_buckets(ctx)
    cutoff, soon = overdue_cutoff(ctx.today, ctx.grace), _due_soon_window(ctx.today)
    wanted = ({"before_cutoff", "before_today"} if before == ctx.today else {"before_cutoff"} if before == cutoff
              else {"due_soon"} if before is None and window == soon else None)
    if wanted is None:
        due = StatsFact.day2 < before if before else StatsFact.day2.between(*window)
        rows = facts(ctx, "open", StatsFact.division_code, StatsFact.institution_id, StatsFact.k1, period=None,
                     where=(StatsFact.day2 != NO_DAY, due))
        return [(code, inst or None, state, n) for code, inst, state, n in rows]
    out: dict[tuple, int] = {}
    for code, inst, state, bucket, n in buckets:
        if bucket in wanted:
            out[(code, inst or None, state)] = out.get((code, inst or None, state), 0) + n
    return [(*key, n) for key, n in out.items()]


def _due_soon_window(today: date) -> tuple[date, date]:
    return today, add_working_days(today, DUE_SOON_WORKING_DAYS)


def _open_buckets(ctx: Context) -> list[tuple]:
    """The open cases' facts summed by county, institution, state and where their due date falls: before the
    grace cutoff, between it and today, or due soon. One scan of the area's open facts per request instead of
    one per figure: a province's open facts are hundreds of thousands of rows (docs/architecture.md#speed)."""
    if "_open_buckets" not in ctx.cache:
        cutoff = overdue_cutoff(ctx.today, ctx.grace)
        start, end = _due_soon_window(ctx.today)
        bucket = case((StatsFact.day2 < cutoff, "before_cutoff"), (StatsFact.day2 < ctx.today, "before_today"),
                      (StatsFact.day2.between(start, end), "due_soon"), else_="later")
        rows = facts(ctx, "open", StatsFact.division_code, StatsFact.institution_id, StatsFact.k1, bucket,
                     period=None, where=(StatsFact.day2 != NO_DAY, StatsFact.day2 <= end))
        ctx.cache["_open_buckets"] = [tuple(r) for r in rows]
    return ctx.cache["_open_buckets"]


def overdue_by_clock(ctx: Context) -> dict:
    """Open items past their due date today, by clock (no period: a delay is a delay whenever it began)."""
    counts = dict.fromkeys(CLOCKS, 0)
    for _code, _inst, state, n in _case_clock_rows(ctx, ctx.today, None):
        counts[_CLOCK_OF_STATE[str(state)]] += n
    for _code, state, n in _registry_clock_rows(ctx, ctx.today, None):
        counts[state] += n
    return counts


def due_soon_by_clock(ctx: Context) -> dict:
    window = _due_soon_window(ctx.today)
    counts = dict.fromkeys(CLOCKS, 0)
    for _code, _inst, state, n in _case_clock_rows(ctx, None, window):
        counts[_CLOCK_OF_STATE[str(state)]] += n
    for _code, state, n in _registry_clock_rows(ctx, None, window):
        counts[state] += n
    return counts


def late(ctx: Context) -> dict:
    """Who is late: overdue (and, for a county, due-soon) items by county and responsible party. Above the
    county only items overdue by more than ``grace`` working days (ESCALATION_GRACE_WORKING_DAYS)."""
    cutoff = overdue_cutoff(ctx.today, ctx.grace)
    window = _due_soon_window(ctx.today)
    rows: dict[tuple, dict] = {}

    def add(county, party, institution_id, clock, kind, n):
        key = (county, party, institution_id, clock)
        row = rows.setdefault(key, {"county": county, "party": party, "institution_id": institution_id,
                                    "clock": clock,
                                    "overdue": 0, "due_soon": 0})
        row[kind] += n

    kinds = [("overdue", cutoff, None)] + ([("due_soon", None, window)] if ctx.grace == 0 else [])
    for kind, before, win in kinds:
        for county, inst, state, n in _case_clock_rows(ctx, before, win):
            add(county, "institution" if inst else "referral_officers", inst, _CLOCK_OF_STATE[str(state)], kind, n)
        for county, state, n in _registry_clock_rows(ctx, before, win):
            add(county, "county_officials" if state == "county_review" else "city_officials", None, state, kind, n)
    counties = _names(Division.code, Division.name, {r["county"] for r in rows.values()})
    insts = _names(Institution.id, Institution.name, {r["institution_id"] for r in rows.values()} - {None})
    for r in rows.values():
        r["county_name"] = counties.get(r["county"], r["county"])
        r["institution"] = insts.get(r["institution_id"])
    out = sorted(rows.values(), key=lambda r: (r["county"], r["party"], r["institution"] or "", r["clock"]))
    return {"grace_working_days": ctx.grace, "overdue_before": cutoff.isoformat(), "rows": out}


def _names(key, name, wanted) -> dict:
    if not wanted:
        return {}
    return dict(db.session.execute(select(key, name).where(key.in_(sorted(wanted)))).all())


def institutions_by_state(ctx: Context) -> dict:
    rows = db.session.execute(select(Institution.state, func.count())
                              .where(ctx.area.clause(Institution.division_code)).group_by(Institution.state))
    return _zeroed(ApprovalState.values(), rows)


def free_places(ctx: Context) -> dict:
    """Free places and day capacity of the listed institutions located in the division (a suspended one gets no
    referrals, so its places are not free for anyone)."""
    free, capacity, n = db.session.execute(
        select(func.coalesce(func.sum(Institution.free_places), 0), func.coalesce(func.sum(Institution.capacity), 0),
               func.count())
        .where(ctx.area.clause(Institution.division_code), Institution.state == ApprovalState.LISTED)).one()
    return {"free": int(free), "capacity": int(capacity), "institutions": int(n)}


def referrals(ctx: Context) -> dict:
    """Referrals of the division's cases made in the period, and what became of them: accepted (answered yes,
    whether or not the case has since left), declined by reason, still waiting."""
    rows = [(status, code, yes == "1", n)
            for status, code, yes, n in facts(ctx, "referral", StatsFact.k1, StatsFact.k2, StatsFact.k3)]
    made = sum(n for *_r, n in rows)
    accepted = sum(n for _s, _c, yes, n in rows if yes)
    declined = _zeroed(DeclineReason.values(), [(code, n) for status, code, _y, n in rows
                                                if status == ReferralStatus.DECLINED.value])
    pending = sum(n for status, _c, _y, n in rows if status == ReferralStatus.PENDING.value)
    return {"made": made, "accepted": accepted, "declined": sum(declined.values()), "pending": pending,
            "declined_by_reason": declined}


def _step_rows(ctx: Context):
    """(clock, working days, n): the steps finished in the period (rollup: consecutive case_events rows of a
    case, referral/stats/rollup.py). Asked once per request (the medians and their counts both read it)."""
    if "_step_rows" not in ctx.cache:
        ctx.cache["_step_rows"] = facts(ctx, "step", StatsFact.k1, StatsFact.value)
    return ctx.cache["_step_rows"]


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def median_working_days_by_step(ctx: Context) -> dict:
    """The median working days each step took (steps finished in the period); None where no step finished."""
    by_step: dict[str, list] = {clock: [] for clock in STEP_ENDS}
    for clock, days, n in _step_rows(ctx):
        by_step[clock].append((days, n))
    return {clock: weighted_median(pairs) for clock, pairs in by_step.items()}


def steps_counted(ctx: Context) -> dict:
    """How many finished steps each median rests on."""
    counts = dict.fromkeys(STEP_ENDS, 0)
    for clock, _days, n in _step_rows(ctx):
        counts[clock] += n
    return counts


def service_rate(ctx: Context) -> dict:
    """登记康复对象接受规范服务率 (docs/domain.md#statistics): of the people whose application was registered (初核登记)
    in the period, the share whose service agreement has been signed (they reached ``in_service``), by today."""
    rows = facts(ctx, "event", StatsFact.k3, where=(StatsFact.k1 == "register", _first_in_period(ctx.period)))
    total = sum(n for _signed, n in rows)
    served = sum(n for signed, n in rows if signed == "1")
    return {"registered": int(total), "served": int(served), "rate": _rate(served, total)}


def coverage(ctx: Context) -> dict:
    """Counties of the division with at least one listed institution whose service area includes them."""
    counties = db.session.scalar(select(func.count()).select_from(Division).where(
        Division.level == DivisionLevel.COUNTY, ctx.area.clause(Division.code)))
    covered = db.session.scalar(
        select(func.count(distinct(InstitutionServiceArea.division_code)))
        .join(Institution, Institution.id == InstitutionServiceArea.institution_id)
        .join(Division, Division.code == InstitutionServiceArea.division_code)
        .where(Institution.state == ApprovalState.LISTED, Division.level == DivisionLevel.COUNTY,
               ctx.area.clause(InstitutionServiceArea.division_code)))
    return {"counties": int(counties or 0), "covered": int(covered or 0), "rate": _rate(covered or 0, counties or 0)}


def demand(ctx: Context) -> dict:
    """``{health|cdpf: {listed, applied, served, not_reached}}`` from the imported lists (docs/domain.md#demand-data):
    the listed people of the area, counted in SQL by ``referral/demand/queries.py``; counts only."""
    from referral.demand.queries import demand_figures
    from referral.divisions.models import prefix_of

    return demand_figures(prefix_of(ctx.area.code) if ctx.area.code else "")


def demand_reached(ctx: Context) -> dict:
    """The share of each list's people the platform has reached (applied at least once) — the coverage of demand."""
    figures = ctx.cache.get("demand") or demand(ctx)
    return {source: {"listed": f["listed"], "reached": f["applied"], "rate": _rate(f["applied"], f["listed"])}
            for source, f in figures.items()}


def demand_by_county(ctx: Context) -> list[dict]:
    """One row per county of the area with listed people (the dashboard's 需求未覆盖 table)."""
    from referral.demand.queries import demand_by_county as by_county
    from referral.divisions.models import prefix_of

    return by_county(prefix_of(ctx.area.code) if ctx.area.code else "")


def training(ctx: Context) -> dict:
    """Listed direct service staff (直接从事社区康复服务人员) of the division, and how many have fewer training hours in the
    year than the annual requirement (the year of the period's end, else this year)."""
    year = (ctx.period.end or ctx.today).year
    hours = training_hours_in(year)
    total = func.coalesce(hours.c.hours, 0)
    staff, short = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((total < ANNUAL_TRAINING_HOURS, 1), else_=0)), 0))
        .select_from(Talent).outerjoin(hours, hours.c.talent_id == Talent.id)
        .where(ctx.area.clause(Talent.division_code), Talent.category == TalentCategory.DIRECT_SERVICE,
               Talent.state == ApprovalState.LISTED)).one()
    return {"year": year, "required_hours": int(ANNUAL_TRAINING_HOURS), "staff": int(staff), "short": int(short)}


def by_group(ctx: Context) -> dict:
    """Per eligibility group: applied, registered, agreements signed and closed in the period; in service now."""
    keys = (*EligibilityGroup.values(), UNSPECIFIED)
    out = {key: {"applied": 0, "registered": 0, "served": 0, "closed": 0, "in_service": 0} for key in keys}
    group = StatsFact.k2
    queries = {
        "applied": facts(ctx, "case", group),
        "closed": facts(ctx, "closed", group),
        "in_service": facts(ctx, "case", group, period=False, where=(StatsFact.k1 == CaseState.IN_SERVICE.value,)),
    }
    for name, event in (("registered", "register"), ("served", "sign_agreement")):
        queries[name] = facts(ctx, "event", group, where=(StatsFact.k1 == event, _first_in_period(ctx.period)))
    for name, rows in queries.items():
        for key, n in rows:
            out[_group(key)][name] += n
    return out


MONTH_FIGURES = ("applied", "registered", "referred", "closed")


def by_month(ctx: Context) -> list[dict]:
    """Applications, registrations, referrals and closures per China month (every month of the period, or from
    the first to the last month with data)."""
    sources = {"applied": ("case", ()), "registered": ("event", (StatsFact.k1 == "register",)),
               "referred": ("referral", ()), "closed": ("closed", ())}
    months: dict[str, dict] = {}
    for name, (kind, where) in sources.items():
        for day, n in facts(ctx, kind, StatsFact.day, where=where):  # a month row's day is the 1st
            row = months.setdefault(_as_date(day).strftime("%Y-%m"), dict.fromkeys(MONTH_FIGURES, 0))
            row[name] += n
    first = ctx.period.start.strftime("%Y-%m") if ctx.period.start else min(months, default=None)
    last = ctx.period.end.strftime("%Y-%m") if ctx.period.end else max(months, default=None)
    out = []
    for m in _months(first, last):
        out.append({"month": m, **months.get(m, dict.fromkeys(MONTH_FIGURES, 0))})
    return out


def _months(first: str | None, last: str | None):
    if not first or not last:
        return
    y, m = map(int, first.split("-"))
    while f"{y:04d}-{m:02d}" <= last:
        yield f"{y:04d}-{m:02d}"
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def institutions(ctx: Context) -> list[dict]:
    """How each institution located in the division performs, and where its free places are: referrals
    received in the period (accepted, declined, waiting), the median working days it took to answer, the cases
    it serves now, its overdue cases, its capacity and free places. Institutions in the registry only."""
    in_registry = [ApprovalState.LISTED, ApprovalState.SUSPENDED, ApprovalState.REMOVAL_PENDING]
    rows = db.session.execute(
        select(Institution.id, Institution.name, Institution.state, Institution.division_code, Institution.capacity,
               Institution.free_places)
        .where(ctx.area.clause(Institution.division_code), Institution.state.in_(in_registry))
        .order_by(Institution.division_code, Institution.name, Institution.id)).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    # Referrals it received from any county (not only the area's): the institution's rows, by its id.
    mine = StatsFact.institution_id.in_(ids)
    received = {}
    for inst, status, yes, n in facts(ctx, "referral", StatsFact.institution_id, StatsFact.k1, StatsFact.k3,
                                      where=(mine,), area=False):
        r = received.setdefault(inst, {"received": 0, "accepted": 0, "declined": 0, "pending": 0})
        r["received"] += n
        r["accepted"] += n if yes == "1" else 0
        r["declined"] += n if status == ReferralStatus.DECLINED.value else 0
        r["pending"] += n if status == ReferralStatus.PENDING.value else 0
    answers: dict[int, list] = {}
    for inst, days, n in facts(ctx, "answer", StatsFact.institution_id, StatsFact.value, where=(mine,), area=False):
        answers.setdefault(inst, []).append((days, n))
    serving = dict(facts(ctx, "open", StatsFact.institution_id, period=None, area=False,
                         where=(mine, StatsFact.k1 == CaseState.IN_SERVICE.value)))
    overdue = dict(facts(ctx, "open", StatsFact.institution_id, period=None, area=False,
                         where=(mine, StatsFact.day2 != NO_DAY, StatsFact.day2 < ctx.today)))
    out = []
    for r in rows:
        figures = received.get(r.id, {"received": 0, "accepted": 0, "declined": 0, "pending": 0})
        out.append({"id": r.id, "name": r.name, "state": str(r.state), "division": r.division_code,
                    **figures, "median_working_days_to_answer": weighted_median(answers.get(r.id, [])),
                    "in_service": serving.get(r.id, 0), "overdue": overdue.get(r.id, 0),
                    "capacity": r.capacity, "free_places": r.free_places if r.state == ApprovalState.LISTED else 0})
    return out


def children(ctx: Context) -> list[dict]:
    """The child divisions (province → cities → counties) with their key figures, for the drill-down."""
    n = ctx.area.child_length
    if n is None:
        return []
    if ctx.area.code is None:
        kids = db.session.execute(select(Division.code, Division.name).where(
            Division.level == DivisionLevel.PROVINCE).order_by(Division.code)).all()
    else:
        kids = db.session.execute(select(Division.code, Division.name).where(
            Division.parent_code == ctx.area.code).order_by(Division.code)).all()

    def grouped(column, stmt):
        key = func.substr(column, 1, n)
        return {k: v for k, v in db.session.execute(stmt.add_columns(key, func.count()).group_by(key))}

    child = func.substr(StatsFact.division_code, 1, n)
    open_cases = dict(facts(ctx, "open", child, period=None))
    cutoff = overdue_cutoff(ctx.today, ctx.grace)
    overdue = dict(facts(ctx, "open", child, period=None, where=(StatsFact.day2 != NO_DAY, StatsFact.day2 < cutoff)))
    made = dict(facts(ctx, "referral", child))
    listed = grouped(Institution.division_code, select().select_from(Institution).where(
        ctx.area.clause(Institution.division_code), Institution.state == ApprovalState.LISTED))
    key = func.substr(Institution.division_code, 1, n)
    places = {k: v for k, v in db.session.execute(
        select(key, func.sum(Institution.free_places)).where(ctx.area.clause(Institution.division_code),
                                                             Institution.state == ApprovalState.LISTED).group_by(key))}
    out = []
    for code, name in kids:
        prefix = code[:n]
        out.append({"code": code, "name": name, "open_cases": open_cases.get(prefix, 0),
                    "overdue": overdue.get(prefix, 0), "referrals_made": made.get(prefix, 0),
                    "listed_institutions": listed.get(prefix, 0), "free_places": int(places.get(prefix) or 0)})
    return out


def supervision(ctx: Context) -> dict:
    """监督评价 of the division's institutions: spot checks (drawn in the period) by result, evaluations (in the
    period) by conclusion, complaints (filed in the period) by state."""
    inst_area = ctx.area.clause(Institution.division_code)
    checks = db.session.execute(
        select(SpotCheck.state, func.count()).join(Institution, Institution.id == SpotCheck.institution_id)
        .join(SpotCheckRound, SpotCheckRound.id == SpotCheck.round_id)
        .where(inst_area, ctx.period.clause(SpotCheckRound.drawn_at)).group_by(SpotCheck.state))
    evaluations = db.session.execute(
        select(Evaluation.conclusion, func.count()).join(Institution, Institution.id == Evaluation.institution_id)
        .where(inst_area, ctx.period.clause(Evaluation.evaluated_at)).group_by(Evaluation.conclusion))
    complaints = db.session.execute(
        select(Complaint.state, func.count()).join(Institution, Institution.id == Complaint.institution_id)
        .where(inst_area, ctx.period.clause(Complaint.filed_at)).group_by(Complaint.state))
    return {"spot_checks": _zeroed(CheckState.values(), checks),
            "evaluations": _zeroed(CONCLUSIONS, evaluations),
            "complaints": _zeroed(ComplaintState.values(), complaints)}


CONCLUSIONS = ("excellent", "good", "qualified", "unqualified")  # referral/supervision/services.py: CONCLUSIONS
CONCLUSION_LABELS = {"excellent": N_("优秀"), "good": N_("良好"), "qualified": N_("合格"), "unqualified": N_("不合格")}


# The figures, in the order of DESIGN §4 then the rest. Append one to add a key (see the module docstring).
FIGURES: list[tuple[str, Callable[[Context], object]]] = [
    ("cases_by_state", cases_by_state),
    ("overdue_by_clock", overdue_by_clock),
    ("institutions_by_state", institutions_by_state),
    ("free_places", free_places),
    ("referrals", referrals),
    ("median_working_days_by_step", median_working_days_by_step),
    ("steps_counted", steps_counted),
    ("due_soon_by_clock", due_soon_by_clock),
    ("late", late),
    ("service_rate", service_rate),
    ("coverage", coverage),
    ("training", training),
    ("by_group", by_group),
    ("by_month", by_month),
    ("institutions", institutions),
    ("children", children),
    ("supervision", supervision),
    ("demand", demand),
    ("demand_reached", demand_reached),
    ("demand_by_county", demand_by_county),
]


def division_stats(area: Area, *, start: date | None = None, end: date | None = None, today: date | None = None,
                   grace: int = 0) -> dict:
    """Every figure of ``area`` (see the module docstring), as plain data: the API's answer, the page's data."""
    from referral.calendar import today_in_china

    ctx = Context(area=area, period=Period(start, end), today=today or today_in_china(), grace=grace)
    out = {"division": {"code": area.code, "name": area.name, "level": area.level},
           "period": {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None},
           "today": ctx.today.isoformat()}
    for key, figure in FIGURES:
        out[key] = ctx.cache[key] = figure(ctx)
    return out


# --- case-level rows: county users only ------------------------------------------------------------------

def late_items(area: Area, *, today: date | None = None, limit: int | None = None) -> list[dict]:
    """The overdue and due-soon open cases and registry entries of a county, one row each: receipt number (never
    a name or ID number), step, due date, working days overdue (negative: left), who answers for it. Only for
    county-level users (referral/stats/policies.py: can_see_case_rows)."""
    from referral.calendar import today_in_china

    today = today or today_in_china()
    horizon = add_working_days(today, DUE_SOON_WORKING_DAYS)
    rows = db.session.execute(
        select(Case.id, Case.receipt_no, Case.state, Case.due_date, Case.institution_id, Institution.name)
        .outerjoin(Institution, Institution.id == Case.institution_id)
        .where(area.clause(Case.division_code), Case.state.in_(OPEN_CASE_STATES), Case.due_date <= horizon)
        .order_by(Case.due_date, Case.id).limit(limit)).all()
    out = [{"kind": "case", "reference": r.receipt_no, "case_id": r.id, "clock": _CLOCK_OF_STATE[str(r.state)],
            "due_date": r.due_date.isoformat(), "days_overdue": -working_days_between(today, r.due_date),
            "party": "institution" if r.institution_id else "referral_officers", "institution": r.name}
           for r in rows]
    for model, kind in ((Institution, "institution"), (Talent, "talent")):
        for r in db.session.execute(
                select(model.id, model.state, model.due_date)
                .where(area.clause(model.division_code), model.due_date <= horizon,
                       model.state.in_([ApprovalState.COUNTY_REVIEW, ApprovalState.CITY_REVIEW]))
                .order_by(model.due_date, model.id)):
            out.append({"kind": kind, "reference": f"{'JG' if kind == 'institution' else 'RC'}-{r.id}", "case_id": None,
                        "clock": str(r.state), "due_date": r.due_date.isoformat(),
                        "days_overdue": -working_days_between(today, r.due_date),
                        "party": "county_officials" if r.state == ApprovalState.COUNTY_REVIEW else "city_officials",
                        "institution": None})
    out.sort(key=lambda r: (r["due_date"], r["reference"]))
    return out if limit is None else out[:limit]


def supervision_records(area: Area, *, start: date | None = None, end: date | None = None,
                        complaints: bool = False, limit: int = 100) -> dict:
    """The recorded spot checks, evaluations and (for county users) complaints with their outcomes."""
    period = Period(start, end)
    inst_area = area.clause(Institution.division_code)
    checks = db.session.execute(
        select(Institution.name, SpotCheckRound.drawn_at, SpotCheck.state, SpotCheck.checked_at, SpotCheck.findings)
        .join(Institution, Institution.id == SpotCheck.institution_id)
        .join(SpotCheckRound, SpotCheckRound.id == SpotCheck.round_id)
        .where(inst_area, period.clause(SpotCheckRound.drawn_at))
        .order_by(SpotCheckRound.drawn_at.desc(), SpotCheck.id).limit(limit)).all()
    evaluations = db.session.execute(
        select(Institution.name, Evaluation.period, Evaluation.score, Evaluation.conclusion, Evaluation.evaluated_at)
        .join(Institution, Institution.id == Evaluation.institution_id)
        .where(inst_area, period.clause(Evaluation.evaluated_at))
        .order_by(Evaluation.evaluated_at.desc(), Evaluation.id).limit(limit)).all()
    out = {"spot_checks": [{"institution": r[0], "drawn_at": r[1], "state": str(r[2]), "checked_at": r[3],
                            "findings": r[4]} for r in checks],
           "evaluations": [{"institution": r[0], "period": r[1], "score": r[2], "conclusion": r[3],
                            "evaluated_at": r[4]} for r in evaluations],
           "complaints": []}
    if complaints:
        rows = db.session.execute(
            select(Complaint.reference, Institution.name, Complaint.filed_at, Complaint.state, Complaint.outcome)
            .join(Institution, Institution.id == Complaint.institution_id)
            .where(inst_area, period.clause(Complaint.filed_at))
            .order_by(Complaint.filed_at.desc(), Complaint.id).limit(limit)).all()
        out["complaints"] = [{"reference": r[0], "institution": r[1], "filed_at": r[2], "state": str(r[3]),
                              "outcome": r[4]} for r in rows]
    return out



def visible_area(user, code: str | None) -> Area | None:
    """The division ``code`` (default: the user's own) if it exists and lies in the user's scope, else None
    (the caller answers 404, as if it did not exist: docs/domain.md#scope)."""
    from referral.stats.policies import can_view_area, default_division

    area = area_of(code if code else default_division(user))
    return area if area is not None and can_view_area(user, area) else None
