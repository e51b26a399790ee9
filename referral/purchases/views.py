"""Pages of 服务结算: the list, a statement with its figures and the institution's answer, the county's issue
form, the XLSX export. Each write: load (scoped) → authorise → ``run_form`` → respond
(docs/architecture.md#request-path)."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.purchases import AnswerStatementForm, ExportStatementForm, IssueStatementForm, StatementListQuery
from referral.auth.permissions import Permission, permission_required
from referral.extensions import db
from referral.purchases import bp, services
from referral.purchases.models import PurchaseStatement
from referral.purchases.policies import can_export_statement, statement_party
from referral.purchases.queries import past_months, payable_institutions, statements_visible_to
from referral.registries.models import Institution
from referral.registries.queries import institutions_visible_to
from referral.scoping import one_visible_or_404
from referral.web import paginate, run_form
from workflows.purchase import ANSWER_EVENTS, PurchaseState, purchase_actions

ISSUABLE_MONTHS = 36  # how far back a county may issue or re-issue (three budget years)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _statement_or_404(statement_id: int) -> PurchaseStatement:
    return one_visible_or_404(statements_visible_to(current_user).where(PurchaseStatement.id == statement_id))


@bp.get("/purchases/")
@permission_required(Permission.VIEW_PURCHASES)
def index():
    visible = statements_visible_to(current_user)
    months = db.session.scalars(visible.with_only_columns(PurchaseStatement.month).distinct()
                                .order_by(PurchaseStatement.month.desc())).all()
    institutions = db.session.scalars(
        institutions_visible_to(current_user).where(Institution.id.in_(
            visible.with_only_columns(PurchaseStatement.institution_id))).order_by(Institution.name)).all()
    query = StatementListQuery(request.args).with_choices(months, institutions)
    stmt = visible
    if query.validate():
        if query.month.data:
            stmt = stmt.where(PurchaseStatement.month == query.month.data)
        if query.institution.data:
            stmt = stmt.where(PurchaseStatement.institution_id == int(query.institution.data))
    pagination = paginate(stmt.order_by(PurchaseStatement.month.desc(), PurchaseStatement.institution_id,
                                        PurchaseStatement.revision.desc()))
    return render_template("purchases/index.html", query=query, pagination=pagination,
                           can_issue=current_user.has_permission(Permission.ISSUE_PURCHASES))


def _issue_form() -> IssueStatementForm:
    institutions = db.session.scalars(payable_institutions(current_user.division_code or "")).all()
    return IssueStatementForm().with_choices(past_months(ISSUABLE_MONTHS), institutions)


@bp.route("/purchases/issue", methods=["GET", "POST"])
@permission_required(Permission.ISSUE_PURCHASES)
def issue():
    form = _issue_form()
    if request.method == "GET":
        form.month.data = form.month.data or request.args.get("month")
        form.institution_id.data = form.institution_id.data or request.args.get("institution_id", type=int)
    valid = form.validate_on_submit()  # the choices are the county's own institutions and past months
    institution = db.session.get(Institution, form.institution_id.data) if valid else None
    run = run_form(form, lambda: services.issue_statement(institution, actor=current_user, month=form.month.data),
                   valid=valid)
    if run.done:
        flash(_("已出具 %(m)s 的服务量结算单（第 %(r)d 版）。", m=run.result.month, r=run.result.revision), "success")
        return redirect(url_for("purchases.detail", statement_id=run.result.id))
    return render_template("purchases/issue.html", form=form), run.status


def _detail(statement, *, answer_form=None, export_form=None, status=200):
    history = db.session.scalars(db.select(PurchaseStatement).where(
        PurchaseStatement.institution_id == statement.institution_id, PurchaseStatement.month == statement.month)
        .order_by(PurchaseStatement.revision.desc())).all()
    actions = purchase_actions(statement, statement_party(current_user, statement))
    return render_template("purchases/detail.html", statement=statement, history=history,
                           answer_form=answer_form or AnswerStatementForm(),
                           export_form=export_form or ExportStatementForm(),
                           can_answer=any(a in ANSWER_EVENTS for a in actions), can_reissue="supersede" in actions,
                           can_export=can_export_statement(current_user, statement),
                           superseded=statement.state == PurchaseState.SUPERSEDED), status


@bp.get("/purchases/<int:statement_id>")
@permission_required(Permission.VIEW_PURCHASES)
def detail(statement_id: int):
    return _detail(_statement_or_404(statement_id))


@bp.post("/purchases/<int:statement_id>/events/<event>")
@permission_required(Permission.ANSWER_PURCHASES)
def answer(statement_id: int, event: str):
    statement = _statement_or_404(statement_id)
    if event not in ANSWER_EVENTS:
        abort(404)
    form = AnswerStatementForm()
    run = run_form(form, lambda: services.answer_statement(statement, actor=current_user, event=event,
                                                           comment=form.comment.data or ""))
    if run.done:
        flash(_("已确认结算单。") if event == "confirm" else _("已提出异议，县级民政将核实。"), "success")
        return redirect(url_for("purchases.detail", statement_id=statement.id))
    return _detail(statement, answer_form=form, status=run.status)


@bp.post("/purchases/<int:statement_id>/export")
@permission_required(Permission.VIEW_PURCHASES)
def export(statement_id: int):
    statement = _statement_or_404(statement_id)
    form = ExportStatementForm()
    run = run_form(form, lambda: services.export_statement(statement, actor=current_user, reason=form.reason.data))
    if not run.done:
        return _detail(statement, export_form=form, status=run.status)
    name = f"服务量结算单-{statement.month}-{statement.institution_id}-v{statement.revision}.xlsx"
    return send_file(io.BytesIO(run.result), mimetype=XLSX, as_attachment=True, download_name=name)
