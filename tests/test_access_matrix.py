"""Every route × every role → the expected status (Indico's access_test.py). Later features add their
rows here. Objects are all inside the demo area (长春市南关区), so 403/404 below come from the role,
not from the scope; scope has its own tests in test_scoping.py."""

from __future__ import annotations

import pytest

from referral.auth.permissions import Role
from referral.users.models import RoleGrant
from tests.helpers import ANON, bearer, csrf_token, login

ALL = set(Role)
OFFICIALS = {Role.PROVINCE_OFFICIAL, Role.CITY_OFFICIAL, Role.COUNTY_OFFICIAL}
ADMIN = {Role.SYSADMIN}

# (method, url template, roles allowed, status when allowed, status for signed-in but not allowed)
MATRIX = [
    ("GET", "/", ALL, 200, None),
    ("GET", "/account/password", ALL, 200, None),
    ("GET", "/account", ALL, 200, None),
    ("GET", "/account/sessions", ALL, 200, None),
    ("POST", "/account/sessions/end-all", ALL, 302, None),
    ("POST", "/account/sessions/{session}/end", set(), None, 404),  # another account's session: not there
    ("GET", "/me/pledge", ALL, 200, None),
    ("GET", "/account/totp", ALL, 200, None),
    ("POST", "/account/totp/recovery-codes", ALL, 302, None),  # no code: back to the page with the error
    ("POST", "/account/totp/remove", ALL, 302, None),
    ("GET", "/users/", ADMIN | OFFICIALS, 200, 403),
    ("GET", "/users/{target}", ADMIN | OFFICIALS, 200, 403),
    ("GET", "/users/new", ADMIN, 200, 403),
    ("GET", "/users/{target}/edit", ADMIN, 200, 403),
    ("POST", "/users/{target}/active", ADMIN, 302, 403),
    ("POST", "/users/grants/{grant}/approve", ADMIN, 302, 403),  # requested by another sysadmin
    ("POST", "/users/grants/{grant}/reject", ADMIN, 302, 403),
    ("GET", "/users/staff", {Role.INSTITUTION_ADMIN}, 200, 403),
    ("GET", "/users/staff/new", {Role.INSTITUTION_ADMIN}, 200, 403),
    ("POST", "/users/staff/{staff}/active", {Role.INSTITUTION_ADMIN}, 302, 403),
    ("GET", "/divisions/", ADMIN | OFFICIALS, {200, 302}, 403),
    ("GET", "/divisions/220102", ADMIN | OFFICIALS, 200, 403),
    ("GET", "/audit/", ADMIN | OFFICIALS, 200, 403),
    ("GET", "/audit/{entry}", ADMIN | OFFICIALS, 200, 403),
]

API_MATRIX = [
    ("GET", "/api/v1/me", ALL, 200, None),
    ("GET", "/api/v1/divisions?parent=220100", ALL, 200, None),
    ("GET", "/api/v1/calendar/2027", ALL, 200, None),
    ("GET", "/api/v1/users/{target}", ADMIN | OFFICIALS, 200, 403),
    ("POST", "/api/v1/users", ADMIN | {Role.INSTITUTION_ADMIN}, 400, 403),  # no body: past the role check
    ("GET", "/api/v1/me/pledge", ALL, 200, None),
    ("POST", "/api/v1/me/pledge", ALL, 400, None),  # no body: past the account check
    ("DELETE", "/api/v1/tokens/current", ALL, 204, None),
]


@pytest.fixture
def target(users_by_role, create_user, db):
    from referral.audit.services import record
    from referral.auth.sessions import start_session

    user = create_user(Role.REFERRAL_OFFICER, username="target", division="220102")
    entry = record("test.event", "user", user.id, division_code="220102")
    session = start_session(user)
    other_admin = create_user(Role.SYSADMIN, username="other-admin")
    grant = RoleGrant(user_id=user.id, role=Role.COUNTY_OFFICIAL, requested_by_id=other_admin.id)
    db.session.add(grant)
    db.session.commit()
    return {"target": user.id, "entry": entry.id, "staff": users_by_role[Role.INSTITUTION_STAFF].id,
            "session": session.id, "grant": grant.id}


def _expected(allowed, ok, denied, role):
    if role == ANON:
        return None
    return ok if role in allowed else denied


