"""List pages cost the same number of SQL statements for 3 rows as for a full page: no N+1."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from referral.audit.services import record
from referral.auth.permissions import Role
from referral.extensions import db as _db
from tests.helpers import bearer, login


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


# --- issue 14: the case pages and the API cost the same number of statements for few rows as for many ------

def _count_api(client, url, headers):
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", before)
    try:
        response = client.get(url, headers=headers)
    finally:
        event.remove(_db.engine, "before_cursor_execute", before)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return len(statements)


def _applications(officer, start: int, n: int):
    from referral.cases import services
    from tests.helpers import id_number

    for seq in range(start, start + n):
        services.submit_application(actor=officer, data={
            "channel": "self", "name": f"申请人{seq}", "id_number": id_number("19850615", seq),
            "division_code": "220102", "needs": "x", "service_types": [], "consent_signer": "applicant"})
    _db.session.commit()


def test_case_lists_do_not_query_per_row(client, people, count_queries):
    # The tasks page and the case list API: the count, the page and the filter lists, whatever the number of cases.
    officer = people["officer"]
    login(client, officer)
    headers = bearer(officer)
    client.get("/api/v1/me", headers=headers)  # its first use writes last_used_at; counted below: reads only
    _applications(officer, 1, 3)
    few = (count_queries(client, "/cases/"), _count_api(client, "/api/v1/cases?per_page=50", headers))
    _applications(officer, 10, 40)
    many = (count_queries(client, "/cases/"), _count_api(client, "/api/v1/cases?per_page=50", headers))
    assert many == few


def test_the_case_page_does_not_query_per_row(client, people, referred_case, count_queries):
    # The case page and the case API with one referral, history row and document, then with many of each.
    from referral.cases.models import CaseEvent, Referral, ReferralStatus
    from referral.models import utcnow

    officer = people["officer"]
    login(client, officer)
    headers = bearer(officer)
    client.get("/api/v1/me", headers=headers)  # its first use writes last_used_at; counted below: reads only
    urls = (f"/cases/{referred_case.id}",)
    api = (f"/api/v1/cases/{referred_case.id}", f"/api/v1/cases/{referred_case.id}/history")
    few = [count_queries(client, u) for u in urls] + [_count_api(client, u, headers) for u in api]
    now = utcnow()
    for _ in range(25):  # earlier refusals and their history, as a much-referred case has
        _db.session.add(Referral(case_id=referred_case.id, institution_id=people["inst"].id,
                                 status=ReferralStatus.DECLINED, referred_by_id=officer.id, referred_at=now,
                                 responded_at=now, decline_reason_code="no_capacity"))
        _db.session.add(CaseEvent(case_id=referred_case.id, event="decline", from_state="referred",
                                  to_state="registered", actor_name="x", summary={}, at=now))
    _db.session.commit()
    many = [count_queries(client, u) for u in urls] + [_count_api(client, u, headers) for u in api]
    assert many == few


def test_a_bearer_read_writes_at_most_once_a_minute(client, people, referred_case):
    # issue 14: GET with a token must not write the token's row on every call (a write and a commit per read).
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    headers = bearer(people["officer"])
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # first use: last_used_at is set
    event.listen(_db.engine, "before_cursor_execute", before)
    try:
        for _ in range(3):
            assert client.get(f"/api/v1/cases/{referred_case.id}", headers=headers).status_code == 200
    finally:
        event.remove(_db.engine, "before_cursor_execute", before)
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]


def test_ping_reads_no_database_and_no_session(client, people):
    # The benchmark's floor (bench/scale) and a proxy's health check: the app's stack without its data.
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    login(client, people["officer"])
    event.listen(_db.engine, "before_cursor_execute", before)
    try:
        response = client.get("/ping")
    finally:
        event.remove(_db.engine, "before_cursor_execute", before)
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok\n"
    assert statements == []
