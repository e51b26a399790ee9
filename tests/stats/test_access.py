"""Who sees which statistics: every route × role, scope (404 outside), counts without names above the county,
the case-level rows for the county's own users only."""

from __future__ import annotations

import pytest

from referral.auth.permissions import Role
from tests.helpers import ANON, bearer, by_role, csrf_token, login

STATS_ROLES = {"sysadmin": 200, "province_official": 200, "city_official": 200, "county_official": 200,
               "referral_officer": 200}

MATRIX = [
    ("GET", "/stats/", 302, by_role(403, **STATS_ROLES)),
    ("GET", "/stats/220102", 302, by_role(403, **STATS_ROLES)),
    ("GET", "/stats/export", 302, by_role(403, **STATS_ROLES)),
    ("GET", "/stats/220102/export?table=cases_by_state&format=csv", 302, by_role(403, **STATS_ROLES)),
]
API_MATRIX = [
    ("GET", "/api/v1/stats?division=220102", by_role(403, **STATS_ROLES)),
    ("GET", "/api/v1/stats/export?division=220102&format=csv&table=referrals&reason=x", by_role(403, **STATS_ROLES)),
]
ROUTES_COVERED = {u.split("?")[0] for _m, u, *_ in MATRIX + API_MATRIX}


@pytest.mark.parametrize(("method", "url", "anon", "expected"), MATRIX, ids=[f"{m} {u}" for m, u, *_ in MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_stats_pages(client, users_by_role, method, url, anon, expected, role):
    if role != ANON:
        login(client, users_by_role[role])
    response = client.open(url, method=method)
    assert response.status_code == (anon if role == ANON else expected[role])


@pytest.mark.parametrize(("method", "url", "expected"), API_MATRIX, ids=[f"{m} {u}" for m, u, *_ in API_MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_stats_api(client, users_by_role, method, url, expected, role):
    headers = bearer(users_by_role[role]) if role != ANON else {}
    response = client.open(url, method=method, headers=headers)
    assert response.status_code == (401 if role == ANON else expected[role])


def test_a_neighbours_statistics_are_not_found(client, county):
    login(client, county["county"])  # 南关区
    assert client.get("/stats/220104").status_code == 404  # 朝阳区
    assert client.get("/stats/220100").status_code == 404  # one's own city
    assert client.get("/stats/999999").status_code == 404  # no such division
    h = bearer(county["county"])
    for code in ("220104", "220100", "220000", "999999", "110101"):
        answer = client.get(f"/api/v1/stats?division={code}", headers=h)
        assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found", code
    assert client.get("/api/v1/stats?division=220104", headers=bearer(county["other_county"])).status_code == 200
    assert client.get("/api/v1/stats?division=220200", headers=bearer(county["city"])).status_code == 404
    assert client.get("/api/v1/stats?division=110000", headers=bearer(county["province"])).status_code == 404
    # The default is one's own division; the sysadmin's the whole country.
    assert client.get("/api/v1/stats", headers=h).get_json()["division"]["code"] == "220102"
    national = client.get("/api/v1/stats", headers=bearer(county["city"]))
    assert national.get_json()["division"] == {"code": "220100", "name": "长春市", "level": "city"}


def test_institution_staff_and_assisters_are_refused(client, county):
    for who in ("staff", "inst_admin", "hospital", "community"):
        assert client.get("/api/v1/stats?division=220102", headers=bearer(county[who])).status_code == 403, who
        login(client, county[who])
        assert client.get("/stats/220102").status_code == 403, who


def test_bad_input_names_the_field(client, county):
    h = bearer(county["county"])
    for query, field in (("division=2201", "division"), ("from=2026-13-01", "from"), ("to=yesterday", "to"),
                         ("from=2026-11-30&to=2026-11-01", "to"), ("colour=red", "colour")):
        answer = client.get(f"/api/v1/stats?{query}", headers=h)
        assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"], query


NAMES = ("申请人A", "申请人H", "申请人N", "王女士", "13800000000", "220102198001011")


def test_a_province_official_sees_counts_and_no_names(client, county):
    login(client, county["province"])
    for path in ("/stats/", "/stats/220100", "/stats/220102"):
        page = client.get(path)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert not any(n in text for n in NAMES), path
        assert county["cases"]["H"].receipt_no not in text, path  # no case-level rows above the county
        assert "投诉建议记录" not in text and "等候时间过长" not in text
    page = client.get("/stats/").get_data(as_text=True)
    assert "吉林省" in page and 'href="/stats/220100"' in page  # drill down to the city
    city = client.get("/stats/220100").get_data(as_text=True)
    assert 'href="/stats/220102"' in city and 'href="/stats/220000"' in city  # down to the county, back up
    answer = client.get("/api/v1/stats?division=220102", headers=bearer(county["province"])).get_data(as_text=True)
    assert not any(n in answer for n in NAMES) and county["cases"]["H"].receipt_no not in answer


def test_the_county_sees_what_is_late_and_who(client, county):
    login(client, county["county"])
    page = client.get("/stats/").get_data(as_text=True)
    for letter in "CEFGHB":  # overdue or due soon
        assert county["cases"][letter].receipt_no in page, letter
    assert county["cases"]["D"].receipt_no not in page  # due 12-04: neither
    assert "南关区阳光康复中心" in page and "县级转介服务人员" in page and "县级民政" in page
    assert not any(n in page for n in NAMES[:3])  # receipt numbers, never names or ID numbers
    assert "已约谈机构并整改" in page  # the complaint's outcome, for the county itself
    # The city: only past the grace, with the county and who is late; no case rows.
    login(client, county["city"])
    city = client.get("/stats/220100").get_data(as_text=True)
    assert "逾期超过 3 个工作日" in city and "朝阳区" in city and county["cases"]["E"].receipt_no not in city


def test_the_page_lists_the_earliest_late_items_and_the_export_all(client, county, monkeypatch):
    # A county with a backlog has thousands of late items: the page shows the earliest (LATE_ITEMS_SHOWN) and says
    # so; the export lists every one (docs/architecture.md#speed).
    import referral.stats.views as stats_views

    monkeypatch.setattr(stats_views, "LATE_ITEMS_SHOWN", 2)
    login(client, county["county"])
    page = client.get("/stats/").get_data(as_text=True)
    table = page.split('id="table-late_items"', 1)[1].split("</table>", 1)[0]
    shown = [letter for letter in "CEFGHB" if county["cases"][letter].receipt_no in table]
    assert table.count('<th scope="row">') == 2 and 1 <= len(shown) <= 2  # the earliest two (one may be 二号)
    assert "仅显示最早到期的 2 项" in page and 'href="/cases/?clock=overdue"' in page
    csv = client.post("/stats/220102/export?table=late_items&format=csv", data={
        "csrf_token": csrf_token(client, "/stats/220102/export"), "format": "csv", "table": "late_items",
        "reason": "督办"}).get_data(as_text=True)
    assert all(county["cases"][letter].receipt_no in csv for letter in "CEFGHB")


def test_the_date_filter(client, county):
    login(client, county["county"])
    page = client.get("/stats/220102?from=2026-10-01&to=2026-10-31")
    assert page.status_code == 200 and "2026-10-01 至 2026-10-31" in page.get_data(as_text=True)
    bad = client.get("/stats/220102?from=2026-11-30&to=2026-11-01")
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in bad.get_data(as_text=True)


def test_the_navigation_shows_the_dashboard(client, county):
    login(client, county["county"])
    assert 'href="/stats/"' in client.get("/").get_data(as_text=True)
    login(client, county["staff"])
    assert 'href="/stats/"' not in client.get("/").get_data(as_text=True)


def test_export_page_asks_a_reason(client, county):
    login(client, county["county"])
    url = "/stats/220102/export?table=referrals&format=csv"
    assert "导出理由" in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    missing = client.post(url, data={"csrf_token": token, "format": "csv", "table": "referrals", "reason": ""})
    assert missing.status_code == 422
    done = client.post(url, data={"csrf_token": token, "format": "csv", "table": "referrals", "reason": "月报"})
    assert done.status_code == 200 and done.data.startswith("\ufeff".encode())
    # The city may not export the case-level list.
    login(client, county["city"])
    url = "/stats/220102/export?table=late_items&format=csv"
    token = csrf_token(client, url)
    assert client.post(url, data={"csrf_token": token, "format": "csv", "table": "late_items",
                                  "reason": "抽查"}).status_code == 403