@pytest.mark.parametrize(("method", "url", "allowed", "ok", "denied"), MATRIX,
                         ids=[f"{m} {u}" for m, u, *_ in MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=lambda r: str(r))
def test_html_routes(client, users_by_role, target, method, url, allowed, ok, denied, role):
    url = url.format(**target)
    if role != ANON:
        login(client, users_by_role[role])
    data = {"csrf_token": csrf_token(client, "/login" if role == ANON else "/")} if method == "POST" else None
    if method == "POST":
        data["active"] = "0"
    response = client.open(url, method=method, data=data)
    if role == ANON:
        assert response.status_code == 302 and response.location.startswith("/login")
        return
    expected = _expected(allowed, ok, denied, role)
    assert response.status_code in (expected if isinstance(expected, set) else {expected})


@pytest.mark.parametrize(("method", "url", "allowed", "ok", "denied"), API_MATRIX,
                         ids=[f"{m} {u}" for m, u, *_ in API_MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=lambda r: str(r))
def test_api_routes(client, users_by_role, target, method, url, allowed, ok, denied, role):
    url = url.format(**target)
    headers = bearer(users_by_role[role]) if role != ANON else {}
    response = client.open(url, method=method, headers=headers)
    if role == ANON:
        assert response.status_code == 401
        return
    assert response.status_code == _expected(allowed, ok, denied, role)


def test_every_route_is_in_the_matrix(app):
    """A new route without a row here fails this test, so nobody forgets the access check."""
    from tests.cases.test_access import ROUTES_COVERED as case_routes
    from tests.demand.test_access import ROUTES_COVERED as demand_routes
    from tests.documents.test_access import PUBLIC_ROUTES as document_public_routes
    from tests.documents.test_access import ROUTES_COVERED as document_routes
    from tests.notifications.test_access import ROUTES_COVERED as notification_routes
    from tests.purchases.test_access import ROUTES_COVERED as purchase_routes
    from tests.registries.test_access import ROUTES_COVERED as registry_routes
    from tests.stats.test_access import ROUTES_COVERED as stats_routes
    from tests.supervision.test_access import ROUTES_COVERED as supervision_routes

    covered = {url.split("?")[0] for _m, url, *_ in MATRIX + API_MATRIX} | registry_routes | supervision_routes | case_routes
    covered |= document_routes | notification_routes | demand_routes | stats_routes | purchase_routes
    public = {"/login", "/login/totp", "/logout", "/preferences/language", "/preferences/text-size",
              "/api/v1/openapi.json", "/api/v1/tokens", "/static/<path:filename>",
              # the liveness probe and the bench's floor: no data, no session (tests/test_queries.py)
              "/ping",
              # the public application pages: no account by design (tested in tests/cases/test_public_pages.py)
              "/apply", "/apply/receipt", "/apply/status", "/apply/withdraw", "/apply/resubmit",
              # the division picker's lists: public reference data (tests/cases/test_public_pages.py)
              "/divisions/picker/<province>.json",
              # paper forms and the document check: public by design (tests/documents/test_access.py)
              *document_public_routes}
    names = {"<int:user_id>": "{target}", "<int:grant_id>": "{grant}", "<int:entry_id>": "{entry}", "<code>": "220102",
             "<int:institution_id>": "{inst}", "<int:talent_id>": "{talent}", "<int:attachment_id>": "{att}",
             "<int:change_id>": "{change}", "<event>": "withdraw", "<int:check_id>": "{check}",
             "<int:complaint_id>": "{complaint}", "<reference>": "{reference}", "<int:case_id>": "{case}",
             "<receipt_no>": "{receipt}", "/cases/{case}/events/withdraw": "/cases/{case}/events/accept",
             "/supervision/complaints/{complaint}/<action>": "/supervision/complaints/{complaint}/handle",
             "<action>": "approve_change",
             "<any(cases, institutions, talents):plural>/<int:subject_id>": "cases/{case}",
             "<int:notification_id>": "{n}", "<int:document_id>": "{document}", "<int:export_id>": "{export}", "<int:year>": "2027",
             "<int:import_id>": "{import}", "<int:session_id>": "{session}",
             "/cases/{case}/documents/220102": "/cases/{case}/documents/application",
             "/cases/{case}/documents/220102/reissue": "/cases/{case}/documents/application/reissue",
             "/me/documents/220102": "/me/documents/confidentiality_pledge",
             "/api/v1/cases/{case}/documents/220102": "/api/v1/cases/{case}/documents/application",
             "/api/v1/institutions/{inst}/documents/220102": "/api/v1/institutions/{inst}/documents/confidentiality_pledge",
             "/api/v1/talents/{talent}/documents/220102": "/api/v1/talents/{talent}/documents/confidentiality_pledge",
             "/api/v1/institutions/{entry}/attachments": "/api/v1/institutions/{inst}/attachments",
             "/api/v1/talents/{entry}/attachments": "/api/v1/talents/{talent}/attachments",
             "/users/staff/{target}/active": "/users/staff/{staff}/active",
             "<int:statement_id>": "{statement}", "<int:round_id>": "{round}",
             "/purchases/{statement}/events/withdraw": "/purchases/{statement}/events/confirm"}
    missing = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for placeholder, value in names.items():
            path = path.replace(placeholder, value)
        if rule.rule not in public and path not in covered:
            missing.append(rule.rule)
    assert missing == []
