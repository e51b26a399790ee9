from __future__ import annotations

import pytest
from sqlalchemy import func

from referral.divisions.models import Division, DivisionLevel
from referral.divisions.services import DivisionFileError, import_divisions
from tests.helpers import bearer


def counts(db):
    return dict(db.session.execute(db.select(Division.level, func.count()).group_by(Division.level)).all())


def test_cli_imports_the_national_list_and_is_idempotent(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["divisions", "import"])
    assert result.exit_code == 0, result.output
    assert counts(db) == {DivisionLevel.PROVINCE: 34, DivisionLevel.CITY: 343, DivisionLevel.COUNTY: 2849}
    again = runner.invoke(args=["divisions", "import"])
    assert again.exit_code == 0 and "0 added, 0 renamed, 3226 unchanged" in again.output


@pytest.mark.parametrize(("code", "name", "full_name", "parent"), [
    ("220102", "南关区", "长春市南关区", "220100"),
    ("110101", "东城区", "北京市东城区", "110100"),
    ("429004", "仙桃市", "仙桃市", "429000"),  # under 省直辖县级行政单位: no city in the name
    ("650000", "新疆维吾尔自治区", "新疆维吾尔自治区", None),
])
def test_real_codes_and_names(app, db, code, name, full_name, parent):
    import_divisions()
    division = db.session.get(Division, code)
    assert (division.name, division.full_name, division.parent_code) == (name, full_name, parent)


def test_historic_codes_are_not_imported(app, db):
    import_divisions()
    assert db.session.get(Division, "110103") is None  # 崇文区, merged into 东城区 in 2010
    assert db.session.get(Division, "220101") is None  # 市辖区 is a statistical placeholder, not a county


def test_a_file_renames_in_place(app, db, tmp_path):
    path = tmp_path / "rename.csv"
    path.write_text("code,name\n220102,南关区（新名）\n", encoding="utf-8")
    result = import_divisions(path)
    assert (result.added, result.renamed) == (0, 1)
    assert db.session.get(Division, "220102").name == "南关区（新名）"


@pytest.mark.parametrize(("content", "message"), [
    ("id,title\n", "header"),
    ("code,name\n22010,短\n", "not 6 digits"),
    ("code,name\n220199,\n", "no name"),
    ("code,name\n330102,上城区\n", "no parent 330100"),
])
def test_bad_files_are_refused_with_the_reason(app, db, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DivisionFileError, match=message):
        import_divisions(path)
    result = app.test_cli_runner().invoke(args=["divisions", "import", str(path)])
    assert result.exit_code != 0 and message in result.output


def test_api_lists_children(client, db, dummy_user):
    headers = bearer(dummy_user)
    provinces = client.get("/api/v1/divisions", headers=headers).get_json()["items"]
    assert [p["code"] for p in provinces] == ["110000", "220000"]  # the test slice of the list
    counties = client.get("/api/v1/divisions?parent=220100", headers=headers).get_json()["items"]
    assert {"code": "220102", "name": "南关区", "full_name": "长春市南关区", "level": "county",
            "parent": "220100"} in counties
    assert client.get("/api/v1/divisions?parent=999900", headers=headers).status_code == 404
    bad = client.get("/api/v1/divisions?parent=12", headers=headers)
    assert bad.status_code == 422 and "parent" in bad.get_json()["error"]["fields"]
    unknown = client.get("/api/v1/divisions?level=county", headers=headers)
    assert unknown.status_code == 422 and "level" in unknown.get_json()["error"]["fields"]
