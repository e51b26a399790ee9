"""`flask demand import` (output and exit codes), the hash key, and what is stored: no ID number, no name,
no file once the import ended (docs/domain.md#demand-data)."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import select, text

from referral.audit.models import AuditEntry
from referral.demand import services
from referral.demand.models import DemandImport
from referral.extensions import db
from referral.id_hash import HashKeyMissing, hash_key, id_hash
from tests.demand.conftest import CDPF_SAMPLE, HEALTH_SAMPLE
from tests.demand.samples.make_samples import BAD_LINES, PEOPLE, good_ids, health_rows


def test_cli_prints_the_counts_and_every_bad_row(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demand", "import", "--source", "health", str(HEALTH_SAMPLE)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "demand health: 27 row(s), 20 good (20 new), 7 bad (import #1)"
    assert [line.split(":", 1)[0] for line in lines[1:]] == [f"line {n}" for n in BAD_LINES["health"]]
    assert lines[1] == "line 22: 缺少身份证号"
    again = runner.invoke(args=["demand", "import", "--source", "health", str(HEALTH_SAMPLE)])
    assert again.exit_code == 0 and again.output.startswith("demand health: 27 row(s), 20 good (0 new), 7 bad")
    xlsx = runner.invoke(args=["demand", "import", "--source", "cdpf", str(CDPF_SAMPLE)])
    assert xlsx.exit_code == 0 and "20 good (20 new), 7 bad" in xlsx.output


def test_cli_exit_code_2_when_the_file_cannot_be_read(app, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(args=["demand", "import", "--source", "cdpf", str(bad)])
    assert result.exit_code == 2
    assert "表头缺少必需的列" in result.output
    assert db.session.scalar(select(DemandImport.id)) is None
    unknown = runner.invoke(args=["demand", "import", "--source", "police", str(HEALTH_SAMPLE)])
    assert unknown.exit_code == 2


def test_nothing_personal_is_stored(import_list):
    import_list(HEALTH_SAMPLE.read_bytes(), source="health")
    import_list(CDPF_SAMPLE.read_bytes(), source="cdpf", name="cdpf_sample.xlsx")
    numbers = {r[0].upper() for r in health_rows() if r[0]} | {n.upper() for n in good_ids()}
    secrets = numbers | {n[:17] for n in numbers} | {name for *_x, name, _d in PEOPLE} | {"钱进", "孙武", "冯雪"}
    dumped = []
    for table in ("demand_listed_people", "demand_imports", "audit_entries"):
        for row in db.session.execute(text(f"SELECT * FROM {table}")):  # noqa: S608  fixed table names
            dumped.append(" ".join(str(v) for v in row))
    everything = "\n".join(dumped)
    assert not [s for s in secrets if s in everything]
    assert all(v is None for v in db.session.scalars(select(DemandImport.content)))
    # What is kept of a person: the hash, which the key makes useless without it.
    assert id_hash(good_ids()[0]) in everything and len(id_hash(good_ids()[0])) == 64
    summaries = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action.like("demand.%"))).all()
    assert {"source", "sha256", "size"} <= set(summaries[0])


def test_the_hash_is_keyed_and_normalised(app):
    number = good_ids()[7]  # ends in x in the sample
    assert id_hash(f"  {number.lower()} ") == id_hash(number.upper())
    assert id_hash(number, key=b"another key") != id_hash(number)


def test_the_embedded_default_makes_a_key_in_the_instance_folder(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMAND_HASH_KEY", None)
    # Only read to tell the embedded default from a server (the engine exists already); put back after the test.
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", "sqlite:///whatever.db")
    first = hash_key()
    path = os.path.join(app.instance_path, "demand_hash_key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert hash_key() == first and len(first) == 64


def test_a_server_database_without_a_key_refuses_to_import(app, officials, monkeypatch):
    from referral.errors import ValidationFailed

    monkeypatch.setitem(app.config, "DEMAND_HASH_KEY", None)
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://db.example/referral")
    with pytest.raises(HashKeyMissing):
        hash_key()
    with pytest.raises(ValidationFailed) as caught:
        services.request_import(actor=officials["county"], source="health", file_name="a.csv",
                                content=HEALTH_SAMPLE.read_bytes())
    assert "REFERRAL_DEMAND_HASH_KEY" in caught.value.fields["file"][0]
    # A case is still accepted meanwhile, without its hash (the first import with a key fills it in).
    from referral.id_hash import id_hash_or_none

    assert id_hash_or_none(good_ids()[0]) is None


def test_the_database_refuses_a_finished_import_that_keeps_its_file(officials):
    from sqlalchemy.exc import IntegrityError

    imp = services.request_import(actor=officials["county"], source="health", file_name="a.csv",
                                  content=HEALTH_SAMPLE.read_bytes(), enqueue=False)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE demand_imports SET state = 'done', finished_at = CURRENT_TIMESTAMP "
                                "WHERE id = :i"), {"i": imp.id})
        db.session.flush()
    db.session.rollback()
    db.session.execute(text("UPDATE demand_imports SET state = 'done', finished_at = CURRENT_TIMESTAMP, "
                            "content = NULL WHERE id = :i"), {"i": imp.id})
    db.session.commit()
