"""Purchase-statement routes × every role (and anonymous) → expected status. The statement belongs to the
institution roles' own institution in 南关区, so the county, city and province officials of the fixture see it."""

from __future__ import annotations

import pytest

from referral.auth.permissions import Role
from referral.extensions import db
from referral.purchases.models import PurchaseStatement
from tests.helpers import ANON, bearer, by_role, csrf_token, login

VIEWERS = {"province_official": 200, "city_official": 200, "county_official": 200, "institution_admin": 200,
           "institution_staff": 200}

MATRIX = [
    ("GET", "/purchases/", 302, by_role(403, **VIEWERS)),
    ("GET", "/purchases/issue", 302, by_role(403, county_official=200)),
    ("GET", "/purchases/{statement}", 302, by_role(403, **VIEWERS)),
    ("POST", "/purchases/{statement}/events/confirm", 302, by_role(403, institution_admin=302)),
    # No reason given: past the role and scope checks, the form answers 422.
    ("POST", "/purchases/{statement}/export", 302, by_role(403, **{r: 422 for r in VIEWERS})),
]
API_MATRIX = [
    ("GET", "/api/v1/purchases", by_role(403, **VIEWERS)),
    ("GET", "/api/v1/purchases/{statement}", by_role(403, **VIEWERS)),
    ("POST", "/api/v1/purchases", by_role(403, county_official=400)),  # no body: past the role check
    ("POST", "/api/v1/purchases/{statement}/events", by_role(403, **{r: 400 for r in VIEWERS})),
]
ROUTES_COVERED = {u for _m, u, *_ in MATRIX} | {u for _m, u, _e in API_MATRIX}


@pytest.fixture
def statement(objects):
    from referral.purchases.queries import service_volume

    row = PurchaseStatement(institution_id=objects["inst"], division_code="220102", month="2026-01", revision=1,
                            figures=service_volume(objects["inst"], "2026-01"))
    db.session.add(row)
    db.session.commit()
    return {**objects, "statement": row.id}


@pytest.mark.parametrize(("method", "url", "anon", "expected"), MATRIX, ids=[f"{m} {u}" for m, u, *_ in MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_purchase_routes(client, users_by_role, statement, method, url, anon, expected, role):
    if role != ANON:
        login(client, users_by_role[role])
    data = {"csrf_token": csrf_token(client, "/directory/")} if method == "POST" else None
    response = client.open(url.format(**statement), method=method, data=data)
    assert response.status_code == (anon if role == ANON else expected[role])


@pytest.mark.parametrize(("method", "url", "expected"), API_MATRIX, ids=[f"{m} {u}" for m, u, _e in API_MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_purchase_api(client, users_by_role, statement, method, url, expected, role):
    headers = bearer(users_by_role[role]) if role != ANON else {}
    response = client.open(url.format(**statement), method=method, headers=headers)
    assert response.status_code == (401 if role == ANON else expected[role])
