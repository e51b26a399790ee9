"""Accounts and API tokens. Services change rows, write the audit entry and flush; the caller commits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.audit.services import record
from referral.auth.models import AccountPledge, ApiToken, SessionEnd, User, UserRole, institution_without_lists
from referral.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from referral.auth.permissions import ROLE_SCOPE, Role, ScopeKind
from referral.auth.sessions import end_sessions
from referral.divisions.models import Division, DivisionLevel
from referral.errors import ValidationFailed
from referral.extensions import db
from referral.models import utcnow
from referral.pledge_texts import PLEDGE_TEXT_VERSION


def _institution_exists(institution_id: int) -> bool:
    """Read through the table users.institution_id points to, so that accounts do not import the registries
    (which build on accounts: docs/architecture.md#layout)."""
    institutions = db.metadata.tables["institutions"]
    return db.session.scalar(select(institutions.c.id).where(institutions.c.id == institution_id)) is not None

DIVISION_LEVEL_LABEL = {DivisionLevel.PROVINCE: _l("省"), DivisionLevel.CITY: _l("市"),
                        DivisionLevel.COUNTY: _l("县")}
_LEVEL_FOR_SCOPE = {ScopeKind.PROVINCE: DivisionLevel.PROVINCE, ScopeKind.CITY: DivisionLevel.CITY,
                    ScopeKind.COUNTY: DivisionLevel.COUNTY}


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def user_by_username(username: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.username == normalise_username(username)))


def check_role_scope(roles, division_code: str | None, institution_id: int | None) -> dict:
    """Each role needs the anchor of its scope (docs/domain.md#scope): a division of the right level, or an
    institution. Returns field errors; empty when the combination is valid."""
    errors: dict[str, list[str]] = {}
    roles = [Role(r) for r in roles]
    if not roles:
        errors.setdefault("roles", []).append(_("至少选择一个角色。"))
    division = db.session.get(Division, division_code) if division_code else None
    if division_code and division is None:
        errors.setdefault("division", []).append(_("行政区划代码 %(code)s 不存在。", code=division_code))
    levels = {_LEVEL_FOR_SCOPE[ROLE_SCOPE[r]] for r in roles if ROLE_SCOPE[r] in _LEVEL_FOR_SCOPE}
    if len(levels) > 1:
        errors.setdefault("roles", []).append(_("这些角色需要不同级别的行政区划，请分别建立账号。"))
    elif levels and division is not None and division.level not in levels:
        errors.setdefault("division", []).append(
            _("所选角色需要%(level)s级行政区划。", level=DIVISION_LEVEL_LABEL[levels.pop()]))
    elif levels and not division_code:
        errors.setdefault("division", []).append(_("所选角色需要指定行政区划。"))
    needs_institution = any(ROLE_SCOPE[r] is ScopeKind.INSTITUTION for r in roles)
    if needs_institution and institution_id is None:
        errors.setdefault("institution", []).append(_("机构角色需要指定所属机构。"))
    elif institution_id is not None and not _institution_exists(institution_id):
        errors.setdefault("institution", []).append(_("机构 %(id)s 不存在。", id=institution_id))
    elif institution_id is not None and not needs_institution:
        errors.setdefault("institution", []).append(_("只有机构角色可以关联机构。"))
    return errors


def _snapshot(user: User) -> dict:
    # The audit log keeps whether a 身份证号 is on file, never the number (docs/domain.md#personal-data).
    return {"username": user.username, "display_name": user.display_name, "email": user.email, "active": user.active,
            "id_number": bool(user.id_number),
            "roles": sorted(r.value for r in user.roles), "division": user.division_code,
            "institution": user.institution_id}


def _audit_division(user: User) -> str | None:
    if user.division_code:
        return user.division_code
    return user.institution.division_code if user.institution is not None else None


