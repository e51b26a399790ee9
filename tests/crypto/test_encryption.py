"""Issue 13.6: the most sensitive columns are ciphertext on disk (README.md#encryption-at-rest). Read raw
through a plain connection, a value is not its plaintext and decrypts to it; tampered or moved ciphertext
fails loudly; the lookups that used to compare plaintext (search, duplicate check, talents' uniqueness) work
through the keyed hashes; masks never show the ID number's last four."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from referral.auth.presenters import mask_id_number
from referral.cases import services
from referral.cases.models import Case, CasePerson
from referral.cases.presenters import mask_certificate
from referral.cases.queries import search_cases
from referral.crypto.keys import keyring
from referral.crypto.types import DecryptionFailed, decrypt
from referral.extensions import db
from referral.registries.models import Talent
from tests.helpers import ADULT_ID, application, bearer, id_number

PHONE, GUARDIAN_PHONE = "13800001234", "13900004321"
CERTIFICATE = ADULT_ID + "62"
MEDICINES = [{"name": "舍曲林", "dose": "50mg", "frequency": "每日一次"}]


def submit(people, number=ADULT_ID, phone=PHONE):
    body = application()
    case = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "assister_role": body["assister_role"], "name": "李明", "id_number": number,
        "phone": phone, "address": "南关区幸福街 8 号", "division_code": "220102", "guardian_name": "李父",
        "guardian_relation": "父亲", "guardian_phone": GUARDIAN_PHONE, "needs": "服药训练",
        "service_types": ["服药训练"], "consent_signer": "applicant",
        "person": {"diagnosis": {"icd10": "F32", "name": None, "diagnosed_on": None}, "medications": MEDICINES,
                   "disability_certificate": {"number": CERTIFICATE, "grade": 2}}})
    db.session.commit()
    return case


def raw(sql: str, **params):
    """The stored values, read past the ORM (and its decryption) on a connection of its own."""
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).one()


def test_the_sensitive_columns_are_ciphertext_on_disk_and_decrypt(people):
    case_id = submit(people).id
    stored = raw("SELECT applicant_id_number, applicant_phone, guardian_phone FROM cases WHERE id = :i", i=case_id)
    for column, value, plain in zip(("applicant_id_number", "applicant_phone", "guardian_phone"), stored,
                                    (ADULT_ID, PHONE, GUARDIAN_PHONE), strict=True):
        assert value.startswith("v1:test1:") and plain not in value
        assert decrypt(keyring(), f"cases.{column}", value) == plain
    person = raw("SELECT diagnosis_icd10, diagnosis_name, medications, disability_certificate_number "
                 "FROM case_persons WHERE case_id = :i", i=case_id)
    assert all(v.startswith("v1:test1:") for v in person)
    assert "F32" not in person[0] and "舍曲林" not in person[2] and ADULT_ID not in person[3]
    assert decrypt(keyring(), "case_persons.diagnosis_icd10", person[0]) == "F32"
    assert decrypt(keyring(), "case_persons.disability_certificate_number", person[3]) == CERTIFICATE
    # Through the ORM everything reads as before.
    db.session.expunge_all()
    again = db.session.get(CasePerson, case_id)
    assert (again.diagnosis_icd10, again.diagnosis_name, again.medications) == ("F32", "抑郁发作", MEDICINES)
    assert db.session.get(Case, case_id).applicant_phone == PHONE


def test_talents_and_accounts_are_encrypted_too(client, people):
    number = id_number("19700101", 321)
    response = client.post("/api/v1/talents", headers=bearer(people["officer"]),
                           json={"name": "王秀兰", "id_number": number, "category": "volunteer", "division": "220102",
                                 "phone": "13600001111"})
    assert response.status_code == 201, response.get_json()
    stored_number, stored_phone = raw("SELECT id_number, phone FROM talents")
    assert number not in stored_number and "13600001111" not in stored_phone
    assert decrypt(keyring(), "talents.phone", stored_phone) == "13600001111"
    user = people["officer"]
    user.id_number = number
    db.session.commit()
    (stored,) = raw("SELECT id_number FROM users WHERE id = :i", i=user.id)
    assert stored != number and decrypt(keyring(), "users.id_number", stored) == number


def test_equal_values_are_stored_differently(people):
    first, second = submit(people), submit(people, number=id_number("19900101"))
    a, b = (raw("SELECT applicant_phone FROM cases WHERE id = :i", i=c.id)[0] for c in (first, second))
    assert a != b  # a fresh nonce per value: equal phones do not show on disk


def _flip(value: str) -> str:
    head, blob = value.rsplit(":", 1)
    data = bytearray(base64.b64decode(blob))
    data[-1] ^= 1
    return f"{head}:{base64.b64encode(bytes(data)).decode()}"


def test_tampered_ciphertext_fails_loudly(people):
    case_id = submit(people).id
    (stored,) = raw("SELECT applicant_phone FROM cases WHERE id = :i", i=case_id)
    db.session.execute(text("UPDATE cases SET applicant_phone = :v WHERE id = :i"), {"v": _flip(stored), "i": case_id})
    db.session.commit()
    db.session.expunge_all()
    with pytest.raises(DecryptionFailed, match="cases.applicant_phone"):
        db.session.get(Case, case_id)


def test_a_value_moved_to_another_column_does_not_decrypt(people):
    case_id = submit(people).id
    db.session.execute(text("UPDATE cases SET applicant_id_number = applicant_phone WHERE id = :i"), {"i": case_id})
    db.session.commit()
    db.session.expunge_all()
    with pytest.raises(DecryptionFailed, match="another column"):
        db.session.get(Case, case_id)


def test_plaintext_left_in_an_encrypted_column_is_refused(people):
    case_id = submit(people).id
    db.session.execute(text("UPDATE cases SET guardian_phone = '13900004321' WHERE id = :i"), {"i": case_id})
    db.session.commit()
    db.session.expunge_all()
    with pytest.raises(DecryptionFailed, match="not encrypted"):
        db.session.get(Case, case_id)


def test_an_encrypted_column_cannot_be_compared_in_sql(app):
    with pytest.raises(TypeError, match="keyed hash"):
        Case.applicant_id_number == ADULT_ID  # noqa: B015  (building the clause is what raises)
    assert Case.applicant_id_number.is_(None) is not None  # NULL-ness may still be asked


def test_search_by_id_number_and_phone_goes_through_the_hashes(people):
    case = submit(people)
    submit(people, number=id_number("19900101"), phone="13700007777")
    officer = people["officer"]
    for q in (ADULT_ID, ADULT_ID.lower(), PHONE, f" {PHONE} "):
        found = db.session.scalars(search_cases(officer, q=q).statement()).all()
        assert [c.id for c in found] == [case.id], q
    assert db.session.scalars(search_cases(officer, q="13800009999").statement()).all() == []
    (stored_hash,) = raw("SELECT applicant_phone_hash FROM cases WHERE id = :i", i=case.id)
    assert len(stored_hash) == 64 and PHONE not in stored_hash


def test_search_never_matches_cases_without_a_hash(app, people, monkeypatch):
    submit(people)
    db.session.execute(text("UPDATE cases SET applicant_phone_hash = NULL, applicant_id_hash = NULL"))
    db.session.commit()
    monkeypatch.setitem(app.config, "DEMAND_HASH_KEY", None)
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://db.example/referral")
    assert db.session.scalars(search_cases(people["officer"], q=PHONE).statement()).all() == []  # no "= NULL" → IS NULL


def test_duplicate_detection_still_finds_the_open_case(people):
    first = submit(people)
    second = submit(people, phone="13700007777")
    assert second.duplicate_of_id == first.id
    other = submit(people, number=id_number("19900101"))
    assert other.duplicate_of_id is None


def test_talent_id_numbers_stay_unique_through_the_hash(client, people, db):
    number = id_number("19700101", 321)
    body = {"name": "王秀兰", "id_number": number, "category": "volunteer", "division": "220102"}
    assert client.post("/api/v1/talents", headers=bearer(people["officer"]), json=body).status_code == 201
    again = client.post("/api/v1/talents", headers=bearer(people["officer"]), json={**body, "name": "王秀"})
    assert again.status_code == 422 and "人才库" in str(again.get_json())
    # And the database itself refuses a second open entry of the same person.
    first = db.session.scalar(db.select(Talent))
    db.session.add(Talent(name="重复", id_number=number, category="volunteer", division_code="220102"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert first.id_hash is not None


def test_masks_do_not_give_away_the_public_credential(client, people):
    assert mask_id_number("11010519491231002X") == "110105************"
    assert mask_certificate(CERTIFICATE) == "220102" + "*" * 14
    case = submit(people)
    response = client.get(f"/api/v1/cases/{case.id}", headers=bearer(people["officer"]))
    assert response.status_code == 200, response.get_json()
    shown = response.get_json()["applicant"]["id_number"]
    assert shown.startswith("220102") and ADULT_ID[-4:] not in shown[6:]
    assert response.get_json()["receipt_no"] == case.receipt_no  # what staff see beside the mask


def test_the_public_status_still_checks_the_last_four(client, people):
    case = submit(people)
    ok = client.get(f"/api/v1/public/applications/{case.receipt_no}?id_last4={ADULT_ID[-4:]}")
    assert ok.status_code == 200
    wrong = client.get(f"/api/v1/public/applications/{case.receipt_no}?id_last4=0000")
    assert wrong.status_code == 404
