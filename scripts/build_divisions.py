"""Rebuild referral/divisions/data/divisions.csv from the GB/T 2260 table that python-stdnum ships
(stdnum/cn/loc.dat, compiled from the 中华人民共和国行政区划代码 lists), keeping only codes in use today.

Run after upgrading python-stdnum:  .venv/bin/python scripts/build_divisions.py
The CSV is committed so that the import is reviewable and does not change under a library upgrade."""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import stdnum

LOC = Path(stdnum.__file__).parent / "cn" / "loc.dat"
OUT = Path(__file__).resolve().parent.parent / "referral" / "divisions" / "data" / "divisions.csv"
MUNICIPALITIES = {"11", "12", "31", "50"}
ALT = re.compile(r"^(?:\[(?P<start>\d{4})?-(?P<end>\d{4})?\])?(?P<name>.+)$")


def current_name(field: str) -> str | None:
    """'[1983-1994]二道河子区,[1995-]二道区' → '二道区'; None when no alternative is current."""
    for alt in field.split(","):
        m = ALT.match(alt.strip())
        if m and not m.group("end"):
            return m.group("name")
    return None


def parse(lines):
    rows: dict[str, str] = {}
    province = province_name = None
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province, rest = line.split(" ", 1)
            province_name = current_name(re.search(r'province="([^"]*)"', rest).group(1))
            if province_name:
                rows[province + "0000"] = province_name
            continue
        suffix, rest = line.strip().split(" ", 1)
        if suffix == "0000" or province_name is None:
            continue
        name = current_name(re.search(r'county="([^"]*)"', rest).group(1))
        if name is None:
            continue
        code = province + suffix
        if suffix.endswith("00"):  # city level
            if province in MUNICIPALITIES:
                name = province_name if name == "市辖区" else f"{province_name}（{name}）"
            elif name.startswith("省直辖"):  # 省直辖县级行政单位/区划 → 湖北省直辖县级行政单位
                name = province_name + name[1:]
            rows[code] = name
        elif name not in ("市辖区",):  # 市辖区 under a city is a statistical placeholder, not a county
            rows[code] = name
    # Drop counties whose city is no longer current (none expected; reported so a human looks).
    orphans = [c for c in rows if not c.endswith("00") and c[:4] + "00" not in rows]
    for code in orphans:
        print(f"skipping {code} {rows.pop(code)}: its city {code[:4]}00 is not current", file=sys.stderr)
    return rows


def main():
    rows = parse(LOC.read_text(encoding="utf-8").splitlines())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name"])
        for code in sorted(rows):
            writer.writerow([code, rows[code]])
    levels = {"province": 0, "city": 0, "county": 0}
    for code in rows:
        levels["province" if code.endswith("0000") else "city" if code.endswith("00") else "county"] += 1
    print(f"wrote {OUT}: {levels}")


if __name__ == "__main__":
    main()
