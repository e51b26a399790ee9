"""Who sees which case (docs/domain.md#personal-data: least necessity). The referral officers and county officials of the
residence county; the institution the case is with; the assister who applied. Officials above county
level see statistics, not cases; the sysadmin sees no personal case data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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


@dataclass(frozen=True)
class EligibleInstitution:
    """One institution the case may be referred to, with what the referral officer weighs
    (docs/domain.md#referrals): where it serves, which of the needed items it offers, its free places, and
    when it declined this case before (shown, not hidden: circumstances change)."""

    id: int
    name: str
    free_places: int
    service_types: list[str]
    needed_items: list[str]
    service_area: list[str]  # county names
    declined: list[tuple[date, str]]  # (day, reason code) of its earlier refusals of this case

    @property
    def declined_before(self) -> bool:
        return bool(self.declined)


def eligible_for_referral(case: Case) -> list[EligibleInstitution]:
    """The eligible institutions (``services.eligible_institutions``) with their details, in three queries
    whatever their number: the institutions (areas and items load with them), the area names, the refusals."""
    from referral.cases.models import Referral, ReferralStatus
    from referral.cases.services import eligible_institutions
    from referral.divisions.models import Division
    from referral.extensions import db

    institutions = db.session.scalars(eligible_institutions(case)).all()
    codes = {code for inst in institutions for code in inst.service_area}
    names = dict(db.session.execute(select(Division.code, Division.name).where(Division.code.in_(codes))).all()) \
        if codes else {}
    declined: dict[int, list[tuple[date, str]]] = {}
    for row in db.session.execute(select(Referral.institution_id, Referral.responded_at, Referral.decline_reason_code)
                                  .where(Referral.case_id == case.id, Referral.status == ReferralStatus.DECLINED)
                                  .order_by(Referral.responded_at)):
        declined.setdefault(row.institution_id, []).append((today_in_china(now=row.responded_at),
                                                             row.decline_reason_code))
    needed = set(case.service_types or [])
    return [EligibleInstitution(id=inst.id, name=inst.name, free_places=inst.free_places,
                                service_types=inst.service_types,
                                needed_items=[s for s in inst.service_types if s in needed],
                                service_area=[names.get(code, code) for code in inst.service_area],
                                declined=declined.get(inst.id, []))
            for inst in institutions]
