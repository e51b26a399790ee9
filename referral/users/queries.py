from __future__ import annotations

from sqlalchemy import false, or_, select

from referral.auth.models import User, UserRole
from referral.divisions.models import within
from referral.extensions import db
from referral.registries.models import Institution, Talent
from referral.scoping import scope_of
from referral.users.models import RoleGrant
from referral.users.policies import can_manage_staff
from workflows.role_grant import GrantState


def users_visible_to(viewer):
    """Accounts the viewer may see: national roles all; officials those anchored in their area
    (by the account's division, or its institution's county); everyone else only themselves."""
    scope = scope_of(viewer)
    stmt = select(User).outerjoin(Institution, User.institution_id == Institution.id)
    if scope.national:
        return stmt
    clauses = [User.id == viewer.id]
    if scope.prefixes:
        clauses += [scope.division_clause(User.division_code), scope.division_clause(Institution.division_code)]
    return stmt.where(or_(*clauses))


def filter_users(stmt, *, q: str | None = None, role: str | None = None, division: str | None = None,
                 active: bool | None = None):
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(User.username.like(like), User.display_name.like(f"%{q}%")))
    if role:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if division:
        stmt = stmt.where(or_(within(User.division_code, division), within(Institution.division_code, division)))
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return stmt.order_by(User.username)


def staff_visible_to(viewer):
    """The accounts of the viewer's own institution (the 本机构人员 page); nothing for anyone else, so an
    account of another institution answers 404."""
    stmt = select(User)
    if not can_manage_staff(viewer):
        return stmt.where(false())
    return stmt.where(User.institution_id == viewer.institution_id)


def talents_of_accounts(user_ids) -> dict[int, Talent]:
    """Each account's talent entry (the newest, when an earlier one ended), for the staff list."""
    if not user_ids:
        return {}
    rows = db.session.scalars(select(Talent).where(Talent.user_id.in_(list(user_ids))).order_by(Talent.id)).all()
    return {t.user_id: t for t in rows}


def institution_choices() -> list[tuple]:
    """The institutions an account may be anchored to, by name (the sysadmin's account form)."""
    rows = db.session.execute(select(Institution.id, Institution.name, Institution.division_code)
                              .order_by(Institution.division_code, Institution.name)).all()
    return [(row.id, f"{row.name}（{row.division_code}）") for row in rows]


def pending_grants():
    """Role grants waiting for a second sysadmin, oldest first (the users page lists them)."""
    return list(db.session.scalars(select(RoleGrant).where(RoleGrant.state == GrantState.PENDING)
                                   .order_by(RoleGrant.requested_at, RoleGrant.id)))
