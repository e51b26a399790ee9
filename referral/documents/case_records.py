"""Plain-data snapshots of T5 康复评估表 (one assessment: comprehensive, staged or closing) and T6 回访记录表
(one follow-up); docs/domain.md#documents, docs/domain.md#assessment-and-service-items, fields T5/T6 as inferred there. Same rules as ``context.py``: only
str/bool/int/list/dict, formatted for print, and a blank (paper) version with exactly the same keys.

Field labels and choices are those of the case forms (forms/cases.py: AssessmentForm, FollowUpForm, RESULTS,
METHODS, CLOSE_REASONS), rendered in Chinese whatever the reader's UI language: a standard document is a
Chinese form. Every value the platform holds fills its place (issue 12.7); the paper version and a value
not recorded print □ choices never ticked and blank lines, completed by hand."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from sqlalchemy import func, select

from forms.cases import AssessmentForm, FollowUpForm
from referral.auth.models import User
from referral.cases.models import (
    ABILITY_FIELDS,
    SOCIAL_FUNCTION_FIELDS,
    AbilityLevel,
    Assessment,
    AssessmentKind,
    Case,
    CaseEvent,
    FollowUp,
    FollowUpMethod,
    FollowUpNextStep,
    Insight,
    MedicationAdherence,
    Satisfaction,
)
from referral.documents.context import format_date, head, identity_from_id_number, options
from referral.extensions import db
from referral.registries.models import Institution, Talent, TalentCategory
from referral.service_items import SERVICE_ITEMS
from workflows.approval import ApprovalState
from workflows.case import AssessmentResult, CloseReason

ASSESSMENT = "assessment"
FOLLOW_UP = "follow_up"

# The three assessments of the procedure (docs/domain.md#assessment-and-service-items: assess, review, close), in the Measures' words.
KIND_LABELS = AssessmentKind.labels()
# The event of the case machine that makes each kind of assessment (one assessment per event).
KIND_EVENTS = {AssessmentKind.COMPREHENSIVE: "assess", AssessmentKind.STAGED: "review",
               AssessmentKind.CLOSING: "close"}
RISK_GRADES = tuple(f"{g}级" for g in range(6))
# Domains the assessment form does not record (docs/domain.md#assessment-and-service-items; 104号's three abilities): ticked by hand.
PLACES = ("机构内", "入户", "其他")
# The four scale totals docs/domain.md#assessment-and-service-items names, with the column that holds each (Assessment.sdss …).
SCALES = (("sdss", "社会功能缺陷筛选量表"), ("psp", "个人和社会功能量表"), ("gaf", "大体功能评定量表"),
          ("adl", "日常生活能力量表"))
# The assessment's free-text domains, in the order of the form (keys of Assessment.domains).
TEXT_DOMAINS = ("mental_state", "physical_health", "social_function", "family_support", "needs_wishes")
YES_NO = ("是", "否")
SATISFACTION = Satisfaction.labels()
NEXT_STEPS = FollowUpNextStep.labels()
REACHED = ("已联系上", "未能联系上（失访）")


def _zh(value) -> str:
    """A form label (a lazy string) in Chinese, whatever language the request asked for."""
    with force_locale("zh_CN"):
        return str(value)


def _user(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id is not None else None


def _profession(user: User | None) -> str:
    """The assessor's category in the talent registry (a listed entry of theirs), or "" if none."""
    if user is None:
        return ""
    category = db.session.scalar(select(Talent.category).where(Talent.user_id == user.id,
                                                               Talent.state == ApprovalState.LISTED)
                                 .order_by(Talent.id.desc()).limit(1))
    return TalentCategory.labels().get(str(category), "") if category is not None else ""


def _assessors(assessment: Assessment) -> tuple[str, str]:
    """(names, their categories) of the talent entries named as assessors; without any (an assessment
    recorded before issue 12), the user who recorded it and their category."""
    ids = [link.talent_id for link in assessment.assessor_links]
    if not ids:
        user = _user(assessment.assessed_by_id)
        return (user.name if user is not None else ""), _profession(user)
    rows = db.session.execute(select(Talent.name, Talent.category).where(Talent.id.in_(ids))
                              .order_by(Talent.name, Talent.id)).all()
    labels = TalentCategory.labels()
    return "、".join(r.name for r in rows), "、".join(dict.fromkeys(labels.get(str(r.category), "") for r in rows))


