"""Import of the national division list. Idempotent: a second run changes nothing; a renamed
division is updated in place (codes are stable in GB/T 2260, names occasionally change)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from referral.audit.services import record
from referral.divisions.models import Division, level_of, parent_code_of
from referral.extensions import db

DEFAULT_FILE = Path(__file__).parent / "data" / "divisions.csv"


class DivisionFileError(ValueError):
    pass


@dataclass
class ImportResult:
    added: int = 0
    renamed: int = 0
    unchanged: int = 0


def read_division_file(path: Path) -> dict[str, str]:
    """CSV with a header row ``code,name``; codes are 6 digits; every parent must be in the file."""
    rows: dict[str, str] = {}
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or not {"code", "name"} <= set(reader.fieldnames):
            raise DivisionFileError(f"{path}: the header must name the columns code,name")
        for lineno, row in enumerate(reader, start=2):
            code, name = (row["code"] or "").strip(), (row["name"] or "").strip()
            if len(code) != 6 or not code.isdigit():
                raise DivisionFileError(f"{path}:{lineno}: code {code!r} is not 6 digits")
            if not name:
                raise DivisionFileError(f"{path}:{lineno}: division {code} has no name")
            if code in rows and rows[code] != name:
                raise DivisionFileError(f"{path}:{lineno}: code {code} appears twice")
            rows[code] = name
    for code in rows:
        parent = parent_code_of(code)
        if parent is not None and parent not in rows and db.session.get(Division, parent) is None:
            raise DivisionFileError(f"{path}: {code} {rows[code]} has no parent {parent} in the file")
    return rows


def import_divisions(path: Path | None = None, *, actor=None) -> ImportResult:
    rows = read_division_file(path or DEFAULT_FILE)
    existing = {d.code: d for d in db.session.scalars(db.select(Division))}
    result = ImportResult()
    # Parents first (provinces, then cities, then counties) so foreign keys hold at every flush.
    for code in sorted(rows, key=lambda c: (level_of(c) != "province", level_of(c) != "city", c)):
        name = rows[code]
        division = existing.get(code)
        if division is None:
            db.session.add(Division(code=code, name=name, level=level_of(code), parent_code=parent_code_of(code)))
            result.added += 1
        elif division.name != name:
            division.name = name
            result.renamed += 1
        else:
            result.unchanged += 1
    db.session.flush()
    if result.added or result.renamed:
        record("divisions.import", "division", None, actor=actor, file=str(path or DEFAULT_FILE.name),
               added=result.added, renamed=result.renamed)
        db.session.flush()
    return result
