"""Read side of the purchase statements: who sees which, and the month's service volume of one institution,
computed in the database (docs/architecture.md#background-work-and-figures: one query module, plain rows).

The attribution rule (docs/domain.md#purchase-of-services): a service record carries its case, not the
institution, so it belongs to the institution of the case's referral that was accepted most recently on or
before the record's date (China time). A case is with one institution at a time, and a record can only be made
while the case is in service there, so that referral is the one serving the case on that day."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Date, distinct, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import FunctionElement

from referral.calendar import CHINA_TZ, today_in_china
from referral.cases.models import Agreement, Case, Referral, ReferralStatus, ServiceRecord
from referral.extensions import db
from referral.purchases.models import PurchaseStatement
from referral.registries.models import Institution
from referral.scoping import scope_of
from referral.service_items import SERVICE_ITEMS
from workflows.approval import ApprovalState

# Institutions a county can owe for: those that have been in the registry (a removed one is still paid for
# the months it served).
PAYABLE_STATES = (ApprovalState.LISTED, ApprovalState.SUSPENDED, ApprovalState.REMOVAL_PENDING,
                  ApprovalState.REMOVED, ApprovalState.WITHDRAWN)


class china_date(FunctionElement):  # noqa: N801  (reads as the SQL function it stands for)
    """The date in China of a stored UTC moment, in SQL. China keeps UTC+8 all year (no summer time)."""

    type = Date()
    inherit_cache = True


@compiles(china_date)
def _china_date_sqlite(element, compiler, **kw):  # SQLite keeps naive UTC text (referral/models.py: UTCDateTime)
    return "date(%s, '+8 hours')" % compiler.process(element.clauses, **kw)


@compiles(china_date, "postgresql")
def _china_date_postgresql(element, compiler, **kw):
    return "CAST((%s AT TIME ZONE 'Asia/Shanghai') AS DATE)" % compiler.process(element.clauses, **kw)


def statements_visible_to(user):
    """County, city and province officials: the statements of their area; institution members: their own."""
    scope = scope_of(user)
    return select(PurchaseStatement).where(or_(scope.division_clause(PurchaseStatement.division_code),
                                               scope.institution_clause(PurchaseStatement.institution_id)))


def payable_institutions(division_code: str):
    """The institutions of a county a statement may be issued for (the issue form's choices)."""
    return (select(Institution).where(Institution.division_code == division_code,
                                      Institution.state.in_(PAYABLE_STATES)).order_by(Institution.name))


# --- months ----------------------------------------------------------------------------------------------

def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of ``YYYY-MM``; ValueError if it is not a month."""
    year, _dash, number = month.partition("-")
    if len(month) != 7 or not year.isdigit() or not number.isdigit():
        raise ValueError(month)
    first = date(int(year), int(number), 1)
    return first, first.replace(day=monthrange(first.year, first.month)[1])


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def past_months(count: int, today: date | None = None) -> list[str]:
    """The ``count`` months before the current one (China time), newest first: the months one may issue for."""
    day = (today or today_in_china()).replace(day=1)
    out = []
    for _i in range(count):
        day = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        out.append(month_of(day))
    return out


def _china_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CHINA_TZ)


# --- the figures -----------------------------------------------------------------------------------------

def serving_institution():
    """SQL, per service record: the institution of the case's referral accepted most recently on or before the
    record's date (the module's rule). Declined referrals never served; a referral ended while pending was
    never accepted (no ``responded_at``)."""
    ref = aliased(Referral)
    return (select(ref.institution_id)
            .where(ref.case_id == ServiceRecord.case_id, ref.responded_at.is_not(None),
                   ref.status != ReferralStatus.DECLINED, china_date(ref.responded_at) <= ServiceRecord.date)
            .order_by(ref.responded_at.desc(), ref.id.desc()).limit(1)
            .correlate(ServiceRecord).scalar_subquery())


def hours(minutes: int) -> str:
    """Minutes as hours with two decimals, rounded half up: a string, so JSON keeps it exact."""
    return str((Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def service_volume(institution_id: int, month: str) -> dict:
    """The month's figures of one institution (plain data, as frozen into a statement):
    people served (distinct cases with at least one record), sessions, minutes and hours by service item (every
    item of docs/domain.md#assessment-and-service-items, zeros included, then any other item recorded), new cases
    (service agreements signed in the month) and closed cases (closed in the month after service)."""
    first, last = month_bounds(month)
    start, end = _china_midnight(first), _china_midnight(last + timedelta(days=1))
    in_month = (ServiceRecord.date.between(first, last), serving_institution() == institution_id)
    rows = db.session.execute(
        select(ServiceRecord.item, func.count(ServiceRecord.id), func.sum(ServiceRecord.minutes),
               func.count(distinct(ServiceRecord.case_id)))
        .where(*in_month).group_by(ServiceRecord.item)).all()
    people = db.session.scalar(select(func.count(distinct(ServiceRecord.case_id))).where(*in_month)) or 0
    new_cases = db.session.scalar(select(func.count(distinct(Agreement.case_id))).where(
        Agreement.institution_id == institution_id, Agreement.signed_at >= start, Agreement.signed_at < end)) or 0
    # A closed case keeps its institution (it does the follow-ups), so the case row says who closed it.
    closed_cases = db.session.scalar(select(func.count(Case.id)).where(
        Case.institution_id == institution_id, Case.closed_before_service.is_(False),
        Case.closed_at >= start, Case.closed_at < end)) or 0
    by_item = {item: (int(n), int(m or 0), int(p)) for item, n, m, p in rows}
    items = []
    for item in (*SERVICE_ITEMS, *sorted(set(by_item) - set(SERVICE_ITEMS))):
        sessions, minutes, served = by_item.get(item, (0, 0, 0))
        items.append({"item": item, "sessions": sessions, "minutes": minutes, "hours": hours(minutes),
                      "people": served})
    total_minutes = sum(i["minutes"] for i in items)
    return {"month": month, "people_served": people, "sessions": sum(i["sessions"] for i in items),
            "minutes": total_minutes, "hours": hours(total_minutes), "new_cases": new_cases,
            "closed_cases": closed_cases, "items": items}

