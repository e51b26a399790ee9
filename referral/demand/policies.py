"""Who may import demand lists (docs/domain.md#demand-data): county, city and province officials for their
area, the sysadmin anywhere. Which rows of a file they may add is their area (``Scope.covers_division``,
checked row by row in the services); which imports they see, ``queries.imports_visible_to``."""

from __future__ import annotations

from referral.auth.permissions import Permission
from referral.scoping import Scope


def can_import_demand(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_permission(Permission.MANAGE_DEMAND):
        return False
    scope = Scope.of(user)
    return scope.national or bool(scope.prefixes)
