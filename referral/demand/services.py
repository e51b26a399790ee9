"""Importing a demand list (docs/domain.md#demand-data): read the file (CSV in UTF-8 or GB18030, or XLSX),
check every row, keep the good ones as keyed hashes, report every bad one by its line and reason, and do it
again without adding anything (one row per person and source). Flush, never commit — except the runner,
which is a task with a transaction of its own and commits its progress as it goes, as the batch export does
(``referral/documents/exports.py: run_export``)."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import time
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm.exc import StaleDataError
from stdnum.cn import ric

from referral.audit.services import record
from referral.auth.models import User
from referral.calendar import today_in_china
from referral.cases.models import Case
from referral.demand.models import DemandImport, DemandSource, ListedPerson
from referral.demand.tasks import run_import_task
from referral.divisions.models import Division, DivisionLevel
from referral.errors import ValidationFailed
from referral.extensions import db
from referral.id_hash import HashKeyMissing, hash_key, id_hash
from referral.models import utcnow
from referral.scoping import Scope
from referral.tasks import enqueue_after_commit
from workflows.demand_import import DemandImportState, fire_demand_import

log = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5  # seconds between progress commits
BATCH = 500  # good rows per INSERT; cases per hash back-fill UPDATE

# The header names each column may carry (compared without surrounding blanks and case).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id_number": ("id_number", "身份证号", "身份证号码", "公民身份号码"),
    "division": ("division", "行政区划代码", "区划代码"),
    "name": ("name", "姓名"),  # read and thrown away: a list keeps no names
    "listed_on": ("listed_on", "登记日期", "持证日期"),
}
REQUIRED = ("id_number", "division")
COLUMN_LABELS = {"id_number": "身份证号（id_number）", "division": "行政区划代码（division）"}
OUT_OF_SCOPE = "不在您的管辖范围"
_ID_FORMAT = re.compile(r"^\d{17}[\dX]$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class ListUnreadable(Exception):
    """The file as a whole cannot be read (not a table, an unknown encoding, a required column missing)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Table:
    columns: dict[str, int]  # column key → index in a row
    rows: list[tuple[int, tuple]]  # (line number in the file, cells), blank rows left out


# --- reading the file -----------------------------------------------------------------------------------------

def read_table(content: bytes) -> Table:
    """The data rows of a CSV or XLSX file and where its columns are. XLSX is recognised by its content (a
    ZIP), not its name; anything else is read as CSV."""
    if content.startswith(b"PK\x03\x04"):
        lines = _xlsx_lines(content)
    elif content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ListUnreadable("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。")
    else:
        lines = _csv_lines(content)
    header = None
    rows: list[tuple[int, tuple]] = []
    for line, cells in lines:
        if not any(_text(c) for c in cells):
            continue
        if header is None:
            header = cells
            continue
        rows.append((line, cells))
    if header is None:
        raise ListUnreadable("文件中没有表头行。")
    return Table(columns=_columns(header), rows=rows)


def _csv_lines(content: bytes):
    if b"\x00" in content[:4096]:
        raise ListUnreadable("无法读取该文件：应为 CSV 或 XLSX 表格。")
    # UTF-8 (with or without the BOM Excel writes) first: a valid UTF-8 Chinese text is almost never valid
    # GBK by chance. Excel on Chinese Windows saves "CSV" in GBK, which GB18030 (its superset) reads.
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ListUnreadable("无法识别文件的字符编码，请另存为“CSV UTF-8”后再导入。") from exc
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out, line = [], 1
    try:
        for cells in reader:
            out.append((line, tuple(cells)))
            line = reader.line_num + 1  # a quoted cell may span lines: the next record starts after it
    except csv.Error as exc:
        raise ListUnreadable(f"第 {line} 行无法按 CSV 读取：{exc}") from exc
    return out


def _xlsx_lines(content: bytes):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ListUnreadable("无法读取该 XLSX 文件，请在 Excel 中打开后重新保存。") from exc
    try:
        if not book.worksheets:
            raise ListUnreadable("XLSX 文件中没有工作表。")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong sheet size; read every row there is
        return [(line, tuple(cells)) for line, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True),
                                                                   start=1)]
    finally:
        book.close()


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def _columns(header) -> dict[str, int]:
    names = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = names.get(_text(cell).lower())
        if key is not None and key not in found:
            found[key] = index
    missing = [COLUMN_LABELS[k] for k in REQUIRED if k not in found]
    if missing:
        raise ListUnreadable("表头缺少必需的列：" + "、".join(missing) + "。第一行应为列名，例如“身份证号,行政区划代码,姓名,登记日期”。")
    return found


