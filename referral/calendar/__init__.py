"""Working days on the official Chinese calendar, and the deadlines counted in them (docs/domain.md#deadlines).

Which package, and why. The calendar is ``chinese-calendar`` (pinned ``chinese-calendar==1.11.0``; its
author publishes the same build as ``chinesecalendar`` too), never a table of our own:

- for each year it holds the State Council's notice (国务院办公厅关于…节假日安排的通知) as two lists: the days
  off and the weekend days that are working days (调休). 1.11.0 covers 2004–2026;
- for any other year it raises instead of guessing, so we know exactly which years are official.

``holidays`` 0.108 was the alternative. It also knows the make-up days (``China().weekend_workdays``), and
on 2004–2026 it agrees with chinese-calendar on every day but 2005-12-31. But for a year without a notice
(2027, as of 0.108) it quietly answers from rules: holidays moved to the next weekday and no make-up working
days. That is a guess that looks like fact, and a legal deadline must not rest on it. It also pulls in
python-dateutil. Neither package has 2027 yet. When a chinese-calendar release adds it, raise the pin:
``calendar_covers(2027)`` turns True, with no change here.

Years the package does not cover fall back to Monday–Friday (holidays and make-up days unknown), so no page
fails because of a date. ``calendar_covers(year)`` lets the UI mark such due dates as provisional. Known limit:
the last covered year's late December may still get a make-up working day from next year's New Year notice.

How counting works, in both directions: the start day is never counted, and the end day is.
``add_working_days`` and ``working_days_between`` are inverses:
``working_days_between(d, add_working_days(d, n)) == n`` for every day d and every whole n.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import chinese_calendar

# The covered years are read from the package's own data, using the bounds its is_workday checks.
_FIRST_YEAR = min(chinese_calendar.holidays).year
_LAST_YEAR = max(chinese_calendar.holidays).year

# China Standard Time is UTC+8 all year (no daylight saving since 1991). A fixed offset therefore equals
# Asia/Shanghai and works even on a server without a tz database.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def today_in_china(*, now: datetime | None = None) -> date:
    """The date in China (today, or of the aware moment ``now``), whatever the server's time zone."""
    return (now or datetime.now(timezone.utc)).astimezone(CHINA_TZ).date()


# Official schedules (放假安排) an administrator entered as data, by year: (days off, make-up working days).
# They override the package (docs/domain.md#deadlines). Filled per process from the database by
# referral.calendar.services.load_official_schedules; kept here so that counting stays a pure function.
_OFFICIAL: dict[int, tuple[frozenset[date], frozenset[date]]] = {}


def use_official_schedules(schedules: Mapping[int, tuple[frozenset[date], frozenset[date]]]) -> None:
    """Replace the entered schedules (year → (holidays, workdays)) this process counts with."""
    global _OFFICIAL
    _OFFICIAL = {year: (frozenset(h), frozenset(w)) for year, (h, w) in schedules.items()}
    is_working_day.cache_clear()
    _year_prefix.cache_clear()
    _before_year.cache_clear()


def calendar_source(year: int) -> str:
    """Where ``year``'s working days come from: ``official`` (entered as data), ``package``, or
    ``weekdays`` (Monday–Friday: holidays and make-up days unknown)."""
    if year in _OFFICIAL:
        return "official"
    return "package" if _FIRST_YEAR <= year <= _LAST_YEAR else "weekdays"


def calendar_covers(year: int) -> bool:
    """True when the official holiday arrangement for ``year`` is known (entered, or in the package).

    If False, working days in that year are simply Monday–Friday, and a due date in it is provisional."""
    return calendar_source(year) != "weekdays"


def first_uncovered_year(today: date, days_ahead: int = 60) -> int | None:
    """The first year of the next ``days_ahead`` days without an official schedule, or None: officials are
    warned while a deadline may be counted on Monday–Friday only."""
    for year in range(today.year, (today + timedelta(days=days_ahead)).year + 1):
        if not calendar_covers(year):
            return year
    return None


def days_off_and_make_up_days(year: int) -> tuple[list[date], list[date]]:
    """The statutory days off and the make-up working days (调休) of ``year`` as counted now."""
    source = calendar_source(year)
    if source == "official":
        holidays, workdays = _OFFICIAL[year]
        return sorted(holidays), sorted(workdays)
    if source == "package":
        return (sorted(d for d in chinese_calendar.holidays if d.year == year),
                sorted(d for d in chinese_calendar.workdays if d.year == year))
    return [], []


