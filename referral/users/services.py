"""Account management with its who-may checks (referral/users/policies.py): a sysadmin creates any account,
an institution admin the ``institution_staff`` accounts of its own institution, each with its talent entry.
The account rows themselves are written by referral/auth/services.py (which audits them); these services
add the checks and flush, never commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _

from referral.audit.services import record
from referral.auth.models import SessionEnd, User, UserRole
from referral.auth.permissions import Role
from referral.auth.services import KEEP, check_role_scope, create_user, set_user_active, update_user
from referral.auth.sessions import end_sessions
from referral.errors import NotPermitted, ValidationFailed, refusal_error
from referral.extensions import db
from referral.models import utcnow
from referral.registries.models import Talent
from referral.registries.services import create_talent
from referral.users import policies
from referral.users.models import RoleGrant
from workflows.engine import ActionRefused
from workflows.role_grant import GrantState, fire_grant

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
        return create_with_grants(actor=actor, username=username, password=password, roles=roles,
                                  division_code=division_code or None, institution_id=institution_id,
                                  display_name=name, email=email, id_number=id_number)
    except ValidationFailed as exc:
        raise _renamed(exc) from exc


# --- four-eyes on role grants (docs/domain.md#accounts) ---------------------------------------------------

def _division(user: User) -> str | None:
    return user.division_code or (user.institution.division_code if user.institution is not None else None)


def pending_grants_of(user: User) -> list[RoleGrant]:
    return list(db.session.scalars(db.select(RoleGrant).where(
        RoleGrant.user_id == user.id, RoleGrant.state == GrantState.PENDING).order_by(RoleGrant.id)))


def _request_grants(user: User, roles, *, actor) -> list[RoleGrant]:
    already = {g.role for g in pending_grants_of(user)}
    grants = [RoleGrant(user_id=user.id, role=role, requested_by_id=actor.id, requested_at=utcnow())
              for role in sorted(set(roles) - already)]
    db.session.add_all(grants)
    db.session.flush()
    for grant in grants:
        record("user.role_grant_request", "user", user.id, actor=actor, division_code=_division(user),
               grant=grant.id, role=grant.role.value)
    db.session.flush()
    return grants


def create_with_grants(*, actor, roles, **fields) -> User:
    """A new account (sysadmin's page, POST /api/v1/users): the roles that need a second sysadmin are
    requested, the others given at once."""
    held = frozenset(Role(r) for r in roles if policies.needs_second_sysadmin(actor, r))
    user = create_user(actor=actor, roles=roles, held_roles=held, **fields)
    _request_grants(user, held, actor=actor)
    return user


def update_account(user: User, *, actor, roles, division_code, institution_id, display_name,
                   email: str | None = None, id_number=KEEP) -> User:
    """The sysadmin's edit page: roles taken off go at once; roles added that see personal data wait for a
    second sysadmin; a pending request whose role is no longer ticked is withdrawn."""
    wanted = {Role(r) for r in roles}
    held = frozenset(r for r in wanted - user.roles if policies.needs_second_sysadmin(actor, r))
    user = update_user(user, actor=actor, roles=roles, division_code=division_code, institution_id=institution_id,
                       display_name=display_name, email=email, id_number=id_number, held_roles=held)
    for grant in pending_grants_of(user):
        if grant.role not in wanted:
            _decide(grant, "withdraw", actor=actor)
    _request_grants(user, held, actor=actor)
    return user


def _decide(grant: RoleGrant, action: str, *, actor, comment: str = "") -> RoleGrant:
    try:
        fire_grant(grant, action)
    except ActionRefused as exc:
        raise refusal_error(exc) from exc
    grant.decided_by_id = actor.id if action != "withdraw" or actor.id != grant.requested_by_id else None
    grant.decided_at = utcnow()
    grant.comment = (comment or "").strip()[:500]
    db.session.flush()
    record(f"user.role_grant_{action}", "user", grant.user_id, actor=actor, division_code=_division(grant.user),
           grant=grant.id, role=grant.role.value, requested_by=grant.requested_by_id)
    db.session.flush()
    return grant


def approve_grant(grant: RoleGrant, *, actor) -> RoleGrant:
    """A second sysadmin approves: the role takes effect now, if it still fits the account's scope."""
    if not policies.can_decide_grant(actor, grant):
        raise NotPermitted(_("申请人本人或被授权账号本人不能批准，须由另一名系统管理员批准。"))
    user = grant.user
    if grant.state is GrantState.PENDING and (
            errors := check_role_scope(user.roles | {grant.role}, user.division_code, user.institution_id)):
        raise ValidationFailed(_("该角色已不符合账号当前的行政区划或机构，请驳回后重新申请。"), fields=errors)
    _decide(grant, "approve", actor=actor)
    if grant.role not in user.roles:
        user.role_rows.append(UserRole(role=grant.role))
    end_sessions(user, reason=SessionEnd.ACCOUNT_CHANGED)  # as update_user on every change of roles
    db.session.flush()
    return grant


def reject_grant(grant: RoleGrant, *, actor, comment: str = "") -> RoleGrant:
    if not policies.can_decide_grant(actor, grant):
        raise NotPermitted(_("申请人本人或被授权账号本人不能驳回，须由另一名系统管理员处理。"))
    return _decide(grant, "reject", actor=actor, comment=comment)


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