def _ratings(keys, labels: dict, domains: dict | None) -> list[dict]:
    level = AbilityLevel.labels()
    return [{"label": labels[key], "options": options(level.values(), {level.get((domains or {}).get(key) or "")})}
            for key in keys]


def _person(case: Case, *, contact: bool) -> dict:
    """Who the form is about. The contact details only where the form is used to reach the person (the
    follow-up), not on the assessment (最小必要)."""
    sex, birth_date = identity_from_id_number(case.applicant_id_number)
    person = {"name": case.applicant_name, "sex": sex, "birth_date": birth_date, "receipt_no": case.receipt_no}
    if contact:
        person |= {"phone": case.applicant_phone,
                   "division": case.division.full_name if case.division is not None else case.division_code,
                   "address": case.applicant_address, "guardian": case.guardian_name,
                   "guardian_relation": case.guardian_relation, "guardian_phone": case.guardian_phone}
    return person


def _blank_person(*, contact: bool) -> dict:
    keys = ["name", "sex", "birth_date", "receipt_no"]
    if contact:
        keys += ["phone", "division", "address", "guardian", "guardian_relation", "guardian_phone"]
    return dict.fromkeys(keys, "")


# --- T5 康复评估表 ------------------------------------------------------------------------------------------

def _assessment_labels() -> dict:
    form = AssessmentForm()
    return {field.short_name: _zh(field.label.text) for field in form}


def _event_of(assessment: Assessment) -> tuple[int, CaseEvent | None]:
    """(n, event): this is the n-th assessment of its kind in the case, made by the n-th event of that kind
    (assess / review / close from in_service; each makes exactly one assessment). The event's summary holds
    what the assessment row does not: the reason of an unsuitable result, the closure reason code."""
    n = db.session.scalar(select(func.count()).select_from(Assessment).where(
        Assessment.case_id == assessment.case_id, Assessment.kind == assessment.kind,
        Assessment.id <= assessment.id)) or 1
    stmt = select(CaseEvent).where(CaseEvent.case_id == assessment.case_id,
                                   CaseEvent.event == KIND_EVENTS[AssessmentKind(assessment.kind)])
    if assessment.kind == AssessmentKind.CLOSING:  # a close before service makes no assessment
        stmt = stmt.where(CaseEvent.from_state == "in_service")
    event = db.session.scalar(stmt.order_by(CaseEvent.at, CaseEvent.id).offset(n - 1).limit(1))
    return n, event


def _scales(assessment: Assessment | None, labels: dict) -> list[dict]:
    rows = []
    for key, name in SCALES:
        value = getattr(assessment, key) if assessment is not None else None
        rows.append({"key": key, "name": name, "label": labels[key], "score": "" if value is None else str(value)})
    return rows


def _follow_up_dates(case_id: int) -> str:
    days = db.session.scalars(select(FollowUp.due_date).where(FollowUp.case_id == case_id)
                              .order_by(FollowUp.due_date, FollowUp.id)).all()
    return "、".join(format_date(d) for d in days)


