"""Case services: applications from the three channels, and every event of the case machine with the
record it leaves (referral, assessment, agreement, follow-up). Flush, never commit."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from stdnum.cn import ric

from referral.audit.services import record
from referral.auth.permissions import Role
from referral.calendar import CHINA_TZ, add_working_days, deadlines_for, is_working_day, today_in_china
from referral.cases.codelists import ETHNIC_GROUPS, ICD10_F
from referral.cases.eligibility import ELSEWHERE, ELSEWHERE_DEFAULT, groups_served
from referral.cases.models import (
    OTHER_DIAGNOSIS,
    Agreement,
    Assessment,
    AssessmentAssessor,
    AssessmentKind,
    Case,
    CaseEvent,
    CasePerson,
    Channel,
    ConsentSigner,
    EligibilityGroup,
    FeePayer,
    FollowUp,
    FollowUpNextStep,
    Referral,
    ReferralStatus,
    Satisfaction,
    ServiceForm,
    ServiceRecord,
)
from referral.cases.policies import (
    can_edit_person,
    can_record_service,
    can_reveal_identity,
    can_see_health_data,
    case_party,
)
from referral.cases.queries import assessor_choices, latest_recommended_items
from referral.changes import changed as data_changed
from referral.divisions.models import Division, DivisionLevel
from referral.errors import Conflict, NotPermitted, ValidationFailed, refusal_error
from referral.extensions import db
from referral.id_hash import id_hash
from referral.models import utcnow
from referral.notifications import services as notifications
from referral.registries.models import Institution, InstitutionService, InstitutionServiceArea
from referral.service_items import SERVICE_ITEMS
from workflows import engine
from workflows.approval import ApprovalState
from workflows.case import FINAL_CASE_STATES, OPEN_CASE_STATES, CaseFacts, CaseFlow, CaseState, fire_case
from workflows.engine import ActionRefused
from workflows.referral import fire_referral

RISK_GATE = 3  # health-side risk grade from which the person needs medical care first
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
CHANNEL_OF_ROLE = {Role.MEDICAL_ASSISTER: Channel.MEDICAL, Role.COMMUNITY_ASSISTER: Channel.OTHER}

# The clock that runs in each state (docs/domain.md#deadlines), in working days from entering it.
STATE_CLOCKS = {CaseState.APPLIED: "application_to_registered", CaseState.REGISTERED: "registered_to_referred",
                CaseState.REFERRED: "referred_to_response", CaseState.ASSESSING: "accepted_to_assessed",
                CaseState.ASSESSED: "assessed_to_agreement"}

def new_receipt_no() -> str:
    return "JK" + "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))


def _deadlines(case: Case):
    return deadlines_for(current_app.config, case.division_code)


def is_minor(id_number: str, today: date | None = None) -> bool:
    birth = ric.get_birth_date(id_number)
    return birth + relativedelta(years=18) > (today or today_in_china())


# --- who and what -------------------------------------------------------------------------------------------

def eligible_institutions(case: Case):
    """Institutions a case may be referred to (docs/domain.md#referrals): listed (a suspended one is not),
    serving the applicant's county, offering at least one needed service, with a free place."""
    stmt = select(Institution).where(
        Institution.state == ApprovalState.LISTED, Institution.free_places > 0,
        exists().where(InstitutionServiceArea.institution_id == Institution.id,
                       InstitutionServiceArea.division_code == case.division_code))
    if case.service_types:
        stmt = stmt.where(exists().where(InstitutionService.institution_id == Institution.id,
                                         InstitutionService.service_type.in_(case.service_types)))
    return stmt.order_by(Institution.free_places.desc(), Institution.name)


def case_facts(case: Case, *, institution_id: int | None = None) -> CaseFacts:
    eligible = False
    if institution_id is not None:
        eligible = db.session.scalar(eligible_institutions(case).where(Institution.id == institution_id)) is not None
    left = db.session.scalar(select(func.count()).select_from(FollowUp).where(
        FollowUp.case_id == case.id, FollowUp.done_at.is_(None))) or 0
    return CaseFacts(institution_eligible=eligible, follow_ups_left=left,
                     closed_before_service=case.closed_before_service)


def dry_run(case: Case, *, actor, event: str):
    """The error ``advance_case`` would raise for this event (ignoring what the event's data would add), or
    None: the engine's ``dry_run``, so the case itself never changes."""
    refused = engine.dry_run(CaseFlow(case, case_party(actor, case), case_facts(case)), event)
    return None if refused is None else refusal_error(refused)


def available_actions(user, case: Case, *, applicant: bool = False) -> list[str]:
    return engine.available(CaseFlow(case, case_party(user, case, applicant=applicant), case_facts(case)))


# --- applications -------------------------------------------------------------------------------------------

def submit_application(*, actor, data: dict) -> Case:
    """提出申请 from any channel. The public (actor None) apply for themselves or as guardian; medical and
    community assisters apply on a patient's behalf; a referral officer may enter any channel."""
    errors: dict[str, list[str]] = {}
    channel = Channel(data.get("channel") or Channel.SELF)
    if actor is None and channel is not Channel.SELF:
        errors.setdefault("channel", []).append(_("在线个人申请的渠道应为本人申请。"))
    elif actor is not None and not actor.has_role(Role.REFERRAL_OFFICER):
        expected = next((c for r, c in CHANNEL_OF_ROLE.items() if actor.has_role(r)), None)
        if expected is None:
            raise NotPermitted(_("您的角色不能代为提交申请。"))
        if channel is not expected:
            errors.setdefault("channel", []).append(_("您的角色对应的申请渠道是 %(c)s。", c=expected.value))
    division = db.session.get(Division, data.get("division_code") or "")
    if division is None or division.level is not DivisionLevel.COUNTY:
        errors.setdefault("applicant.division", []).append(_("请填写申请人居住地的县级行政区划代码。"))
    elif actor is not None and actor.has_role(Role.REFERRAL_OFFICER) and not actor.has_role(
            Role.MEDICAL_ASSISTER, Role.COMMUNITY_ASSISTER) and division.code != actor.division_code:
        # A referral officer registers the residents of their own county (docs/domain.md#roles-and-scope).
        errors.setdefault("applicant.division", []).append(_("转介服务人员只能为本县（市、区）居民登记申请。"))
    if division is not None and (problem := group_refusal(division.code, data.get("eligibility_group"))):
        errors.setdefault("eligibility_group", []).append(problem)
    signed_at = data.get("consent_signed_at")
    if signed_at is not None and signed_at > utcnow():
        errors.setdefault("consent.signed_at", []).append(_("签署时间不能晚于现在。"))
    minor = is_minor(data["id_number"])
    signer = ConsentSigner(data.get("consent_signer") or ConsentSigner.APPLICANT)
    if minor and signer is not ConsentSigner.GUARDIAN:
        errors.setdefault("consent.signer", []).append(_("申请人未满 18 周岁，须由监护人签署知情同意。"))
    if (minor or signer is ConsentSigner.GUARDIAN) and not (data.get("guardian_name") and data.get("guardian_phone")):
        errors.setdefault("guardian.name", []).append(_("请填写监护人姓名和电话。"))
    if errors:
        raise ValidationFailed(fields=errors)
    # By the keyed hash: the number itself is encrypted (README.md#encryption-at-rest).
    duplicate = db.session.scalar(select(Case.id).where(
        Case.applicant_id_hash == id_hash(data["id_number"]), Case.division_code == division.code,
        Case.state.in_(OPEN_CASE_STATES)).order_by(Case.id).limit(1))
    now = utcnow()
    case = Case(receipt_no=new_receipt_no(), state=CaseState.APPLIED, channel=channel,
                assister_role=data.get("assister_role") or "", created_by_id=getattr(actor, "id", None),
                division_code=division.code, applicant_name=data["name"], applicant_id_number=data["id_number"],
                applicant_phone=data.get("phone") or "", applicant_address=data.get("address") or "",
                is_minor=minor, guardian_name=data.get("guardian_name") or "",
                guardian_relation=data.get("guardian_relation") or "", guardian_phone=data.get("guardian_phone") or "",
                needs=data.get("needs") or "", service_types=list(data.get("service_types") or []),
                eligibility_group=data.get("eligibility_group") or None,
                consent_signer=signer, consent_signed_at=data.get("consent_signed_at") or now,
                duplicate_of_id=duplicate, applied_at=now, state_changed_at=now)
    case.due_date = due_date_of(case)
    db.session.add(case)
    db.session.flush()
    # The record is optional at application: what was given is kept, checked like any later change.
    recorded = _write_person(case, {k: v for k, v in (data.get("person") or {}).items() if v not in (None, [])},
                             actor=actor, prefix="applicant.")
    _history(case, "apply", None, CaseState.APPLIED, actor, {"channel": channel.value,
                                                             "duplicate_of": duplicate})
    record("case.apply", "case", case.id, actor=actor, division_code=case.division_code, channel=channel.value,
           minor=minor, duplicate_of=duplicate, person_fields=recorded)
    db.session.flush()
    data_changed("case", case.id)  # documents rendered ahead once committed (docs/domain.md#rendered-ahead)
    return case


def _history(case, event, source, dest, actor, summary) -> CaseEvent:
    row = CaseEvent(case_id=case.id, event=event, from_state=None if source is None else str(source),
                             to_state=str(dest), actor_id=getattr(actor, "id", None),
                             actor_name=getattr(actor, "name", "") or _("申请人（凭受理号）"), summary=summary)
    db.session.add(row)
    return row


# --- the events ---------------------------------------------------------------------------------------------

def advance_case(case: Case, *, actor, event: str, applicant: bool = False, **data) -> Case:
    """Fire one case event (docs/domain.md#case-machine); the machine decides, then the step's record, the referral, the
    free place, the clock, the history row and the audit entry are written in the same transaction."""
    institution_id = data.get("institution_id")
    party = case_party(actor, case, applicant=applicant)
    facts = case_facts(case, institution_id=institution_id)
    try:
        fired = fire_case(case, event, party, facts, **data)
    except ActionRefused as exc:
        raise refusal_error(exc) from exc
    case.state_changed_at = utcnow()
    summary = {k: v for k, v in data.items() if k in ("reason", "reason_code", "verification", "result",
                                                      "institution_id", "comment") and v}
    # The state has changed but the fields that go with it (closed_at, institution …) not yet: nothing may
    # reach the database in between, or its CHECK constraints rightly refuse the half-done row.
    with db.session.no_autoflush:
        getattr(_AFTER, event, lambda *a, **k: None)(case, actor, fired, summary=summary, **data)
    case.due_date = due_date_of(case)
    history = _history(case, event, fired.source, fired.dest, actor, summary)
    db.session.flush()
    notifications.case_event(case, event, history.id)  # the party that acts next is told (docs/domain.md#notifications)
    data_changed("case", case.id)  # documents rendered ahead once committed (docs/domain.md#rendered-ahead)
    # Audited last: the first entry of a transaction takes the audit chain's lock until the commit, so every
    # write before it (the case, its summary facts, the notices) is done outside the lock (docs/architecture.md#speed).
    record(f"case.{event}", "case", case.id, actor=actor, division_code=case.division_code,
           before={"state": str(fired.source)}, after={"state": str(fired.dest)}, **summary)
    db.session.flush()
    return case


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    return day if is_working_day(day) else add_working_days(day, 1)


def follow_up_opens(due: date) -> date:
    """The first day a follow-up due on ``due`` may be recorded without a reason."""
    return add_working_days(due, -current_app.config["FOLLOW_UP_WINDOW_WORKING_DAYS"])


def due_date_of(case: Case) -> date | None:
    """The due date of the step the case is in: working days counted from the day (China time) it
    entered the state; the next review while in service; the next follow-up once closed."""
    clock = STATE_CLOCKS.get(case.state)
    if clock is not None:
        entered = today_in_china(now=case.state_changed_at)
        return add_working_days(entered, getattr(_deadlines(case), clock))
    if case.state == CaseState.IN_SERVICE:
        return case.next_review_date
    if case.state == CaseState.CLOSED:
        return db.session.scalar(select(func.min(FollowUp.due_date)).where(FollowUp.case_id == case.id,
                                                                          FollowUp.done_at.is_(None)))
    return None


def _current_referral(case: Case) -> Referral | None:
    return db.session.scalar(select(Referral).where(Referral.case_id == case.id, Referral.status.in_(
        [ReferralStatus.PENDING, ReferralStatus.ACCEPTED])).order_by(Referral.id.desc()).limit(1))


def _leave_institution(case: Case) -> None:
    """The case leaves its institution: the referral ends and its place (if it held one) is freed."""
    referral = _current_referral(case)
    if referral is not None:
        if referral.holds_place:
            referral.institution.free_places += 1
            referral.holds_place = False
        fire_referral(referral, "ended")
    case.institution_id = None


# The standard scale totals and their ranges (DESIGN §3.4; the CHECKs of Assessment say the same).
SCALE_RANGES = {"sdss": (0, 20), "psp": (0, 100), "gaf": (0, 100), "adl": (14, 56)}


def _scale(name: str, value) -> int | None:
    if value is None or value == "":
        return None
    low, high = SCALE_RANGES[name]
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = None
    if score is None or isinstance(value, bool) or not low <= score <= high:
        raise ValidationFailed(fields={f"assessment.{name}": [_("%(s)s 总分应为 %(lo)d–%(hi)d 的整数。",
                                                                s=name.upper(), lo=low, hi=high)]})
    return score


def _assessors(case: Case, ids) -> list[int]:
    wanted = list(dict.fromkeys(int(i) for i in ids or []))
    allowed = {tid for tid, _name in assessor_choices(case.institution_id)}
    if unknown := [i for i in wanted if i not in allowed]:
        raise ValidationFailed(fields={"assessment.assessors": [
            _("评估人应为本机构在库的服务人才：%(ids)s 不是。", ids="、".join(map(str, unknown)))]})
    return wanted


def _service_items(items, field: str) -> list[str]:
    items = list(dict.fromkeys(items or []))
    if unknown := [i for i in items if i not in SERVICE_ITEMS]:
        raise ValidationFailed(fields={field: [_("未知的服务项目：%(i)s", i="、".join(map(str, unknown)))]})
    return items


def _assessment(case, actor, kind, data, *, result=None) -> Assessment:
    payload = dict(data.get("assessment") or {})
    try:
        risk = int(payload.pop("risk_grade"))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed(fields={"assessment.risk_grade": [_("请填写危险性评估等级（0–5）。")]}) from exc
    if not 0 <= risk <= 5:
        raise ValidationFailed(fields={"assessment.risk_grade": [_("危险性评估等级应为 0–5。")]})
    # Checked here as well as in the form: a value out of range is the caller's mistake (422), never a CHECK
    # violation of the database (500).
    scales = {k: _scale(k, payload.pop(k, None)) for k in SCALE_RANGES}
    # A column of its own (a date is not JSON); a closing assessment has no next review.
    next_review = payload.pop("next_review_date", None) if kind is not AssessmentKind.CLOSING else None
    if next_review is not None and next_review <= today_in_china():
        raise ValidationFailed(fields={"assessment.next_review_date": [_("下次阶段性评估日期应在今天之后。")]})
    payload.pop("next_review_date", None)
    assessors = _assessors(case, payload.pop("assessors", None))
    recommended = _service_items(payload.pop("recommended_items", None), "assessment.recommended_items")
    place = (payload.pop("place", "") or "").strip()
    row = Assessment(case_id=case.id, institution_id=case.institution_id, kind=kind, result=result, risk_grade=risk,
                     domains=payload, plan=payload.pop("plan", "") or "", assessed_by_id=actor.id,
                     next_review_date=next_review, place=place, recommended_items=recommended, **scales,
                     assessor_links=[AssessmentAssessor(talent_id=t) for t in assessors])
    db.session.add(row)
    return row


def _code(enum, value, field: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return enum(value).value
    except ValueError as exc:
        raise ValidationFailed(fields={field: [_("未知的选项：%(v)s", v=value)]}) from exc


def _agreement(case: Case, actor, agreement: dict) -> Agreement:
    """The 服务协议 as signed: items (by default those the latest assessment recommends), form, place,
    frequency, fee and who pays, and who signed on each side — the person or guardian, and for the
    institution its representative (by default the legal representative)."""
    # Items outside the nine of §3.4 are kept (the agreement prints them as 其他服务).
    items = list(dict.fromkeys(agreement.get("service_items") or latest_recommended_items(case)))
    form = _code(ServiceForm, agreement.get("form"), "agreement.form")
    form_other = (agreement.get("form_other") or "").strip() if form == ServiceForm.OTHER else ""
    fee = agreement.get("fee_amount")
    if fee is not None:
        try:
            fee = Decimal(str(fee))
        except InvalidOperation:
            fee = Decimal("NaN")
        if not fee.is_finite() or fee < 0 or fee.as_tuple().exponent < -2 or fee >= Decimal("1e8"):
            raise ValidationFailed(fields={"agreement.fee_amount": [_("服务费用应为不小于 0 的金额，最多两位小数。")]})
    signer = (agreement.get("signer_name") or "").strip() or case.applicant_name
    relation = (agreement.get("signer_relation") or "").strip()
    if not relation:
        # Derived where the case says who this is (the same rule as the migration of older agreements).
        relation = "本人" if signer == case.applicant_name else (
            case.guardian_relation if signer == case.guardian_name else "")
    institution = db.session.get(Institution, case.institution_id)
    representative = (agreement.get("representative_name") or "").strip() or institution.legal_representative
    return Agreement(case_id=case.id, institution_id=case.institution_id, start_date=agreement["start_date"],
                     end_date=agreement["end_date"], service_items=items, form=form, form_other=form_other,
                     place=(agreement.get("place") or "").strip(), frequency=agreement.get("frequency") or "",
                     fee_amount=fee, fee_payer=_code(FeePayer, agreement.get("fee_payer"), "agreement.fee_payer"),
                     signer_name=signer, signer_relation=relation, representative_name=representative,
                     recorded_by_id=actor.id)


def _record_follow_up(row: FollowUp, follow_up: dict) -> None:
    """What a 回访 found. Unreachable (失访): the reason is required, and what only a talk with the person
    tells (condition, relapse, readmission, satisfaction) stays unknown."""
    unreachable = bool(follow_up.get("unreachable"))
    lost_reason = (follow_up.get("lost_reason") or "").strip()
    if unreachable and not lost_reason:
        raise ValidationFailed(fields={"follow_up.lost_reason": [_("未能联系上时，请填写失访原因。")]})
    next_step = _code(FollowUpNextStep, follow_up.get("next_step"), "follow_up.next_step")
    again = bool(follow_up.get("needs_service_again")) or next_step == FollowUpNextStep.REAPPLY
    if again and next_step is None:
        next_step = FollowUpNextStep.REAPPLY.value
    row.unreachable, row.lost_reason = unreachable, lost_reason if unreachable else ""
    row.contact_person = follow_up.get("contact_person") or ""
    row.contact_relation = follow_up.get("contact_relation") or ""
    row.next_step, row.needs_service_again = next_step, again
    row.note = follow_up.get("note") or ""
    if unreachable:
        row.condition, row.relapsed, row.readmitted, row.satisfaction = "", None, None, None
    else:
        row.condition = follow_up.get("condition") or ""
        row.relapsed, row.readmitted = bool(follow_up.get("relapsed")), bool(follow_up.get("readmitted"))
        row.satisfaction = _code(Satisfaction, follow_up.get("satisfaction"), "follow_up.satisfaction")


class _AFTER:
    """What each event leaves behind, beyond the state: one function per event name."""

    @staticmethod
    def refer(case, actor, fired, *, institution_id, summary, **data):
        case.institution_id = institution_id
        db.session.add(Referral(case_id=case.id, institution_id=institution_id, referred_by_id=actor.id,
                                note=data.get("comment") or ""))

    @staticmethod
    def accept(case, actor, fired, **data):
        referral = _current_referral(case)
        inst = referral.institution
        if inst.free_places <= 0:
            raise Conflict(_("本机构已没有空余名额，请选择不接收（名额已满）。"))
        inst.free_places -= 1
        referral.holds_place = True
        fire_referral(referral, "accepted")
        referral.responded_by_id, referral.responded_at = actor.id, utcnow()

    @staticmethod
    def decline(case, actor, fired, *, reason_code, **data):
        referral = _current_referral(case)
        fire_referral(referral, "declined")
        referral.responded_by_id, referral.responded_at = actor.id, utcnow()
        referral.decline_reason_code, referral.note = reason_code, data.get("reason") or ""
        case.institution_id = None

    @staticmethod
    def assess(case, actor, fired, *, result, **data):
        row = _assessment(case, actor, AssessmentKind.COMPREHENSIVE, data, result=result)
        if row.risk_grade >= RISK_GATE and result == "suitable":
            # The risk gate (docs/domain.md#case-machine): unstable means medical care first, not community rehabilitation.
            raise ValidationFailed(_("危险性评估为 %(g)d 级（3 级及以上为病情不稳定），应先接受医疗救治：请评为“暂不适合”。",
                                     g=row.risk_grade), fields={"result": [_("危险性 3 级及以上不能评为适合。")]})
        if result == "unsuitable":
            _leave_institution(case)
        data["summary"]["risk_grade"] = row.risk_grade

    @staticmethod
    def sign_agreement(case, actor, fired, *, agreement, **data):
        start, end = agreement["start_date"], agreement["end_date"]
        if end < start:
            raise ValidationFailed(fields={"agreement.end_date": [_("结束日期不能早于开始日期。")]})
        db.session.add(_agreement(case, actor, agreement))
        # The first staged review: the date the comprehensive assessment set, else the configured interval.
        planned = db.session.scalar(select(Assessment.next_review_date).where(
            Assessment.case_id == case.id, Assessment.kind == AssessmentKind.COMPREHENSIVE)
            .order_by(Assessment.assessed_at.desc(), Assessment.id.desc()).limit(1))
        case.next_review_date = planned or start + relativedelta(months=_deadlines(case).review_interval_months)

    @staticmethod
    def review(case, actor, fired, **data):
        row = _assessment(case, actor, AssessmentKind.STAGED, data)
        months = _deadlines(case).review_interval_months
        row.next_review_date = row.next_review_date or today_in_china() + relativedelta(months=months)
        case.next_review_date = row.next_review_date

    @staticmethod
    def transfer(case, actor, fired, **data):
        _leave_institution(case)
        case.next_review_date = None

    @staticmethod
    def close(case, actor, fired, *, reason_code, **data):
        before_service = fired.source == CaseState.REGISTERED
        if not before_service:
            _assessment(case, actor, AssessmentKind.CLOSING, data)
            case.next_review_date = None
        # An institution keeps the case for its follow-ups; the place is freed now.
        referral = _current_referral(case)
        if referral is not None and referral.holds_place:
            referral.institution.free_places += 1
            referral.holds_place = False
        case.closed_at, case.close_reason_code, case.closed_before_service = utcnow(), reason_code, before_service
        today = today_in_china()
        for months in _deadlines(case).follow_up_months:
            db.session.add(FollowUp(case_id=case.id, due_date=next_working_day(today + relativedelta(months=months))))

    @staticmethod
    def follow_up(case, actor, fired, *, follow_up, **data):
        row = db.session.scalar(select(FollowUp).where(FollowUp.case_id == case.id, FollowUp.done_at.is_(None))
                                .order_by(FollowUp.due_date).limit(1))
        # docs/domain.md#api-contract: follow_up {date, method, …}; done_at is when it took place (noon China time of that day).
        day = follow_up.get("date")
        if day is not None and day > today_in_china():
            raise ValidationFailed(fields={"follow_up.date": [_("回访日期不能晚于今天。")]})
        # A follow-up opens a few working days before it is due (docs/domain.md#deadlines); earlier only
        # with a reason, which the history and the audit entry keep.
        opens = follow_up_opens(row.due_date)
        if (day or today_in_china()) < opens and not (data.get("reason") or "").strip():
            message = _("本次回访应于 %(due)s 进行，%(opens)s 起可以记录；提前回访请填写理由。",
                        due=row.due_date.isoformat(), opens=opens.isoformat())
            raise ValidationFailed(message, fields={"follow_up.date": [message], "reason": [message]})
        row.done_at = utcnow() if day is None else datetime.combine(day, time(12), tzinfo=CHINA_TZ)
        row.method = follow_up.get("method") or "phone"
        _record_follow_up(row, follow_up)
        row.recorded_by_id = actor.id
        if fired.dest == CaseState.COMPLETED:
            referral = _current_referral(case)
            if referral is not None:
                fire_referral(referral, "ended")

    @staticmethod
    def withdraw(case, actor, fired, **data):
        _leave_institution(case)
        case.next_review_date = None

    @staticmethod
    def resubmit(case, actor, fired, *, corrections=None, **data):
        for name in ("applicant_phone", "applicant_address", "needs", "guardian_name", "guardian_relation",
                     "guardian_phone"):
            if corrections and name in corrections:
                setattr(case, name, corrections[name])
        if corrections:
            data["summary"]["corrected"] = sorted(corrections)  # which fields, not their values (history is read widely)


def add_service_record(case: Case, *, actor, day: date, item: str, minutes: int, note: str = ""):
    """服务记录 while in service, by the staff of the serving institution."""
    if not can_record_service(actor, case):
        raise NotPermitted(_("只有承接机构的服务人员可以记录服务。"))
    if case.state != CaseState.IN_SERVICE:
        raise Conflict(_("个案不在服务提供环节，不能记录服务。"))
    if day > today_in_china():
        raise ValidationFailed(fields={"date": [_("服务日期不能晚于今天。")]})
    row = ServiceRecord(case_id=case.id, date=day, item=item, minutes=minutes, staff_id=actor.id, note=note)
    db.session.add(row)
    db.session.flush()
    record("case.service_record", "case", case.id, actor=actor, division_code=case.division_code, item=item)
    return row


def reveal_identity(case: Case, *, actor, reason: str) -> None:
    """The full 身份证号 and phone numbers: for the referral officer who verifies the application and the
    institution serving the case, with a reason, recorded (docs/domain.md#personal-data)."""
    if not can_reveal_identity(actor, case):
        raise NotPermitted(_("只有负责本个案的转介服务人员或承接机构可以查看完整信息。"))
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("请说明查看完整信息的理由。")]})
    record("case.reveal_identity", "case", case.id, actor=actor, division_code=case.division_code,
           reason=reason.strip())
    db.session.flush()


