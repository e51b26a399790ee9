"""Roles (a contract: docs/domain.md#roles), what each may do, and the coarse route check.

Object-level rules (is this object in the user's scope?) live in ``referral.scoping`` and in each
feature's ``policies.py``; this module only answers "may this role use this kind of page at all"."""

from __future__ import annotations

import enum
from functools import wraps

from flask_login import current_user

from referral.errors import NotPermitted
from workflows.codes import N_, Coded


class Role(Coded):
    SYSADMIN = "sysadmin", N_("系统管理员")
    PROVINCE_OFFICIAL = "province_official", N_("省级民政")
    CITY_OFFICIAL = "city_official", N_("市级民政")
    COUNTY_OFFICIAL = "county_official", N_("县级民政")
    REFERRAL_OFFICER = "referral_officer", N_("转介服务人员")
    INSTITUTION_ADMIN = "institution_admin", N_("机构管理员")
    INSTITUTION_STAFF = "institution_staff", N_("机构服务人员")
    MEDICAL_ASSISTER = "medical_assister", N_("医疗卫生机构协助人")
    COMMUNITY_ASSISTER = "community_assister", N_("其他主体协助人")


class ScopeKind(enum.StrEnum):
    NATIONAL = "national"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    INSTITUTION = "institution"
    OWN = "own"


# What each role's scope is anchored to (docs/domain.md#scope). Division-anchored roles need a division of
# exactly that level; institution roles need an institution.
ROLE_SCOPE = {
    Role.SYSADMIN: ScopeKind.NATIONAL,
    Role.PROVINCE_OFFICIAL: ScopeKind.PROVINCE,
    Role.CITY_OFFICIAL: ScopeKind.CITY,
    Role.COUNTY_OFFICIAL: ScopeKind.COUNTY,
    Role.REFERRAL_OFFICER: ScopeKind.COUNTY,
    Role.INSTITUTION_ADMIN: ScopeKind.INSTITUTION,
    Role.INSTITUTION_STAFF: ScopeKind.INSTITUTION,
    Role.MEDICAL_ASSISTER: ScopeKind.OWN,
    Role.COMMUNITY_ASSISTER: ScopeKind.OWN,
}


class Permission(enum.StrEnum):
    MANAGE_USERS = "manage_users"
    CREATE_ACCOUNTS = "create_accounts"  # POST /api/v1/users: which roles and institutions is referral/users/policies.py
    MANAGE_STAFF = "manage_staff"  # 本机构人员: an institution admin's own staff accounts
    VIEW_USERS = "view_users"
    VIEW_AUDIT = "view_audit"
    VIEW_DIVISIONS = "view_divisions"
    VIEW_REGISTRY = "view_registry"  # the institution and talent lists of one's area
    REVIEW_REGISTRY = "review_registry"  # county pre-check / city confirmation queues
    OWN_INSTITUTION = "own_institution"  # the institution file one works for
    REGISTER_TALENT = "register_talent"  # self-registration, or an admin registering staff
    VIEW_SUPERVISION = "view_supervision"  # spot checks, evaluations, complaints of one's area
    SUPERVISE = "supervise"  # draw spot checks, record results, evaluate, handle complaints (county)
    SUBMIT_APPLICATION = "submit_application"  # apply on a patient's behalf (assisters; officers enter any)
    VIEW_CASES = "view_cases"  # the case pages; which cases is decided by cases_visible_to
    MANAGE_DEMAND = "manage_demand"  # 需求数据: import the health and 残联 lists of one's area, see its figures
    VIEW_STATS = "view_stats"  # 统计监督: figures of one's area (referral/stats/policies.py: which division, what detail)
    VIEW_PURCHASES = "view_purchases"  # 服务结算: the purchase statements of one's area or institution
    ISSUE_PURCHASES = "issue_purchases"  # issue and re-issue statements (county)
    ANSWER_PURCHASES = "answer_purchases"  # confirm or dispute one's institution's statements (institution admin)


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # The sysadmin sees no personal case data (docs/domain.md#personal-data).
    Role.SYSADMIN: frozenset(Permission) - {Permission.REVIEW_REGISTRY, Permission.OWN_INSTITUTION, Permission.MANAGE_STAFF,
                                            Permission.REGISTER_TALENT, Permission.SUPERVISE,
                                            Permission.SUBMIT_APPLICATION, Permission.VIEW_CASES,
                                            # what a county pays an institution is not the system's keeper's business
                                            Permission.VIEW_PURCHASES, Permission.ISSUE_PURCHASES,
                                            Permission.ANSWER_PURCHASES},
    Role.PROVINCE_OFFICIAL: frozenset({Permission.VIEW_USERS, Permission.VIEW_AUDIT, Permission.VIEW_DIVISIONS,
                                       Permission.VIEW_REGISTRY, Permission.VIEW_SUPERVISION, Permission.MANAGE_DEMAND,
                                       Permission.VIEW_STATS, Permission.VIEW_PURCHASES}),
    Role.CITY_OFFICIAL: frozenset({Permission.VIEW_USERS, Permission.VIEW_AUDIT, Permission.VIEW_DIVISIONS,
                                   Permission.VIEW_REGISTRY, Permission.REVIEW_REGISTRY, Permission.VIEW_SUPERVISION,
                                   Permission.MANAGE_DEMAND, Permission.VIEW_STATS, Permission.VIEW_PURCHASES}),
    Role.COUNTY_OFFICIAL: frozenset({Permission.VIEW_USERS, Permission.VIEW_AUDIT, Permission.VIEW_DIVISIONS,
                                     Permission.VIEW_REGISTRY, Permission.REVIEW_REGISTRY, Permission.VIEW_SUPERVISION,
                                     Permission.SUPERVISE, Permission.VIEW_CASES, Permission.MANAGE_DEMAND,
                                     Permission.VIEW_STATS, Permission.VIEW_PURCHASES, Permission.ISSUE_PURCHASES}),
    Role.REFERRAL_OFFICER: frozenset({Permission.VIEW_REGISTRY, Permission.REGISTER_TALENT,
                                      Permission.SUBMIT_APPLICATION, Permission.VIEW_CASES, Permission.VIEW_STATS}),
    Role.INSTITUTION_ADMIN: frozenset({Permission.OWN_INSTITUTION, Permission.REGISTER_TALENT, Permission.VIEW_CASES,
                                       Permission.CREATE_ACCOUNTS, Permission.MANAGE_STAFF, Permission.VIEW_PURCHASES,
                                       Permission.ANSWER_PURCHASES}),
    Role.INSTITUTION_STAFF: frozenset({Permission.OWN_INSTITUTION, Permission.REGISTER_TALENT, Permission.VIEW_CASES,
                                       Permission.VIEW_PURCHASES}),
    Role.MEDICAL_ASSISTER: frozenset({Permission.SUBMIT_APPLICATION, Permission.VIEW_CASES}),
    Role.COMMUNITY_ASSISTER: frozenset({Permission.SUBMIT_APPLICATION, Permission.VIEW_CASES}),
}


def permissions_of(roles) -> frozenset[Permission]:
    out: set[Permission] = set()
    for role in roles:
        out |= ROLE_PERMISSIONS[Role(role)]
    return frozenset(out)


def permission_required(permission: Permission):
    """Route decorator: default deny. Anonymous users are sent to the login page first."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from referral.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_permission(permission):
                raise NotPermitted()
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator
