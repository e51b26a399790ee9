"""The code lists the person's record chooses from, shipped as data (referral/cases/data/): the 56 民族 of
GB/T 3304 (with 97 其他未识别民族 and 98 外国血统中国籍人士), and the categories F00–F99 of ICD-10 chapter V
(精神和行为障碍) with their Chinese names. Forms offer them as selects; nobody types a code
(docs/domain.md#the-persons-record)."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _read(name: str) -> dict[str, str]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return {row["code"]: row["name"] for row in csv.DictReader(fh)}


ETHNIC_GROUPS: dict[str, str] = _read("ethnic_groups.csv")  # "01" → 汉族
ICD10_F: dict[str, str] = _read("icd10_f.csv")  # "F20" → 精神分裂症


def diagnosis_text(icd10: str | None, name: str | None) -> str:
    """"F20 精神分裂症" as the forms print it; a diagnosis outside the list is its name alone."""
    if not icd10:
        return ""
    if icd10 not in ICD10_F:
        return name or ""
    return f"{icd10} {name or ICD10_F[icd10]}"
