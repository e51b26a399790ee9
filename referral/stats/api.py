"""GET /api/v1/stats and /api/v1/stats/export (docs/domain.md#statistics; DESIGN §4): the figures of a division in
the caller's scope — counts, never identities — and the dashboard's tables as CSV or XLSX."""

from __future__ import annotations

from flask import Response, abort

from forms.stats import ExportQuery, StatsQuery
from referral.api.spec import Binary, operation
from referral.auth.permissions import Permission
from referral.cases.models import EligibilityGroup
from referral.demand.models import DemandSource
from referral.demand.queries import FIGURES as DEMAND_FIGURES
from referral.stats import services
from referral.stats.exports import MEDIA_TYPES
from referral.stats.policies import can_see_case_rows, grace_for
from referral.stats.queries import CLOCKS, MONTH_FIGURES, STEP_ENDS, UNSPECIFIED, division_stats, visible_area
from referral.stats.tables import dashboard
from workflows.approval import ApprovalState
from workflows.case import CaseState, DeclineReason
from workflows.supervision import CheckState, ComplaintState


def _counts(keys) -> dict:
    keys = list(keys)
    return {"type": "object", "required": keys, "additionalProperties": False,
            "properties": {k: {"type": "integer", "minimum": 0} for k in keys}}


def _object(props: dict, extra: bool = False) -> dict:
    return {"type": "object", "required": list(props), "additionalProperties": extra, "properties": props}


INT, NUM, STR = {"type": "integer"}, {"type": ["number", "null"]}, {"type": "string"}
RATE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
STATS_SCHEMA = _object({
    "division": _object({"code": {"type": ["string", "null"]}, "name": STR,
                         "level": {"type": "string", "enum": ["national", "province", "city", "county"]}}),
    "period": _object({"from": {"type": ["string", "null"], "format": "date"},
                       "to": {"type": ["string", "null"], "format": "date"}}),
    "today": {"type": "string", "format": "date"},
    "cases_by_state": _counts(CaseState.values()),
    "overdue_by_clock": _counts(CLOCKS),
    "institutions_by_state": _counts(ApprovalState.values()),
    "free_places": _object({"free": INT, "capacity": INT, "institutions": INT}),
    "referrals": _object({"made": INT, "accepted": INT, "declined": INT, "pending": INT,
                          "declined_by_reason": _counts(DeclineReason.values())}),
    "median_working_days_by_step": _object({k: NUM for k in STEP_ENDS}),
    "steps_counted": _counts(STEP_ENDS),
    "due_soon_by_clock": _counts(CLOCKS),
    "late": _object({"grace_working_days": INT, "overdue_before": {"type": "string", "format": "date"},
                     "rows": {"type": "array", "items": _object({
                         "county": STR, "county_name": STR,
                         "party": {"type": "string", "enum": ["institution", "referral_officers", "county_officials",
                                                              "city_officials"]},
                         "institution_id": {"type": ["integer", "null"]}, "institution": {"type": ["string", "null"]},
                         "clock": {"type": "string", "enum": list(CLOCKS)}, "overdue": INT, "due_soon": INT})}}),
    "service_rate": _object({"registered": INT, "served": INT, "rate": RATE}),
    "coverage": _object({"counties": INT, "covered": INT, "rate": RATE}),
    "training": _object({"year": INT, "required_hours": INT, "staff": INT, "short": INT}),
    "by_group": _object({k: _counts(["applied", "registered", "served", "closed", "in_service"])
                         for k in (*EligibilityGroup.values(), UNSPECIFIED)}),
    "by_month": {"type": "array", "items": _object({"month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                                                    **{f: INT for f in MONTH_FIGURES}})},
    "institutions": {"type": "array", "items": _object({
        "id": INT, "name": STR, "state": {"type": "string", "enum": list(ApprovalState.values())}, "division": STR,
        "received": INT, "accepted": INT, "declined": INT, "pending": INT, "median_working_days_to_answer": NUM,
        "in_service": INT, "overdue": INT, "capacity": INT, "free_places": INT})},
    "children": {"type": "array", "items": _object({
        "code": STR, "name": STR, "open_cases": INT, "overdue": INT, "referrals_made": INT,
        "listed_institutions": INT, "free_places": INT})},
    "supervision": _object({"spot_checks": _counts(CheckState.values()),
                            "evaluations": _counts(["excellent", "good", "qualified", "unqualified"]),
                            "complaints": _counts(ComplaintState.values())}),
    # Demand (DESIGN §4): the health department's and 残联's lists, once imported (docs/domain.md#demand-data).
    "demand": _object({s: _counts(DEMAND_FIGURES) for s in DemandSource.values()}),
    "demand_reached": _object({s: _object({"listed": INT, "reached": INT, "rate": RATE}) for s in DemandSource.values()}),
    "demand_by_county": {"type": "array", "items": _object({
        "division_code": STR, "name": STR, **{s: _counts(DEMAND_FIGURES) for s in DemandSource.values()}})},
})


def _area_or_404(user, code):
    area = visible_area(user, code)
    if area is None:
        abort(404)
    return area


@operation("/stats", "GET", summary="某行政区划的统计（默认本人辖区；只有数量，没有个人信息）", tag="stats", query=StatsQuery,
           permission=Permission.VIEW_STATS, responses={200: ("统计", STATS_SCHEMA)}, errors=(404,),
           description="from、to 为中国日期（含首尾）。流量指标（申请、登记、转介、步骤用时、结案）按期间内发生的计算；"
                       "状态指标（逾期、机构、空余名额）为今天的状态；cases_by_state 为期间内申请的个案目前所处环节。"
                       "辖区外或不存在的行政区划答 404。")
def get_stats(user, query):
    area = _area_or_404(user, query.division.data)
    return division_stats(area, start=query["from"].data, end=query["to"].data, grace=grace_for(user, area))


@operation("/stats/export", "GET", summary="统计表导出为 CSV（UTF-8 带 BOM）或 XLSX；须填写理由，记入审计日志", tag="stats",
           query=ExportQuery, permission=Permission.VIEW_STATS, errors=(403, 404),
           responses={200: ("文件", Binary("application/octet-stream"))},
           description="table 为表名（不填则导出全部表）：late, late_items, overdue_by_clock, cases_by_state, referrals, "
                       "steps, summary, institutions, institutions_by_state, training, by_group, by_month, children, "
                       "supervision, spot_checks, evaluations, complaints, demand, demand_by_county。late_items 与 complaints 为个案层面清单，"
                       "只有本县（市、区）的县级民政和转介服务人员可以导出。")
def export_stats(user, query):
    area = _area_or_404(user, query.division.data)
    _stats, tables = dashboard(user, area, start=query["from"].data, end=query["to"].data)
    fmt = query.format.data
    content = services.export_tables(tables, actor=user, area=area, fmt=fmt, table=query.table.data or None,
                                     reason=query.reason.data, case_rows_allowed=can_see_case_rows(user, area))
    return Response(content, mimetype=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="stats-{area.code or "national"}-{query.table.data or "all"}.{fmt}"'})
