"""`flask backup` and `flask restore` (issue 13.7): a database made through the real services — an institution
with its licence scan, a referred case, issued documents — is backed up, restored into a second, empty
database and store, and compared table by table, row by row, with every attachment's and every issued
document's SHA-256. Damaged, cut-off, foreign or wrongly keyed archives, and non-empty targets, are refused."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from referral import create_app
from referral.attachments.models import Attachment
from referral.backup.archive import DecryptingReader, EncryptingWriter, new_key_text, parse_key
from referral.config import normalise_database_url
from referral.documents import services as documents
from referral.documents.models import IssuedDocument
from referral.extensions import db
from tests.helpers import TEST_DATABASE_URL, scratch_database

KEY = new_key_text()


@pytest.fixture
def populated(app, referred_case, people):
    """The case's application form and the institution's registration form issued (bytes in the database),
    the licence scan (a file in the store) uploaded by the ``draft`` fixture."""
    app.config["BACKUP_KEY"] = KEY
    for code, subject_type, subject in (("application", "case", referred_case),):
        documents.issue(documents.target_for(code, subject_type, subject), actor=people["officer"],
                        base_url="http://localhost/")
    db.session.commit()
    return app


@pytest.fixture
def target_url(tmp_path):
    """A second database, empty: on SQLite a new file; on PostgreSQL a database of its own, made here."""
    with scratch_database(tmp_path / 'restored' / 'referral.db', "restore") as url:
        yield url


def second_app(url: str, tmp_path: Path, key: str | None = KEY):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, ATTACHMENT_ROOT=str(tmp_path / "restored-store"),
                     BACKUP_KEY=key)
    app.instance_path = str(tmp_path / "restored-instance")
    return app


def run(app, *args):
    with app.app_context():  # the CLI runs in the current app's context: this app's, not the test's own
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
        db.engine.dispose()  # the CLI's connections: a PostgreSQL database in use cannot be dropped
    return result


def table_rows(url: str) -> dict[str, list]:
    engine = create_engine(normalise_database_url(url))
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        rows = {name: sorted((tuple(r) for r in conn.execute(select(table))), key=repr)
                for name, table in meta.tables.items()}
    engine.dispose()
    return rows


def store_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts}


def document_hashes(url: str) -> dict[int, tuple[str, str]]:
    engine = create_engine(normalise_database_url(url))
    with engine.connect() as conn:
        found = {r.id: (r.sha256, hashlib.sha256(r.content).hexdigest())
                 for r in conn.execute(text("SELECT id, sha256, content FROM issued_documents"))}
    engine.dispose()
    return found


def test_a_restored_backup_is_the_same_data(populated, target_url, tmp_path):
    source_url = populated.config["SQLALCHEMY_DATABASE_URI"]
    archive = tmp_path / "backups" / "referral-nightly.rfbak"
    made = run(populated, "backup", str(archive))
    assert made.exit_code == 0, made.output
    assert "备份完成" in made.output and "1 份已签发文书" in made.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(archive.parent.stat().st_mode) == 0o700
    assert b"inst-admin" not in archive.read_bytes()  # encrypted: no account name, no PNG, no SQLite header
    assert list(archive.parent.iterdir()) == [archive]  # nothing of the work left beside it

    restoring = second_app(target_url, tmp_path)
    done = run(restoring, "restore", str(archive))
    assert done.exit_code == 0, done.output
    assert "恢复完成并已核对" in done.output

    before, after = table_rows(source_url), table_rows(target_url)
    assert set(before) == set(after) and len(before) > 30
    for name in before:
        assert after[name] == before[name], name
    assert before["attachments"] and before["issued_documents"] and before["cases"]  # the test compares something

    source_store = Path(populated.config["ATTACHMENT_ROOT"])
    restored_store = tmp_path / "restored-store"
    assert store_hashes(restored_store) == store_hashes(source_store) != {}
    with populated.app_context():
        for row in db.session.scalars(select(Attachment)):
            assert hashlib.sha256((restored_store / row.storage_key).read_bytes()).hexdigest() == row.sha256
        issued = {d.id: d.sha256 for d in db.session.scalars(select(IssuedDocument))}
    restored_docs = document_hashes(target_url)
    assert {i: stored for i, (stored, _actual) in restored_docs.items()} == issued
    assert all(stored == actual for stored, actual in restored_docs.values())
    for path in restored_store.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    if target_url.startswith("sqlite"):
        assert stat.S_IMODE(Path(make_url(target_url).database).stat().st_mode) == 0o600

    again = run(restoring, "restore", str(archive))  # now it holds data: never overwritten
    assert again.exit_code == 1 and "目标数据库不是空的" in again.output


@pytest.fixture
def archive(populated, tmp_path):
    path = tmp_path / "backup.rfbak"
    assert run(populated, "backup", str(path)).exit_code == 0
    return path


def assert_nothing_restored(url: str, tmp_path: Path):
    store = tmp_path / "restored-store"
    assert not store.exists() or store_hashes(store) == {}
    rows = table_rows(url)
    assert all(not r for name, r in rows.items() if name != "alembic_version"), "the target was written to"


@pytest.mark.parametrize("where", [0.5, 0.99])
def test_a_changed_byte_fails_the_restore(archive, target_url, tmp_path, where):
    data = bytearray(archive.read_bytes())
    data[int(len(data) * where)] ^= 0x40
    archive.write_bytes(bytes(data))
    result = run(second_app(target_url, tmp_path), "restore", str(archive))
    assert result.exit_code == 1
    assert "备份文件已损坏或被改动" in result.output
    assert_nothing_restored(target_url, tmp_path)


def test_a_cut_off_archive_fails_the_restore(archive, target_url, tmp_path):
    archive.write_bytes(archive.read_bytes()[:-100])
    result = run(second_app(target_url, tmp_path), "restore", str(archive))
    assert result.exit_code == 1 and "备份文件不完整" in result.output
    assert_nothing_restored(target_url, tmp_path)


def test_a_wrong_key_fails_the_restore(archive, target_url, tmp_path):
    result = run(second_app(target_url, tmp_path, key=new_key_text()), "restore", str(archive))
    assert result.exit_code == 1 and "备份密钥不对" in result.output
    assert_nothing_restored(target_url, tmp_path)


def test_restore_without_a_key_says_how_to_make_one(archive, target_url, tmp_path):
    result = run(second_app(target_url, tmp_path, key=None), "restore", str(archive))
    assert result.exit_code == 1
    assert "REFERRAL_BACKUP_KEY" in result.output and "os.urandom(32)" in result.output


def test_a_manifest_that_does_not_match_the_data_fails_the_check(archive, target_url, tmp_path):
    """An archive correctly encrypted whose manifest promises one more case than the dump holds (a bug in a
    future backup, or a dump that lost rows): the restore runs, the check finds it, the exit is non-zero."""
    key = parse_key(KEY)
    with archive.open("rb") as fh:
        plain = DecryptingReader(fh, key).read()
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(plain)) as old, tarfile.open(fileobj=out, mode="w") as new:
        for member in old:
            body = old.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(body)
                manifest["database"]["tables"]["cases"] += 1
                body = json.dumps(manifest).encode()
                member.size = len(body)
            new.addfile(member, io.BytesIO(body))
    with archive.open("wb") as fh:
        writer = EncryptingWriter(fh, key)
        writer.write(out.getvalue())
        writer.close()
    result = run(second_app(target_url, tmp_path), "restore", str(archive))
    assert result.exit_code == 1
    assert "表 cases：备份中 2 行，恢复后 1 行" in result.output


def test_the_embedded_default_makes_a_key_and_says_to_keep_it_apart(app, tmp_path):
    app.config["BACKUP_KEY"] = None
    result = run(app, "backup", str(tmp_path / "b.rfbak"))
    if TEST_DATABASE_URL:  # a server installation must set its key
        assert result.exit_code == 1 and "没有备份密钥" in result.output and "os.urandom(32)" in result.output
        return
    assert result.exit_code == 0, result.output
    key_file = Path(app.instance_path) / "backup_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(parse_key(key_file.read_text())) == 32
    assert "不要把它和备份文件放在一起" in result.output
    again = run(app, "backup", str(tmp_path / "c.rfbak"))
    assert again.exit_code == 0 and "警告" not in again.output  # the same key, used quietly from then on


def test_a_migrated_but_empty_database_is_empty_enough(archive, target_url, migrated_database, tmp_path):
    """The drill's other way: `flask db upgrade` first, then restore. The schema's own row (alembic_version)
    does not make a database non-empty; the dump's schema replaces the upgraded one."""
    if TEST_DATABASE_URL:
        from tests.conftest import _migrate

        _migrate(target_url)
    else:
        (tmp_path / "migrated").mkdir()
        target_url = migrated_database(tmp_path / "migrated")
    result = run(second_app(target_url, tmp_path), "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert table_rows(target_url)["attachments"]
