"""Staff pages of the referral case: my tasks (overdue first), the case page with its seven-step
progress, clock, history and the actions the machine allows this user, and one form per event."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forms.cases import ApplicationForm, CaseEventForm, CaseListQuery, CasePersonForm, ServiceRecordForm
from forms.fields import coded, options
from referral.auth.models import institution_without_lists
from referral.auth.permissions import Permission, permission_required
from referral.cases import bp, policies, services
from referral.cases.api import STAGES
from referral.cases.eligibility import BASELINE, groups_served, profiles
from referral.cases.models import Agreement, Assessment, Case, EligibilityGroup, FollowUp, Referral, ServiceRecord
from referral.cases.presenters import mask_phone, person_rows
from referral.cases.queries import (
    assessor_choices,
    cases_visible_to,
    eligible_for_referral,
    history_of,
    institution_choices,
    latest_recommended_items,
    return_reason,
    search_cases,
)
from referral.errors import NotPermitted
from referral.extensions import db
from referral.guards import MAX_INT
from referral.registries.presenters import clock, mask_id_number
from referral.scoping import one_visible_or_404
from referral.web import run_form
from workflows.case import (
    CASE_EVENT_LABELS,
    CASE_EVENTS,
    EARLY_CLOSE_REASONS,
    AssessmentResult,
    CaseFlow,
    CaseState,
    CloseReason,
    DeclineReason,
)
from workflows.engine import required_fields

STEPS = (_l("申请"), _l("初核登记"), _l("康复转介"), _l("综合评估"), _l("服务提供"), _l("阶段性评估"), _l("结案与回访"))
STEP_OF = {CaseState.APPLIED: 0, CaseState.RETURNED: 0, CaseState.NOT_REGISTERED: 0, CaseState.REGISTERED: 1,
           CaseState.REFERRED: 2, CaseState.ASSESSING: 3, CaseState.ASSESSED: 3, CaseState.IN_SERVICE: 4,
           CaseState.CLOSED: 6, CaseState.COMPLETED: 6}
EVENT_LABELS = {event: _l(label) for event, label in CASE_EVENT_LABELS.items()}
DANGEROUS = {"reject", "withdraw", "close", "transfer", "decline"}
# Reason and result codes as people read them.
CODE_LABELS = {m.value: _l(m.label) for m in (*CloseReason, *DeclineReason, *AssessmentResult)}


def _case_or_404(case_id: int) -> Case:
    return one_visible_or_404(cases_visible_to(current_user).where(Case.id == case_id))


def _step(case: Case, assessments: list[Assessment]) -> int | None:
    if case.state == CaseState.WITHDRAWN:
        return None
    step = STEP_OF[case.state]
    if case.state == CaseState.IN_SERVICE and any(a.kind == "staged" for a in assessments):
        step = 5
    return step


def _required_fields(form: CaseEventForm, event: str, case: Case):
    """What the machine's table says this event needs from this state, for the * on the labels."""
    return [field for key in required_fields(CaseFlow, event, case.state) for field in form.inputs_for(key)]


