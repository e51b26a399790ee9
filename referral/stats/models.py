"""The summary table of the statistics (docs/domain.md#statistics): counts of the cases' facts by county, kind and
keys, kept exact in the same transaction as every write of a case, its history or its referrals
(referral/stats/rollup.py). The dashboards read these instead of GROUP BY over the cases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from referral.extensions import db

# "No day" in a key column (a key column may not be NULL: NULL never equals NULL, so an upsert would not find it).
NO_DAY = date(1, 1, 1)


class StatsFact(db.Model):
    """``n`` cases' facts of one ``kind`` with these keys in a county. ``grain``: ``d`` one row per China day
    (``day``), ``m`` the same facts again per China month (``day`` the 1st), ``a`` facts without a day (the
    figures as of today). The keys of each kind are described in referral/stats/rollup.py (``case_facts``)."""

    __tablename__ = "stats_facts"
    __table_args__ = (PrimaryKeyConstraint("kind", "grain", "division_code", "day", "day2", "k1", "k2", "k3",
                                           "institution_id", "value", name="pk_stats_facts"),
                      # An institution's figures count the referrals it received from any county.
                      Index("ix_stats_facts_institution", "kind", "institution_id", "grain", "day"))

    kind: Mapped[str] = mapped_column(String(16))
    grain: Mapped[str] = mapped_column(String(1))
    division_code: Mapped[str] = mapped_column(String(12))
    day: Mapped[date] = mapped_column(Date)
    day2: Mapped[date] = mapped_column(Date)
    k1: Mapped[str] = mapped_column(String(32))
    k2: Mapped[str] = mapped_column(String(32))
    k3: Mapped[str] = mapped_column(String(32))
    institution_id: Mapped[int] = mapped_column(Integer)  # 0: none
    value: Mapped[int] = mapped_column(Integer)  # working days of a step or an answer; 0 otherwise
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
