"""Scope: which part of the country (or which institution, or whose own records) a user may see.

Every read of a scoped object goes through these helpers, so "outside my scope" behaves the same
everywhere: the object answers 404, as if it did not exist (docs/domain.md#scope)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import ColumnElement, false, or_, true

from referral.auth.permissions import ROLE_SCOPE, ScopeKind
from referral.extensions import db

_PREFIX_LENGTH = {ScopeKind.PROVINCE: 2, ScopeKind.CITY: 4, ScopeKind.COUNTY: 6}


@dataclass(frozen=True)
class Scope:
    national: bool = False
    prefixes: frozenset[str] = frozenset()  # division code prefixes: '22', '2201', '220102'
    institution_ids: frozenset[int] = frozenset()
    own_user_id: int | None = None

    @classmethod
    def of(cls, user) -> Scope:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls()
        national, prefixes, institutions, own = False, set(), set(), None
        for role in user.roles:
            kind = ROLE_SCOPE[role]
            if kind is ScopeKind.NATIONAL:
                national = True
            elif kind in _PREFIX_LENGTH and user.division_code:
                prefixes.add(user.division_code[: _PREFIX_LENGTH[kind]])
            elif kind is ScopeKind.INSTITUTION and user.institution_id:
                institutions.add(user.institution_id)
            elif kind is ScopeKind.OWN:
                own = user.id
        return cls(national, frozenset(prefixes), frozenset(institutions), own)

    def covers_division(self, code: str | None) -> bool:
        if self.national:
            return True
        return bool(code) and any(code.startswith(p) for p in self.prefixes)

    def division_clause(self, column) -> ColumnElement[bool]:
        """SQL for "column is a division code inside my area". A range, not LIKE, so a plain
        b-tree index serves it on every collation."""
        if self.national:
            return true()
        if not self.prefixes:
            return false()
        return or_(*(column.between(p.ljust(6, "0"), p.ljust(6, "9")) for p in sorted(self.prefixes)))

    def covers_area(self, code: str) -> bool:
        """The whole of division ``code`` lies inside my area (a filter value I may use)."""
        from referral.divisions.models import prefix_of

        if self.national:
            return True
        prefix = prefix_of(code)
        return any(prefix.startswith(p) for p in self.prefixes)

    def institution_clause(self, column) -> ColumnElement[bool]:
        return column.in_(sorted(self.institution_ids)) if self.institution_ids else false()


def scope_of(user) -> Scope:
    return Scope.of(user)


def one_visible_or_404(statement):
    """Run a ``*_visible_to(user)`` statement narrowed to one object; out of scope is 404."""
    obj = db.session.scalars(statement.limit(2)).unique().first()
    if obj is None:
        abort(404)
    return obj

