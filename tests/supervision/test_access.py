"""Supervision routes × every role (and anonymous) → expected status."""

from __future__ import annotations

import pytest

from referral.auth.permissions import Role
from referral.extensions import db
from referral.supervision.models import Complaint, SpotCheck, SpotCheckRound
from tests.helpers import ANON, by_role, csrf_token, login

SUPERVISORS = {"sysadmin": 200, "province_official": 200, "city_official": 200, "county_official": 200}

MATRIX = [
    ("GET", "/supervision/", 302, by_role(403, **SUPERVISORS)),
    ("POST", "/supervision/spot-checks/draw", 302, by_role(403, county_official=302)),
    ("GET", "/supervision/spot-checks/{check}", 302, by_role(403, **SUPERVISORS)),
    ("GET", "/supervision/spot-checks/rounds/{round}", 302, by_role(403, **SUPERVISORS)),
    ("GET", "/institutions/{inst}/evaluations", 302, by_role(403, **SUPERVISORS)),
    ("GET", "/supervision/complaints/{complaint}", 302, by_role(403, **SUPERVISORS)),
    ("POST", "/supervision/complaints/{complaint}/handle", 302, by_role(403, county_official=302)),
    ("GET", "/directory/{inst}/complaint", 200, by_role(200)),
    ("GET", "/complaints/{reference}", 200, by_role(200)),
]
ROUTES_COVERED = {u for _m, u, *_ in MATRIX}


@pytest.fixture
def supervised(objects):
    draw = SpotCheckRound(division_code="220102", share=0.2, minimum=1, population=1, sample_size=1)
    draw.checks = [SpotCheck(institution_id=objects["inst"])]
    complaint = Complaint(reference="ABCDEF1234", institution_id=objects["inst"], content="内容")
    db.session.add_all([draw, complaint])
    db.session.commit()
    return {**objects, "round": draw.id, "check": draw.checks[0].id, "complaint": complaint.id, "reference": complaint.reference}


@pytest.mark.parametrize(("method", "url", "anon", "expected"), MATRIX, ids=[f"{m} {u}" for m, u, *_ in MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_supervision_routes(client, users_by_role, supervised, method, url, anon, expected, role):
    if role != ANON:
        login(client, users_by_role[role])
    data = {"csrf_token": csrf_token(client, "/directory/")} if method == "POST" else None
    response = client.open(url.format(**supervised), method=method, data=data)
    assert response.status_code == (anon if role == ANON else expected[role])
