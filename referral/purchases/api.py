"""/api/v1/purchases (docs/domain.md#purchase-of-services)."""

from __future__ import annotations

from flask_babel import gettext as _

from forms.purchases import ApiIssueStatementForm, ApiStatementEventForm, ApiStatementListQuery
from referral.api.spec import operation
from referral.auth.permissions import Permission
from referral.errors import NotPermitted
from referral.extensions import db
from referral.purchases import services
from referral.purchases.models import PurchaseStatement
from referral.purchases.policies import can_issue_statement
from referral.purchases.presenters import STATEMENT_SCHEMA, statement_json
from referral.purchases.queries import statements_visible_to
from referral.registries.models import Institution
from referral.registries.queries import institutions_visible_to
from referral.scoping import one_visible_or_404

PAGE_SCHEMA = {"type": "object", "required": ["items", "page", "per_page", "total"],
               "properties": {"items": {"type": "array", "items": STATEMENT_SCHEMA}, "page": {"type": "integer"},
                              "per_page": {"type": "integer"}, "total": {"type": "integer"}}}


def _statement_or_404(user, statement_id):
    return one_visible_or_404(statements_visible_to(user).where(PurchaseStatement.id == statement_id))


@operation("/purchases", "GET", summary="管辖范围内的服务量结算单（按月份、机构筛选；含已重新出具的旧版本）", tag="purchases",
           query=ApiStatementListQuery, permission=Permission.VIEW_PURCHASES,
           responses={200: ("结算单列表", PAGE_SCHEMA)})
def list_statements(user, query):
    stmt = statements_visible_to(user)
    if query.month.data:
        stmt = stmt.where(PurchaseStatement.month == query.month.data)
    if query.institution_id.data:
        stmt = stmt.where(PurchaseStatement.institution_id == query.institution_id.data)
    page = db.paginate(stmt.order_by(PurchaseStatement.month.desc(), PurchaseStatement.institution_id,
                                     PurchaseStatement.revision.desc()),
                       page=query.page.data or 1, per_page=query.per_page.data or 25, error_out=False,
                       max_per_page=100)
    return {"items": [statement_json(s) for s in page.items], "page": page.page, "per_page": page.per_page,
            "total": page.total}


@operation("/purchases/<int:statement_id>", "GET", summary="一份服务量结算单（出具时固定的数字）", tag="purchases",
           permission=Permission.VIEW_PURCHASES, responses={200: ("结算单", STATEMENT_SCHEMA)}, errors=(404,))
def get_statement(user, statement_id):
    return statement_json(_statement_or_404(user, statement_id))


@operation("/purchases", "POST", summary="县级民政为本县机构出具某一已结束月份的结算单；该月已有未确认的结算单时重新出具（旧版本保留）",
           tag="purchases", body=ApiIssueStatementForm, permission=Permission.ISSUE_PURCHASES,
           responses={201: ("已出具", STATEMENT_SCHEMA)}, errors=(403, 404, 409))
def issue_statement(user, data):
    institution = one_visible_or_404(institutions_visible_to(user).where(Institution.id == data.institution_id.data))
    if not can_issue_statement(user, institution):
        raise NotPermitted(_("只有机构所在县的县级民政可以出具结算单。"))
    return statement_json(services.issue_statement(institution, actor=user, month=data.month.data)), 201


@operation("/purchases/<int:statement_id>/events", "POST", summary="机构确认（confirm）或提出异议（dispute，须填 comment）",
           tag="purchases", body=ApiStatementEventForm, permission=Permission.VIEW_PURCHASES,
           description="- `confirm`: —\n- `dispute`: `comment`",
           responses={200: ("答复后的结算单", STATEMENT_SCHEMA)}, errors=(403, 404, 409))
def statement_event(user, statement_id, data):
    statement = _statement_or_404(user, statement_id)
    services.answer_statement(statement, actor=user, event=data.event.data, comment=data.comment.data or "")
    return statement_json(statement)
