"""The demo province: 吉林省 with 长春市 (南关区, 朝阳区) and 吉林市 (昌邑区, 船营区) — real GB/T 2260 codes
— one institution, and one account per role. Later features add their objects here."""

from __future__ import annotations

from referral.auth.models import User
from referral.auth.permissions import Role
from referral.auth.services import create_user, set_user_active
from referral.divisions.models import Division
from referral.divisions.services import import_divisions
from referral.extensions import db
from referral.registries.models import Institution

PROVINCE = "220000"
CITIES = {"220100": ("220102", "220104"), "220200": ("220202", "220204")}
COUNTY = "220102"  # 长春市南关区: where the demo's county-level accounts work
INSTITUTION_NAME = "南关区阳光家园精神障碍社区康复服务中心"

# username, display name, role, division
ACCOUNTS = (
    ("demo-sysadmin", "系统管理员", Role.SYSADMIN, None),
    ("demo-province", "吉林省民政厅 王芳", Role.PROVINCE_OFFICIAL, PROVINCE),
    ("demo-city", "长春市民政局 李强", Role.CITY_OFFICIAL, "220100"),
    ("demo-county", "南关区民政局 张敏", Role.COUNTY_OFFICIAL, COUNTY),
    ("demo-county-chaoyang", "朝阳区民政局 刘洋", Role.COUNTY_OFFICIAL, "220104"),
    ("demo-referral", "南关区转介服务人员 陈静", Role.REFERRAL_OFFICER, COUNTY),
    ("demo-institution-admin", "阳光家园 赵磊", Role.INSTITUTION_ADMIN, None),
    ("demo-institution-staff", "阳光家园 孙丽", Role.INSTITUTION_STAFF, None),
    ("demo-hospital", "长春市第六医院 周医生", Role.MEDICAL_ASSISTER, None),
    ("demo-community", "南关区某社区居委会 吴主任", Role.COMMUNITY_ASSISTER, None),
)
DISABLED_ACCOUNT = ("demo-disabled", "已停用账号示例", Role.REFERRAL_OFFICER, "220202")


def seed(password_factory) -> list[tuple[str, str, str]]:
    if db.session.get(Division, PROVINCE) is None:
        import_divisions()
    institution = db.session.scalar(db.select(Institution).where(Institution.name == INSTITUTION_NAME))
    if institution is None:
        institution = Institution(name=INSTITUTION_NAME, division_code=COUNTY)
        db.session.add(institution)
        db.session.flush()
    credentials = []
    for username, name, role, division in (*ACCOUNTS, DISABLED_ACCOUNT):
        if db.session.scalar(db.select(User.id).where(User.username == username)) is not None:
            continue
        password = password_factory()
        needs_institution = role in (Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF)
        user = create_user(actor=None, username=username, password=password, roles=[role], display_name=name,
                           division_code=division, institution_id=institution.id if needs_institution else None)
        if (username, name, role, division) == DISABLED_ACCOUNT:
            set_user_active(user, actor=None, active=False)
        credentials.append((username, password, role.value))
    return credentials