@lru_cache(maxsize=4096)  # the package's lookup scans its whole table on each call (~25 µs)
def is_working_day(day: date) -> bool:
    """Is ``day`` a working day: a weekday that is not a statutory holiday, or a make-up weekend day (调休)."""
    official = _OFFICIAL.get(day.year)
    if official is not None:
        holidays, workdays = official
        return day in workdays or (day.weekday() < 5 and day not in holidays)
    if _FIRST_YEAR <= day.year <= _LAST_YEAR:
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The date ``n`` working days after ``start``, or ``-n`` working days before it if n < 0.

    ``start`` itself is never counted, whether or not it is a working day. Day 1 is the first working
    day after it. If ``start`` falls on a holiday or a weekend, counting therefore starts from the next
    working day. An application received on 2026-10-01…07 (National Day) has the same 5-day due date
    as one received on 2026-09-30: 2026-10-13. ``n == 0`` returns ``start``. Any result with n != 0
    is a working day."""
    step = timedelta(days=1 if n >= 0 else -1)
    day, left = start, abs(n)
    while left:
        day += step
        left -= is_working_day(day)
    return day


def working_days_between(start: date, end: date) -> int:
    """The signed number of working days from ``start`` to ``end``. The start is not counted; the end is.

    Going forward, it counts the working days in (start, end]. Going backward, it is minus the working days
    in [end, start). It is the inverse of ``add_working_days``. ``working_days_between(today, due)`` gives
    the working days left: 0 on the due date itself, and negative once the due date has passed. Because a
    due date is a working day, the result is negative exactly when today > due. That includes the weekend
    right after it: for a task due on a Friday, the Saturday gives -1."""
    if end >= start:
        return _through(end) - _through(start)
    return -(_through(start - _ONE_DAY) - _through(end - _ONE_DAY))


# Counting by prefix sums, not day by day: a list of 50 cases due up to three years ago counted ~50,000 days per
# request (docs/architecture.md#speed). The sums are per year and cleared with the schedules.
_ONE_DAY = timedelta(days=1)
_ORIGIN_YEAR = 2000


@lru_cache(maxsize=256)
def _year_prefix(year: int) -> tuple[int, ...]:
    """Working days of ``year`` up to and including each of its days (index: day of the year - 1)."""
    first, total, out = date(year, 1, 1), 0, []
    for i in range((date(year, 12, 31) - first).days + 1):
        total += is_working_day(first + timedelta(days=i))
        out.append(total)
    return tuple(out)


@lru_cache(maxsize=256)
def _before_year(year: int) -> int:
    """Working days from 1 January of _ORIGIN_YEAR up to the end of ``year - 1`` (negative before the origin)."""
    if year >= _ORIGIN_YEAR:
        return sum(_year_prefix(y)[-1] for y in range(_ORIGIN_YEAR, year))
    return -sum(_year_prefix(y)[-1] for y in range(year, _ORIGIN_YEAR))


def _through(day: date) -> int:
    """Working days from the origin through ``day``: differences of two give the count between them."""
    return _before_year(day.year) + _year_prefix(day.year)[day.timetuple().tm_yday - 1]


@dataclass(frozen=True)
class Deadlines:
    """The clocks of docs/domain.md#deadlines and their defaults. Counts are working days unless the name ends in _months.

    These are settings. ``deadlines_for`` overlays the ``DEADLINES`` config and then a province's profile."""

    application_to_registered: int = 5  # 初核登记, the Measures
    registered_to_referred: int = 5  # 康复转介, the Measures
    referred_to_response: int = 5  # institution accepts or declines; assumed
    accepted_to_assessed: int = 10  # comprehensive assessment; assumed
    assessed_to_agreement: int = 10  # service agreement signed; assumed
    county_review: int = 10  # registry entry, county pre-check; assumed
    city_review: int = 10  # registry entry, city confirmation; assumed
    removal_statement_window: int = 5  # 陈述申辩 before removal; assumed
    review_interval_months: int = 3  # staged review while in service; assumed
    follow_up_months: tuple[int, ...] = (1, 3)  # follow-ups after closure; assumed


SETTING_NAMES = tuple(f.name for f in fields(Deadlines))
WORKING_DAY_CLOCKS = tuple(name for name in SETTING_NAMES if not name.endswith("_months"))


def deadlines_for(config: Mapping, province_code: str | None = None) -> Deadlines:
    """The defaults, overridden by ``config["DEADLINES"]``, then by the profile of the province of
    ``province_code`` (any division code; its first two digits + "0000") in ``config["DEADLINE_PROFILES"]``.

    A misspelt name or a bad value raises ValueError here. A silently ignored typo would leave a legal
    deadline at its default. Only the profile in use is checked; ``check_deadline_config`` checks them all."""
    deadlines = _overlay(Deadlines(), config.get("DEADLINES") or {}, "DEADLINES")
    if province_code:
        key = province_code[:2] + "0000"
        profile = (config.get("DEADLINE_PROFILES") or {}).get(key) or {}
        deadlines = _overlay(deadlines, profile, f"DEADLINE_PROFILES[{key!r}]")
    return deadlines


def check_deadline_config(config: Mapping) -> None:
    """Validate ``DEADLINES`` and every province profile at once, e.g. at app start-up, so that a typo
    stops the start instead of one province's pages later."""
    deadlines_for(config)
    for key in config.get("DEADLINE_PROFILES") or {}:
        if not (isinstance(key, str) and len(key) == 6 and key.isdigit() and key.endswith("0000")):
            raise ValueError(f"DEADLINE_PROFILES: {key!r} is not a province code such as '220000'")
        deadlines_for(config, key)


def _overlay(base: Deadlines, overrides: Mapping, where: str) -> Deadlines:
    unknown = sorted(set(overrides) - set(SETTING_NAMES))
    if unknown:
        raise ValueError(f"{where}: unknown deadline name(s) {', '.join(map(repr, unknown))}; "
                         f"known: {', '.join(SETTING_NAMES)}")
    return replace(base, **{name: _checked(name, value, where) for name, value in overrides.items()})


def _checked(name: str, value, where: str):
    def positive(v) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 1

    if name == "follow_up_months":  # a list when it comes from JSON or an environment variable
        if isinstance(value, list | tuple) and value and all(map(positive, value)):
            return tuple(value)
        raise ValueError(f"{where}[{name!r}] = {value!r}: expected a non-empty list of whole months ≥ 1")
    if positive(value):
        return value
    raise ValueError(f"{where}[{name!r}] = {value!r}: expected a whole number ≥ 1")
