"""Read side of the registries: what each user may see, work queues, the training shortfall list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select

from referral.auth.models import User
from referral.auth.permissions import Role
from referral.registries.models import (
    ApprovalDecision,
    ChangeRequest,
    ChangeState,
    Institution,
    Talent,
    TalentCategory,
    TalentEmployment,
    TrainingRecord,
)
from referral.scoping import scope_of
from workflows.approval import ApprovalState

ANNUAL_TRAINING_HOURS = Decimal(20)


def institutions_visible_to(user):
    scope = scope_of(user)
    return select(Institution).where(or_(scope.division_clause(Institution.division_code),
                                         scope.institution_clause(Institution.id)))


def talents_visible_to(user):
    scope = scope_of(user)
    clauses = [scope.division_clause(Talent.division_code)]
    if getattr(user, "is_authenticated", False):
        clauses.append(Talent.user_id == user.id)
    if scope.institution_ids:
        clauses.append(Talent.id.in_(select(TalentEmployment.talent_id)
                                     .where(TalentEmployment.institution_id.in_(sorted(scope.institution_ids)))))
    return select(Talent).where(or_(*clauses))


def overdue_first(model):
    """Overdue first, then the nearest due date, then the oldest change."""
    return (case((model.due_date.is_(None), 1), else_=0), model.due_date, model.state_changed_at)


def review_queue(user, model):
    """Entries waiting for this user's level: county officials the county pre-check of their county,
    city officials the city confirmation (and removals) of their city."""
    states = []
    if user.has_role(Role.COUNTY_OFFICIAL):
        states.append(and_(model.state == ApprovalState.COUNTY_REVIEW, model.division_code == user.division_code))
    if user.has_role(Role.CITY_OFFICIAL) and user.division_code:
        prefix = user.division_code[:4]
        states.append(and_(model.state.in_([ApprovalState.CITY_REVIEW, ApprovalState.REMOVAL_PENDING]),
                           model.division_code.between(prefix + "00", prefix + "99")))
    if not states:
        return None
    return select(model).where(or_(*states)).order_by(*overdue_first(model))


def change_request_queue(user):
    if not user.has_role(Role.COUNTY_OFFICIAL):
        return None
    return (select(ChangeRequest).join(Institution)
            .where(ChangeRequest.state == ChangeState.PENDING, Institution.division_code == user.division_code)
            .order_by(ChangeRequest.due_date))


def decisions_of(entry):
    column = ApprovalDecision.institution_id if isinstance(entry, Institution) else ApprovalDecision.talent_id
    return select(ApprovalDecision).where(column == entry.id).order_by(ApprovalDecision.at, ApprovalDecision.id)


def last_county_approver_id(session, entry) -> int | None:
    stmt = decisions_of(entry).where(ApprovalDecision.event == "county_approve")
    rows = session.scalars(stmt).all()
    return rows[-1].actor_id if rows else None


def owner_user_ids(session, entry) -> frozenset[int]:
    if isinstance(entry, Institution):
        from referral.auth.models import UserRole

        ids = session.scalars(select(User.id).join(UserRole).where(
            User.institution_id == entry.id, UserRole.role == Role.INSTITUTION_ADMIN)).all()
        return frozenset(ids)
    ids = {entry.user_id} if entry.user_id else set()
    if entry.institution_ids:
        from referral.auth.models import UserRole

        ids |= set(session.scalars(select(User.id).join(UserRole).where(
            User.institution_id.in_(entry.institution_ids), UserRole.role == Role.INSTITUTION_ADMIN)).all())
    return frozenset(ids)


def training_hours_in(year: int):
    """Hours per talent in a calendar year, as a subquery (talent_id, hours)."""
    return (select(TrainingRecord.talent_id, func.sum(TrainingRecord.hours).label("hours"))
            .where(TrainingRecord.date.between(date(year, 1, 1), date(year, 12, 31)))
            .group_by(TrainingRecord.talent_id).subquery())


def training_hours_of(talent_id: int, year: int) -> Decimal:
    from referral.extensions import db

    total = db.session.scalar(select(func.coalesce(func.sum(TrainingRecord.hours), 0)).where(
        TrainingRecord.talent_id == talent_id, TrainingRecord.date.between(date(year, 1, 1), date(year, 12, 31))))
    return Decimal(total or 0)


def training_shortfall(user, year: int):
    """Listed direct service staff in the user's scope with fewer than 20 training hours this year,
    with their hours — one query, fewest hours first."""
    hours = training_hours_in(year)
    total = func.coalesce(hours.c.hours, 0)
    visible = talents_visible_to(user).subquery()
    return (select(Talent, total.label("hours"))
            .join(visible, visible.c.id == Talent.id)
            .outerjoin(hours, hours.c.talent_id == Talent.id)
            .where(Talent.category == TalentCategory.DIRECT_SERVICE, Talent.state == ApprovalState.LISTED,
                   total < ANNUAL_TRAINING_HOURS)
            .order_by(total, Talent.name))
