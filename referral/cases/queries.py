"""Who sees which case (docs/domain.md#personal-data: least necessity). The referral officers and county officials of the
residence county; the institution the case is with; the assister who applied. Officials above county
level see statistics, not cases; the sysadmin sees no personal case data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import false, func, or_, select, union

from referral.auth.models import institution_without_lists
from referral.auth.permissions import Role
from referral.calendar import today_in_china
from referral.cases.models import ABILITY_FIELDS, SOCIAL_FUNCTION_FIELDS, Case, CaseEvent
from referral.id_hash import id_hash_or_none, phone_hash_or_none
from workflows.case import CaseState

# The domains of an assessment (DESIGN §3.4) kept in Assessment.domains, as the case JSON lists them.
ASSESSMENT_DOMAINS = ("mental_state", "insight", "medication_adherence", "physical_health", "social_function",
                      *SOCIAL_FUNCTION_FIELDS, *ABILITY_FIELDS, "family_support", "needs_wishes")


def scope_clauses(user) -> list:
    """The branches of a user's case scope, each an indexed column equal to one value (county, institution,
    own applications). Lists read them one by one (``CaseSearch.page``): an OR of them would make the
    database read and sort the whole county (docs/architecture.md#speed)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    clauses = []
    if user.has_role(Role.REFERRAL_OFFICER, Role.COUNTY_OFFICIAL) and user.division_code:
        clauses.append(Case.division_code == user.division_code)
    if user.has_role(Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF) and user.institution_id:
        clauses.append(Case.institution_id == user.institution_id)
    if user.has_role(Role.MEDICAL_ASSISTER, Role.COMMUNITY_ASSISTER, Role.REFERRAL_OFFICER):
        clauses.append(Case.created_by_id == user.id)
    return clauses


def _light(stmt):
    # A case's institution comes with it (one join), but not the institution's own lists (areas, items,
    # licences: three more queries per page); they load if something asks for them.

    return stmt.options(institution_without_lists(Case.institution))


def cases_visible_to(user):
    clauses = scope_clauses(user)
    return _light(select(Case).where(or_(*clauses) if clauses else false()))


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


def _identity_served(user):
    """SQL: the cases whose minors' identity this user sees (policies.can_see_identity, as a clause)."""
    clauses = []
    if user.has_role(Role.REFERRAL_OFFICER) and user.division_code:
        clauses.append(Case.division_code == user.division_code)
    if user.institution_id is not None:
        clauses.append(Case.institution_id == user.institution_id)
    return or_(Case.is_minor.is_(False), *clauses)


def _by_hash(column, digest: str | None):
    # No digest (no key): nothing matches — never ``= NULL``, which SQLAlchemy would turn into IS NULL.
    return select(Case.id).where(column == digest if digest else false())


#: A list counts its rows up to this many, then says "more than" (docs/architecture.md#speed): an exact
#: count of a whole county's cases on every view would cost more than the page itself.
COUNT_CAP = 1000
DUE_ORDER = (Case.due_date.asc().nulls_last(), Case.id.asc())
NEWEST_ORDER = (Case.created_at.desc(), Case.id.desc())


@dataclass
class CasePage:
    """One page of a case list, with the pager's attributes (templates/_macros/forms.html: pager). ``total``
    is exact up to ``COUNT_CAP``; beyond it ``total_exact`` is False, ``total`` is the cap and the pager
    goes on as long as ``more`` (a row after this page) says."""

    items: list
    page: int
    per_page: int
    total: int
    total_exact: bool
    more: bool

    @property
    def pages(self) -> int:
        return max(-(-self.total // self.per_page), self.page + self.more, 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.more

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass
class CaseSearch:
    """A case list's question: the user's scope branches, the filters and the order. ``statement()`` is the
    whole list as one statement (counts, exports); ``page()`` reads one page the fast way, each scope branch
    walking its own index in the list's order (``ix_cases_*_due``) and stopping after the rows the page needs,
    then merging the branches — instead of sorting every case of the county on each view."""

    scopes: list
    filters: list
    order: tuple

    def statement(self):
        return _light(select(Case).where(or_(*self.scopes) if self.scopes else false(), *self.filters)
                      .order_by(*self.order))

    def _branches(self, columns, limit: int, *, ordered: bool = True):
        # SQLite accepts no LIMIT inside a UNION's members: each branch is its own subquery. A count needs no
        # order: each branch stops after ``limit`` entries of whichever index answers its scope.
        subs = [select(*columns).where(scope, *self.filters).order_by(*(self.order if ordered else ()))
                .limit(limit).subquery() for scope in self.scopes]
        return [select(*(sub.c[c.key] for c in columns)) for sub in subs]

    def count(self, cap: int = COUNT_CAP) -> tuple[int, bool]:
        from referral.extensions import db

        if not self.scopes:
            return 0, True
        ids = union(*self._branches((Case.id,), cap + 1, ordered=False)).subquery()
        n = db.session.scalar(select(func.count()).select_from(ids))
        return min(n, cap), n <= cap

    def page(self, page: int = 1, per_page: int = 25) -> CasePage:
        from referral.extensions import db

        page = max(1, page or 1)
        total, exact = self.count()
        if not self.scopes or (exact and (page - 1) * per_page >= total):
            return CasePage([], page, per_page, total, exact, more=False)
        keys = (Case.id, Case.due_date, Case.created_at)
        merged = union(*self._branches(keys, page * per_page + 1)).subquery("merged")
        rows = db.session.scalars(_light(select(Case).join(merged, merged.c.id == Case.id).order_by(*self.order)
                                         .limit(per_page + 1).offset((page - 1) * per_page))).unique().all()
        return CasePage(rows[:per_page], page, per_page, total, exact, more=len(rows) > per_page)


def search_cases(user, *, q: str = "", state: str = "", clock: str = "", institution_id: int | None = None,
                 channel: str = "", minor: str = "", division: str = "", overdue_flag: str = "",
                 sort: str = "") -> CaseSearch:
    """The case list and search (issue 10.9) for pages and API alike, inside the user's scope.
    ``q`` is matched whole against the indexed receipt number, 身份证号, phone and name (no ``LIKE '%…%'``
    scan); a minor's case is found by personal data only by those who see its identity."""
    from referral.calendar import add_working_days
    from referral.divisions.models import within

    filters = []
    if q := (q or "").strip():
        # A union of four index probes: the search never walks a county's cases row by row.
        # The 身份证号 and phone are encrypted: they are found by their keyed hashes (README.md#encryption-at-rest).
        matches = union(select(Case.id).where(Case.receipt_no == q.upper()),
                        _by_hash(Case.applicant_id_hash, id_hash_or_none(q)),
                        _by_hash(Case.applicant_phone_hash, phone_hash_or_none(q)),
                        select(Case.id).where(Case.applicant_name == q))
        filters += [Case.id.in_(matches), _identity_served(user)]
    if state:
        filters.append(Case.state == state)
    today = today_in_china()
    if clock == "overdue":
        filters.append(Case.due_date < today)
    elif clock == "due_soon":
        filters.append(Case.due_date.between(today, add_working_days(today, 2)))
    elif clock == "running":
        filters.append(Case.due_date > add_working_days(today, 2))
    elif clock == "none":
        filters.append(Case.due_date.is_(None))
    if overdue_flag:
        filters.append(Case.due_date < today if overdue_flag == "1"
                       else or_(Case.due_date.is_(None), Case.due_date >= today))
    if institution_id:
        filters.append(Case.institution_id == institution_id)
    if channel:
        filters.append(Case.channel == channel)
    if minor:
        filters.append(Case.is_minor.is_(minor == "1"))
    if division:
        filters.append(within(Case.division_code, division))
    return CaseSearch(scope_clauses(user), filters, NEWEST_ORDER if sort == "newest" else DUE_ORDER)


def institution_choices(user) -> list[tuple[int, str]]:
    """The institutions a county's staff may filter their cases by: those serving their county (no ids typed)."""
    from referral.extensions import db
    from referral.registries.models import Institution, InstitutionServiceArea

    if not user.division_code or len(user.division_code) != 6:
        return []
    return db.session.execute(select(Institution.id, Institution.name).where(Institution.id.in_(
        select(InstitutionServiceArea.institution_id).where(InstitutionServiceArea.division_code == user.division_code)))
        .order_by(Institution.name)).all()


def case_parts(case_ids: list[int]) -> dict[int, dict[str, list]]:
    """The assessments, agreements and follow-ups of these cases, with their ids (the API's case JSON lists
    them: a document of one of them is asked for by ``?assessment_id=``), in three queries for any number."""
    from referral.cases.models import Agreement, Assessment, FollowUp
    from referral.extensions import db
    from referral.registries.models import Talent

    parts: dict[int, dict[str, list]] = {cid: {"assessments": [], "agreements": [], "follow_ups": []}
                                         for cid in case_ids}
    if not case_ids:
        return parts
    assessments = db.session.scalars(select(Assessment).where(Assessment.case_id.in_(case_ids))
                                     .order_by(Assessment.assessed_at, Assessment.id)).all()
    assessor_ids = {link.talent_id for a in assessments for link in a.assessor_links}
    names = dict(db.session.execute(select(Talent.id, Talent.name).where(Talent.id.in_(assessor_ids))).all()) \
        if assessor_ids else {}
    for a in assessments:
        parts[a.case_id]["assessments"].append({
            "id": a.id, "kind": str(a.kind), "assessed_at": a.assessed_at.isoformat(), "risk_grade": a.risk_grade,
            "result": a.result, "next_review_date": a.next_review_date.isoformat() if a.next_review_date else None,
            "place": a.place, "assessors": [{"id": link.talent_id, "name": names.get(link.talent_id, "")}
                                            for link in sorted(a.assessor_links, key=lambda x: x.talent_id)],
            **{key: (a.domains or {}).get(key) for key in ASSESSMENT_DOMAINS},
            "sdss": a.sdss, "psp": a.psp, "gaf": a.gaf, "adl": a.adl,
            "recommended_items": list(a.recommended_items or []), "plan": a.plan})
    for g in db.session.scalars(select(Agreement).where(Agreement.case_id.in_(case_ids)).order_by(Agreement.id)):
        parts[g.case_id]["agreements"].append({
            "id": g.id, "start_date": g.start_date.isoformat(), "end_date": g.end_date.isoformat(),
            "service_items": list(g.service_items or []), "form": g.form, "form_other": g.form_other,
            "place": g.place, "frequency": g.frequency,
            "fee_amount": float(g.fee_amount) if g.fee_amount is not None else None, "fee_payer": g.fee_payer,
            "signer_name": g.signer_name, "signer_relation": g.signer_relation,
            "representative_name": g.representative_name})
    for f in db.session.scalars(select(FollowUp).where(FollowUp.case_id.in_(case_ids))
                                .order_by(FollowUp.due_date, FollowUp.id)):
        parts[f.case_id]["follow_ups"].append({
            "id": f.id, "due_date": f.due_date.isoformat(), "done": f.done_at is not None,
            "done_at": f.done_at.isoformat() if f.done_at else None, "method": f.method,
            "unreachable": f.unreachable, "lost_reason": f.lost_reason, "contact_person": f.contact_person,
            "contact_relation": f.contact_relation, "condition": f.condition, "relapsed": f.relapsed,
            "readmitted": f.readmitted, "satisfaction": f.satisfaction, "next_step": f.next_step,
            "needs_service_again": f.needs_service_again, "note": f.note})
    return parts


def assessor_choices(institution_id: int | None) -> list[tuple[int, str]]:
    """The talent entries who may be named as an assessment's assessors: listed, working at the serving
    institution (by name on the page; the API names them by id)."""
    from referral.extensions import db
    from referral.registries.models import Talent, TalentEmployment
    from workflows.approval import ApprovalState

    if institution_id is None:
        return []
    rows = db.session.execute(select(Talent.id, Talent.name).join(
        TalentEmployment, TalentEmployment.talent_id == Talent.id).where(
        TalentEmployment.institution_id == institution_id, Talent.state == ApprovalState.LISTED)
        .order_by(Talent.name, Talent.id)).all()
    return [(row.id, row.name) for row in rows]


def latest_recommended_items(case: Case) -> list[str]:
    """The service items the latest assessment recommends: what an agreement offers by default."""
    from referral.cases.models import Assessment
    from referral.extensions import db

    return list(db.session.scalar(select(Assessment.recommended_items).where(Assessment.case_id == case.id)
                                  .order_by(Assessment.assessed_at.desc(), Assessment.id.desc()).limit(1)) or [])


def return_reason(case: Case) -> str | None:
    """Why the application was returned (the last ``return`` event's reason), while it is returned."""
    if case.state != CaseState.RETURNED:
        return None
    from referral.extensions import db

    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.event == "return")
                              .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(1))
    return (event.summary or {}).get("reason") if event is not None else None
