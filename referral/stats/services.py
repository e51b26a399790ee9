"""The one write of the statistics: an export, recorded in the audit log with its reason (docs/domain.md#statistics).
Flushes, never commits (the view or the API operation commits)."""

from __future__ import annotations

from flask_babel import gettext as _

from referral.audit.services import record
from referral.errors import NotPermitted, ValidationFailed
from referral.extensions import db
from referral.stats.exports import render
from referral.stats.tables import CASE_LEVEL_TABLES


def export_tables(tables, *, actor, area, fmt: str, table: str | None, reason: str, case_rows_allowed: bool) -> bytes:
    """The chosen table (or every table) of ``tables`` as ``fmt``; case-level tables only for the county's own
    users; audited with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("请填写导出理由。")]})
    if table in CASE_LEVEL_TABLES and not case_rows_allowed:
        raise NotPermitted(_("只有本县（市、区）的工作人员可以导出个案清单。"))
    chosen = [t for t in tables if table in (None, "", t.name)]
    if table and not chosen:
        raise ValidationFailed(fields={"table": [_("没有这个表。")]})
    if any(t.case_level for t in chosen) and not case_rows_allowed:
        if table:
            raise NotPermitted(_("只有本县（市、区）的工作人员可以导出个案清单。"))
        chosen = [t for t in chosen if not t.case_level]
    content = render(chosen, fmt)
    record("stats.export", "division", area.code, actor=actor, division_code=area.code, reason=reason,
           format=fmt, tables=[t.name for t in chosen])
    db.session.flush()
    return content
