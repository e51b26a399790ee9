"""The data keys (README.md#encryption-at-rest): where they come from, start-up refusing without one, and
`flask keys rotate` — batches with progress, an interrupted run carried on by the next, the old key removable
afterwards."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from sqlalchemy import text

from referral import create_app
from referral.cases.models import Case, CasePerson
from referral.crypto.keys import EXTENSION, DataKeyError, configure_data_keys, parse_keys
from referral.crypto.types import key_id_of
from referral.extensions import db
from tests.crypto.test_encryption import MEDICINES, PHONE, submit
from tests.helpers import ADULT_ID, id_number

NEW = base64.b64encode(b"n" * 32).decode()
OLD = "dGVzdHMtb25seS1kYXRhLWtleS0zMi1ieXRlcyEhISE="  # TestingConfig's key, test1


@pytest.mark.parametrize("raw", [f"k2:{NEW}, k1:{OLD}", f'["k2:{NEW}", "k1:{OLD}"]', [f"k2:{NEW}", f"k1:{OLD}"],
                                 {"k2": NEW, "k1": OLD}, f'{{"k2": "{NEW}", "k1": "{OLD}"}}'])
def test_keys_are_read_in_every_written_form_the_first_current(raw):
    ring = parse_keys(raw)
    assert ring.current_id == "k2" and list(ring.keys) == ["k2", "k1"] and ring.keys["k2"] == b"n" * 32


@pytest.mark.parametrize(("raw", "why"), [
    ("k1:" + base64.b64encode(b"short").decode(), "32 bytes"), ("k1:not base64!", "base64"),
    (f"k1:{NEW},k1:{OLD}", "twice"), (f"bad id:{NEW}", "key id"), ("just-a-key", "keyid:base64key"), ("", "empty"),
    ("[not json", "JSON"),
])
def test_malformed_keys_are_refused_saying_why(raw, why):
    with pytest.raises(DataKeyError, match=why):
        parse_keys(raw)


def test_a_server_database_without_keys_refuses_to_start(monkeypatch):
    monkeypatch.delenv("REFERRAL_DATA_KEYS", raising=False)
    with pytest.raises(DataKeyError, match="REFERRAL_DATA_KEYS must be set"):
        create_app("production", SQLALCHEMY_DATABASE_URI="postgresql://db.example/referral", SECRET_KEY="s")
    with pytest.raises(DataKeyError, match="REFERRAL_DEMAND_HASH_KEY must be set"):
        create_app("production", SQLALCHEMY_DATABASE_URI="postgresql://db.example/referral", SECRET_KEY="s",
                   DATA_KEYS=f"k1:{NEW}")


def test_the_embedded_default_makes_a_private_key_file(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "DATA_KEYS", None)
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", "sqlite:///whatever.db")
    saved = app.extensions[EXTENSION]
    try:
        configure_data_keys(app, tmp_path)
        path = tmp_path / "data_keys"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        first = app.extensions[EXTENSION]
        assert first.current_id == "local1" and len(first.keys["local1"]) == 32
        configure_data_keys(app, tmp_path)  # the next start reads the same key
        assert app.extensions[EXTENSION] == first
    finally:
        app.extensions[EXTENSION] = saved


def _key_ids() -> set[str]:
    ids = set()
    with db.engine.connect() as conn:
        for sql in ("SELECT applicant_id_number FROM cases", "SELECT applicant_phone FROM cases",
                    "SELECT medications FROM case_persons", "SELECT diagnosis_icd10 FROM case_persons"):
            ids |= {key_id_of(v) for (v,) in conn.execute(text(sql))}
    return ids


def test_rotation_runs_in_batches_resumes_and_frees_the_old_key(app, people):
    numbers = [id_number(f"1990010{n}") for n in range(1, 4)]
    ids = [submit(people, number=number).id for number in numbers]
    app.extensions[EXTENSION] = parse_keys(f"k2:{NEW},test1:{OLD}")  # the operator put a new key first
    runner = app.test_cli_runner()

    first = runner.invoke(args=["keys", "rotate", "--batch-size", "1", "--max-batches", "1"])
    assert first.exit_code == 0, first.output
    assert "current key: k2" in first.output and "/3" in first.output and "left under older keys" in first.output
    assert _key_ids() == {"k2", "test1"}  # interrupted half way: both keys in use, and both still read
    db.session.expunge_all()
    assert [db.session.get(Case, i).applicant_id_number for i in ids] == numbers

    second = runner.invoke(args=["keys", "rotate", "--batch-size", "2"])
    assert second.exit_code == 0, second.output
    assert "cases.applicant_id_number: 3/3" in second.output and "may be removed" in second.output
    assert _key_ids() == {"k2"}

    app.extensions[EXTENSION] = parse_keys(f"k2:{NEW}")  # the old key removed: everything still reads
    db.session.expunge_all()
    assert db.session.get(Case, ids[0]).applicant_phone == PHONE
    assert db.session.get(CasePerson, ids[2]).medications == MEDICINES
    again = runner.invoke(args=["keys", "rotate"])
    assert "may be removed" in again.output and "/" not in again.output.split("\n", 1)[1]


def test_a_value_under_a_removed_key_says_which_key(app, people):
    case_id = submit(people).id
    app.extensions[EXTENSION] = parse_keys(f"k2:{NEW}")
    db.session.expunge_all()
    with pytest.raises(DataKeyError, match="'test1' is not configured"):
        db.session.get(Case, case_id)
    assert ADULT_ID  # the number itself is gone with the key: README.md#encryption-at-rest says so
