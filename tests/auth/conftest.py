"""Fixtures of the account tests: the platform's clock held still (login windows, TOTP time steps, session
timeouts). ``referral.models.utcnow`` and ``referral.calendar`` read ``datetime.now`` of their modules; ``travel``
swaps that class for one whose ``now()`` is the moment we set (as tests/stats/conftest.py does)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import referral.calendar
import referral.models

#: A moment to hold the clock at (UTC); TOTP codes for it come from pyotp's ``at(for_time)``.
MOMENT = datetime(2026, 12, 1, 2, 0, 10, tzinfo=UTC)


@pytest.fixture
def travel(monkeypatch):
    """``travel(datetime)`` sets the platform's clock (``referral.models.utcnow``) to an aware moment; it stays
    there until the next call. Starts at MOMENT."""
    moment = {"now": MOMENT}

    class Travelled(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment["now"].astimezone(tz) if tz else moment["now"].astimezone().replace(tzinfo=None)

    monkeypatch.setattr(referral.models, "datetime", Travelled)
    monkeypatch.setattr(referral.calendar, "datetime", Travelled)

    def to(when: datetime) -> None:
        moment["now"] = when

    return to
