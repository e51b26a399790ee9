"""Case routes × every role (and anonymous) → expected status. The case lives in 南关区 (220102), was
applied for by the medical assister, and is with the institution of the institution roles."""

from __future__ import annotations

import pytest

from referral.auth.permissions import Role
from tests.helpers import ANON, bearer, by_role, csrf_token, login

# Who sees the case: the county's referral officer and county official, the institution it is with, the
# assister who applied. Officials above the county and the sysadmin see statistics, not cases (404).
SEES = {"referral_officer": 200, "county_official": 200, "institution_admin": 200, "institution_staff": 200,
        "medical_assister": 200}
API_MATRIX = [
    ("POST", "/api/v1/cases", 401, by_role(403, medical_assister=422, community_assister=422, referral_officer=422)),
    ("GET", "/api/v1/cases", 401, by_role(200)),
    ("GET", "/api/v1/cases/{case}", 401, by_role(404, **SEES)),
    ("GET", "/api/v1/cases/{case}/history", 401, by_role(404, **SEES)),
    ("GET", "/api/v1/cases/{case}/eligible-institutions", 401,
     by_role(404, **{**SEES, "county_official": 403, "institution_admin": 403, "institution_staff": 403,
                     "medical_assister": 403})),
    ("POST", "/api/v1/cases/{case}/events", 401,
     by_role(404, referral_officer=403, county_official=403, institution_admin=200, institution_staff=200,
             medical_assister=403)),
    # the person's record: the officer and the serving institution's staff; others who see the case 403
    ("PATCH", "/api/v1/cases/{case}", 401,
     by_role(404, **{**SEES, "county_official": 403, "institution_admin": 403, "medical_assister": 403})),
    ("POST", "/api/v1/public/applications", 422, by_role(422)),
    ("GET", "/api/v1/public/applications/{receipt}", 422, by_role(422)),
    ("POST", "/api/v1/public/applications/{receipt}/withdraw", 422, by_role(422)),
    ("POST", "/api/v1/public/applications/{receipt}/resubmit", 422, by_role(422)),
]
VIEWERS = {r.value: 200 for r in Role if r.value not in ("sysadmin", "province_official", "city_official")}
HTML_MATRIX = [
    ("GET", "/cases/", 302, by_role(403, **VIEWERS)),
    ("GET", "/cases/new", 302, by_role(403, medical_assister=200, community_assister=200, referral_officer=200)),
    ("GET", "/cases/{case}", 302, by_role(403, **{k: SEES.get(k, 404) for k in VIEWERS})),
    # reveal: the officer and the institution see the full number; others who see the case are refused
    ("POST", "/cases/{case}/reveal", 302,
     by_role(403, **{**{k: SEES.get(k, 404) for k in VIEWERS}, "county_official": 403, "medical_assister": 403})),
    ("GET", "/cases/{case}/events/accept", 302,
     by_role(403, **{**{k: 404 for k in VIEWERS}, "referral_officer": 403, "county_official": 403,
                     "institution_admin": 200, "institution_staff": 200, "medical_assister": 403})),
]
# Only the serving institution's staff record services (302: an empty form flashes its errors, back to the case).
HTML_MATRIX.append(("POST", "/cases/{case}/service-records", 302,
                    by_role(403, **{**{k: 403 if k in SEES else 404 for k in VIEWERS}, "institution_staff": 302})))
# The person's record and its health data: the officer and the serving institution's staff.
EDITS_PERSON = {**{k: 403 if k in SEES else 404 for k in VIEWERS}, "referral_officer": 200, "institution_staff": 200}
HTML_MATRIX += [
    ("GET", "/cases/{case}/person", 302, by_role(403, **EDITS_PERSON)),
    ("POST", "/cases/{case}/person", 302, by_role(403, **{**EDITS_PERSON, "referral_officer": 302,
                                                           "institution_staff": 302})),
    ("POST", "/cases/{case}/reveal-health", 302, by_role(403, **EDITS_PERSON)),
    # the provinces' eligibility profiles: settings, no personal data
    ("GET", "/cases/eligibility-profiles", 302,
     by_role(403, sysadmin=200, province_official=200, city_official=200, county_official=200)),
]
ROUTES_COVERED = {u for _m, u, *_ in API_MATRIX + HTML_MATRIX}


@pytest.mark.parametrize(("method", "url", "anon", "expected"), HTML_MATRIX,
                         ids=[f"{m} {u}" for m, u, *_ in HTML_MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_case_html_routes(client, users_by_role, case_ids, method, url, anon, expected, role):
    if role != ANON:
        login(client, users_by_role[role])
    data = {"csrf_token": csrf_token(client, "/directory/"), "reason": "核实"} if method == "POST" else None
    response = client.open(url.format(**case_ids), method=method, data=data)
    assert response.status_code == (anon if role == ANON else expected[role])


@pytest.mark.parametrize(("method", "url", "anon", "expected"), API_MATRIX, ids=[f"{m} {u}" for m, u, *_ in API_MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_case_api_routes(client, users_by_role, case_ids, method, url, anon, expected, role):
    headers = bearer(users_by_role[role]) if role != ANON else {}
    body = {"event": "accept"} if url.endswith("/events") else ({} if method in ("POST", "PATCH") else None)
    response = client.open(url.format(**case_ids), method=method, headers=headers, json=body)
    assert response.status_code == (anon if role == ANON else expected[role]), response.get_json()
