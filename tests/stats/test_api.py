"""GET /api/v1/stats against its OpenAPI schema, and the exports read back (CSV with csv, XLSX with openpyxl)."""

from __future__ import annotations

import csv
import io

import jsonschema
from openpyxl import load_workbook
from sqlalchemy import select

from referral.audit.models import AuditEntry
from referral.auth.permissions import Role
from tests.helpers import bearer

DESIGN_KEYS = {"cases_by_state", "overdue_by_clock", "institutions_by_state", "free_places", "referrals",
               "median_working_days_by_step"}


def _schema(client, path):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"][path]["get"]
    return document, operation


def test_the_stats_endpoint_is_documented_and_answers_its_schema(client, county, create_user):
    document, operation = _schema(client, "/stats")
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert DESIGN_KEYS <= set(schema["required"])
    assert set(schema["properties"]["referrals"]["required"]) >= {"made", "accepted", "declined_by_reason"}
    assert {p["name"] for p in operation["parameters"]} == {"division", "from", "to"}
    assert set(operation["responses"]) >= {"200", "401", "403", "404", "422"}
    admin = create_user(Role.SYSADMIN, username="root")
    for who, query in ((county["county"], "division=220102"), (county["city"], ""),
                       (county["province"], "division=220100&from=2026-11-01&to=2026-11-30"), (admin, "")):
        answer = client.get(f"/api/v1/stats?{query}", headers=bearer(who))
        assert answer.status_code == 200
        jsonschema.validate(answer.get_json(), schema)
    national = client.get("/api/v1/stats", headers=bearer(admin)).get_json()
    assert national["division"] == {"code": None, "name": "全国", "level": "national"}
    assert {c["code"] for c in national["children"]} == {"220000", "110000"}  # the provinces the tests load
    error = client.get("/api/v1/stats?division=220104", headers=bearer(county["county"]))
    jsonschema.validate(error.get_json(), document["components"]["schemas"]["Error"])
    # The schema refuses what the answer must never be: a key missing, or one it does not name.
    good = client.get("/api/v1/stats", headers=bearer(county["county"])).get_json()
    for broken in ({k: v for k, v in good.items() if k != "referrals"}, {**good, "names": ["李明"]}):
        try:
            jsonschema.validate(broken, schema)
        except jsonschema.ValidationError:
            continue
        raise AssertionError("the schema accepted a malformed answer")


def test_the_same_figures_in_the_api_and_the_export(client, county):
    h = bearer(county["county"])
    stats = client.get("/api/v1/stats?division=220102", headers=h).get_json()
    assert stats["referrals"]["made"] == 7 and stats["median_working_days_by_step"]["accepted_to_assessed"] == 1.5
    answer = client.get("/api/v1/stats/export?division=220102&format=xlsx&table=referrals&reason=季度报告", headers=h)
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(answer.data))
    sheet = book["转介"]
    assert sheet.freeze_panes == "A2"
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["项目", "数量"]
    assert rows[1:5] == [["转介次数", 7], ["机构接收", 5], ["机构不接收", 1], ["待答复", 1]]
    assert ["不接收：名额已满", 1] in rows


def test_every_table_in_one_workbook(client, county):
    answer = client.get("/api/v1/stats/export?division=220102&format=xlsx&reason=年报", headers=bearer(county["county"]))
    book = load_workbook(io.BytesIO(answer.data))
    assert {"逾期与即将到期（按责任方）", "逾期与即将到期事项", "个案状态", "各步骤用时（工作日中位数）", "机构表现与空余名额",
            "人才培训", "按对象类别", "按月", "监督评价", "投诉建议记录"} <= set(book.sheetnames)
    steps = [[c.value for c in r] for r in book["各步骤用时（工作日中位数）"].iter_rows()]
    assert steps[0] == ["步骤", "中位用时（工作日）", "完成次数"] and ["综合评估", 1.5, 4] in steps
    months = [[c.value for c in r] for r in book["按月"].iter_rows()]
    assert months[-1] == ["2026-11", 9, 5, 5, 0]
    assert all(book[name].freeze_panes == "A2" for name in book.sheetnames)
    # The city's workbook leaves out the case-level lists.
    city = client.get("/api/v1/stats/export?division=220102&format=xlsx&reason=年报", headers=bearer(county["city"]))
    assert not {"逾期与即将到期事项", "投诉建议记录"} & set(load_workbook(io.BytesIO(city.data)).sheetnames)


def test_csv_with_bom_reads_back(client, county):
    h = bearer(county["county"])
    answer = client.get("/api/v1/stats/export?division=220102&format=csv&table=late_items&reason=督办", headers=h)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0] == ["受理号或编号", "类别", "环节", "到期日", "逾期工作日", "责任方"]
    by_ref = {r[0]: r for r in rows[1:]}
    cases = county["cases"]
    assert by_ref[cases["H"].receipt_no][2:] == ["初核登记", "2026-11-23", "5", "县级转介服务人员"]
    assert by_ref[cases["G"].receipt_no][2:] == ["康复转介", "2026-11-27", "1", "县级转介服务人员"]
    assert by_ref[cases["E"].receipt_no][2:] == ["综合评估", "2026-11-20", "6", "南关区阳光康复中心"]
    assert by_ref[cases["F"].receipt_no][2:] == ["机构接收答复", "2026-12-02", "-2", "南关区阳光康复中心"]
    assert by_ref[cases["B"].receipt_no][2:] == ["回访", "2026-11-30", "0", "南关区阳光康复中心"]
    assert by_ref[f"JG-{county['second'].id}"][1:] == ["机构库", "县级初核（机构库、人才库）", "2026-11-16", "10", "县级民政"]
    assert len(rows) == 1 + 7  # C, E, G, H overdue; B, F due soon; 二号
    text = answer.data.decode("utf-8-sig")
    assert "申请人" not in text and "220102198001011" not in text


def test_every_export_is_audited_with_its_reason(client, county, db):
    h = bearer(county["county"])
    assert client.get("/api/v1/stats/export?division=220102&format=csv&table=summary&reason=季度报告",
                      headers=h).status_code == 200
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "stats.export")).one()
    assert (entry.actor_id, entry.division_code) == (county["county"].id, "220102")
    assert entry.summary["reason"] == "季度报告" and entry.summary["tables"] == ["summary"]


def test_export_refusals(client, county, db):
    h = bearer(county["county"])
    missing = client.get("/api/v1/stats/export?division=220102&format=csv&table=summary", headers=h)
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["fields"]
    unknown = client.get("/api/v1/stats/export?division=220102&format=csv&table=nope&reason=x", headers=h)
    assert unknown.status_code == 422 and "table" in unknown.get_json()["error"]["fields"]
    bad_format = client.get("/api/v1/stats/export?division=220102&format=pdf&reason=x", headers=h)
    assert bad_format.status_code == 422 and "format" in bad_format.get_json()["error"]["fields"]
    assert client.get("/api/v1/stats/export?division=220104&format=csv&reason=x", headers=h).status_code == 404
    for table in ("late_items", "complaints"):  # case-level: the county's own users only
        refused = client.get(f"/api/v1/stats/export?division=220102&format=csv&table={table}&reason=x",
                             headers=bearer(county["city"]))
        assert refused.status_code == 403, table
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "stats.export")).all() == []
