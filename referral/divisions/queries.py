from __future__ import annotations

from sqlalchemy import select

from referral.divisions.models import Division, DivisionLevel
from referral.scoping import scope_of


def children_of(parent_code: str | None):
    stmt = select(Division).order_by(Division.code)
    if parent_code is None:
        return stmt.where(Division.level == DivisionLevel.PROVINCE)
    return stmt.where(Division.parent_code == parent_code)


def divisions_visible_to(user):
    """The user's area: their division and everything under it (national roles: everything)."""
    return select(Division).where(scope_of(user).division_clause(Division.code))
