"""The dashboard's tables, built from ``division_stats`` (and, for county users, the case-level rows): one
definition each of the name, the Chinese title and headers, and the rows. The page shows each beside its chart,
and the exports write the same rows (docs/domain.md#statistics), so a table and its file never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from referral.cases.models import EligibilityGroup
from referral.stats.queries import (
    CLOCK_LABELS,
    CLOCKS,
    CONCLUSION_LABELS,
    MONTH_FIGURES,
    PARTY_LABELS,
    STEP_ENDS,
    UNSPECIFIED,
    UNSPECIFIED_LABEL,
)
from workflows.approval import ApprovalState
from workflows.case import CaseState, DeclineReason
from workflows.supervision import CheckState, ComplaintState


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list]
    chart: list[tuple[str, float]] | None = None  # (label, value) of the chart drawn from this table
    case_level: bool = False  # rows about single cases: county users only
    links: list[str | None] | None = None  # the page of each row's object (the first cell links to it)


def _days(value):
    return "—" if value is None else (int(value) if float(value).is_integer() else round(value, 1))


def _pct(value):
    return "—" if value is None else f"{value * 100:.1f}%"


def _group_label(key):
    return _(UNSPECIFIED_LABEL) if key == UNSPECIFIED else _(EligibilityGroup(key).label)


def _party(row):
    return row["institution"] or _(PARTY_LABELS[row["party"]])


def build_tables(stats: dict, *, items: list[dict] | None = None, records: dict | None = None) -> list[Table]:
    """Every table of the dashboard, in page order. ``items``: the late cases (county users only); ``records``:
    the supervision records (spot checks, evaluations, complaints with outcomes)."""
    s = stats
    tables = []
    late = s["late"]
    tables.append(Table("late", _("逾期与即将到期（按责任方）"),
                        [_("县（市、区）"), _("责任方"), _("环节"), _("已逾期"), _("即将到期")],
                        [[r["county_name"], _party(r), _(CLOCK_LABELS[r["clock"]]), r["overdue"], r["due_soon"]]
                         for r in late["rows"]],
                        chart=_sum_by([(_party(r), r["overdue"]) for r in late["rows"]])))
    if items is not None:
        tables.append(Table("late_items", _("逾期与即将到期事项"),
                            [_("受理号或编号"), _("类别"), _("环节"), _("到期日"), _("逾期工作日"), _("责任方")],
                            [[i["reference"], _ITEM_KINDS[i["kind"]](), _(CLOCK_LABELS[i["clock"]]), i["due_date"],
                              i["days_overdue"], _party(i)] for i in items], case_level=True,
                            links=[_item_url(i) for i in items]))
    tables.append(Table("overdue_by_clock", _("各环节逾期"), [_("环节"), _("已逾期"), _("即将到期")],
                        [[_(CLOCK_LABELS[c]), s["overdue_by_clock"][c], s["due_soon_by_clock"][c]] for c in CLOCKS],
                        chart=[(_(CLOCK_LABELS[c]), s["overdue_by_clock"][c]) for c in CLOCKS]))
    tables.append(Table("cases_by_state", _("个案状态"), [_("环节状态"), _("个案数")],
                        [[_(st.label), s["cases_by_state"][st.value]] for st in CaseState],
                        chart=[(_(st.label), s["cases_by_state"][st.value]) for st in CaseState]))
    ref = s["referrals"]
    reasons = [[_("不接收：%(r)s", r=_(DeclineReason(code).label)), n] for code, n in ref["declined_by_reason"].items()]
    tables.append(Table("referrals", _("转介"), [_("项目"), _("数量")],
                        [[_("转介次数"), ref["made"]], [_("机构接收"), ref["accepted"]], [_("机构不接收"), ref["declined"]],
                         [_("待答复"), ref["pending"]], *reasons],
                        chart=[(_("机构接收"), ref["accepted"]), (_("机构不接收"), ref["declined"]),
                               (_("待答复"), ref["pending"])]))
    steps = s["median_working_days_by_step"]
    tables.append(Table("steps", _("各步骤用时（工作日中位数）"), [_("步骤"), _("中位用时（工作日）"), _("完成次数")],
                        [[_(CLOCK_LABELS[c]), _days(steps[c]), s["steps_counted"][c]] for c in STEP_ENDS],
                        chart=[(_(CLOCK_LABELS[c]), steps[c] or 0) for c in STEP_ENDS]))
    rate, cov, tr, fp = s["service_rate"], s["coverage"], s["training"], s["free_places"]
    sources = {"health": _("卫生健康部门严重精神障碍患者"), "cdpf": _("残联持证精神残疾人")}
    tables.append(Table("summary", _("主要指标"), [_("指标"), _("数值")], [
        [_("登记康复对象（期间内初核登记）"), rate["registered"]],
        [_("其中已签订服务协议"), rate["served"]],
        [_("登记康复对象接受规范服务率"), _pct(rate["rate"])],
        [_("县（市、区）数"), cov["counties"]],
        [_("有在库机构服务的县（市、区）"), cov["covered"]],
        [_("服务覆盖率"), _pct(cov["rate"])],
        [_("在库机构"), fp["institutions"]],
        [_("服务容量"), fp["capacity"]],
        [_("空余名额"), fp["free"]],
        *([_("%(list)s：尚未覆盖", list=name), s["demand"][k]["not_reached"]] for k, name in sources.items()),
    ]))
    tables.append(Table("institutions", _("机构表现与空余名额"),
                        [_("机构"), _("状态"), _("收到转介"), _("接收"), _("不接收"), _("待答复"), _("答复用时中位数（工作日）"),
                         _("服务中"), _("逾期个案"), _("容量"), _("空余名额")],
                        [[i["name"], _(ApprovalState(i["state"]).label), i["received"], i["accepted"], i["declined"],
                          i["pending"], _days(i["median_working_days_to_answer"]), i["in_service"], i["overdue"],
                          i["capacity"], i["free_places"]] for i in s["institutions"]],
                        chart=[(i["name"], i["free_places"]) for i in s["institutions"]]))
    tables.append(Table("institutions_by_state", _("机构库状态"), [_("状态"), _("机构数")],
                        [[_(st.label), s["institutions_by_state"][st.value]] for st in ApprovalState]))
    tables.append(Table("training", _("人才培训"), [_("年度"), _("年度培训学时要求"), _("在库直接服务人员"), _("学时不足")],
                        [[tr["year"], tr["required_hours"], tr["staff"], tr["short"]]],
                        chart=[(_("学时达标"), tr["staff"] - tr["short"]), (_("学时不足"), tr["short"])]))
    groups = s["by_group"]
    tables.append(Table("by_group", _("按对象类别"), [_("类别"), _("申请"), _("初核登记"), _("签订服务协议"), _("结案"), _("服务中")],
                        [[_group_label(k), g["applied"], g["registered"], g["served"], g["closed"], g["in_service"]]
                         for k, g in groups.items()],
                        chart=[(_group_label(k), g["applied"]) for k, g in groups.items()]))
    labels = {"applied": _("申请"), "registered": _("初核登记"), "referred": _("转介"), "closed": _("结案")}
    tables.append(Table("by_month", _("按月"), [_("月份"), *(labels[f] for f in MONTH_FIGURES)],
                        [[m["month"], *(m[f] for f in MONTH_FIGURES)] for m in s["by_month"]],
                        chart=[(m["month"], m["applied"]) for m in s["by_month"]]))
    if s["children"]:
        tables.append(Table("children", _("下级行政区划"),
                            [_("行政区划代码"), _("名称"), _("在办个案"), _("逾期"), _("转介次数"), _("在库机构"), _("空余名额")],
                            [[c["code"], c["name"], c["open_cases"], c["overdue"], c["referrals_made"],
                              c["listed_institutions"], c["free_places"]] for c in s["children"]],
                            chart=[(c["name"], c["open_cases"]) for c in s["children"]]))
    tables.append(Table("demand", _("需求与覆盖（卫生健康、残联名单）"),
                        [_("名单"), _("在册人数"), _("已申请"), _("已接受服务"), _("尚未覆盖"), _("覆盖率")],
                        [[sources[k], d["listed"], d["applied"], d["served"], d["not_reached"],
                          _pct(s["demand_reached"][k]["rate"])] for k, d in s["demand"].items()],
                        chart=[(sources[k], d["not_reached"]) for k, d in s["demand"].items()]))
    if s["demand_by_county"]:
        tables.append(Table("demand_by_county", _("各县（市、区）尚未覆盖的需求"),
                            [_("县（市、区）"), _("卫生健康名单"), _("其中未覆盖"), _("残联名单"), _("其中未覆盖")],
                            [[r["name"], r["health"]["listed"], r["health"]["not_reached"], r["cdpf"]["listed"],
                              r["cdpf"]["not_reached"]] for r in s["demand_by_county"]],
                            chart=[(r["name"], r["health"]["not_reached"] + r["cdpf"]["not_reached"])
                                   for r in s["demand_by_county"]]))
    sup = s["supervision"]
    tables.append(Table("supervision", _("监督评价"), [_("类别"), _("结果"), _("数量")], [
        *([_("随机抽查"), _(st.label), sup["spot_checks"][st.value]] for st in CheckState),
        *([_("考核评估"), _(CONCLUSION_LABELS[c]), n] for c, n in sup["evaluations"].items()),
        *([_("投诉建议"), _(st.label), sup["complaints"][st.value]] for st in ComplaintState)]))
    if records is not None:
        tables.append(Table("spot_checks", _("抽查记录"), [_("机构"), _("抽取日期"), _("结果"), _("检查发现")],
                            [[r["institution"], _date(r["drawn_at"]), _(CheckState(r["state"]).label), r["findings"]]
                             for r in records["spot_checks"]]))
        tables.append(Table("evaluations", _("考核评估记录"), [_("机构"), _("考核期间"), _("得分"), _("结论"), _("日期")],
                            [[r["institution"], r["period"], r["score"], _(CONCLUSION_LABELS[r["conclusion"]]),
                              _date(r["evaluated_at"])] for r in records["evaluations"]]))
        if records.get("complaints_shown"):
            tables.append(Table("complaints", _("投诉建议记录"), [_("编号"), _("机构"), _("收到日期"), _("状态"), _("处理结果")],
                                [[r["reference"], r["institution"], _date(r["filed_at"]), _(ComplaintState(r["state"]).label),
                                  r["outcome"]] for r in records["complaints"]], case_level=True))
    return tables


def _item_url(item) -> str:
    from flask import url_for

    if item["kind"] == "case":
        return url_for("cases.detail", case_id=item["case_id"])
    number = int(item["reference"].split("-", 1)[1])
    if item["kind"] == "institution":
        return url_for("registries.institution", institution_id=number)
    return url_for("registries.talent", talent_id=number)


_ITEM_KINDS = {"case": lambda: _("个案"), "institution": lambda: _("机构库"), "talent": lambda: _("人才库")}


def _date(moment):
    from referral.calendar import today_in_china

    return today_in_china(now=moment).isoformat() if moment else ""


def _sum_by(pairs):
    out: dict[str, float] = {}
    for label, value in pairs:
        out[label] = out.get(label, 0) + value
    return list(out.items())


# Rows about single cases or complaints: the county's own users only (policies.can_see_case_rows).
CASE_LEVEL_TABLES = frozenset({"late_items", "complaints"})
TABLE_NAMES = ("late", "late_items", "overdue_by_clock", "cases_by_state", "referrals", "steps", "summary",
               "institutions", "institutions_by_state", "training", "by_group", "by_month", "children", "supervision",
               "spot_checks", "evaluations", "complaints", "demand", "demand_by_county")


# The page lists the earliest-due late items only: a county with a backlog has thousands, which nobody reads on a
# page and which cost a second each to draw (docs/architecture.md#speed). Exports list them all.
LATE_ITEMS_SHOWN = 100


def dashboard(user, area, *, start=None, end=None, items_limit: int | None = None) -> tuple[dict, list[Table]]:
    """The figures of ``area`` for ``user`` and the tables built from them: what the page shows and the exports
    write (the case-level rows and complaint outcomes only for the county's own users). ``items_limit``: at most
    this many late items plus one (the page says there are more)."""
    from referral.stats.policies import can_see_case_rows, grace_for
    from referral.stats.queries import division_stats, late_items, supervision_records

    stats = division_stats(area, start=start, end=end, grace=grace_for(user, area))
    own = can_see_case_rows(user, area)
    records = supervision_records(area, start=start, end=end, complaints=own)
    records["complaints_shown"] = own
    items = late_items(area, limit=None if items_limit is None else items_limit + 1) if own else None
    return stats, build_tables(stats, items=items, records=records)
