"""Issue 12.8: the records migration (f2b3c4d5e6f7) carries existing rows forward. A database at the previous
head (e4d5f6a7b8c9) with an assessment, agreements and follow-ups in it is upgraded; the rows survive, the
free-text 服务形式 becomes its code (an unknown text kept as 其他), the signer's relation and the next step
are derived where the data allows. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set (in a
database of its own, so the suite's database is left alone)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, MetaData, Numeric, insert, select, text

from referral import create_app
from referral.extensions import db as _db
from tests.conftest import DIVISION_ROWS
from tests.helpers import scratch_database

PREVIOUS = "e4d5f6a7b8c9"
NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
def database_url(tmp_path):
    with scratch_database(tmp_path / 'records.sqlite', "records_migration") as url:
        yield url


def _filler(column):
    """A value for a NOT NULL column without a default, by type (the rows here are about other columns)."""
    kind = type(column.type)
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, DateTime):
        return NOW
    if isinstance(column.type, Date):
        return date(2026, 6, 1)
    if isinstance(column.type, Integer | Numeric):
        return 0
    if isinstance(column.type, JSON) or kind.__name__ == "JSON":
        return []
    return ""


def add(conn, meta, table: str, **values) -> None:
    t = meta.tables[table]
    row = {c.name: _filler(c) for c in t.columns if not c.nullable and c.server_default is None
           and not (c.primary_key and isinstance(c.type, Integer) and len(t.primary_key.columns) == 1)}
    conn.execute(insert(t).values({**row, **values}))


def test_upgrade_from_the_previous_head_keeps_and_derives(database_url):
    import flask_migrate

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS)
        meta = MetaData()
        meta.reflect(_db.engine)
        with _db.engine.begin() as conn:
            conn.execute(insert(meta.tables["divisions"]), DIVISION_ROWS)
            add(conn, meta, "institutions", id=1, name="南关区阳光康复中心", state="draft", division_code="220102",
                legal_representative="赵磊", created_at=NOW, updated_at=NOW)
            add(conn, meta, "cases", id=1, receipt_no="JKAAAAAAAAAA", state="in_service", channel="medical",
                division_code="220102", applicant_name="李明", applicant_id_number="220102198506151234",
                guardian_name="李父", guardian_relation="父亲", consent_signer="applicant", consent_signed_at=NOW,
                applied_at=NOW, state_changed_at=NOW, institution_id=1, version=1, created_at=NOW, updated_at=NOW)
            add(conn, meta, "assessments", id=1, case_id=1, institution_id=1, kind="comprehensive", result="suitable",
                risk_grade=1, domains={"insight": "partial", "mental_state": "平稳"}, sdss=8, plan="服药训练",
                assessed_at=NOW)
            for agreement_id, form, signer in ((1, "日间康复", "李明"), (2, "线上小组", "李父"), (3, "", "王某"),
                                               (4, "居家", "李明")):
                add(conn, meta, "agreements", id=agreement_id, case_id=1, institution_id=1,
                    start_date=date(2026, 6, 1), end_date=date(2026, 12, 1), service_items=["服药训练"], form=form,
                    frequency="每周两次", signer_name=signer, signed_at=NOW)
            add(conn, meta, "follow_ups", id=1, case_id=1, due_date=date(2026, 7, 1), done_at=NOW, method="phone",
                contact_person="本人", condition="稳定", needs_service_again=True, note="想再参加小组")
            add(conn, meta, "follow_ups", id=2, case_id=1, due_date=date(2026, 9, 1))

        flask_migrate.upgrade()

        with _db.engine.connect() as conn:
            a = conn.execute(text("SELECT risk_grade, sdss, plan, place, recommended_items, domains "
                                  "FROM assessments WHERE id = 1")).one()
            assert (a.risk_grade, a.sdss, a.plan, a.place) == (1, 8, "服药训练", "")
            assert _json(a.recommended_items) == [] and _json(a.domains)["mental_state"] == "平稳"
            assert conn.execute(text("SELECT count(*) FROM assessment_assessors")).scalar() == 0
            rows = conn.execute(text("SELECT id, form, form_other, frequency, signer_name, signer_relation, "
                                     "representative_name, fee_amount, fee_payer, place FROM agreements "
                                     "ORDER BY id")).all()
            assert [(r.id, r.form, r.form_other, r.signer_relation) for r in rows] == [
                (1, "day", "", "本人"), (2, "other", "线上小组", "父亲"), (3, None, "", ""), (4, "home", "", "本人")]
            assert all(r.frequency == "每周两次" and r.fee_amount is None and r.fee_payer is None and r.place == ""
                       and r.representative_name == "" for r in rows)
            f = conn.execute(text("SELECT id, contact_person, condition, note, needs_service_again, next_step, "
                                  "unreachable, lost_reason, satisfaction, relapsed FROM follow_ups ORDER BY id")).all()
            assert (f[0].contact_person, f[0].condition, f[0].note, f[0].next_step, f[0].unreachable) == (
                "本人", "稳定", "想再参加小组", "reapply", False)
            assert (f[1].next_step, f[1].unreachable, f[1].lost_reason, f[1].satisfaction, f[1].relapsed) == (
                None, False, "", None, None)

        # The new CHECKs hold on the upgraded rows: a made-up code is refused by the database itself.
        from sqlalchemy.exc import IntegrityError

        for statement in ("UPDATE agreements SET form = '日间康复' WHERE id = 1",
                          "UPDATE agreements SET fee_amount = -1 WHERE id = 1",
                          "UPDATE follow_ups SET unreachable = true WHERE id = 1"):
            with pytest.raises(IntegrityError), _db.engine.begin() as conn:
                conn.execute(text(statement))
        with _db.engine.begin() as conn:  # and a valid one is stored as given
            conn.execute(text("UPDATE agreements SET fee_amount = 120.5, fee_payer = 'self' WHERE id = 1"))
            assert conn.execute(select(meta.tables["agreements"].c.id)).all()
            assert conn.execute(text("SELECT fee_amount FROM agreements WHERE id = 1")).scalar() == Decimal("120.50")
        _db.engine.dispose()


def _json(value):
    import json

    return json.loads(value) if isinstance(value, str) else value
