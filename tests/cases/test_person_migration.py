"""Issue 12.8: the person's record migration (f1a2b3c4d5e6) carries existing cases forward. A database at the
previous head with a case in it is upgraded: the case is still there and readable, with no record (未填写) and
its eligibility group as it was; a record can then be stored; and a downgrade loses no case either. On SQLite,
and on PostgreSQL when TEST_DATABASE_URL is set (in a database of its own, made empty here)."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import text

from referral import create_app
from referral.cases.models import Case, CasePerson
from referral.extensions import db
from tests.helpers import ADULT_ID, scratch_database

BEFORE, AFTER = "e4d5f6a7b8c9", "f1a2b3c4d5e6"


@pytest.fixture
def empty_database(tmp_path):
    with scratch_database(tmp_path / 'upgrade.sqlite', "person_upgrade") as url:
        yield url


def test_upgrade_keeps_existing_cases(empty_database):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            for code, name, level, parent in (("220000", "吉林省", "province", None),
                                              ("220100", "长春市", "city", "220000"),
                                              ("220102", "南关区", "county", "220100")):
                conn.execute(text("INSERT INTO divisions (code, name, level, parent_code) VALUES (:c, :n, :l, :p)"),
                             {"c": code, "n": name, "l": level, "p": parent})
            conn.execute(text(
                "INSERT INTO cases (receipt_no, state, channel, assister_role, division_code, applicant_name, "
                "applicant_id_number, applicant_phone, applicant_address, is_minor, guardian_name, guardian_relation, "
                "guardian_phone, needs, service_types, eligibility_group, consent_signer, consent_signed_at, "
                "applied_at, state_changed_at, due_date, closed_before_service, version, created_at, updated_at) "
                "VALUES ('JKMIGRATE01', 'applied', 'self', '', '220102', '李明', :id, '13800001234', '幸福街 8 号', "
                ":f, '', '', '', '服药训练', '[]', 'depression', 'applicant', :at, :at, :at, '2026-12-10', :f, 1, "
                ":at, :at)"), {"id": ADULT_ID, "at": "2026-12-01 08:00:00", "f": False})
            conn.execute(text("INSERT INTO cases (receipt_no, state, channel, assister_role, division_code, "
                              "applicant_name, applicant_id_number, applicant_phone, applicant_address, is_minor, "
                              "guardian_name, guardian_relation, guardian_phone, needs, service_types, consent_signer, "
                              "consent_signed_at, applied_at, state_changed_at, due_date, closed_before_service, "
                              "version, created_at, updated_at) "
                              "SELECT 'JKMIGRATE02', state, channel, assister_role, division_code, '王芳', "
                              "applicant_id_number, applicant_phone, applicant_address, is_minor, guardian_name, "
                              "guardian_relation, guardian_phone, needs, service_types, consent_signer, "
                              "consent_signed_at, applied_at, state_changed_at, due_date, closed_before_service, "
                              "version, created_at, updated_at FROM cases"))
        # To the head, not just AFTER: the models read the head's schema (since g5a5b5c5d5e5 the 身份证号 is
        # encrypted on disk, README.md#encryption-at-rest, so an ORM read at AFTER would find plaintext).
        flask_migrate.upgrade()
        cases = db.session.scalars(db.select(Case).order_by(Case.receipt_no)).all()
        assert [(c.receipt_no, c.applicant_name, c.eligibility_group) for c in cases] == [
            ("JKMIGRATE01", "李明", "depression"), ("JKMIGRATE02", "王芳", None)]
        assert cases[0].division.name == "南关区" and cases[0].applicant_id_number == ADULT_ID
        assert db.session.scalars(db.select(CasePerson)).all() == []  # nothing recorded yet: 未填写
        db.session.add(CasePerson(case_id=cases[0].id, ethnicity="01", diagnosis_icd10="F32",
                                  diagnosis_name="抑郁发作", medications=[{"name": "舍曲林", "dose": "50mg",
                                                                          "frequency": "每日一次"}]))
        db.session.commit()
        assert db.session.get(CasePerson, cases[0].id).medications[0]["name"] == "舍曲林"
        db.session.remove()
        flask_migrate.downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 2
        db.engine.dispose()
