"""The navigation bar, built from what the signed-in user may do — never from role names in templates."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from referral.auth.permissions import Permission


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    permission: Permission | None


NAV = (
    NavItem("home.index", _l("首页"), None),
    NavItem("cases.index", _l("个案"), Permission.VIEW_CASES),
    NavItem("registries.queue", _l("待办审核"), Permission.REVIEW_REGISTRY),
    NavItem("registries.institutions", _l("机构库"), Permission.VIEW_REGISTRY),
    NavItem("registries.talents", _l("人才库"), Permission.VIEW_REGISTRY),
    NavItem("supervision.index", _l("监督评价"), Permission.VIEW_SUPERVISION),
    NavItem("stats.index", _l("统计监督"), Permission.VIEW_STATS),
    NavItem("demand.index", _l("需求数据"), Permission.MANAGE_DEMAND),
    NavItem("purchases.index", _l("服务结算"), Permission.VIEW_PURCHASES),
    NavItem("registries.my_institution", _l("本机构"), Permission.OWN_INSTITUTION),
    NavItem("users.staff", _l("本机构人员"), Permission.MANAGE_STAFF),
    NavItem("registries.directory", _l("机构名录"), None),
    NavItem("divisions.index", _l("行政区划"), Permission.VIEW_DIVISIONS),
    NavItem("cases.eligibility_profiles", _l("服务对象类别"), Permission.VIEW_DIVISIONS),
    NavItem("users.index", _l("用户管理"), Permission.VIEW_USERS),
    NavItem("audit.index", _l("审计日志"), Permission.VIEW_AUDIT),
)


def navigation_for(user) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [item for item in NAV if item.permission is None or user.has_permission(item.permission)]