def assessment_context(assessment: Assessment, *, issued_on: date | None = None,
                       verification_code: str | None = None) -> dict:
    """T5 康复评估表 of one assessment: the header (who, which kind, when, by whom), the domains of
    docs/domain.md#assessment-and-service-items as recorded, the scale totals, and the conclusion of its kind — the result and its reason
    (comprehensive), the plan and the next review date (staged), the closure reason and the follow-ups
    scheduled (closing)."""
    case = db.session.get(Case, assessment.case_id)
    kind = AssessmentKind(assessment.kind)
    domains = dict(assessment.domains or {})
    n, event = _event_of(assessment)
    summary = (event.summary or {}) if event is not None else {}
    assessor, professions = _assessors(assessment)
    # The institution that assessed (the case may have left it since).
    institution = db.session.get(Institution, assessment.institution_id) if assessment.institution_id else None
    insight_labels, adherence_labels = Insight.labels(), MedicationAdherence.labels()
    result_labels, close_labels = AssessmentResult.labels(), CloseReason.labels()
    insight = insight_labels.get(domains.get("insight") or "", "")
    adherence = adherence_labels.get(domains.get("medication_adherence") or "", "")
    result = result_labels.get(assessment.result or "", "") if kind is AssessmentKind.COMPREHENSIVE else ""
    close_reason = close_labels.get(summary.get("reason_code") or "", "") if kind is AssessmentKind.CLOSING else ""
    reason = summary.get("reason") or ""
    labels = _assessment_labels()
    return {
        **head(ASSESSMENT, object_id=assessment.id, issued_on=issued_on, verification_code=verification_code),
        "labels": labels,
        "person": _person(case, contact=False),
        "kind": kind.value,
        "kind_options": options(KIND_LABELS.values(), {KIND_LABELS[kind]}),
        "round": str(n) if kind is AssessmentKind.STAGED else "",
        "assessed_on": format_date(assessment.assessed_at),
        "institution": institution.name if institution is not None else "",
        "assessor": assessor,
        "assessor_profession": professions,
        "place": assessment.place or "",
        "place_options": options(PLACES, {assessment.place}),
        "risk_grade": str(assessment.risk_grade),
        "risk_options": options(RISK_GRADES, {RISK_GRADES[assessment.risk_grade]}),
        "insight": insight,
        "insight_options": options(insight_labels.values(), {insight}),
        "medication": adherence,
        "medication_options": options(adherence_labels.values(), {adherence}),
        **{key: str(domains.get(key) or "") for key in TEXT_DOMAINS},
        "social_items": _ratings(SOCIAL_FUNCTION_FIELDS, labels, domains),
        "abilities": _ratings(ABILITY_FIELDS, labels, domains),
        "scales": _scales(assessment, labels),
        "result": result,
        "result_options": options(result_labels.values(), {result}),
        "close_reason": close_reason,
        "close_reason_options": options(close_labels.values(), {close_reason}),
        "reason": reason,
        "service_options": options(SERVICE_ITEMS, set(assessment.recommended_items or [])),
        "plan": assessment.plan or "",
        "next_review_date": format_date(assessment.next_review_date),
        "follow_up_dates": _follow_up_dates(case.id) if kind is AssessmentKind.CLOSING else "",
    }


def blank_assessment() -> dict:
    """The paper 康复评估表: the keys of :func:`assessment_context`, every field empty, every box unticked."""
    labels = _assessment_labels()
    return {
        **head(ASSESSMENT, blank=True),
        "labels": labels,
        "person": _blank_person(contact=False),
        "kind": "",
        "kind_options": options(KIND_LABELS.values()),
        "round": "",
        "assessed_on": "",
        "institution": "",
        "assessor": "",
        "assessor_profession": "",
        "place": "",
        "place_options": options(PLACES),
        "risk_grade": "",
        "risk_options": options(RISK_GRADES),
        "insight": "",
        "insight_options": options(Insight.labels().values()),
        "medication": "",
        "medication_options": options(MedicationAdherence.labels().values()),
        **{key: "" for key in TEXT_DOMAINS},
        "social_items": _ratings(SOCIAL_FUNCTION_FIELDS, labels, None),
        "abilities": _ratings(ABILITY_FIELDS, labels, None),
        "scales": _scales(None, labels),
        "result": "",
        "result_options": options(AssessmentResult.labels().values()),
        "close_reason": "",
        "close_reason_options": options(CloseReason.labels().values()),
        "reason": "",
        "service_options": options(SERVICE_ITEMS),
        "plan": "",
        "next_review_date": "",
        "follow_up_dates": "",
    }


# --- T6 回访记录表 ------------------------------------------------------------------------------------------

def _follow_up_labels() -> dict:
    return {field.short_name: _zh(field.label.text) for field in FollowUpForm()}


def _yes_no(value: bool | None) -> str:
    return "" if value is None else YES_NO[0] if value else YES_NO[1]


