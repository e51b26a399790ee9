"""Who may create and change which accounts: pure functions of (user, …), asked by the views, the services
and the API alike (docs/architecture.md#where-rules-live). A sysadmin manages every account; an institution
admin only the ``institution_staff`` accounts of its own institution."""

from __future__ import annotations

from referral.auth.permissions import Role

# The roles an institution admin may give: its own service staff, nothing that widens a scope.
STAFF_ROLES = frozenset({Role.INSTITUTION_STAFF})


def is_sysadmin(user) -> bool:
    return user.active and user.has_role(Role.SYSADMIN)


def can_manage_staff(user) -> bool:
    """The 本机构人员 page: an institution admin of an existing institution."""
    return user.active and user.has_role(Role.INSTITUTION_ADMIN) and user.institution_id is not None


def can_create_role(user, role) -> bool:
    if is_sysadmin(user):
        return True
    return can_manage_staff(user) and Role(role) in STAFF_ROLES


def can_create_account_in(user, institution_id: int | None) -> bool:
    """The institution a new account is anchored to: any for a sysadmin, the admin's own otherwise."""
    if is_sysadmin(user):
        return True
    return can_manage_staff(user) and institution_id == user.institution_id


def can_manage_account(user, account) -> bool:
    """Disable, enable (and later edit) ``account``. An institution admin: staff-only accounts of its own
    institution, never itself nor a fellow admin."""
    if is_sysadmin(user):
        return True
    return (can_manage_staff(user) and account.id != user.id and account.institution_id == user.institution_id
            and bool(account.roles) and account.roles <= STAFF_ROLES)
