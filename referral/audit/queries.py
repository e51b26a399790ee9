from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from referral.audit.models import AuditEntry
from referral.divisions.models import within
from referral.scoping import scope_of

CHINA = ZoneInfo("Asia/Shanghai")


def audit_entries_visible_to(user):
    """National roles read every entry; officials the entries about objects in their area."""
    scope = scope_of(user)
    return select(AuditEntry).where(scope.division_clause(AuditEntry.division_code))


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA).astimezone(UTC)


def filter_audit(stmt, *, division=None, action=None, actor=None, object_type=None, date_from=None, date_to=None):
    if division:
        stmt = stmt.where(within(AuditEntry.division_code, division))
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor:
        stmt = stmt.where(AuditEntry.actor_name == actor.strip().lower())
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if date_from:
        stmt = stmt.where(AuditEntry.at >= _day_start(date_from))
    if date_to:
        stmt = stmt.where(AuditEntry.at < _day_start(date_to + timedelta(days=1)))
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
