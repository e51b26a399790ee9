from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.extensions import db
from referral.models import db_enum


class DivisionLevel(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


def level_of(code: str) -> DivisionLevel:
    """GB/T 2260: xx0000 is a province, xxxx00 a city (prefecture), anything else a county."""
    if code.endswith("0000"):
        return DivisionLevel.PROVINCE
    if code.endswith("00"):
        return DivisionLevel.CITY
    return DivisionLevel.COUNTY


def parent_code_of(code: str) -> str | None:
    level = level_of(code)
    if level is DivisionLevel.PROVINCE:
        return None
    if level is DivisionLevel.CITY:
        return code[:2] + "0000"
    return code[:4] + "00"


def prefix_of(code: str) -> str:
    """The code prefix shared by a division and everything under it: 22, 2201, 220102."""
    return {DivisionLevel.PROVINCE: code[:2], DivisionLevel.CITY: code[:4]}.get(level_of(code), code)


def within(column, code: str):
    """SQL: ``column`` holds ``code`` or a division under it (a range, so a b-tree index serves it)."""
    prefix = prefix_of(code)
    return column.between(prefix.ljust(6, "0"), prefix.ljust(6, "9"))


class Division(db.Model):
    __tablename__ = "divisions"
    __table_args__ = (
        CheckConstraint("length(code) = 6", name="code_six_digits"),
        # The level is a function of the code; the database refuses a row where they disagree.
        CheckConstraint(
            "(level = 'province' AND substr(code, 3, 4) = '0000') OR "
            "(level = 'city' AND substr(code, 5, 2) = '00' AND substr(code, 3, 4) <> '0000') OR "
            "(level = 'county' AND substr(code, 5, 2) <> '00')",
            name="level_matches_code",
        ),
    )

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    level: Mapped[DivisionLevel] = mapped_column(
        db_enum(DivisionLevel, "divisionlevel", 16),
        nullable=False, index=True)
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("divisions.code", ondelete="RESTRICT"), index=True)

    parent: Mapped[Division | None] = relationship(remote_side=[code], lazy="joined", join_depth=2)

    @property
    def full_name(self) -> str:
        """长春市南关区 — the name as people write it, province omitted."""
        if (self.level is DivisionLevel.COUNTY and self.parent is not None
                and not self.parent.name.endswith("直辖县级行政单位")):
            return f"{self.parent.name}{self.name}"
        return self.name

    def __repr__(self) -> str:
        return f"<Division {self.code} {self.name}>"

