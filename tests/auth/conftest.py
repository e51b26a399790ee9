"""The clock of the session tests: ``referral.models.utcnow`` reads ``datetime.now`` of its module; ``travel``
swaps that class for one whose ``now()`` is the moment we set (as tests/stats/conftest.py does)."""

from __future__ import annotations

from datetime import datetime

import pytest

import referral.calendar
import referral.models


@pytest.fixture
def travel(monkeypatch):
    """``travel(datetime)`` sets the platform's clock (an aware moment); it stays there until the next call."""
    moment = {"now": None}

    class Travelled(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment["now"].astimezone(tz) if tz else moment["now"].astimezone().replace(tzinfo=None)

    monkeypatch.setattr(referral.models, "datetime", Travelled)
    monkeypatch.setattr(referral.calendar, "datetime", Travelled)

    def to(when: datetime) -> None:
        moment["now"] = when

    return to
