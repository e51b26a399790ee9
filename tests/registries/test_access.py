"""Registry routes × every role (and anonymous) → expected status. The institution and talent belong to
the demo area (长春市南关区 220102) and to the institution of the institution roles, so a 404 here comes
from scope (assisters have no area) and a 403/409 from the role."""

from __future__ import annotations

import pytest

from referral.auth.permissions import Role
from tests.helpers import ANON, IN_SCOPE, bearer, by_role, csrf_token, login

R = Role
ALL = set(Role)
VIEWERS = {R.SYSADMIN, R.PROVINCE_OFFICIAL, R.CITY_OFFICIAL, R.COUNTY_OFFICIAL, R.REFERRAL_OFFICER}
ASSISTERS = {R.MEDICAL_ASSISTER, R.COMMUNITY_ASSISTER}


def scoped(denied, **overrides):
    """``denied`` for every role that sees the object, the overrides for the named roles, and 404 for the
    roles that have no area (the object is outside their scope)."""
    table = {role: (404 if role in ASSISTERS else denied) for role in Role}
    table.update({Role(k): v for k, v in overrides.items()})
    return table


MATRIX = [
    # method, url, anonymous, per-role
    ("GET", "/institutions/", 302, by_role(403, **{r.value: 200 for r in VIEWERS})),
    ("GET", "/institutions/mine", 302, by_role(403, institution_admin=302, institution_staff=302)),
    ("GET", "/institutions/{inst}", 302, {r: (200 if r in IN_SCOPE else 404) for r in Role}),
    ("GET", "/institutions/{inst}/edit", 302, scoped(403, institution_admin=200)),
    ("GET", "/institutions/{inst}/events/withdraw", 302,
     scoped(403, institution_admin=200)),
    ("POST", "/institutions/{inst}/events/withdraw", 302, scoped(403, institution_admin=302)),
    ("POST", "/institutions/{inst}/attachments", 302, scoped(403, institution_admin=400)),
    ("GET", "/institutions/{inst}/attachments/{att}", 302, {r: (200 if r in IN_SCOPE else 404) for r in Role}),
    ("POST", "/institutions/{inst}/licences", 302, scoped(403, institution_admin=302)),
    ("POST", "/change-requests/{change}/approve_change", 302, scoped(403, county_official=302)),
    ("GET", "/talents/", 302, by_role(403, **{r.value: 200 for r in VIEWERS})),
    ("GET", "/talents/new", 302, by_role(403, referral_officer=200, institution_admin=200, institution_staff=200)),
    ("GET", "/talents/{talent}", 302, {r: (200 if r in IN_SCOPE else 404) for r in Role}),
    ("GET", "/talents/{talent}/edit", 302, scoped(403, institution_admin=200)),
    ("GET", "/talents/{talent}/events/withdraw", 302, scoped(403, institution_admin=200)),
    # wrong state: 409 for everyone who can see the entry, whatever their role
    ("GET", "/talents/{talent}/events/reinstate", 302, scoped(409)),
    ("POST", "/talents/{talent}/reveal", 302, scoped(403, institution_admin=200, county_official=200)),
    ("POST", "/talents/{talent}/training", 302, scoped(403, institution_admin=302)),
    ("GET", "/talents/training-shortfall", 302, by_role(403, **{r.value: 200 for r in VIEWERS})),
    ("GET", "/registry/queue", 302, by_role(403, county_official=200, city_official=200)),
    ("GET", "/institutions/signup", 200, by_role(302)),
    ("GET", "/directory/", 200, by_role(200)),
    ("GET", "/directory.json", 200, by_role(200)),
    ("GET", "/directory/hsds.json", 200, by_role(200)),
]

API_MATRIX = [
    ("GET", "/api/v1/institutions", 401, by_role(200)),
    ("GET", "/api/v1/institutions/{inst}", 401, {r: (200 if r in IN_SCOPE else 404) for r in Role}),
    ("PATCH", "/api/v1/institutions/{inst}", 401, scoped(403, institution_admin=200)),
    ("POST", "/api/v1/institutions/{inst}/events", 401, scoped(403, institution_admin=200)),
    ("GET", "/api/v1/talents", 401, by_role(200)),
    ("GET", "/api/v1/talents/{talent}", 401, {r: (200 if r in IN_SCOPE else 404) for r in Role}),
    ("PATCH", "/api/v1/talents/{talent}", 401, scoped(403, institution_admin=200)),
    ("POST", "/api/v1/talents/{talent}/events", 401, scoped(403, institution_admin=200)),
    ("POST", "/api/v1/talents", 401, by_role(403, referral_officer=201, institution_admin=201, institution_staff=201)),
    # attachments: the owner uploads (422 here: the probe sends no file), whoever sees the entry lists them
    ("GET", "/api/v1/institutions/{inst}/attachments", 401, {r: (200 if r in IN_SCOPE else 404) for r in Role}),
    ("POST", "/api/v1/institutions/{inst}/attachments", 401, scoped(403, institution_admin=422)),
    ("GET", "/api/v1/talents/{talent}/attachments", 401, {r: (200 if r in IN_SCOPE else 404) for r in Role}),
    ("POST", "/api/v1/talents/{talent}/attachments", 401, scoped(403, institution_admin=422)),
]
BODIES = {"PATCH /api/v1/institutions/{inst}": {"free_places": 1},
          "POST /api/v1/institutions/{inst}/events": {"event": "withdraw"},
          "PATCH /api/v1/talents/{talent}": {"phone": "0431-1111111"},
          "POST /api/v1/talents/{talent}/events": {"event": "withdraw"}}


@pytest.fixture
def stored_file(app, objects, db):
    """Put real bytes behind the attachment row so that a permitted download succeeds."""
    import hashlib
    from pathlib import Path

    from referral.attachments.models import Attachment

    data = b"\x89PNG fake but hashed"
    digest = hashlib.sha256(data).hexdigest()
    att = db.session.get(Attachment, objects["att"])
    att.sha256, att.size, att.storage_key = digest, len(data), f"{digest[:2]}/{digest[2:4]}/{digest}"
    path = Path(app.config["ATTACHMENT_ROOT"]) / att.storage_key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    db.session.commit()


@pytest.mark.parametrize(("method", "url", "anon", "expected"), MATRIX, ids=[f"{m} {u}" for m, u, *_ in MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_html_registry_routes(client, users_by_role, objects, stored_file, method, url, anon, expected, role):
    if role != ANON:
        login(client, users_by_role[role])
    data = None
    if method == "POST":
        data = {"csrf_token": csrf_token(client, "/login" if role == ANON else "/directory/"), "reason": "核实身份"}
    response = client.open(url.format(**objects), method=method, data=data)
    assert response.status_code == (anon if role == ANON else expected[role])


@pytest.mark.parametrize(("method", "url", "anon", "expected"), API_MATRIX, ids=[f"{m} {u}" for m, u, *_ in API_MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_api_registry_routes(client, users_by_role, objects, method, url, anon, expected, role):
    headers = bearer(users_by_role[role]) if role != ANON else {}
    body = BODIES.get(f"{method} {url}")
    if url == "/api/v1/talents":
        body = {"name": "新人", "id_number": "11010519491231002X", "category": "volunteer", "division": "220102"}
    response = client.open(url.format(**objects), method=method, headers=headers, json=body)
    assert response.status_code == (anon if role == ANON else expected[role]), response.get_json()


ROUTES_COVERED = {u.split("?")[0] for _m, u, *_ in MATRIX + API_MATRIX}
