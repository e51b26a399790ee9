"""需求数据 routes × every role (and anonymous) → expected status. The import is the county official's of
南关区 (the demo area), so every official of the area and the sysadmin see it; the other roles may not
use the pages at all (403)."""

from __future__ import annotations

import io

import pytest

from referral.auth.permissions import Role
from referral.demand import services
from referral.extensions import db
from tests.demand.conftest import HEALTH_SAMPLE
from tests.helpers import ANON, by_role, csrf_token, login

DEMAND_ROLES = {"sysadmin": 200, "province_official": 200, "city_official": 200, "county_official": 200}
HTML_MATRIX = [
    ("GET", "/demand/", by_role(403, **DEMAND_ROLES)),
    # a list of the area: accepted and queued (302 to its page)
    ("POST", "/demand/", by_role(403, **dict.fromkeys(DEMAND_ROLES, 302))),
    ("GET", "/demand/imports/{import}", by_role(403, **DEMAND_ROLES)),
    ("GET", "/demand/imports/{import}/status", by_role(403, **DEMAND_ROLES)),
    ("GET", "/demand/imports/{import}/bad-rows.csv", by_role(403, **DEMAND_ROLES)),
]
ROUTES_COVERED = {u for _m, u, _e in HTML_MATRIX}


@pytest.fixture
def ids(users_by_role):
    imp = services.request_import(actor=users_by_role[Role.COUNTY_OFFICIAL], source="health", file_name="a.csv",
                                  content=HEALTH_SAMPLE.read_bytes())
    db.session.commit()
    return {"import": imp.id}


@pytest.mark.parametrize(("method", "url", "expected"), HTML_MATRIX, ids=[f"{m} {u}" for m, u, _e in HTML_MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_demand_routes(client, users_by_role, ids, method, url, expected, role):
    if role != ANON:
        login(client, users_by_role[role])
    data = None
    if method == "POST":
        data = {"csrf_token": csrf_token(client, "/login" if role == ANON else "/"), "source": "health",
                "file": (io.BytesIO(HEALTH_SAMPLE.read_bytes()), "health.csv")}
    response = client.open(url.format(**ids), method=method, data=data)
    if role == ANON:
        assert response.status_code == 302 and response.location.startswith("/login")
        return
    assert response.status_code == expected[role]
