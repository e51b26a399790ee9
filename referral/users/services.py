"""Account management with its who-may checks (referral/users/policies.py): a sysadmin creates any account,
an institution admin the ``institution_staff`` accounts of its own institution, each with its talent entry.
The account rows themselves are written by referral/auth/services.py (which audits them); these services
add the checks and flush, never commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _

from referral.auth.models import User
from referral.auth.permissions import Role
from referral.auth.services import create_user, set_user_active
from referral.errors import NotPermitted, ValidationFailed
from referral.registries.models import Talent
from referral.registries.services import create_talent
from referral.users import policies

# create_user names its errors after the sysadmin's form; the API payload (and the staff page) names them so.
_PAYLOAD_NAMES = {"institution": "institution_id", "display_name": "name"}


def _renamed(exc: ValidationFailed) -> ValidationFailed:
    fields = {_PAYLOAD_NAMES.get(k, k): v for k, v in (exc.fields or {}).items()}
    return ValidationFailed(exc.message, fields=fields)


def create_account(*, actor, username: str, password: str, name: str, roles, division_code: str | None = None,
                   institution_id: int | None = None, email: str | None = None, id_number: str | None = None) -> User:
    """POST /api/v1/users and the staff page. An institution admin's account goes to its own institution
    (``institution_id`` may be left out) and has only the roles ``can_create_role`` allows."""
    if not (policies.is_sysadmin(actor) or policies.can_manage_staff(actor)):
        raise NotPermitted()
    roles = [Role(r) for r in roles or []]
    errors: dict[str, list[str]] = {}
    if refused := [r for r in roles if not policies.can_create_role(actor, r)]:
        errors["roles"] = [_("您不能建立以下角色的账号：%(roles)s。", roles="、".join(_(r.label) for r in refused))]
    if not policies.is_sysadmin(actor):
        if institution_id is None:
            institution_id = actor.institution_id
        elif not policies.can_create_account_in(actor, institution_id):
            errors["institution_id"] = [_("只能为本机构建立账号。")]
        if division_code:
            errors["division"] = [_("机构服务人员的范围是所属机构，不填行政区划。")]
    if errors:
        raise ValidationFailed(fields=errors)
    try:
        return create_user(actor=actor, username=username, password=password, roles=roles,
                           division_code=division_code or None, institution_id=institution_id, display_name=name,
                           email=email, id_number=id_number)
    except ValidationFailed as exc:
        raise _renamed(exc) from exc


@dataclass(frozen=True)
class StaffCreated:
    account: User
    talent: Talent
    generated_password: str | None  # shown once on the page, never stored in clear


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def create_staff(*, actor, username: str, password: str | None, name: str, talent: dict,
                 roles=(Role.INSTITUTION_STAFF,)) -> StaffCreated:
    """The 本机构人员 page: an ``institution_staff`` account of the admin's institution and its talent entry,
    a draft linked to the account (Talent.user_id) and employed by the institution, which the admin then
    submits to the county as any talent entry."""
    if not policies.can_manage_staff(actor):
        raise NotPermitted()
    generated = None if password else generate_password()
    # The talent entry's 身份证号 is the account holder's own: it prints on the account's 保密承诺书 too.
    account = create_account(actor=actor, username=username, password=password or generated, name=name,
                             roles=roles, id_number=talent.get("id_number"))
    entry = create_talent(actor=actor, user=account, data={
        **talent, "name": name, "division_code": actor.institution.division_code})
    return StaffCreated(account, entry, generated)


def set_account_active(account: User, *, actor, active: bool) -> User:
    if not policies.can_manage_account(actor, account):
        raise NotPermitted()
    return set_user_active(account, actor=actor, active=active)
