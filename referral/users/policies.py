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


# --- four-eyes on role grants (docs/domain.md#accounts) ---------------------------------------------------

#: The roles that see people's identities (docs/domain.md#personal-data: the county's referral officers and
#: officials, the serving institution, the applying assister) — and ``sysadmin``, since a sysadmin who could
#: make a second sysadmin alone could approve their own requests through it.
FOUR_EYES_ROLES = frozenset({Role.REFERRAL_OFFICER, Role.COUNTY_OFFICIAL, Role.INSTITUTION_ADMIN,
                             Role.INSTITUTION_STAFF, Role.MEDICAL_ASSISTER, Role.COMMUNITY_ASSISTER,
                             Role.SYSADMIN})


def needs_second_sysadmin(actor, role) -> bool:
    """A sysadmin's grant of such a role waits for another sysadmin. Not the institution admin's own staff
    (its institution, the staff role only: the admin was itself approved, and the staff's talent entry
    goes through the county), nor the operator's ``flask users create`` on the server (actor None: whoever
    has a shell there has the database too, and the first sysadmin has no second to ask)."""
    return actor is not None and is_sysadmin(actor) and Role(role) in FOUR_EYES_ROLES


def can_decide_grant(user, grant) -> bool:
    """Another sysadmin: not the one who asked, and not for their own account."""
    return is_sysadmin(user) and grant.requested_by_id != user.id and grant.user_id != user.id
