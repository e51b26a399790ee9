"""Who sees which case (docs/domain.md#personal-data: least necessity). The referral officers and county officials of the
residence county; the institution the case is with; the assister who applied. Officials above county
level see statistics, not cases; the sysadmin sees no personal case data."""

from __future__ import annotations

from sqlalchemy import false, or_, select

from referral.auth.permissions import Role
from referral.calendar import today_in_china
from referral.cases.models import Case, CaseEvent


def cases_visible_to(user):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return select(Case).where(false())
    clauses = []
    if user.has_role(Role.REFERRAL_OFFICER, Role.COUNTY_OFFICIAL) and user.division_code:
        clauses.append(Case.division_code == user.division_code)
    if user.has_role(Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF) and user.institution_id:
        clauses.append(Case.institution_id == user.institution_id)
    if user.has_role(Role.MEDICAL_ASSISTER, Role.COMMUNITY_ASSISTER, Role.REFERRAL_OFFICER):
        clauses.append(Case.created_by_id == user.id)
    return select(Case).where(or_(*clauses) if clauses else false())


def overdue(stmt, flag: bool):
    return stmt.where(Case.due_date < today_in_china()) if flag else stmt.where(
        or_(Case.due_date.is_(None), Case.due_date >= today_in_china()))


def history_of(case_id: int):
    return select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id)