# --- checking a row -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Checker:
    """What a row is checked against: the counties that exist, the importer's area, today."""

    counties: frozenset[str]
    known: frozenset[str]
    scope: Scope
    today: date
    key: bytes

    @classmethod
    def build(cls, scope: Scope, key: bytes) -> Checker:
        levels = dict(db.session.execute(select(Division.code, Division.level)).all())
        return cls(counties=frozenset(c for c, lv in levels.items() if lv == DivisionLevel.COUNTY),
                   known=frozenset(levels), scope=scope, today=today_in_china(), key=key)

    def check(self, cells: tuple, columns: dict[str, int]) -> tuple[str, str, date | None] | str:
        """(hash, county, listed on) of a good row, or the reason it is bad (never quoting the number)."""

        def cell(key):
            index = columns.get(key)
            return cells[index] if index is not None and index < len(cells) else None

        raw_id = cell("id_number")
        if isinstance(raw_id, float):  # a float holds 15-16 digits: Excel has dropped the last ones
            return "身份证号被存成了数字，后几位已丢失；请把该列设为文本格式后重新导出"
        number = _text(raw_id).upper()
        if not number:
            return "缺少身份证号"
        if not _ID_FORMAT.match(number):
            return "身份证号格式不正确（应为 18 位：17 位数字加 1 位校验码）"
        if ric.calc_check_digit(number) != number[17]:
            return "身份证号校验位不正确"
        division = _text(cell("division"))
        if not division:
            return "缺少行政区划代码"
        if not re.fullmatch(r"\d{6}", division):
            return f"行政区划代码“{division[:12]}”应为 6 位数字"
        if division not in self.known:
            return f"行政区划代码“{division}”不存在"
        if division not in self.counties:
            return f"行政区划代码“{division}”不是县级"
        if not self.scope.covers_division(division):
            return OUT_OF_SCOPE
        listed_on = _date(cell("listed_on"))
        if isinstance(listed_on, str):
            return listed_on
        if listed_on is not None and listed_on > self.today:
            return "日期晚于今天"
        return id_hash(number, key=self.key), division, listed_on


def _date(value) -> date | None | str:
    """The cell as a date, None when blank, or the reason it is not a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE.match(text)
    if match:
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            pass
    return f"日期“{text[:20]}”无法识别（应为 YYYY-MM-DD）"


# --- asking for an import -------------------------------------------------------------------------------------

def max_megabytes() -> int:
    return current_app.config["DEMAND_IMPORT_MAX_BYTES"] // (1024 * 1024)


def clean_file_name(name: str) -> str:
    base = PurePath((name or "").replace("\\", "/")).name.strip() or "upload"
    return base[-128:]


def request_import(*, actor, source: str, file_name: str, content: bytes, enqueue: bool = True) -> DemandImport:
    """Check that the file can be read and a key exists, keep the file on a new import and queue it (the web
    page) — or leave it for the caller to run (the CLI, ``enqueue=False``)."""
    try:
        hash_key()
    except HashKeyMissing as exc:
        raise ValidationFailed(exc.message, fields={"file": [exc.message]}) from exc
    limit = current_app.config["DEMAND_IMPORT_MAX_BYTES"]
    if not content:
        raise ValidationFailed(fields={"file": [_("文件为空。")]})
    if len(content) > limit:
        raise ValidationFailed(fields={"file": [_("文件超过 %(n)d MB，请分成几个文件导入。", n=max_megabytes())]})
    try:
        read_table(content)
    except ListUnreadable as exc:
        raise ValidationFailed(exc.message, fields={"file": [exc.message]}) from exc
    imp = DemandImport(source=DemandSource(source), file_name=clean_file_name(file_name),
                       sha256=hashlib.sha256(content).hexdigest(), size=len(content), content=content,
                       imported_by_id=getattr(actor, "id", None), imported_by_name=getattr(actor, "name", "") or "",
                       division_code=None if actor is None or Scope.of(actor).national else actor.division_code)
    db.session.add(imp)
    db.session.flush()
    if enqueue:
        enqueue_after_commit(run_import_task, imp.id)
    # Counts and the file's hash, never its name (it may name a person) nor a row of it.
    record("demand.import_request", "demand_import", imp.id, actor=actor, division_code=imp.division_code,
           source=imp.source.value, sha256=imp.sha256, size=imp.size)
    return imp


# --- running it -----------------------------------------------------------------------------------------------

def claim(import_id: int) -> DemandImport | None:
    """queued → running, committed; None if the import is not queued or another runner claimed it first."""
    imp = db.session.get(DemandImport, import_id)
    if imp is None or imp.state != DemandImportState.QUEUED:
        return None
    fire_demand_import(imp, "start")
    imp.started_at = utcnow()
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return None
    return imp


def run_import(import_id: int) -> DemandImport | None:
    """Run a queued import to its end (done or failed); the task's and the CLI's one call."""
    imp = claim(import_id)
    if imp is None:
        return None
    try:
        _import_rows(imp)
    except (ListUnreadable, HashKeyMissing) as exc:
        db.session.rollback()
        _fail(import_id, exc.message)
    except Exception as exc:  # noqa: BLE001  the import must end failed, with a reason, whatever went wrong
        log.exception("demand import %s failed", import_id)
        db.session.rollback()
        _fail(import_id, f"{type(exc).__name__}: {exc}")
    return db.session.get(DemandImport, import_id)


def _fail(import_id: int, message: str) -> None:
    imp = db.session.get(DemandImport, import_id)
    if imp is None:
        return
    fire_demand_import(imp, "fail")
    imp.error, imp.content, imp.finished_at = message[:500], None, utcnow()
    record("demand.import_failed", "demand_import", imp.id, actor=_importer(imp), division_code=imp.division_code,
           source=imp.source.value)
    db.session.commit()


def _importer(imp: DemandImport) -> User | None:
    return db.session.get(User, imp.imported_by_id) if imp.imported_by_id is not None else None


def _area(imp: DemandImport) -> Scope:
    """The importer's area as it is now (a moved or disabled official imports nothing more); the CLI's and a
    sysadmin's is the whole country."""
    if imp.imported_by_id is None:
        return Scope(national=True)
    return Scope.of(_importer(imp))


