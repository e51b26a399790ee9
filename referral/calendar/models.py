"""A year's official 放假安排 entered as data (docs/domain.md#deadlines): each listed day is a statutory day
off or a make-up working day (调休); every other day of that year is a working day Monday to Friday."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from referral.extensions import db
from referral.models import UTCDateTime, db_enum, utcnow


class DayKind(enum.StrEnum):
    HOLIDAY = "holiday"  # 放假
    WORKDAY = "workday"  # 调休上班


DAY_KIND_LABELS = {DayKind.HOLIDAY: "放假", DayKind.WORKDAY: "调休上班"}


class CalendarDay(db.Model):
    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    kind: Mapped[DayKind] = mapped_column(db_enum(DayKind, "daykind", 16), nullable=False)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
