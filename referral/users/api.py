"""GET /api/v1/users/{id}: an account in the caller's scope (officials: their area). POST /api/v1/users: a new
account, as referral/users/policies.py allows (sysadmin: any; institution admin: its own staff)."""

from __future__ import annotations

from forms.users import ApiUserCreateForm
from referral.api.spec import operation
from referral.auth.models import User
from referral.auth.permissions import Permission
from referral.auth.presenters import USER_SCHEMA, user_json
from referral.scoping import one_visible_or_404
from referral.users import services
from referral.users.queries import users_visible_to


@operation("/users/<int:user_id>", "GET", summary="查看管辖范围内的账号", tag="users",
           permission=Permission.VIEW_USERS, responses={200: ("账号", USER_SCHEMA)}, errors=(404,))
def get_user(user, user_id):
    return user_json(one_visible_or_404(users_visible_to(user).where(User.id == user_id)))


@operation("/users", "POST", summary="建立账号", tag="users", body=ApiUserCreateForm,
           permission=Permission.CREATE_ACCOUNTS, responses={201: ("已建立的账号", USER_SCHEMA)}, errors=(403, 422),
           description="系统管理员可建立任何账号；机构管理员只能建立本机构的机构服务人员账号"
                       "（institution_id 可省略，即本机构；其他角色或机构答 422 并指明字段）。")
def create_user(user, data):
    account = services.create_account(
        actor=user, username=data.username.data, password=data.password.data, name=data.name.data,
        roles=data.roles.data, division_code=data.division.data or None, institution_id=data.institution_id.data,
        email=data.email.data or None, id_number=data.id_number.data or None)
    return user_json(account), 201