def create_user(*, actor, username: str, password: str, roles, division_code=None, institution_id=None,
                display_name: str = "", email: str | None = None, id_number: str | None = None,
                held_roles=frozenset()) -> User:
    """``held_roles``: roles checked with the others but not given yet — they wait for a second sysadmin
    (referral/users/services.py: role grants, docs/domain.md#accounts)."""
    username = normalise_username(username)
    errors = check_role_scope(roles, division_code, institution_id)
    if not username:
        errors.setdefault("username", []).append(_("请填写用户名。"))
    elif user_by_username(username) is not None:
        errors.setdefault("username", []).append(_("用户名 %(u)s 已被使用。", u=username))
    if problems := password_problems(password, username, display_name):
        errors["password"] = problems
    if errors:
        raise ValidationFailed(fields=errors)
    user = User(username=username, display_name=display_name or "", email=(email or "").strip() or None,
                id_number=(id_number or "").strip().upper() or None, password_hash=hash_password(password),
                division_code=division_code or None, institution_id=institution_id,
                password_changed_at=utcnow())
    user.role_rows = [UserRole(role=Role(r)) for r in sorted(set(roles)) if Role(r) not in held_roles]
    db.session.add(user)
    db.session.flush()
    record("user.create", "user", user.id, actor=actor, division_code=_audit_division(user),
           after=_snapshot(user))
    db.session.flush()
    return user


#: ``update_user(id_number=KEEP)``: the edit forms never show the full number, so an empty field keeps it.
KEEP = object()


def update_user(user: User, *, actor, roles, division_code, institution_id, display_name,
                email: str | None = None, id_number=KEEP, held_roles=frozenset()) -> User:
    """``held_roles``: roles to add that wait for a second sysadmin (as in ``create_user``)."""
    errors = check_role_scope(roles, division_code, institution_id)
    if actor is not None and actor.id == user.id and {Role(r) for r in roles} != user.roles:
        # No one widens (or narrows) their own access: another sysadmin does it (docs/domain.md#accounts).
        errors.setdefault("roles", []).append(_("不能更改自己账号的角色，请由另一名系统管理员操作。"))
    if errors:
        raise ValidationFailed(fields=errors)
    before = _snapshot(user)
    wanted = {Role(r) for r in roles} - ({Role(r) for r in held_roles} - user.roles)
    user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - user.roles)]
    user.division_code = division_code or None
    user.institution_id = institution_id
    user.display_name = display_name or ""
    user.email = (email or "").strip() or None
    if id_number is not KEEP:
        user.id_number = (id_number or "").strip().upper() or None
    if before["roles"] != sorted(r.value for r in wanted) or before["division"] != user.division_code \
            or before["institution"] != user.institution_id:
        # A changed scope takes effect at once, not at next login: every session and token ends.
        end_sessions(user, reason=SessionEnd.ACCOUNT_CHANGED)
    db.session.flush()
    record("user.update", "user", user.id, actor=actor, division_code=_audit_division(user),
           before=before, after=_snapshot(user))
    db.session.flush()
    return user


def update_own_account(user: User, *, display_name: str, email: str | None, id_number=KEEP) -> User:
    """我的账号: the account's own name, e-mail and 身份证号 — never its roles or scope, which the sysadmin
    sets (docs/domain.md#roles)."""
    before = _snapshot(user)
    user.display_name = (display_name or "").strip()
    user.email = (email or "").strip() or None
    if id_number is not KEEP:
        user.id_number = (id_number or "").strip().upper() or None
    db.session.flush()
    record("user.update_own", "user", user.id, actor=user, division_code=_audit_division(user),
           before=before, after=_snapshot(user))
    db.session.flush()
    return user


# --- the account's own 保密承诺书 (docs/domain.md#personal-data) ------------------------------------------------

def latest_account_pledge(user) -> AccountPledge | None:
    return db.session.scalar(select(AccountPledge).where(AccountPledge.user_id == user.id)
                             .order_by(AccountPledge.signed_at.desc(), AccountPledge.id.desc()).limit(1))


def has_accepted_current_pledge(user) -> bool:
    return db.session.scalar(select(AccountPledge.id).where(
        AccountPledge.user_id == user.id, AccountPledge.text_version == PLEDGE_TEXT_VERSION).limit(1)) is not None


