"""Who must do what before using the platform: pure functions of (user, …), asked by the request gate
(referral/auth/views.py), the API (referral/api/spec.py: operation) and the pages alike."""

from __future__ import annotations

from referral.auth.permissions import Role
from referral.auth.services import has_accepted_current_pledge

#: Roles that see no personal data of the people served (docs/domain.md#roles, DESIGN §1: the sysadmin keeps
#: accounts, divisions and settings, and sees no case data). Every other role sees some — cases, applicants,
#: talent entries — so its account accepts the 保密承诺书 first (docs/domain.md#personal-data).
NO_PERSONAL_DATA = frozenset({Role.SYSADMIN})


def needs_account_pledge(user) -> bool:
    """The account holds a role that sees personal data."""
    return bool(user.roles - NO_PERSONAL_DATA)


def must_accept_pledge(user) -> bool:
    """The account must accept the current 保密承诺书 text before going on: it needs one and has not
    accepted this version (a new text version asks again)."""
    return (getattr(user, "is_authenticated", False) and needs_account_pledge(user)
            and not has_accepted_current_pledge(user))


def can_end_session(user, row) -> bool:
    """One ends one's own sessions only (我的登录会话); a sysadmin ends another account's by disabling it or
    changing its roles (docs/domain.md#sessions)."""
    return getattr(user, "is_authenticated", False) and row.user_id == user.id