def follow_up_context(follow_up: FollowUp, *, issued_on: date | None = None,
                      verification_code: str | None = None) -> dict:
    """T6 回访记录表 of one follow-up: the person and the closure it follows, which follow-up this is (n of
    the m scheduled at closure), and what was recorded — date, method, person contacted, current
    situation, whether the person needs service again, notes, who followed up. A follow-up not done yet
    prints its due date and blank lines."""
    case = db.session.get(Case, follow_up.case_id)
    scheduled = db.session.scalars(select(FollowUp.id).where(FollowUp.case_id == case.id)
                                   .order_by(FollowUp.due_date, FollowUp.id)).all()
    recorder = _user(follow_up.recorded_by_id)
    unit = recorder.institution if recorder is not None and recorder.institution is not None else case.institution
    method_labels = FollowUpMethod.labels()
    method = method_labels.get(follow_up.method or "", "")
    done = follow_up.done_at is not None
    again = ("是" if follow_up.needs_service_again else "否") if done else ""
    reached = "" if not done else REACHED[1] if follow_up.unreachable else REACHED[0]
    satisfaction = SATISFACTION.get(follow_up.satisfaction or "", "")
    next_step = NEXT_STEPS.get(follow_up.next_step or "", "")
    relapsed, readmitted = _yes_no(follow_up.relapsed), _yes_no(follow_up.readmitted)
    close_reason = CloseReason.labels().get(case.close_reason_code or "", "")
    return {
        **head(FOLLOW_UP, object_id=follow_up.id, issued_on=issued_on, verification_code=verification_code),
        "labels": _follow_up_labels(),
        "person": _person(case, contact=True),
        "institution": unit.name if unit is not None else "",
        "closed_on": format_date(case.closed_at),
        "close_reason": close_reason,
        "close_reason_options": options(CloseReason.labels().values(), {close_reason}),
        "round": str(scheduled.index(follow_up.id) + 1) if follow_up.id in scheduled else "",
        "rounds": str(len(scheduled)) if scheduled else "",
        "due_date": format_date(follow_up.due_date),
        "date": format_date(follow_up.done_at),
        "method": method,
        "method_options": options(method_labels.values(), {method}),
        "reached": reached,
        "reached_options": options(REACHED, {reached}),
        "lost_reason": follow_up.lost_reason or "",
        "contact_person": follow_up.contact_person or "",
        "contact_relation": follow_up.contact_relation or "",
        "condition": follow_up.condition or "",
        "relapsed_options": options(YES_NO, {relapsed}),
        "readmitted_options": options(YES_NO, {readmitted}),
        "needs_service_again": again,
        "again_options": options(YES_NO, {again}),
        "satisfaction": satisfaction,
        "satisfaction_options": options(SATISFACTION.values(), {satisfaction}),
        "next_step": next_step,
        "next_step_options": options(NEXT_STEPS.values(), {next_step}),
        "note": follow_up.note or "",
        "recorder": recorder.name if recorder is not None and done else "",
    }


def blank_follow_up() -> dict:
    """The paper 回访记录表: the keys of :func:`follow_up_context`, every field empty, every box unticked."""
    return {
        **head(FOLLOW_UP, blank=True),
        "labels": _follow_up_labels(),
        "person": _blank_person(contact=True),
        "institution": "",
        "closed_on": "",
        "close_reason": "",
        "close_reason_options": options(CloseReason.labels().values()),
        "round": "",
        "rounds": "",
        "due_date": "",
        "date": "",
        "method": "",
        "method_options": options(FollowUpMethod.labels().values()),
        "reached": "",
        "reached_options": options(REACHED),
        "lost_reason": "",
        "contact_person": "",
        "contact_relation": "",
        "condition": "",
        "relapsed_options": options(YES_NO),
        "readmitted_options": options(YES_NO),
        "needs_service_again": "",
        "again_options": options(YES_NO),
        "satisfaction": "",
        "satisfaction_options": options(SATISFACTION.values()),
        "next_step": "",
        "next_step_options": options(NEXT_STEPS.values()),
        "note": "",
        "recorder": "",
    }