def accept_account_pledge(user: User, *, signer_name: str) -> AccountPledge:
    """The account accepts the current text, signing with its name typed (as the registry pledges are
    signed): recorded with the text version, and audited."""
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise ValidationFailed(fields={"signer_name": [_("请填写承诺人姓名。")]})
    pledge = AccountPledge(user_id=user.id, text_version=PLEDGE_TEXT_VERSION, signer_name=signer_name,
                           signed_at=utcnow())
    db.session.add(pledge)
    db.session.flush()
    record("user.pledge", "user", user.id, actor=user, division_code=_audit_division(user),
           text_version=PLEDGE_TEXT_VERSION, signer_name=signer_name)
    db.session.flush()
    return pledge


def set_user_active(user: User, *, actor, active: bool) -> User:
    if actor is not None and actor.id == user.id and not active:
        raise ValidationFailed(_("不能停用自己的账号。"), fields={"active": [_("不能停用自己的账号。")]})
    if user.active == active:
        return user
    user.active = active
    if not active:
        end_sessions(user, reason=SessionEnd.DISABLED)
    db.session.flush()
    record("user.enable" if active else "user.disable", "user", user.id, actor=actor,
           division_code=_audit_division(user))
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The user for these credentials, or None. Disabled accounts never authenticate."""
    user = user_by_username(username)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        # A plain UPDATE, only if the hash is still the one verified: parallel logins of one account must not
        # collide on the row's version (409), nor overwrite a password changed meanwhile.
        db.session.execute(db.update(User).where(User.id == user.id, User.password_hash == user.password_hash)
                           .values(password_hash=hash_password(password)).execution_options(synchronize_session=False))
    return user


def note_login(user: User, *, channel: str) -> None:
    # Not through the versioned object: 20 parallel logins of one account must all succeed, not bump (and
    # collide on) users.version for a timestamp (docs/domain.md#sessions).
    db.session.execute(db.update(User).where(User.id == user.id).values(last_login_at=utcnow()))
    record("auth.login", "user", user.id, actor=user, division_code=_audit_division(user), channel=channel)
    db.session.flush()


def note_login_failure(username: str, *, channel: str) -> None:
    user = user_by_username(username)
    record("auth.login_failed", "user", user.id if user else None,
           division_code=_audit_division(user) if user else None,
           username=normalise_username(username)[:64], channel=channel)
    db.session.flush()


def change_password(user: User, *, current: str, new: str, keep_session=None) -> User:
    """Sets a new password; every other session (all but ``keep_session``, the one asking) and every API
    token end."""
    errors = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = [_("当前密码不正确。")]
    if problems := password_problems(new, user.username, user.display_name):
        errors["new_password"] = problems
    if errors:
        raise ValidationFailed(fields=errors)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_sessions(user, reason=SessionEnd.PASSWORD_CHANGED, keep=keep_session)
    db.session.flush()
    record("auth.password_change", "user", user.id, actor=user, division_code=_audit_division(user))
    db.session.flush()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=_token_hash(token),
                   expires_at=utcnow() + timedelta(hours=current_app.config["API_TOKEN_HOURS"]))
    db.session.add(row)
    db.session.flush()
    record("token.create", "api_token", row.id, actor=user, division_code=_audit_division(user),
           expires_at=row.expires_at.isoformat())
    db.session.flush()
    return token, row


def token_row(token: str) -> ApiToken | None:
    """The live token row for a presented bearer token: known, not revoked, not expired, user active."""
    if not token:
        return None
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == _token_hash(token))
                            .options(institution_without_lists(ApiToken.user, User.institution)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.user.active:
        return None
    return row


def revoke_token(row: ApiToken, *, actor) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record("token.revoke", "api_token", row.id, actor=actor, division_code=_audit_division(row.user))
        db.session.flush()


def revoke_all_tokens(user: User) -> None:
    db.session.execute(db.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
