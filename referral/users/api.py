"""GET /api/v1/users/{id}: an account in the caller's scope (officials: their area)."""

from __future__ import annotations

from referral.api.spec import operation
from referral.auth.models import User
from referral.auth.permissions import Permission
from referral.auth.presenters import USER_SCHEMA, user_json
from referral.scoping import one_visible_or_404
from referral.users.queries import users_visible_to


@operation("/users/<int:user_id>", "GET", summary="查看管辖范围内的账号", tag="users",
           permission=Permission.VIEW_USERS, responses={200: ("账号", USER_SCHEMA)}, errors=(404,))
def get_user(user, user_id):
    return user_json(one_visible_or_404(users_visible_to(user).where(User.id == user_id)))
