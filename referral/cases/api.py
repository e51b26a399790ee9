"""/api/v1/cases and the public application endpoints (docs/domain.md#api-contract)."""

from __future__ import annotations

import hmac

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forms.cases import (
    ApiCaseEventForm,
    ApplicationForm,
    CaseListQuery,
    CasePersonForm,
    CaseRevealQuery,
    PublicResubmitForm,
    PublicStatusQuery,
    PublicWithdrawForm,
)
from referral.api.spec import json_body, operation
from referral.auth.permissions import Permission
from referral.cases import services
from referral.cases.models import Case, CasePerson
from referral.cases.policies import can_refer, can_see_identity
from referral.cases.presenters import CASE_SCHEMA, HISTORY_SCHEMA, case_json, history_json
from referral.cases.queries import (
    case_parts,
    cases_visible_to,
    eligible_for_referral,
    history_of,
    return_reason,
    search_cases,
)
from referral.errors import Conflict, NotPermitted, ValidationFailed
from referral.extensions import db, limiter
from referral.guards import MAX_INT
from referral.scoping import one_visible_or_404
from workflows.case import CASE_EVENTS, CaseFlow, CaseState
from workflows.engine import required_fields

# The seven statutory steps, as the public status shows them (docs/domain.md#case-machine).
STAGES = {s: _l(s.label) for s in CaseState}
RECEIPT_SCHEMA = {"type": "object", "required": ["receipt_no"], "properties": {"receipt_no": {"type": "string"}}}
STATUS_SCHEMA = {"type": "object", "required": ["receipt_no", "state", "stage", "return_reason"],
                 "properties": {"receipt_no": {"type": "string"}, "state": {"type": "string"},
                                "stage": {"type": "string"}, "return_reason": {"type": ["string", "null"]}}}


def _case_or_404(user, case_id):
    return one_visible_or_404(cases_visible_to(user).where(Case.id == case_id))


def _json(user, case, reveal=False, parts=None, person=False, health=False):
    """``person``: the case's record if already loaded (None: it has none); False: load it here."""
    if parts is None:
        parts = case_parts([case.id])[case.id]
    if person is False:
        person = db.session.get(CasePerson, case.id)
    return case_json(case, reveal=reveal, identity=can_see_identity(user, case), parts=parts, person=person,
                     health=health)


@operation("/cases", "POST", summary="提交转介服务申请（协助人或转介服务人员代为录入）", tag="cases", body=ApplicationForm,
           permission=Permission.SUBMIT_APPLICATION, responses={201: ("已受理", CASE_SCHEMA)})
def create_case(user, data):
    return _json(user, services.submit_application(actor=user, data=data.to_data())), 201


@operation("/cases", "GET", summary="可见的个案：q 按受理号、姓名、身份证号或电话查找（完整匹配）；按环节、期限、承接机构、渠道、未成年人筛选；sort=due|newest", tag="cases", query=CaseListQuery,
           responses={200: ("个案列表", {"type": "object", "required": ["items", "total"], "properties": {
               "items": {"type": "array", "items": CASE_SCHEMA}, "total": {"type": "integer"},
               "total_exact": {"type": "boolean", "description": "false: total stopped at its cap (1000)"},
               "has_next": {"type": "boolean"},
               "page": {"type": "integer"}, "per_page": {"type": "integer"}}})})
