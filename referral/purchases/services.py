"""Purchase statements (docs/domain.md#purchase-of-services): issue, answer, export. Flush, never commit."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from referral.audit.services import record
from referral.calendar import today_in_china
from referral.errors import NotPermitted, ValidationFailed, refusal_error
from referral.extensions import db
from referral.models import utcnow
from referral.purchases.exports import statement_workbook
from referral.purchases.models import PurchaseStatement
from referral.purchases.policies import can_export_statement, can_issue_statement, statement_party
from referral.purchases.queries import month_bounds, month_of, service_volume
from workflows.engine import ActionRefused
from workflows.purchase import ANSWER_EVENTS, PurchaseState, fire_purchase


def _totals(figures: dict) -> dict:
    """What the audit entry keeps of the figures (the statement row keeps them all)."""
    return {k: figures[k] for k in ("people_served", "sessions", "hours", "new_cases", "closed_cases")}


def issue_statement(institution, *, actor, month: str) -> PurchaseStatement:
    """Issue the statement of ``month`` (a past month) for ``institution``: compute the figures now and freeze
    them. A statement of that month already in force is superseded first (kept, marked), unless the institution
    has confirmed it: a confirmed statement is what the county pays against (409)."""
    if not can_issue_statement(actor, institution):
        raise NotPermitted(_("只有机构所在县的县级民政可以出具结算单。"))
    try:
        first, _last = month_bounds(month)
    except ValueError as exc:
        raise ValidationFailed(fields={"month": [_("请选择月份（YYYY-MM）。")]}) from exc
    if month >= month_of(today_in_china()) or first.year < 2000:
        raise ValidationFailed(fields={"month": [_("只能为已结束的月份出具结算单。")]})
    current = db.session.scalar(select(PurchaseStatement).where(
        PurchaseStatement.institution_id == institution.id, PurchaseStatement.month == month,
        PurchaseStatement.state != PurchaseState.SUPERSEDED))
    if current is not None:
        try:
            fire_purchase(current, "supersede", statement_party(actor, current))
        except ActionRefused as exc:
            raise refusal_error(exc) from exc
        current.superseded_at = utcnow()
        db.session.flush()  # the old version leaves "in force" before the new one enters it (unique index)
    revision = (db.session.scalar(select(func.max(PurchaseStatement.revision)).where(
        PurchaseStatement.institution_id == institution.id, PurchaseStatement.month == month)) or 0) + 1
    figures = service_volume(institution.id, month)
    statement = PurchaseStatement(institution_id=institution.id, division_code=institution.division_code,
                                  month=month, revision=revision, figures=figures, issued_by_id=actor.id)
    db.session.add(statement)
    db.session.flush()
    if current is not None:
        record("purchase.supersede", "purchase_statement", current.id, actor=actor,
               division_code=current.division_code, before={"state": str(current.state)}, month=month,
               revision=current.revision, superseded_by=statement.id)
    record("purchase.issue", "purchase_statement", statement.id, actor=actor, division_code=statement.division_code,
           institution_id=institution.id, month=month, revision=revision, supersedes=getattr(current, "id", None),
           **_totals(figures))
    db.session.flush()
    return statement


def answer_statement(statement: PurchaseStatement, *, actor, event: str, comment: str = "") -> PurchaseStatement:
    """The institution confirms the statement, or disputes it with a comment (the machine says who and what)."""
    if event not in ANSWER_EVENTS:
        raise ValidationFailed(fields={"event": [_("未知事件：%(e)s", e=event)]})
    comment = (comment or "").strip()
    try:
        fired = fire_purchase(statement, event, statement_party(actor, statement), comment=comment)
    except ActionRefused as exc:
        raise refusal_error(exc) from exc
    statement.answered_by_id, statement.answered_at, statement.comment = actor.id, utcnow(), comment
    record(f"purchase.{event}", "purchase_statement", statement.id, actor=actor,
           division_code=statement.division_code, before={"state": str(fired.source)},
           after={"state": str(fired.dest)}, month=statement.month, revision=statement.revision, comment=comment)
    db.session.flush()
    return statement


def export_statement(statement: PurchaseStatement, *, actor, reason: str) -> bytes:
    """The statement as an XLSX workbook, from its frozen figures; the export and its reason are audited."""
    if not can_export_statement(actor, statement):
        raise NotPermitted()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("请填写导出理由。")]})
    content = statement_workbook(statement)
    record("purchase.export", "purchase_statement", statement.id, actor=actor,
           division_code=statement.division_code, month=statement.month, revision=statement.revision,
           format="xlsx", reason=reason)
    db.session.flush()
    return content
