"""List pages cost the same number of SQL statements for 3 rows as for a full page: no N+1."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from referral.audit.services import record
from referral.auth.permissions import Role
from referral.extensions import db as _db
from tests.helpers import login


@pytest.fixture
def count_queries(app):
    def run(client, url):
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(_db.engine, "before_cursor_execute", before)
        try:
            response = client.get(url)
        finally:
            event.remove(_db.engine, "before_cursor_execute", before)
        assert response.status_code == 200
        return len(statements)

    return run


def _fill(create_user, create_institution, n):
    institution = create_institution()
    for i in range(n):
        if i % 2:
            create_user(Role.INSTITUTION_STAFF, institution=institution)
        else:
            create_user(Role.REFERRAL_OFFICER, Role.COUNTY_OFFICIAL, division="220102")
        record("test.event", "thing", i, division_code="220102")
    _db.session.commit()


@pytest.mark.parametrize("url", ["/users/", "/audit/", "/divisions/220100"])
def test_list_pages_do_not_query_per_row(client, create_user, create_institution, count_queries, url):
    login(client, create_user(Role.SYSADMIN))
    _fill(create_user, create_institution, 3)
    few = count_queries(client, url)
    _fill(create_user, create_institution, 30)
    many = count_queries(client, url)
    assert many == few


def test_the_case_search_probes_indexes_not_the_whole_table(app, db, create_user):
    # issue 10.9: each whole-value match (receipt number, 身份证号, phone, name) has an index the planner can use,
    # so a search costs the same at 100k cases as at 10. PostgreSQL is told to avoid a sequential scan (on an
    # empty test table it would rightly prefer one); SQLite plans with the indexes as they are.
    from sqlalchemy import text

    from referral.cases.queries import search_cases
    from tests.helpers import TEST_DATABASE_URL

    officer = create_user(Role.REFERRAL_OFFICER, division="220102")
    stmt = search_cases(officer, q="13800001234").statement().with_only_columns(text("1"))
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if TEST_DATABASE_URL:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in db.session.execute(text(f"EXPLAIN {sql}")))
    else:
        plan = "\n".join(str(row[-1]) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    receipt_index = "uq_cases_receipt_no" if TEST_DATABASE_URL else "sqlite_autoindex_cases_1"  # SQLite's own name
    # 身份证号 and phone are ciphertext on disk: they are found by their keyed hashes (docs/domain.md, README#encryption-at-rest).
    for index in (receipt_index, "ix_cases_id_hash", "ix_cases_phone_hash", "ix_cases_name"):
        assert index in plan, plan
    assert "Seq Scan on cases" not in plan and "SCAN cases\n" not in plan + "\n", plan
