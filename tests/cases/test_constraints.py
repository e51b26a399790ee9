"""The database refuses what the enums forbid (issue 9.4): the CHECKs built from CaseState, CloseReason,
DeclineReason, FollowUpMethod and the referral's and export's own rules hold even for a raw UPDATE."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from referral.cases import services
from referral.extensions import db
from tests.helpers import ADULT_ID


@pytest.fixture
def referred(people):
    case = services.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "李明", "id_number": ADULT_ID, "division_code": "220102",
        "needs": "服药训练", "service_types": ["服药训练"], "consent_signer": "applicant"})
    services.advance_case(case, actor=people["officer"], event="register", verification="已核实")
    services.advance_case(case, actor=people["officer"], event="refer", institution_id=people["inst"].id)
    db.session.commit()
    return case


def refused(statement: str, **params) -> bool:
    try:
        db.session.execute(text(statement), params)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return True
    db.session.rollback()
    return False


def test_a_clocked_step_keeps_its_due_date(referred):
    assert refused("UPDATE cases SET due_date = NULL WHERE id = :id", id=referred.id)
    assert not refused("UPDATE cases SET due_date = '2030-01-02' WHERE id = :id", id=referred.id)


def test_a_returned_case_has_no_due_date(referred):
    assert refused("UPDATE cases SET state = 'returned', institution_id = NULL WHERE id = :id", id=referred.id)
    assert not refused("UPDATE cases SET state = 'returned', institution_id = NULL, due_date = NULL WHERE id = :id",
                       id=referred.id)


@pytest.mark.parametrize(("column", "table", "value"), [
    ("close_reason_code", "cases", "bored"), ("decline_reason_code", "referrals", "busy")])
def test_reason_codes_are_known_ones(referred, column, table, value):
    key = "id" if table == "cases" else "case_id"
    assert refused(f"UPDATE {table} SET {column} = :v WHERE {key} = :id", v=value, id=referred.id)


def test_a_pending_referral_holds_no_place_and_has_no_answer(referred):
    assert refused("UPDATE referrals SET holds_place = :t WHERE case_id = :id", t=True, id=referred.id)
    assert refused("UPDATE referrals SET responded_at = CURRENT_TIMESTAMP WHERE case_id = :id", id=referred.id)
    assert refused("UPDATE referrals SET status = 'declined', decline_reason_code = 'no_capacity' "
                   "WHERE case_id = :id", id=referred.id)  # declined without its answer time


def test_an_accepted_referral_may_hold_its_place(referred, people):
    services.advance_case(referred, actor=people["staff"], event="accept")
    db.session.commit()
    row = db.session.execute(text("SELECT holds_place, responded_at FROM referrals WHERE case_id = :id"),
                             {"id": referred.id}).one()
    assert row[0] and row[1] is not None


def test_a_done_export_has_its_hash_and_file(db, create_user):
    from referral.auth.permissions import Role

    user = create_user(Role.COUNTY_OFFICIAL, division="220102")
    db.session.execute(text("INSERT INTO document_exports (state, code, requested_by_id, filters, case_ids, base_url, "
                            "total, done, version, created_at, updated_at) VALUES ('queued', 'application', :u, '{}', "
                            "'[]', 'http://x', 0, 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"u": user.id})
    db.session.commit()
    assert refused("UPDATE document_exports SET state = 'done'")
    assert refused("UPDATE document_exports SET sha256 = :h", h="0" * 64)
    assert refused("UPDATE document_exports SET state = 'failed'")  # failed without its finish time
    assert not refused("UPDATE document_exports SET state = 'done', sha256 = :h, size = 1, file_name = 'x.zip', "
                       "finished_at = CURRENT_TIMESTAMP", h="0" * 64)