def _import_rows(imp: DemandImport) -> None:
    key = hash_key()
    table = read_table(imp.content or b"")
    backfill_case_hashes(key)
    checker = Checker.build(_area(imp), key)
    source = imp.source
    imp.total = len(table.rows)
    db.session.commit()

    seen: dict[str, int] = {}  # hash → first line naming it in this file
    bad_rows: list[dict] = []
    pending: list[dict] = []
    good = 0
    last_commit = time.monotonic()
    for done, (line, cells) in enumerate(table.rows, start=1):
        outcome = checker.check(cells, table.columns)
        if isinstance(outcome, str):
            bad_rows.append({"line": line, "reason": outcome})
        elif outcome[0] in seen:
            bad_rows.append({"line": line, "reason": f"与第 {seen[outcome[0]]} 行重复（同一身份证号）"})
        else:
            digest, division, listed_on = outcome
            seen[digest] = line
            good += 1
            pending.append({"source": source, "id_hash": digest, "division_code": division, "listed_on": listed_on,
                            "import_id": imp.id, "created_at": utcnow()})
        if len(pending) >= BATCH:
            _insert_new(pending)
            pending = []
        if time.monotonic() - last_commit >= PROGRESS_EVERY:
            imp.done = done
            db.session.commit()
            last_commit = time.monotonic()
    if pending:
        _insert_new(pending)
    added = db.session.scalar(select(func.count()).select_from(ListedPerson)
                              .where(ListedPerson.import_id == imp.id)) or 0
    fire_demand_import(imp, "finish")
    imp.done, imp.good, imp.bad, imp.added = imp.total, good, len(bad_rows), added
    imp.bad_rows, imp.content, imp.finished_at = bad_rows, None, utcnow()
    record("demand.import", "demand_import", imp.id, actor=_importer(imp), division_code=imp.division_code,
           source=source.value, sha256=imp.sha256, total=imp.total, good=good, bad=len(bad_rows), added=added)
    db.session.commit()


def _insert_new(rows: list[dict]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on (source, id_hash): a person listed before stays as first listed,
    and two imports running at once cannot both add the same person."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(ListedPerson.__table__).on_conflict_do_nothing(index_elements=["source", "id_hash"])
    db.session.execute(stmt, rows)


def backfill_case_hashes(key: bytes | None = None) -> int:
    """Hash the ID number of every case that has none yet (entered before a key existed); how many.
    A plain UPDATE of the derived column: it is no change of the case, so its version stays."""
    key = key or hash_key()
    table = Case.__table__
    update = table.update().where(table.c.id == bindparam("case_id")).values(applicant_id_hash=bindparam("digest"))
    filled = 0
    while True:
        batch = db.session.execute(select(Case.id, Case.applicant_id_number)
                                   .where(Case.applicant_id_hash.is_(None)).order_by(Case.id).limit(BATCH)).all()
        if not batch:
            return filled
        db.session.execute(update, [{"case_id": case_id, "digest": id_hash(number, key=key)}
                                    for case_id, number in batch])
        filled += len(batch)
