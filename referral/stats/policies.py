"""Who sees which figures (docs/domain.md#statistics, #personal-data): any division inside one's scope (else 404),
counts only; the case-level rows (receipt numbers of late cases, complaints with their outcomes) only for the
county's own officials and referral officers; above the county, late items only past a grace."""

from __future__ import annotations

from flask import current_app

from referral.auth.permissions import Role
from referral.scoping import scope_of


def can_view_area(user, area) -> bool:
    scope = scope_of(user)
    return scope.national if area.code is None else scope.covers_area(area.code)


def can_see_case_rows(user, area) -> bool:
    """Case-level lists (least necessity): the county's own county officials and referral officers only."""
    return (area.level == "county" and user.division_code == area.code
            and user.has_role(Role.COUNTY_OFFICIAL, Role.REFERRAL_OFFICER))


def grace_for(user, area) -> int:
    """Working days an item is overdue before it counts as late for this viewer: none for the county itself;
    ESCALATION_GRACE_WORKING_DAYS for everyone above it (the city sees what the county did not catch up)."""
    return 0 if can_see_case_rows(user, area) else int(current_app.config["ESCALATION_GRACE_WORKING_DAYS"])


def default_division(user) -> str | None:
    """One's own division; None (the whole country) for a national role without one."""
    return user.division_code if user.division_code else None
