"""Writes the two sample demand lists of tests/demand/ (docs/domain.md#demand-data) — run it after changing
the rows: ``python tests/demand/samples/make_samples.py``.

Every person is FAKE: the numbers are built here (a county code of the test divisions, a birth date, a
sequence number, the right check character), the names are common ones. Each file has 20 good rows and
then one bad row of each kind, at the lines ``BAD_LINES`` names (the tests assert them)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from stdnum.cn import ric

HERE = Path(__file__).resolve().parent


def fake_id(county: str, birth: str, seq: int) -> str:
    base = f"{county}{birth}{seq:03d}"
    return base + ric.calc_check_digit(base + "0")


def with_x(county: str, birth: str) -> str:
    """A number whose check character is X (written lower-case in the files: the import upper-cases it)."""
    for seq in range(1, 1000):
        number = fake_id(county, birth, seq)
        if number.endswith("X"):
            return number[:-1] + "x"
    raise AssertionError("no sequence gives X")


# (county, birth date, sequence, name, listed on): 南关区 8, 朝阳区 5, 宽城区 3, 吉林市昌邑区 2, 北京市朝阳区 2.
PEOPLE = [
    ("220102", "19780312", 21, "张伟", "2019-04-02"), ("220102", "19850724", 33, "王秀英", "2020/6/18"),
    ("220102", "19660105", 45, "李强", "2018年11月3日"), ("220102", "19920917", 12, "刘洋", "20210315"),
    ("220102", "19710430", 57, "陈静", ""), ("220102", "19880208", 64, "杨磊", "2022-01-20"),
    ("220102", "19590611", 71, "赵敏", "2017-09-09"), ("220102", "19950103", None, "黄晓东", "2023-03-01"),
    ("220104", "19801122", 18, "周杰", "2019-12-12"), ("220104", "19730815", 26, "吴芳", "2020-02-29"),
    ("220104", "19900406", 39, "徐明", ""), ("220104", "19641219", 42, "孙丽", "2016-05-05"),
    ("220104", "19870527", 53, "马超", "2021-08-30"),
    ("220103", "19790701", 61, "朱红", "2018-03-14"), ("220103", "19931030", 77, "胡军", "2022-10-10"),
    ("220103", "19680214", 84, "郭燕", ""),
    ("220202", "19820909", 15, "何勇", "2020-07-07"), ("220202", "19751111", 29, "高洁", "2019-01-15"),
    ("110105", "19860318", 36, "林涛", "2021-04-01"), ("110105", "19700620", 48, "罗梅", "2018-06-06"),
]


def good_ids() -> list[str]:
    return [with_x(c, b) if seq is None else fake_id(c, b, seq) for c, b, seq, _n, _d in PEOPLE]


# Lines of the bad rows (the header is line 1, the good rows lines 2–21), and the start of each reason.
BAD_LINES = {
    "health": {22: "缺少身份证号", 23: "身份证号格式不正确", 24: "身份证号校验位不正确", 25: "行政区划代码“229999”不存在",
               26: "行政区划代码“220100”不是县级", 27: "日期“2023-13-45”无法识别", 28: "与第 2 行重复"},
    "cdpf": {22: "缺少身份证号", 23: "身份证号被存成了数字", 24: "身份证号校验位不正确", 25: "行政区划代码“229999”不存在",
             26: "行政区划代码“220100”不是县级", 27: "日期“去年”无法识别", 28: "与第 3 行重复"},
}


def bad_checksum(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def health_rows() -> list[list[str]]:
    ids = good_ids()
    rows = [[number, county, name, listed] for number, (county, _b, _s, name, listed) in zip(ids, PEOPLE, strict=True)]
    rows += [
        ["", "220102", "钱进", "2020-01-01"],
        [ids[0][:17], "220102", "孙武", "2020-01-01"],
        [bad_checksum(fake_id("220102", "19810101", 91)), "220102", "冯雪", "2020-01-01"],
        [fake_id("220102", "19810202", 92), "229999", "沈阳", "2020-01-01"],
        [fake_id("220102", "19810303", 93), "220100", "韩梅", "2020-01-01"],
        [fake_id("220102", "19810404", 94), "220102", "唐宁", "2023-13-45"],
        [ids[0], "220102", "张伟", "2019-04-02"],
    ]
    return rows


def write_health(path: Path) -> None:
    lines = ["身份证号,行政区划代码,姓名,登记日期"] + [",".join(row) for row in health_rows()]
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))  # as Excel's "CSV UTF-8" writes


def write_cdpf(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "持证精神残疾人"
    sheet.append(["序号", "姓名", "身份证号码", "行政区划代码", "残疾等级", "持证日期"])  # extra columns are ignored
    ids = good_ids()
    # 残联's list: the same fake people in reverse order, counties as numbers (as Excel keeps them), dates as dates.
    for index, (number, (county, _b, _s, name, _d)) in enumerate(reversed(list(zip(ids, PEOPLE, strict=True))), 1):
        sheet.append([index, name, number, int(county), f"精神{index % 4 + 1}级", date(2015 + index % 8, index % 12 + 1, 10)])
    sheet.append([21, "钱进", None, 220102, "精神二级", date(2020, 1, 1)])
    sheet.append([22, "孙武", float(fake_id("220102", "19810505", 95)[:17] + "0"), 220102, "精神二级", date(2020, 1, 1)])
    sheet.append([23, "冯雪", bad_checksum(fake_id("220102", "19810606", 96)), 220102, "精神三级", date(2020, 1, 1)])
    sheet.append([24, "沈阳", fake_id("220102", "19810707", 97), 229999, "精神三级", date(2020, 1, 1)])
    sheet.append([25, "韩梅", fake_id("220102", "19810808", 98), "220100", "精神四级", date(2020, 1, 1)])
    sheet.append([26, "唐宁", fake_id("220102", "19810909", 99), 220102, "精神四级", "去年"])
    sheet.append([27, "林涛", ids[-2], 110105, "精神一级", date(2020, 1, 1)])  # repeats line 3 (rows are reversed)
    sheet.column_dimensions["C"].number_format = "@"
    book.save(path)


if __name__ == "__main__":
    write_health(HERE / "health_sample.csv")
    write_cdpf(HERE / "cdpf_sample.xlsx")
    print("wrote", HERE / "health_sample.csv", HERE / "cdpf_sample.xlsx")