@bp.get("/cases/")
@permission_required(Permission.VIEW_CASES)
def index():
    """我的待办 and the case search: overdue first, then the nearest due date; every filter of CaseListQuery."""
    query = CaseListQuery(formdata=request.args)
    if not query.validate():
        return render_template("cases/index.html", query=query, pagination=None, institutions=[]), 422
    stmt = search_cases(current_user, q=query.q.data or "", state=query.state.data or "", clock=query.clock.data or "",
                        institution_id=query.institution.data, channel=query.channel.data or "",
                        minor=query.minor.data or "", sort=query.sort.data or "")
    page = min(max(query.page.data or 1, 1), MAX_INT // 1000)
    return render_template("cases/index.html", query=query,
                           pagination=stmt.page(page, current_app.config["PAGE_SIZE"]),
                           institutions=institution_choices(current_user), clock=clock, stages=STAGES,
                           identity=lambda c: policies.can_see_identity(current_user, c))


@bp.route("/cases/new", methods=["GET", "POST"])
@permission_required(Permission.SUBMIT_APPLICATION)
def new():
    form = ApplicationForm()
    run = run_form(form, lambda: services.submit_application(actor=current_user, data=form.to_data()))
    if run.done:
        flash(_("已受理，受理号 %(r)s。", r=run.result.receipt_no), "success")
        return redirect(url_for("cases.detail", case_id=run.result.id))
    return render_template("cases/new.html", form=form), run.status


@bp.get("/cases/<int:case_id>")
@permission_required(Permission.VIEW_CASES)
def detail(case_id: int):
    case = _case_or_404(case_id)
    assessments = db.session.scalars(db.select(Assessment).where(Assessment.case_id == case.id)
                                     .order_by(Assessment.assessed_at, Assessment.id)).all()
    latest_risk = assessments[-1].risk_grade if assessments else None
    person_ = services.person_of(case)
    return render_template(
        "cases/detail.html", case=case, clock=clock(case), steps=STEPS, step=_step(case, assessments), stages=STAGES,
        identity=policies.can_see_identity(current_user, case),
        id_masked=mask_id_number(case.applicant_id_number), phone_masked=mask_phone(case.applicant_phone),
        history=db.session.scalars(history_of(case.id)).all(), assessments=assessments,
        referrals=db.session.scalars(db.select(Referral).where(Referral.case_id == case.id).order_by(Referral.id)
                                     .options(institution_without_lists(Referral.institution))).all(),
        agreements=db.session.scalars(db.select(Agreement).where(Agreement.case_id == case.id)
                                      .order_by(Agreement.signed_at, Agreement.id)).all(),
        follow_ups=db.session.scalars(db.select(FollowUp).where(FollowUp.case_id == case.id)
                                      .order_by(FollowUp.due_date)).all(),
        service_records=db.session.scalars(db.select(ServiceRecord).where(ServiceRecord.case_id == case.id)
                                           .order_by(ServiceRecord.date.desc()).limit(50)).all(),
        record_form=ServiceRecordForm() if case.state == CaseState.IN_SERVICE
        and policies.can_record_service(current_user, case) else None,
        actions=services.available_actions(current_user, case), labels=EVENT_LABELS, dangerous=DANGEROUS,
        codes=CODE_LABELS,
        risk_gate=latest_risk is not None and latest_risk >= services.RISK_GATE, latest_risk=latest_risk,
        can_reveal=policies.can_reveal_identity(current_user, case),
        person=person_, person_rows=person_rows(person_),
        group_label=_(EligibilityGroup(case.eligibility_group).label) if case.eligibility_group else None,
        can_edit_person=policies.can_edit_person(current_user, case),
        can_see_health=policies.can_see_health_data(current_user, case),
    )


def _after_event(case: Case, event: str):
    """Land where the actor may still look: the case, or, when the event took it out of their sight (an
    institution that declines or transfers it), their list with the confirmation."""
    flash(_("已完成：%(e)s", e=EVENT_LABELS[event]), "success")
    if db.session.scalar(cases_visible_to(current_user).where(Case.id == case.id).with_only_columns(Case.id)):
        return redirect(url_for("cases.detail", case_id=case.id))
    flash(_("个案 %(r)s 已不在您的范围内，已回到个案列表。", r=case.receipt_no), "info")
    return redirect(url_for("cases.index"))


@bp.post("/cases/<int:case_id>/reveal")
@permission_required(Permission.VIEW_CASES)
def reveal(case_id: int):
    case = _case_or_404(case_id)
    run = run_form(None, lambda: services.reveal_identity(case, actor=current_user,
                                                          reason=request.form.get("reason", "")),
                   flash_errors=True)
    if not run.done:
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/reveal.html", case=case, person=services.person_of(case))


@bp.route("/cases/<int:case_id>/events/<event>", methods=["GET", "POST"])
@permission_required(Permission.VIEW_CASES)
def event(case_id: int, event: str):
    case = _case_or_404(case_id)
    if event not in CASE_EVENTS:
        abort(404)
    form = CaseEventForm()
    # The assessors are chosen by name from the serving institution's listed talent, never typed.
    form.assessment.form.assessors.choices = options(assessor_choices(case.institution_id))
    eligible = eligible_for_referral(case) if event == "refer" else []
    if request.method == "GET" and event == "close" and case.state == CaseState.REGISTERED:
        form.reason_code.data = "medical_referral" if request.args.get("medical") else None
    if request.method == "GET" and event == "sign_agreement":
        # The agreement offers what the latest assessment recommends, and the institution's legal
        # representative as the one who signs for it; both may be changed.
        agreement = form.agreement.form
        agreement.service_items.data = latest_recommended_items(case)
        agreement.representative_name.data = case.institution.legal_representative if case.institution else ""
    run = run_form(form, lambda: services.advance_case(case, actor=current_user, event=event,
                                                       **form.to_event_data()))
    if run.done:
        return _after_event(case, event)
    if request.method == "GET" and event not in services.available_actions(current_user, case):
        # Say why rather than show a form that can only fail: 403 wrong person, 409 wrong state.
        if (error := services.dry_run(case, actor=current_user, event=event)) is not None:
            raise error
    if event == "decline":
        form.reason_code.choices = coded(DeclineReason, blank="—")
    elif event == "close":
        form.reason_code.choices = coded(EARLY_CLOSE_REASONS if case.state == CaseState.REGISTERED else CloseReason,
                                         blank="—")
    for field in _required_fields(form, event, case):
        field.flags.required = True  # the machine requires these; the label says so up front
    return render_template("cases/event.html", case=case, event=event, label=EVENT_LABELS[event], form=form,
                           eligible=eligible, codes=CODE_LABELS, dangerous=event in DANGEROUS,
                           can_edit_person=policies.can_edit_person(current_user, case),
                           return_reason=return_reason(case) if event == "resubmit" else None,
                           risk_gate=services.RISK_GATE), run.status


@bp.post("/cases/<int:case_id>/service-records")
@permission_required(Permission.VIEW_CASES)
def add_service_record(case_id: int):
    case = _case_or_404(case_id)
    if not policies.can_record_service(current_user, case):
        raise NotPermitted(_("只有承接机构的服务人员可以记录服务。"))
    form = ServiceRecordForm()
    if run_form(form, lambda: services.add_service_record(case, actor=current_user, day=form.date.data,
                                                          item=form.item.data, minutes=form.minutes.data,
                                                          note=form.note.data or ""), flash_errors=True).done:
        flash(_("已记录服务。"), "success")
    return redirect(url_for("cases.detail", case_id=case.id) + "#records")


# --- the person's record (docs/domain.md#the-persons-record) -------------------------------------------------

@bp.route("/cases/<int:case_id>/person", methods=["GET", "POST"])
@permission_required(Permission.VIEW_CASES)
def person(case_id: int):
    """个人档案: the record and the eligibility group, asked at registration and assessment. The form shows the
    diagnosis and medications in full, so opening it is recorded as a reveal of them."""
    case = _case_or_404(case_id)
    if not policies.can_edit_person(current_user, case):
        raise NotPermitted(_("只有负责本个案的转介服务人员或承接机构的服务人员可以修改个人档案。"))
    if request.method == "GET":
        record_ = services.reveal_health(case, actor=current_user, reason=_("打开个人档案进行核实或修改"))
        db.session.commit()
        form = CasePersonForm(data={"person": _record_data(record_), "eligibility_group": case.eligibility_group})
    else:
        form = CasePersonForm()
    run = run_form(form, lambda: services.update_person(case, actor=current_user, data=form.to_data()))
    if run.done:
        flash(_("个人档案已保存。") if run.result else _("个人档案没有变化。"), "success")
        return redirect(url_for("cases.detail", case_id=case.id) + "#person-h")
    while len(form.person.form.medications) < len([m for m in form.person.form.medications
                                                   if not m.form.is_blank()]) + 2:
        form.person.form.medications.append_entry()  # spare rows to add a medicine, no JavaScript needed
    served = [_(g.label) for g in groups_served(current_app.config, case.division_code)]
    return render_template("cases/person.html", case=case, form=form, served=served), run.status


def _record_data(person) -> dict:
    """A stored record as the form's data (the API's names)."""
    if person is None:
        return {}
    return {"ethnicity": person.ethnicity, "marital_status": person.marital_status, "education": person.education,
            "employment": person.employment, "living_arrangement": person.living_arrangement,
            "diagnosis": {"icd10": person.diagnosis_icd10, "name": person.diagnosis_name
                          if person.diagnosis_icd10 == "other" else "", "diagnosed_on": person.diagnosed_on},
            "medications": list(person.medications or []),
            "disability_certificate": {"number": person.disability_certificate_number,
                                       "grade": person.disability_grade},
            "subsistence_allowance": person.subsistence_allowance, "medical_insurance": person.medical_insurance,
            "smd_registered": person.smd_registered}


@bp.post("/cases/<int:case_id>/reveal-health")
@permission_required(Permission.VIEW_CASES)
def reveal_health(case_id: int):
    case = _case_or_404(case_id)
    run = run_form(None, lambda: services.reveal_health(case, actor=current_user,
                                                        reason=request.form.get("reason", "")), flash_errors=True)
    if not run.done:
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/reveal_health.html", case=case, person=run.result)


@bp.get("/cases/eligibility-profiles")
@permission_required(Permission.VIEW_DIVISIONS)
def eligibility_profiles():
    """The groups each province serves (the ELIGIBILITY_PROFILES setting): for the sysadmin who keeps the
    settings and the officials whose provinces they are. No personal data."""
    from referral.divisions.models import Division, DivisionLevel

    provinces = db.session.scalars(db.select(Division).where(Division.level == DivisionLevel.PROVINCE)
                                   .order_by(Division.code)).all()
    own = profiles(current_app.config)
    rows = [(p, set(groups_served(current_app.config, p.code)), p.code in own) for p in provinces]
    return render_template("cases/eligibility_profiles.html", rows=rows,
                           groups=[(g, _(g.label)) for g in EligibilityGroup],
                           baseline="、".join(_(g.label) for g in BASELINE))
