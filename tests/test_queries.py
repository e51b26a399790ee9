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
