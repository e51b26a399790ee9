"""需求数据 pages (docs/domain.md#demand-data): upload → progress page → done with the report; scope (an
official imports for their area only and sees only the imports of their area); the figures table."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from referral.demand import services
from referral.demand.models import DemandImport
from referral.extensions import db
from tests.demand.conftest import CDPF_SAMPLE, HEALTH_SAMPLE
from tests.demand.samples.make_samples import BAD_LINES
from tests.helpers import csrf_token, login

OUT_OF_SCOPE = "不在您的管辖范围"


def upload(client, path, *, source="health", name=None):
    return client.post("/demand/", data={"csrf_token": csrf_token(client, "/demand/"), "source": source,
                                         "file": (io.BytesIO(path.read_bytes()), name or path.name)},
                       content_type="multipart/form-data")


def test_upload_shows_progress_then_the_report(client, officials):
    login(client, officials["city"])
    page = client.get("/demand/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "本辖区还没有导入名单" in html and 'enctype="multipart/form-data"' in html
    response = upload(client, HEALTH_SAMPLE)
    assert response.status_code == 302
    import_id = int(re.search(r"/demand/imports/(\d+)$", response.location).group(1))
    # Tests run tasks right after the commit that asked for them: the import is already done.
    status = client.get(f"/demand/imports/{import_id}/status").get_json()
    # The city official of 长春市: the rows of 吉林市 and 北京市 are outside their area.
    assert status == {"id": import_id, "state": "done", "total": 27, "done": 27, "percent": 100, "good": 16,
                      "bad": 11, "added": 16, "error": None}
    report = client.get(f"/demand/imports/{import_id}").get_data(as_text=True)
    assert "错误行（未导入）" in report and "<progress" in report and 'http-equiv="refresh"' not in report
    for line, reason in BAD_LINES["health"].items():
        assert f"<td>{line}</td><td>{reason}" in report
    assert report.count(OUT_OF_SCOPE) == 4
    csv_text = client.get(f"/demand/imports/{import_id}/bad-rows.csv").data.decode("utf-8")
    assert csv_text.startswith("\ufeff行号,原因") and csv_text.count("\n") == 12
    index = client.get("/demand/").get_data(as_text=True)
    assert "health_sample.csv" in index and "市民政" in index and "长春市南关区（220102）" in index


def test_a_queued_import_shows_a_progress_bar_that_refreshes_itself(client, officials):
    imp = services.request_import(actor=officials["county"], source="cdpf", file_name="cdpf.xlsx",
                                  content=CDPF_SAMPLE.read_bytes(), enqueue=False)
    db.session.commit()
    login(client, officials["county"])
    page = client.get(f"/demand/imports/{imp.id}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert 'data-status-url="/demand/imports/%d/status"' % imp.id in page and "<progress" in page
    assert "排队中" in page and "错误行（未导入）" not in page
    services.run_import(imp.id)
    page = client.get(f"/demand/imports/{imp.id}").get_data(as_text=True)
    assert "错误行（未导入）" in page and 'http-equiv="refresh"' not in page


def test_a_county_officials_rows_of_other_counties_are_bad_rows(client, officials):
    login(client, officials["county"])
    response = upload(client, HEALTH_SAMPLE)
    imp = db.session.scalar(select(DemandImport))
    assert response.status_code == 302 and imp.division_code == "220102"
    # 8 people of 南关区; the other 12 are of other counties, reported like any bad row.
    assert (imp.good, imp.bad) == (8, 19)
    assert sum(1 for r in imp.bad_rows if r["reason"] == OUT_OF_SCOPE) == 12


def test_another_area_answers_404(client, officials, create_user):
    from referral.auth.permissions import Role

    imp = services.request_import(actor=officials["county"], source="health", file_name="a.csv",
                                  content=HEALTH_SAMPLE.read_bytes(), enqueue=False)
    db.session.commit()
    services.run_import(imp.id)
    seers = {"county": 200, "city": 200, "province": 200, "other_county": 404, "other_city": 404}
    for who, expected in seers.items():
        login(client, officials[who])
        for suffix in ("", "/status", "/bad-rows.csv"):
            assert client.get(f"/demand/imports/{imp.id}{suffix}").status_code == expected, (who, suffix)
        listed = client.get("/demand/").get_data(as_text=True)
        assert (f"/demand/imports/{imp.id}\"" in listed) == (expected == 200)
    login(client, create_user(Role.SYSADMIN, username="root"))
    assert client.get(f"/demand/imports/{imp.id}").status_code == 200


def test_each_official_sees_the_figures_of_their_area(client, officials, import_list):
    import_list(HEALTH_SAMPLE.read_bytes())
    login(client, officials["other_county"])  # 朝阳区: 5 listed
    html = client.get("/demand/").get_data(as_text=True)
    assert "长春市朝阳区（220104）" in html and "长春市南关区" not in html
    login(client, officials["other_city"])  # 吉林市: 昌邑区 only
    html = client.get("/demand/").get_data(as_text=True)
    assert "吉林市昌邑区（220202）" in html and "长春市" not in html


def test_a_file_that_is_not_a_list_is_refused_on_the_form(client, officials, tmp_path):
    login(client, officials["county"])
    bad = tmp_path / "名单.csv"
    bad.write_text("姓名,电话\n张三,123\n", encoding="utf-8")
    response = upload(client, bad)
    assert response.status_code == 422
    assert "表头缺少必需的列" in response.get_data(as_text=True)
    other = tmp_path / "list.txt"
    other.write_text("x", encoding="utf-8")
    response = upload(client, other)
    assert response.status_code == 422 and "只能导入 CSV 或 XLSX 文件" in response.get_data(as_text=True)
    assert db.session.scalar(select(DemandImport.id)) is None


def test_the_navigation_offers_the_page_to_officials_only(client, officials, create_user):
    from referral.auth.permissions import Role

    login(client, officials["province"])
    assert "需求数据" in client.get("/").get_data(as_text=True)
    login(client, create_user(Role.REFERRAL_OFFICER, username="ro", division="220102"))
    assert "需求数据" not in client.get("/").get_data(as_text=True)
