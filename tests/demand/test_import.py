"""Importing the demand lists (issue 11.5, docs/domain.md#demand-data): the good rows are kept as keyed
hashes, every bad row is reported with its line and reason, and importing again adds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from referral.audit.models import AuditEntry
from referral.demand.models import DemandImport, ListedPerson
from referral.extensions import db
from referral.id_hash import id_hash
from tests.demand.conftest import CDPF_SAMPLE, HEALTH_SAMPLE
from tests.demand.samples.make_samples import BAD_LINES, PEOPLE, good_ids


def listed(source: str | None = None) -> int:
    stmt = select(func.count()).select_from(ListedPerson)
    if source:
        stmt = stmt.where(ListedPerson.source == source)
    return db.session.scalar(stmt)


def reasons(imp: DemandImport) -> dict[int, str]:
    return {row["line"]: row["reason"] for row in imp.bad_rows}


def assert_bad_lines(imp: DemandImport, expected: dict[int, str]) -> None:
    got = reasons(imp)
    assert sorted(got) == sorted(expected)
    for line, start in expected.items():
        assert got[line].startswith(start), (line, got[line])


def test_the_health_sample_keeps_good_rows_and_reports_each_bad_one(import_list):
    imp = import_list(HEALTH_SAMPLE.read_bytes(), source="health", name="health_sample.csv")
    assert str(imp.state) == "done"
    assert (imp.total, imp.good, imp.bad, imp.added, imp.done) == (27, 20, 7, 20, 27)
    assert_bad_lines(imp, BAD_LINES["health"])
    assert listed("health") == 20 and listed("cdpf") == 0
    # Kept as the keyed hash of the normalised number (the lower-case x of the file read as X), in its county.
    kept = dict(db.session.execute(select(ListedPerson.id_hash, ListedPerson.division_code)).all())
    assert kept == {id_hash(n.upper()): c for n, (c, *_rest) in zip(good_ids(), PEOPLE, strict=True)}
    dates = {r.listed_on.isoformat() if r.listed_on else None for r in db.session.scalars(select(ListedPerson))}
    assert {"2019-04-02", "2020-06-18", "2018-11-03", "2021-03-15", None} <= dates
    assert imp.content is None  # the file is not kept once the import ended


def test_importing_the_same_file_again_adds_nothing(import_list):
    first = import_list(HEALTH_SAMPLE.read_bytes())
    again = import_list(HEALTH_SAMPLE.read_bytes())
    assert (again.good, again.bad, again.added) == (20, 7, 0)
    assert listed() == 20
    # Rows of the first import stay its own; the second is recorded, saying 0 new.
    assert db.session.scalar(select(func.count()).select_from(ListedPerson)
                             .where(ListedPerson.import_id == first.id)) == 20
    assert db.session.scalar(select(func.count()).select_from(DemandImport)) == 2
    actions = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "demand.import")
                                 .order_by(AuditEntry.id)).all()
    assert [(a["good"], a["bad"], a["added"]) for a in actions] == [(20, 7, 20), (20, 7, 0)]


def test_the_same_people_on_the_other_list_are_listed_there_too(import_list):
    import_list(HEALTH_SAMPLE.read_bytes(), source="health")
    imp = import_list(CDPF_SAMPLE.read_bytes(), source="cdpf", name="cdpf_sample.xlsx")
    assert (imp.total, imp.good, imp.bad, imp.added) == (27, 20, 7, 20)
    assert listed("health") == 20 and listed("cdpf") == 20


def test_the_xlsx_sample_is_read_with_its_numbers_dates_and_extra_columns(import_list):
    imp = import_list(CDPF_SAMPLE.read_bytes(), source="cdpf", name="cdpf_sample.xlsx")
    assert str(imp.state) == "done" and (imp.good, imp.bad, imp.added) == (20, 7, 20)
    assert_bad_lines(imp, BAD_LINES["cdpf"])
    # The county cells are numbers in the sheet, the dates real dates.
    assert {r.division_code for r in db.session.scalars(select(ListedPerson))} == {c for c, *_r in PEOPLE}
    assert all(r.listed_on is not None for r in db.session.scalars(select(ListedPerson)))


def test_a_gbk_csv_from_excel_on_chinese_windows_is_read(import_list):
    ids = good_ids()[:3]
    text = "id_number,name,division,listed_on\r\n" + "".join(
        f"{n},{name},{c},{d}\r\n" for n, (c, _b, _s, name, d) in zip(ids, PEOPLE, strict=False))
    text += "这不是身份证号,王五,220102,\r\n"
    imp = import_list(text.encode("gbk"), name="名单.csv")
    assert (imp.good, imp.bad, imp.added) == (3, 1, 3)
    assert reasons(imp) == {5: "身份证号格式不正确（应为 18 位：17 位数字加 1 位校验码）"}


def test_line_numbers_count_blank_lines_and_quoted_line_breaks(import_list):
    one, two = good_ids()[:2]
    text = f'身份证号,行政区划代码,姓名\n{one},220102,"张\n伟"\n\n{two},220102,王秀英\n{two},220102,王秀英\n'
    imp = import_list(text.encode("utf-8"))
    assert reasons(imp) == {6: "与第 5 行重复（同一身份证号）"}


@pytest.mark.parametrize(("content", "message"), [
    ("姓名,登记日期\n张三,2020-01-01\n".encode(), "表头缺少必需的列：身份证号（id_number）、行政区划代码（division）"),
    (b"", "文件为空"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "这是旧版 Excel（.xls）文件"),
    (b"PK\x03\x04 not really a zip", "无法读取该 XLSX 文件"),
])
def test_an_unreadable_file_is_refused_before_anything_is_kept(import_list, content, message):
    from referral.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        import_list(content)
    assert caught.value.fields["file"][0].startswith(message)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(DemandImport)) == 0


def test_a_future_date_is_a_bad_row(import_list):
    from referral.calendar import today_in_china

    number = good_ids()[0]
    tomorrow = today_in_china().toordinal() + 1
    from datetime import date

    imp = import_list(f"身份证号,行政区划代码,登记日期\n{number},220102,{date.fromordinal(tomorrow).isoformat()}\n".encode())
    assert reasons(imp) == {2: "日期晚于今天"}
