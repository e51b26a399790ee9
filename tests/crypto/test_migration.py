"""Issue 13.6: the encryption migration (g5a5b5c5d5e5) turns the plaintext already stored into ciphertext and
fills the lookup hashes; the downgrade gives the plaintext back. On SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set (in a database of its own)."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import text

from referral import create_app
from referral.cases.models import Case, CasePerson
from referral.crypto.keys import keyring
from referral.crypto.types import decrypt
from referral.extensions import db
from referral.id_hash import id_hash
from referral.registries.models import Talent
from tests.helpers import ADULT_ID, id_number, scratch_database

BEFORE, AFTER = "f1a2b3c4d5e6", "g5a5b5c5d5e5"
TALENT_ID = id_number("19700101", 321)
MEDICINES = '[{"name": "舍曲林", "dose": "50mg", "frequency": "每日一次"}]'


@pytest.fixture
def empty_database(tmp_path):
    with scratch_database(tmp_path / 'upgrade.sqlite', "crypto_upgrade") as url:
        yield url


def _plaintext_rows(conn):
    for code, name, level, parent in (("220000", "吉林省", "province", None), ("220100", "长春市", "city", "220000"),
                                      ("220102", "南关区", "county", "220100")):
        conn.execute(text("INSERT INTO divisions (code, name, level, parent_code) VALUES (:c, :n, :l, :p)"),
                     {"c": code, "n": name, "l": level, "p": parent})
    conn.execute(text(
        "INSERT INTO cases (receipt_no, state, channel, assister_role, division_code, applicant_name, "
        "applicant_id_number, applicant_phone, applicant_address, is_minor, guardian_name, guardian_relation, "
        "guardian_phone, needs, service_types, consent_signer, consent_signed_at, applied_at, state_changed_at, "
        "due_date, closed_before_service, version, created_at, updated_at) "
        "VALUES ('JKCRYPT01', 'applied', 'self', '', '220102', '李明', :id, '13800001234', '幸福街 8 号', :f, '', '', "
        "'', '服药训练', '[]', 'applicant', :at, :at, :at, '2026-12-10', :f, 1, :at, :at)"),
        {"id": ADULT_ID, "at": "2026-12-01 08:00:00", "f": False})
    case_id = conn.execute(text("SELECT id FROM cases")).scalar()
    conn.execute(text("INSERT INTO case_persons (case_id, diagnosis_icd10, diagnosis_name, medications, "
                      "disability_certificate_number, updated_at) VALUES (:c, 'F20', '精神分裂症', :m, :n, :at)"),
                 {"c": case_id, "m": MEDICINES, "n": ADULT_ID + "61", "at": "2026-12-01 08:00:00"})
    conn.execute(text("INSERT INTO talents (name, id_number, category, division_code, phone, position, state, "
                      "version, created_at, updated_at) VALUES ('王秀兰', :id, 'volunteer', '220102', '13600001111', "
                      "'', 'draft', 1, :at, :at)"), {"id": TALENT_ID, "at": "2026-12-01 08:00:00"})
    return case_id


def test_upgrade_encrypts_what_is_stored_and_downgrade_gives_it_back(empty_database):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            case_id = _plaintext_rows(conn)
        flask_migrate.upgrade()  # through AFTER (to the head: the models read the head's schema)
        with db.engine.connect() as conn:
            number, phone, phone_hash, hashed = conn.execute(text(
                "SELECT applicant_id_number, applicant_phone, applicant_phone_hash, applicant_id_hash FROM cases")).one()
            diagnosis, medicines = conn.execute(text("SELECT diagnosis_icd10, medications FROM case_persons")).one()
            talent_number, talent_hash = conn.execute(text("SELECT id_number, id_hash FROM talents")).one()
        assert ADULT_ID not in number and decrypt(keyring(), "cases.applicant_id_number", number) == ADULT_ID
        assert "13800001234" not in phone and len(phone_hash) == 64 and hashed == id_hash(ADULT_ID)
        assert diagnosis.startswith("v1:") and "舍曲林" not in medicines
        assert TALENT_ID not in talent_number and talent_hash == id_hash(TALENT_ID)
        # The models read it all back, and the search finds the case by its hashes.
        case = db.session.get(Case, case_id)
        assert (case.applicant_id_number, case.applicant_phone) == (ADULT_ID, "13800001234")
        person = db.session.get(CasePerson, case_id)
        assert (person.diagnosis_icd10, person.medications[0]["name"]) == ("F20", "舍曲林")
        assert person.disability_certificate_number == ADULT_ID + "61"
        assert db.session.scalar(db.select(Talent)).phone == "13600001111"
        found = db.session.execute(text("SELECT id FROM cases WHERE applicant_phone_hash = :h"),
                                   {"h": phone_hash}).scalar()
        assert found == case_id
        db.session.remove()

        flask_migrate.downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT applicant_id_number, applicant_phone FROM cases")).one() == (
                ADULT_ID, "13800001234")
            icd10, stored = conn.execute(text("SELECT diagnosis_icd10, medications FROM case_persons")).one()
            assert icd10 == "F20" and "舍曲林" in str(stored)
            assert conn.execute(text("SELECT id_number, phone FROM talents")).one() == (TALENT_ID, "13600001111")
        flask_migrate.upgrade()  # and up again: nothing is encrypted twice
        assert db.session.get(Case, case_id).applicant_id_number == ADULT_ID
        db.session.remove()
        db.engine.dispose()