def list_cases(user, query):
    stmt = search_cases(user, q=query.q.data or "", state=query.state.data or "", clock=query.clock.data or "",
                        institution_id=query.institution.data, channel=query.channel.data or "",
                        minor=query.minor.data or "", division=query.division.data or "",
                        overdue_flag=query.overdue.data or "", sort=query.sort.data or "")
    page = stmt.page(min(query.page.data or 1, MAX_INT // 1000), min(query.per_page.data or 25, 100))
    ids = [c.id for c in page.items]
    parts = case_parts(ids)
    # A list never shows health data (docs/domain.md#personal-data): the records' diagnoses stay "***".
    persons = {p.case_id: p for p in db.session.scalars(db.select(CasePerson).where(CasePerson.case_id.in_(ids)))}
    return {"items": [_json(user, c, parts=parts[c.id], person=persons.get(c.id)) for c in page.items],
            "total": page.total, "total_exact": page.total_exact, "has_next": page.has_next,
            "page": page.page, "per_page": page.per_page}


@operation("/cases/<int:case_id>", "GET", summary="个案详情（证件号、电话默认脱敏，reveal=id_number 需理由并记录；"
           "诊断和用药默认显示为 ***，reveal=health 需理由并记录）",
           tag="cases", query=CaseRevealQuery, responses={200: ("个案", CASE_SCHEMA)}, errors=(403, 404))
def get_case(user, case_id, query):
    case = _case_or_404(user, case_id)
    reveal, health = query.reveal.data == "id_number", query.reveal.data == "health"
    if reveal:
        services.reveal_identity(case, actor=user, reason=query.reason.data or "")
    if health:
        services.reveal_health(case, actor=user, reason=query.reason.data or "")
    return _json(user, case, reveal=reveal, health=health)


@operation("/cases/<int:case_id>", "PATCH", tag="cases", body=CasePersonForm,
           summary="修改个人档案 person{…} 和对象类别 eligibility_group（负责本个案的转介服务人员或承接机构服务人员）",
           description="只修改请求中给出的字段；字段为 null 即清空。诊断 diagnosis {icd10: F00–F99 或 other, name, "
                       "diagnosed_on}，用药 medications [{name, dose, frequency}]。本省未开展的对象类别答 422，"
                       "并说明可以求助的其他途径。回答中的诊断和用药显示为 ***。",
           responses={200: ("修改后的个案", CASE_SCHEMA)}, errors=(403, 404, 409))
def update_case(user, case_id, data):
    case = _case_or_404(user, case_id)
    sent = json_body()  # PATCH: the keys sent are the ones to change
    services.update_person(case, actor=user, data=data.to_data(keys=set(sent.get("person") or {}),
                                                               group="eligibility_group" in sent))
    return _json(user, case)


@operation("/cases/<int:case_id>/history", "GET", summary="个案的全部事件记录", tag="cases",
           responses={200: ("历史", HISTORY_SCHEMA)}, errors=(404,))
def case_history(user, case_id):
    case = _case_or_404(user, case_id)
    return history_json(db.session.scalars(history_of(case.id)).all())


ELIGIBLE_SCHEMA = {"type": "array", "items": {
    "type": "object", "required": ["id", "name", "free_places", "service_types", "declined_before"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "free_places": {"type": "integer"},
                   "service_types": {"type": "array", "items": {"type": "string"}},
                   "needed_items": {"type": "array", "items": {"type": "string"}},
                   "service_area": {"type": "array", "items": {"type": "string"}},
                   "declined_before": {"type": "boolean"},
                   "declined": {"type": "array", "items": {"type": "object", "properties": {
                       "date": {"type": "string", "format": "date"}, "reason_code": {"type": "string"}}}}}}}


@operation("/cases/<int:case_id>/eligible-institutions", "GET", tag="cases",
           summary="可转介的机构（在库、服务本县、提供所需服务、有空余名额），含此前不接收本个案的记录",
           responses={200: ("可转介的机构", ELIGIBLE_SCHEMA)}, errors=(403, 404))
def case_eligible_institutions(user, case_id):
    case = _case_or_404(user, case_id)
    if not can_refer(user, case):
        raise NotPermitted(_("只有负责本个案的转介服务人员可以转介。"))
    return [{"id": i.id, "name": i.name, "free_places": i.free_places, "service_types": i.service_types,
             "needed_items": i.needed_items, "service_area": i.service_area, "declined_before": i.declined_before,
             "declined": [{"date": day.isoformat(), "reason_code": code} for day, code in i.declined]}
            for i in eligible_for_referral(case)]


def _event_requirements() -> str:
    """What each event requires, read from the machine's table (workflows/engine.py: required_fields)."""
    lines = [f"- `{event}`: " + (", ".join(f"`{f}`" for f in required_fields(CaseFlow, event)) or "—")
             for event in sorted(CASE_EVENTS)]
    return "每个事件必填的字段（按状态机的条件）：\n" + "\n".join(lines)


@operation("/cases/<int:case_id>/events", "POST", summary="个案事件（register、refer、accept…）", tag="cases",
           description=_event_requirements(),
           body=ApiCaseEventForm, responses={200: ("新状态下的个案", CASE_SCHEMA)}, errors=(403, 404, 409))
def case_event(user, case_id, data):
    case = _case_or_404(user, case_id)
    if data.version.data is not None and data.version.data != case.version:
        raise Conflict(_("该个案已被他人修改（版本 %(v)d），请刷新后重试。", v=case.version))
    if data.event.data not in CASE_EVENTS:
        raise ValidationFailed(fields={"event": [_("未知事件：%(e)s", e=data.event.data)]})
    services.advance_case(case, actor=user, event=data.event.data, **data.to_event_data())
    return _json(user, case)


# --- public, no account --------------------------------------------------------------------------------------

@operation("/public/applications", "POST", summary="公众在线申请（本人或监护人），返回受理号", tag="public",
           body=ApplicationForm, auth=False, responses={201: ("已受理", RECEIPT_SCHEMA)}, errors=(429,))
@limiter.limit("10 per hour")
def public_apply(data):
    case = services.submit_application(actor=None, data={**data.to_data(), "channel": "self"})
    return {"receipt_no": case.receipt_no}, 201


def _by_receipt(receipt_no: str, id_last4: str) -> Case:
    """The case of this receipt number, if the last four ID characters match; otherwise 404 either way,
    so a guess learns nothing about which receipt numbers exist."""
    case = db.session.scalar(db.select(Case).where(Case.receipt_no == receipt_no.upper()))
    expected = case.applicant_id_number[-4:].upper() if case else "----"
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a fuzzed "ß" was a 500, issue 13.9);
    # surrogatepass, since a JSON string may carry a lone surrogate.
    given = (id_last4 or "").upper().encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(expected.encode("utf-8"), given) or case is None:
        from flask import abort

        abort(404)
    return case


@operation("/public/applications/<receipt_no>", "GET", summary="凭受理号和身份证号后四位查询进度（不含个人信息）",
           tag="public", query=PublicStatusQuery, auth=False, responses={200: ("进度", STATUS_SCHEMA)}, errors=(404, 429))
@limiter.limit("30 per hour")
def public_status(receipt_no, query):
    return public_progress(_by_receipt(receipt_no, query.id_last4.data))


def public_progress(case) -> dict:
    """All the public may learn of a case: its step, and while returned, why (no name, number or phone)."""
    return {"receipt_no": case.receipt_no, "state": str(case.state), "stage": str(STAGES[case.state]),
            "return_reason": return_reason(case)}


@operation("/public/applications/<receipt_no>/resubmit", "POST", tag="public",
           summary="补正后重新提交被退回的申请（凭受理号和身份证号后四位；只改所填的字段）",
           body=PublicResubmitForm, auth=False, responses={200: ("已重新提交", STATUS_SCHEMA)}, errors=(404, 409, 429))
@limiter.limit("10 per hour")
def public_resubmit(receipt_no, data):
    case = _by_receipt(receipt_no, data.id_last4.data)
    services.advance_case(case, actor=None, event="resubmit", applicant=True, corrections=data.corrections())
    return public_progress(case)


@operation("/public/applications/<receipt_no>/withdraw", "POST", summary="申请人或监护人撤回申请（撤回知情同意）",
           tag="public", body=PublicWithdrawForm, auth=False, responses={200: ("已撤回", STATUS_SCHEMA)},
           errors=(404, 409, 429))
@limiter.limit("10 per hour")
def public_withdraw(receipt_no, data):
    case = _by_receipt(receipt_no, data.id_last4.data)
    services.advance_case(case, actor=None, event="withdraw", applicant=True, reason=data.reason.data)
    return public_progress(case)

