"""What a backup holds and how it goes back (docs/running.md#backups).

The archive (``archive.py``: encrypted, streamed) is a tar of

    database.sqlite | database.pgdump   the database: SQLite's online backup API, or ``pg_dump -Fc``
    attachments/ab/cd/<sha256>          every kept file of the attachment store
    manifest.json                       schema revision, row count of every table, SHA-256 of every
                                        attachment file and of every issued document, time, platform version

The database is copied first and the files after: a file is kept before the row that names it commits
(attachments/storage.py: keep), so every file a copied row names is already there when the store is walked.
Row counts and document hashes are taken from the same snapshot as the copy (the copied SQLite file; on
PostgreSQL the transaction whose snapshot ``pg_dump --snapshot`` uses), so they describe exactly what was copied.

A restore goes into an empty database only — it never merges or overwrites people's records — and touches
nothing until the whole archive has been decrypted and authenticated into a private staging directory. Then
it checks what it restored against the manifest and fails (non-zero exit) on any difference."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from referral.attachments import storage
from referral.backup.archive import KEY_HINT, BackupError, DecryptingReader, EncryptingWriter, parse_key
from referral.extensions import db
from referral.filemodes import FILE_MODE, open_private, private_dir

FORMAT = "referral-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ATTACHMENTS = "attachments/"
DUMPS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
# Tables whose rows a freshly migrated database already has: a database holding only these is "empty".
SCHEMA_TABLES = {"alembic_version"}
_CHUNK = 1024 * 1024


@dataclass
class Result:
    manifest: dict
    warnings: list[str] = field(default_factory=list)


# --- the key ------------------------------------------------------------------------------------------------

def backup_key(*, create: bool) -> tuple[bytes, str | None]:
    """The backup key from ``BACKUP_KEY`` (environment ``REFERRAL_BACKUP_KEY``), and a warning to print, if any.

    The embedded default (SQLite) may make one into ``<instance>/backup_key`` (0600) when backing up, like its
    secret key: a backup that cannot be made because nobody set a key protects nobody. But a key kept beside
    the backups protects nothing either, hence the loud warning. A server installation must set it."""
    configured = current_app.config.get("BACKUP_KEY")
    if configured:
        return parse_key(str(configured)), None
    path = Path(current_app.instance_path) / "backup_key"
    if _dialect() == "sqlite":
        if path.exists():
            return parse_key(path.read_text()), None
        if create:
            from referral.backup.archive import new_key_text

            with open_private(path, "w") as fh:
                fh.write(new_key_text() + "\n")
            return parse_key(path.read_text()), (
                f"警告：没有设置 REFERRAL_BACKUP_KEY，已生成新的备份密钥并保存在 {path}（仅本账号可读）。"
                "没有这个密钥，备份就无法恢复：请立即把它抄送到与备份分开的安全位置（例如保险柜里的 U 盘），"
                "并且不要把它和备份文件放在一起。")
    raise BackupError(f"没有备份密钥：请设置环境变量 REFERRAL_BACKUP_KEY。{KEY_HINT}")


# --- backup -------------------------------------------------------------------------------------------------

def create_backup(target: Path, key: bytes) -> Result:
    """Write the encrypted archive to ``target`` (0600; written beside it and renamed, so a failed backup
    never replaces a good one)."""
    target = Path(target).resolve()
    private_dir(target.parent)
    result = Result(manifest={})
    staging = Path(tempfile.mkdtemp(prefix=".backup-", dir=target.parent))  # mkdtemp: mode 0700
    partial = staging / "archive.partial"
    try:
        dialect = _dialect()
        dump = staging / DUMPS[dialect]
        if dialect == "sqlite":
            database = _dump_sqlite(dump)
        else:
            database = _dump_postgresql(dump)
        documents = database.pop("documents")
        for doc_id, (stored, actual) in documents.items():
            if stored != actual:
                result.warnings.append(f"已签发文书 {doc_id} 的内容与登记的 SHA-256 不符（备份前已损坏），按现状备份。")
        manifest = {
            "format": FORMAT, "version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "platform_version": _platform_version(),
            "database": {"dialect": dialect, "file": dump.name, **database},
            "attachments": {},
            "documents": {str(doc_id): actual for doc_id, (_stored, actual) in documents.items()},
        }
        with open_private(partial) as raw:
            writer = EncryptingWriter(raw, key)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                with dump.open("rb") as fh:
                    tar.addfile(_member(dump.name, dump.stat().st_size), fh)
                dump.unlink()
                manifest["attachments"] = _add_attachments(tar, result.warnings)
                body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                tar.addfile(_member(MANIFEST, len(body)), _BytesReader(body))
            writer.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
        _fsync_dir(target.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.manifest = manifest
    return result


def _dump_sqlite(dump: Path) -> dict:
    source = db.engine.url.database
    if not source or source == ":memory:":
        raise BackupError("内存数据库无法备份。")
    # The online backup API copies a consistent snapshot while the site keeps running (a plain file copy of a
    # database being written can be torn).
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    open_private(dump).close()
    dst = sqlite3.connect(dump)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    copy = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        return _describe(_SqliteReader(copy))
    finally:
        copy.close()


def _dump_postgresql(dump: Path) -> dict:
    binary = _pg_binary("pg_dump")
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            _check_pg_version(binary, conn)
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            described = _describe(_SqlAlchemyReader(conn))
            # --snapshot: pg_dump reads exactly what the counts above saw, while this transaction stays open.
            _run([binary, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}",
                  f"--dbname={_conninfo()}"], "pg_dump")
    os.chmod(dump, FILE_MODE)
    return described


def _add_attachments(tar: tarfile.TarFile, warnings: list[str]) -> dict[str, str]:
    root = storage.storage_root()
    added: dict[str, str] = {}
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            key = path.relative_to(root).as_posix()
            if not path.is_file() or not storage.KEY_RE.fullmatch(key):
                continue  # tmp/ (uploads being received) and anything that is not a kept file
            digest = key.rsplit("/", 1)[1]
            if storage.file_sha256(path) != digest:
                # Already damaged on disk (attachments/storage.py: verified_path refuses it): left out, and said.
                warnings.append(f"附件文件 {key} 的内容与其 SHA-256 不符（备份前已损坏），未放入备份。")
                continue
            with path.open("rb") as fh:
                reader = _HashingReader(fh)
                tar.addfile(_member(ATTACHMENTS + key, path.stat().st_size), reader)
            if reader.hexdigest() != digest:
                raise BackupError(f"附件文件 {key} 在备份过程中被改动。")
            added[key] = digest
    rows = db.session.execute(text("SELECT DISTINCT storage_key FROM attachments")).scalars().all() \
        if "attachments" in inspect(db.engine).get_table_names() else []
    missing = sorted(set(rows) - set(added))
    if missing:
        warnings.append(f"数据库登记的 {len(missing)} 个附件文件在存储目录中找不到：{', '.join(missing[:5])}")
    return added


# --- restore ------------------------------------------------------------------------------------------------

def restore_backup(source: Path, key: bytes) -> Result:
    """Restore ``source`` into the (empty) configured database and attachment store, then check it."""
    dialect = _dialect()
    _ensure_empty(dialect)
    root = storage.storage_root()
    private_dir(root / "tmp")
    staging = Path(tempfile.mkdtemp(prefix="restore-", dir=root / "tmp"))  # beside the store: files move, not copy
    try:
        manifest = _unpack(Path(source), key, staging)
        if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
            raise BackupError("备份清单的格式不受支持。")
        kept = manifest["database"]["dialect"]
        if kept != dialect:
            raise BackupError(f"这是 {kept} 数据库的备份，不能恢复到 {dialect} 数据库。")
        dump = staging / DUMPS[dialect]
        if manifest["database"]["file"] != dump.name or not dump.is_file():
            raise BackupError("备份中缺少数据库文件。")
        _check_staged_files(staging, manifest)
        if dialect == "sqlite":
            _restore_sqlite(dump)
        else:
            _restore_postgresql(dump)
        for key_path in manifest["attachments"]:
            target = root / key_path
            private_dir(target.parent)
            os.replace(staging / ATTACHMENTS / key_path, target)
        _fsync_dir(root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Result(manifest=manifest, warnings=verify_restored(manifest))


def _ensure_empty(dialect: str) -> None:
    if dialect == "sqlite":
        path = db.engine.url.database
        if not path or path == ":memory:":
            raise BackupError("不能恢复到内存数据库。")
        if not Path(path).exists() or Path(path).stat().st_size == 0:
            return
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            counts = _SqliteReader(conn).counts()
        finally:
            conn.close()
    else:
        with db.engine.connect() as conn:
            counts = _SqlAlchemyReader(conn).counts()
    full = sorted(name for name, n in counts.items() if n and name not in SCHEMA_TABLES)
    if full:
        raise BackupError("目标数据库不是空的（" + "、".join(f"{name} 有 {counts[name]} 行" for name in full[:5])
                          + "）：恢复只能进入空数据库，以免覆盖或混入现有记录。请新建一个空数据库，"
                            "把 DATABASE_URL 指向它后再恢复。")


def _unpack(source: Path, key: bytes, staging: Path) -> dict:
    """Decrypt and unpack the whole archive into ``staging``; only names we write ourselves are accepted."""
    manifest = None
    allowed = set(DUMPS.values())
    with source.open("rb") as raw:
        reader = DecryptingReader(raw, key)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for member in tar:
                    name = member.name
                    is_attachment = name.startswith(ATTACHMENTS) and storage.KEY_RE.fullmatch(name[len(ATTACHMENTS):])
                    if not member.isfile() or not (name == MANIFEST or name in allowed or is_attachment):
                        raise BackupError(f"备份中有不应出现的条目：{name!r}")
                    extracted = tar.extractfile(member)
                    if name == MANIFEST:
                        manifest = json.loads(extracted.read(16 * 1024 * 1024))
                        continue
                    with open_private(staging / name) as out:
                        shutil.copyfileobj(extracted, out, _CHUNK)
        except tarfile.TarError as exc:
            raise BackupError(f"备份内容无法读取：{exc}") from exc
        reader.finish()
    if manifest is None:
        raise BackupError("备份中缺少清单 manifest.json。")
    return manifest


def _check_staged_files(staging: Path, manifest: dict) -> None:
    staged = {p.relative_to(staging / ATTACHMENTS).as_posix()
              for p in (staging / ATTACHMENTS).rglob("*") if p.is_file()} if (staging / ATTACHMENTS).exists() else set()
    if staged != set(manifest["attachments"]):
        raise BackupError("备份中的附件文件与清单不一致。")
    for key_path, digest in manifest["attachments"].items():
        if storage.file_sha256(staging / ATTACHMENTS / key_path) != digest:
            raise BackupError(f"备份中的附件文件 {key_path} 与清单中的 SHA-256 不符。")


def _restore_sqlite(dump: Path) -> None:
    target = Path(db.engine.url.database)
    db.session.remove()
    db.engine.dispose()  # no connection of ours may hold the old file open
    private_dir(target.parent)
    part = target.with_name(target.name + ".restoring")
    shutil.copyfile(dump, part)
    os.chmod(part, FILE_MODE)
    with part.open("rb+") as fh:
        os.fsync(fh.fileno())
    # A journal or WAL left by the old (empty) file would be replayed into the restored one: remove them first.
    for suffix in ("-journal", "-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(part, target)
    _fsync_dir(target.parent)


def _restore_postgresql(dump: Path) -> None:
    binary = _pg_binary("pg_restore")
    with db.engine.connect() as conn:
        _check_pg_version(binary, conn)
    db.session.remove()
    db.engine.dispose()
    # --clean --if-exists: an empty database made by `flask db upgrade` already has the tables (checked empty
    # above); they are replaced by the dump's. One transaction: all of it or nothing. Owners and grants are the
    # restoring account's: the target server's roles need not match the old one's.
    _run([binary, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", f"--dbname={_conninfo()}", str(dump)], "pg_restore")


def verify_restored(manifest: dict) -> list[str]:
    """Differences between the restored database and store and the manifest; empty when all match."""
    problems: list[str] = []
    db.session.remove()
    with db.engine.connect() as conn:
        found = _describe(_SqlAlchemyReader(conn))
    expected = manifest["database"]
    if found["schema_revision"] != expected["schema_revision"]:
        problems.append(f"数据库结构版本 {found['schema_revision']} 与备份 {expected['schema_revision']} 不符。")
    for table in sorted(set(expected["tables"]) | set(found["tables"])):
        if expected["tables"].get(table) != found["tables"].get(table):
            problems.append(f"表 {table}：备份中 {expected['tables'].get(table)} 行，恢复后 "
                            f"{found['tables'].get(table)} 行。")
    documents = {str(doc_id): actual for doc_id, (_stored, actual) in found["documents"].items()}
    for doc_id in sorted(set(manifest["documents"]) | set(documents), key=int):
        if manifest["documents"].get(doc_id) != documents.get(doc_id):
            problems.append(f"已签发文书 {doc_id} 的 SHA-256 与备份不符。")
    root = storage.storage_root()
    for key_path, digest in manifest["attachments"].items():
        try:
            actual = storage.file_sha256(root / key_path)
        except OSError:
            actual = None
        if actual != digest:
            problems.append(f"附件文件 {key_path} 恢复后缺失或 SHA-256 不符。")
    with db.engine.connect() as conn:
        if "attachments" in inspect(conn).get_table_names():
            for key_path, digest in conn.execute(text("SELECT DISTINCT storage_key, sha256 FROM attachments")):
                if manifest["attachments"].get(key_path) != digest:
                    problems.append(f"附件记录指向的文件 {key_path} 不在备份中或 SHA-256 不符。")
    return problems


# --- reading a database the same way on both engines ----------------------------------------------------------

class _SqliteReader:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def tables(self) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]

    def rows(self, sql: str):
        return self.conn.execute(sql)

    def counts(self) -> dict[str, int]:
        return {t: self.conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in self.tables()}


class _SqlAlchemyReader:
    def __init__(self, conn):
        self.conn = conn

    def tables(self) -> list[str]:
        return sorted(inspect(self.conn).get_table_names())

    def rows(self, sql: str):
        return self.conn.execution_options(stream_results=True, yield_per=200).execute(text(sql))

    def counts(self) -> dict[str, int]:
        return {t: self.conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in self.tables()}


def _describe(reader) -> dict:
    """Schema revision, every table's row count, and (stored, actual) SHA-256 of every issued document."""
    tables = reader.tables()
    revision = sorted(r[0] for r in reader.rows("SELECT version_num FROM alembic_version")) \
        if "alembic_version" in tables else []
    documents = {}
    if "issued_documents" in tables:
        for doc_id, stored, content in reader.rows("SELECT id, sha256, content FROM issued_documents ORDER BY id"):
            documents[int(doc_id)] = (stored, hashlib.sha256(bytes(content)).hexdigest())
    return {"schema_revision": revision, "tables": reader.counts(), "documents": documents}