# --- the person's record and the eligibility group (docs/domain.md#the-persons-record) ------------------------

def group_refusal(division_code: str, group: str | None) -> str | None:
    """Why an application of ``group`` cannot be taken in the province of ``division_code``, naming where else
    to turn (docs/domain.md#eligibility-groups); None when the province serves it (or no group is given)."""
    if not group or EligibilityGroup(group) in groups_served(current_app.config, division_code):
        return None
    province = db.session.get(Division, division_code[:2] + "0000")
    group = EligibilityGroup(group)
    return _("%(p)s目前未将“%(g)s”纳入精神障碍社区康复转介的服务对象，本平台暂不能受理。%(e)s",
             p=province.name if province is not None else _("本省"), g=_(group.label),
             e=_(ELSEWHERE.get(group, ELSEWHERE_DEFAULT)))


def person_of(case: Case) -> CasePerson | None:
    return db.session.get(CasePerson, case.id)


def _person_columns(key: str, value, prefix: str, errors: dict) -> dict:
    """One payload field of the record (DESIGN §3.5 names) → the columns it sets. Shape was checked by the
    form; here what needs the lists and the calendar."""
    if key == "diagnosis":
        if not value:
            return {"diagnosis_icd10": None, "diagnosis_name": None, "diagnosed_on": None}
        code, name, on = value.get("icd10"), (value.get("name") or "").strip(), value.get("diagnosed_on")
        if code != OTHER_DIAGNOSIS and code not in ICD10_F:
            errors[f"{prefix}diagnosis.icd10"] = [_("请从列表中选择诊断（F00–F99 或“其他”）。")]
        elif code == OTHER_DIAGNOSIS and not name:
            errors[f"{prefix}diagnosis.name"] = [_("主要诊断选“其他”时，请填写诊断名称。")]
        if on is not None and on > today_in_china():
            errors[f"{prefix}diagnosis.diagnosed_on"] = [_("发病／首次诊断时间不能晚于今天。")]
        # A listed code carries its own name: what the list says, not what was typed.
        return {"diagnosis_icd10": code, "diagnosis_name": ICD10_F.get(code, name), "diagnosed_on": on}
    if key == "medications":
        return {"medications": [{"name": m["name"], "dose": m.get("dose") or "", "frequency": m.get("frequency") or ""}
                                for m in value or []]}
    if key == "disability_certificate":
        value = value or {}
        return {"disability_certificate_number": (value.get("number") or "").upper() or None,
                "disability_grade": value.get("grade")}
    if key == "ethnicity" and value is not None and value not in ETHNIC_GROUPS:
        errors[f"{prefix}ethnicity"] = [_("请从列表中选择民族。")]
    return {key: value}


