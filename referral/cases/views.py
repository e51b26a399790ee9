"""Staff pages of the referral case: my tasks (overdue first), the case page with its seven-step
progress, clock, history and the actions the machine allows this user, and one form per event."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forms.cases import CLOSE_REASONS, DECLINE_REASONS, RESULTS, ApplicationForm, CaseEventForm, ServiceRecordForm
from forms.fields import options
from referral.auth.permissions import Permission, permission_required
from referral.cases import bp, services
from referral.cases.api import STAGES
from referral.cases.models import Agreement, Assessment, Case, FollowUp, Referral, ServiceRecord
from referral.cases.presenters import mask_phone
from referral.cases.queries import cases_visible_to, history_of, serves_case
from referral.documents.presenters import document_panel
from referral.errors import NotPermitted
from referral.extensions import db
from referral.registries.presenters import clock, mask_id_number
from referral.scoping import one_visible_or_404
from referral.web import paginate, run_form
from workflows.case import CASE_EVENTS, CaseState

STEPS = (_l("申请"), _l("初核登记"), _l("康复转介"), _l("综合评估"), _l("服务提供"), _l("阶段性评估"), _l("结案与回访"))
STEP_OF = {CaseState.APPLIED: 0, CaseState.RETURNED: 0, CaseState.NOT_REGISTERED: 0, CaseState.REGISTERED: 1,
           CaseState.REFERRED: 2, CaseState.ASSESSING: 3, CaseState.ASSESSED: 3, CaseState.IN_SERVICE: 4,
           CaseState.CLOSED: 6, CaseState.COMPLETED: 6}
EVENT_LABELS = {
    "register": _l("初核登记"), "return": _l("退回补正"), "resubmit": _l("重新提交"), "reject": _l("不予登记"),
    "refer": _l("康复转介"), "accept": _l("接收"), "decline": _l("不接收"), "assess": _l("综合评估"),
    "sign_agreement": _l("签订服务协议"), "review": _l("阶段性评估"), "transfer": _l("转出"), "close": _l("结案"),
    "follow_up": _l("回访"), "withdraw": _l("撤回申请"),
}
DANGEROUS = {"reject", "withdraw", "close", "transfer", "decline"}
# Reason and result codes as people read them (the labels the forms offer).
CODE_LABELS = dict(CLOSE_REASONS + DECLINE_REASONS + RESULTS)


def _case_or_404(case_id: int) -> Case:
    return one_visible_or_404(cases_visible_to(current_user).where(Case.id == case_id))


def _step(case: Case) -> int | None:
    if case.state == CaseState.WITHDRAWN:
        return None
    step = STEP_OF[case.state]
    if case.state == CaseState.IN_SERVICE and db.session.scalar(
            db.select(Assessment.id).where(Assessment.case_id == case.id, Assessment.kind == "staged").limit(1)):
        step = 5
    return step


def _required_fields(form: CaseEventForm, event: str, case: Case):
    """What each event needs (mirrors the machine's conditions), for the * on the labels."""
    a, g, f = form.assessment.form, form.agreement.form, form.follow_up.form
    return {
        "register": [form.verification], "return": [form.reason], "reject": [form.reason],
        "decline": [form.reason_code], "assess": [form.result, a.risk_grade], "review": [a.risk_grade],
        "sign_agreement": [g.start_date, g.end_date], "transfer": [form.reason], "withdraw": [form.reason],
        "close": [form.reason_code] + ([a.risk_grade] if case.state == CaseState.IN_SERVICE else []),
        "follow_up": [f.method],
    }.get(event, [])


@bp.get("/cases/")
@permission_required(Permission.VIEW_CASES)
def index():
    """我的待办: the cases this user can act on or follow, overdue first, then the nearest due date."""
    stmt = cases_visible_to(current_user)
    state = request.args.get("state", "")
    if state in {s.value for s in CaseState}:
        stmt = stmt.where(Case.state == state)
    pagination = paginate(stmt.order_by(Case.due_date.is_(None), Case.due_date, Case.id))
    return render_template("cases/index.html", pagination=pagination, state=state, states=list(CaseState),
                           clock=clock, stages=STAGES, serves=lambda c: serves_case(current_user, c))


@bp.route("/cases/new", methods=["GET", "POST"])
@permission_required(Permission.SUBMIT_APPLICATION)
def new():
    form = ApplicationForm()
    valid = form.validate_on_submit()
    if valid and not form.consent_given.data:
        form.consent_given.errors = [_("须经申请人或监护人知情同意。")]
        valid = False
    run = run_form(form, lambda: services.submit_application(actor=current_user, data=form.to_data()), valid=valid)
    if run.done:
        flash(_("已受理，受理号 %(r)s。", r=run.result.receipt_no), "success")
        return redirect(url_for("cases.detail", case_id=run.result.id))
    return render_template("cases/new.html", form=form), run.status


@bp.get("/cases/<int:case_id>")
@permission_required(Permission.VIEW_CASES)
def detail(case_id: int):
    case = _case_or_404(case_id)
    assessments = db.session.scalars(db.select(Assessment).where(Assessment.case_id == case.id)
                                     .order_by(Assessment.assessed_at)).all()
    latest_risk = assessments[-1].risk_grade if assessments else None
    return render_template(
        "cases/detail.html", case=case, clock=clock(case), steps=STEPS, step=_step(case), stages=STAGES,
        identity=not case.is_minor or serves_case(current_user, case),
        id_masked=mask_id_number(case.applicant_id_number), phone_masked=mask_phone(case.applicant_phone),
        history=db.session.scalars(history_of(case.id)).all(), assessments=assessments,
        referrals=db.session.scalars(db.select(Referral).where(Referral.case_id == case.id).order_by(Referral.id)).all(),
        agreements=db.session.scalars(db.select(Agreement).where(Agreement.case_id == case.id)).all(),
        follow_ups=db.session.scalars(db.select(FollowUp).where(FollowUp.case_id == case.id)
                                      .order_by(FollowUp.due_date)).all(),
        service_records=db.session.scalars(db.select(ServiceRecord).where(ServiceRecord.case_id == case.id)
                                           .order_by(ServiceRecord.date.desc()).limit(50)).all(),
        record_form=ServiceRecordForm() if case.state == CaseState.IN_SERVICE
        and services.case_party(current_user, case).institution_staff else None,
        actions=services.available_actions(current_user, case), labels=EVENT_LABELS, dangerous=DANGEROUS,
        codes=CODE_LABELS,
        risk_gate=latest_risk is not None and latest_risk >= services.RISK_GATE, latest_risk=latest_risk,
        can_reveal=services.case_party(current_user, case).referral_officer
        or services.case_party(current_user, case).institution_member,
        documents=document_panel(current_user, "case", case))


@bp.post("/cases/<int:case_id>/reveal")
@permission_required(Permission.VIEW_CASES)
def reveal(case_id: int):
    case = _case_or_404(case_id)
    run = run_form(None, lambda: services.reveal_identity(case, actor=current_user,
                                                          reason=request.form.get("reason", "")),
                   flash_errors=True)
    if not run.done:
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/reveal.html", case=case)


@bp.route("/cases/<int:case_id>/events/<event>", methods=["GET", "POST"])
@permission_required(Permission.VIEW_CASES)
def event(case_id: int, event: str):
    case = _case_or_404(case_id)
    if event not in CASE_EVENTS:
        abort(404)
    form = CaseEventForm()
    eligible = db.session.scalars(services.eligible_institutions(case)).all() if event == "refer" else []
    if request.method == "GET" and event == "close" and case.state == CaseState.REGISTERED:
        form.reason_code.data = "medical_referral" if request.args.get("medical") else None
    run = run_form(form, lambda: services.advance_case(case, actor=current_user, event=event,
                                                       **form.to_event_data()))
    if run.done:
        flash(_("已完成：%(e)s", e=EVENT_LABELS[event]), "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    if request.method == "GET" and event not in services.available_actions(current_user, case):
        # Say why rather than show a form that can only fail: 403 wrong person, 409 wrong state.
        if (error := services.dry_run(case, actor=current_user, event=event)) is not None:
            raise error
    reason_codes = {"decline": "decline", "close": "close"}.get(event)
    if reason_codes:
        from forms.cases import CLOSE_REASONS, DECLINE_REASONS

        pairs = DECLINE_REASONS if event == "decline" else CLOSE_REASONS
        if event == "close" and case.state == CaseState.REGISTERED:
            from workflows.case import EARLY_CLOSE_REASONS

            pairs = [p for p in CLOSE_REASONS if p[0] in EARLY_CLOSE_REASONS]
        form.reason_code.choices = options([("", "—")] + pairs)
    for field in _required_fields(form, event, case):
        field.flags.required = True  # the machine requires these; the label says so up front
    return render_template("cases/event.html", case=case, event=event, label=EVENT_LABELS[event], form=form,
                           eligible=eligible, dangerous=event in DANGEROUS, risk_gate=services.RISK_GATE), run.status


@bp.post("/cases/<int:case_id>/service-records")
@permission_required(Permission.VIEW_CASES)
def add_service_record(case_id: int):
    case = _case_or_404(case_id)
    if not services.case_party(current_user, case).institution_staff:
        raise NotPermitted(_("只有承接机构的服务人员可以记录服务。"))
    form = ServiceRecordForm()
    if run_form(form, lambda: services.add_service_record(case, actor=current_user, day=form.date.data,
                                                          item=form.item.data, minutes=form.minutes.data,
                                                          note=form.note.data or ""), flash_errors=True).done:
        flash(_("已记录服务。"), "success")
    return redirect(url_for("cases.detail", case_id=case.id) + "#records")