# --- helpers ------------------------------------------------------------------------------------------------

def _dialect() -> str:
    name = db.engine.url.get_backend_name()
    if name not in DUMPS:
        raise BackupError(f"不支持备份 {name} 数据库。")
    return name


def _conninfo() -> str:
    """A libpq URI for pg_dump/pg_restore, without the password (that goes in PGPASSWORD: argv is public)."""
    url = db.engine.url.set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def _pg_binary(name: str) -> str:
    directory = current_app.config.get("BACKUP_PG_BIN_DIR")
    path = str(Path(directory) / name) if directory else shutil.which(name)
    if not path or not Path(path).exists():
        raise BackupError(f"找不到 {name}：请安装与数据库服务器同一主版本的 PostgreSQL 客户端，"
                          "或用 REFERRAL_BACKUP_PG_BIN_DIR 指定它所在的目录。")
    return path


def _check_pg_version(binary: str, conn) -> None:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    tool = int(match.group(1)) if match else 0
    server = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    if tool < server:
        raise BackupError(f"{Path(binary).name} 的主版本 {tool} 低于数据库服务器的 {server}：请安装 PostgreSQL {server} "
                          "的客户端，或用 REFERRAL_BACKUP_PG_BIN_DIR 指定它所在的目录。")


def _run(argv: list[str], what: str) -> None:
    env = dict(os.environ)
    password = make_url(db.engine.url).password
    if password:
        env["PGPASSWORD"] = str(password)
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise BackupError(f"{what} 失败（退出码 {done.returncode}）：{done.stderr.strip()[-2000:]}")


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, FILE_MODE, int(datetime.now(UTC).timestamp())
    return info


def _platform_version() -> str:
    try:
        return metadata.version("jingkang-referral")
    except metadata.PackageNotFoundError:
        return "unknown"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _HashingReader:
    def __init__(self, fh):
        self._fh = fh
        self._hash = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n)
        self._hash.update(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class _BytesReader(_HashingReader):
    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