PERSON_FIELDS = ("ethnicity", "marital_status", "education", "employment", "living_arrangement", "diagnosis",
                 "medications", "disability_certificate", "subsistence_allowance", "medical_insurance",
                 "smd_registered")


def _write_person(case: Case, data: dict, *, actor, prefix: str) -> list[str]:
    """Set the record's fields named in ``data`` (the others keep their value); the names of those that changed.
    Errors are keyed by ``prefix`` + the payload's path (``person.diagnosis.icd10``, ``applicant.ethnicity``)."""
    errors: dict[str, list[str]] = {}
    columns = {}
    for key in PERSON_FIELDS:
        if key in data:
            columns[key] = _person_columns(key, data[key], prefix, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    person = person_of(case)
    if person is None:
        if not any(v not in (None, []) for cols in columns.values() for v in cols.values()):
            return []
        person = CasePerson(case_id=case.id, medications=[])
        db.session.add(person)
    changed = [key for key, cols in columns.items() if any(getattr(person, c) != v for c, v in cols.items())]
    for cols in columns.values():
        for column, value in cols.items():
            setattr(person, column, value)
    if changed:
        person.updated_by_id = getattr(actor, "id", None)
    return changed


def update_person(case: Case, *, actor, data: dict) -> list[str]:
    """Change the person's record (``data["person"]``: the fields to set) and, with the key
    ``eligibility_group``, the case's group (checked against the province's profile). The audit entry names
    the fields that changed, never their values: the log is read more widely than health data may be."""
    if not can_edit_person(actor, case):
        raise NotPermitted(_("只有负责本个案的转介服务人员或承接机构的服务人员可以修改个人档案。"))
    if case.state in FINAL_CASE_STATES:
        raise Conflict(_("个案已办结，个人档案不能再修改。"))
    changed = _write_person(case, data.get("person") or {}, actor=actor, prefix="person.")
    if "eligibility_group" in data and (data["eligibility_group"] or None) != case.eligibility_group:
        if problem := group_refusal(case.division_code, data["eligibility_group"]):
            raise ValidationFailed(problem, fields={"eligibility_group": [problem]})
        case.eligibility_group = data["eligibility_group"] or None
        changed.append("eligibility_group")
    if changed:
        record("case.update_person", "case", case.id, actor=actor, division_code=case.division_code,
               fields=sorted(changed))
        data_changed("case", case.id)  # docs/domain.md#rendered-ahead
    db.session.flush()
    return changed


def reveal_health(case: Case, *, actor, reason: str) -> CasePerson | None:
    """Diagnosis and medications in full: for those whose task needs them, with a reason, recorded
    (docs/domain.md#personal-data), like ``reveal_identity``."""
    if not can_see_health_data(actor, case):
        raise NotPermitted(_("只有负责本个案的转介服务人员或承接机构的服务人员可以查看诊断和用药。"))
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("请说明查看诊断和用药的理由。")]})
    record("case.reveal_health", "case", case.id, actor=actor, division_code=case.division_code,
           reason=reason.strip())
    db.session.flush()
    return person_of(case)
