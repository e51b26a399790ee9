"""The demand figures reach the statistics (issue 11.5 → 11.1/11.2): the stats answer's ``demand`` key per
source (DESIGN §4), the share of each list reached, the per-county table on the dashboard and in the
exports — counts only, at every level."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.demand.test_figures import NONE, f, fixture_cases  # noqa: F401  (the fixture)
from tests.helpers import bearer, csrf_token, login


@pytest.mark.usefixtures("fixture_cases")
def test_the_stats_answer_carries_demand_per_source(client, people):
    county = client.get("/api/v1/stats?division=220102", headers=bearer(people["county"])).get_json()
    assert county["demand"] == {"health": f(5, 4, 2), "cdpf": f(3, 2, 1)}
    assert county["demand_reached"] == {"health": {"listed": 5, "reached": 4, "rate": 0.8},
                                        "cdpf": {"listed": 3, "reached": 2, "rate": 0.6667}}  # rates to four places
    province = client.get("/api/v1/stats", headers=bearer(people["province"])).get_json()
    assert province["demand"] == {"health": f(7, 5, 2), "cdpf": f(3, 2, 1)}
    assert [(r["division_code"], r["health"]["not_reached"]) for r in province["demand_by_county"]] == [
        ("220102", 1), ("220104", 1)]
    neighbour = client.get("/api/v1/stats?division=220104", headers=bearer(people["city"])).get_json()
    assert neighbour["demand"] == {"health": f(2, 1, 0), "cdpf": NONE}


@pytest.mark.usefixtures("fixture_cases")
def test_the_dashboard_shows_what_is_not_reached(client, people):
    login(client, people["county"])
    page = client.get("/stats/220102").get_data(as_text=True)
    section = page.split('id="s-demand"', 1)[1].split("</section>", 1)[0]
    assert "需求与覆盖" in section and "80.0%" in section and "66.7%" in section
    assert "卫生健康部门严重精神障碍患者：尚未覆盖</th>" in page.replace("\n", "").replace("  ", "")


@pytest.mark.usefixtures("fixture_cases")
def test_the_demand_table_exports_as_xlsx(client, people):
    login(client, people["city"])
    url = "/stats/220100/export?table=demand_by_county&format=xlsx"
    answer = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "核对需求覆盖"})
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "县（市、区）")
    assert rows[header + 1][:5] == ["长春市南关区", 5, 1, 3, 1] and rows[header + 2][:5] == ["长春市朝阳区", 2, 1, 0, 0]
