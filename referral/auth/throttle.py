"""Failed-login limits, counted in the database (``login_counters``) so that every worker and app server
shares them without Redis (docs/domain.md#accounts):

- in a row: the 6th failure from one address for one username answers 429 (``LOGIN_FAILURE_LIMIT``); a
  success clears it;
- per address: the 21st failure from one address over any usernames in the window answers 429
  (``LOGIN_ADDRESS_FAILURE_LIMIT``), which stops password spraying (one common password tried on many
  accounts). A success does not clear it.

The HTML form and the token endpoint share the counts. Fixed windows (aligned to the period): the count is
one atomic INSERT … ON CONFLICT DO UPDATE on both SQLite and PostgreSQL, so two workers counting at once
both count. Flask-Limiter's other limits keep their own store (RATELIMIT_STORAGE_URI: redis:// in
production, docs/running.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, request
from limits import parse
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from referral.auth.models import LoginCounter
from referral.extensions import db
from referral.models import utcnow


def _limit(setting: str) -> tuple[int, int]:
    item = parse(current_app.config[setting])
    return item.amount, item.get_expiry()


def _window_start(seconds: int, now: datetime) -> datetime:
    stamp = int(now.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, UTC)


def _address() -> str:
    return request.remote_addr or "-"


def _keys(username: str) -> list[tuple[str, str]]:
    """(key, setting) of each count a failure for ``username`` adds to."""
    address = _address()
    return [(f"user:{address}:{(username or '').strip().lower()[:64]}", "LOGIN_FAILURE_LIMIT"),
            (f"addr:{address}", "LOGIN_ADDRESS_FAILURE_LIMIT")]


def _count(key: str, seconds: int, now: datetime) -> int:
    return db.session.scalar(select(LoginCounter.count).where(
        LoginCounter.key == key, LoginCounter.window_start == _window_start(seconds, now))) or 0


def _blocking(username: str) -> list[tuple[str, int]]:
    """(key, period) of each limit ``username`` from this address has reached."""
    now = utcnow()
    reached = []
    for key, setting in _keys(username):
        amount, seconds = _limit(setting)
        if _count(key, seconds, now) >= amount:
            reached.append((key, seconds))
    return reached


def is_blocked(username: str) -> bool:
    return bool(_blocking(username))


def seconds_until_unblocked(username: str) -> int:
    now = utcnow()
    ends = [_window_start(seconds, now) + timedelta(seconds=seconds) for _key, seconds in _blocking(username)]
    return max(1, int((max(ends) - now).total_seconds())) if ends else 1


def _insert():
    return (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(LoginCounter)


def note_failure(username: str) -> None:
    """Count one failure on each key; the caller commits (the failure's audit entry goes with it)."""
    now = utcnow()
    for key, setting in _keys(username):
        _amount, seconds = _limit(setting)
        start = _window_start(seconds, now)
        stmt = _insert().values(key=key, window_start=start, count=1)
        db.session.execute(stmt.on_conflict_do_update(
            index_elements=[LoginCounter.key, LoginCounter.window_start],
            set_={"count": LoginCounter.count + 1}))
        # Past windows of this key no longer count: keep the table as small as the number of live keys.
        db.session.execute(delete(LoginCounter).where(LoginCounter.key == key, LoginCounter.window_start < start))


def note_success(username: str) -> None:
    """"In a row": a success clears this username's count from this address (not the address's cap)."""
    key, _setting = _keys(username)[0]
    db.session.execute(delete(LoginCounter).where(LoginCounter.key == key))
