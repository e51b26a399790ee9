"""Document routes × every role (and anonymous) → expected status. The case is the one of
tests/cases/test_access.py (南关区 220102, applied for by the medical assister, referred to the institution
of the institution roles); the institution and talent those of tests/registries/test_access.py.

Seeing the object decides 404; being allowed to see the personal data the document prints decides 403:
the county's referral officer and the serving institution for a case, the county official and the owner
for a registry entry, the account itself for one's own pledge."""

from __future__ import annotations

import pytest

from referral.auth.permissions import Role
from referral.documents import exports, services
from referral.extensions import db
from tests.helpers import ANON, IN_SCOPE, bearer, by_role, csrf_token, login

CASE_SEERS = {"referral_officer", "county_official", "institution_admin", "institution_staff", "medical_assister"}


def case_table(allowed: int, *, creator: int) -> dict:
    """404 for those who do not see the case, 403 for the county official (sees it, may not print
    identities), ``allowed`` for the officer and the institution, ``creator`` for the assister who applied."""
    table = by_role(404)
    table.update({Role.REFERRAL_OFFICER: allowed, Role.INSTITUTION_ADMIN: allowed, Role.INSTITUTION_STAFF: allowed,
                  Role.COUNTY_OFFICIAL: 403, Role.MEDICAL_ASSISTER: creator})
    return table


def registry_table(*, county: int, admin: int) -> dict:
    """404 outside the entry's scope, ``county`` for the county official, ``admin`` for the institution's
    admin (the owner), 403 for everyone else who sees the entry."""
    special = {Role.COUNTY_OFFICIAL: county, Role.INSTITUTION_ADMIN: admin}
    return {r: (special.get(r, 403) if r in IN_SCOPE else 404) for r in Role}


EXPORTERS = {"referral_officer", "county_official", "institution_admin", "institution_staff", "medical_assister",
             "community_assister"}
HTML_MATRIX = [
    ("GET", "/cases/{case}/documents/application", 302, case_table(200, creator=200)),
    ("GET", "/cases/{case}/documents/basic_file", 302, case_table(200, creator=403)),
    ("POST", "/cases/{case}/documents/application/reissue", 302, case_table(302, creator=302)),
    ("GET", "/documents/{document}", 302, case_table(200, creator=200)),
    ("GET", "/institutions/{inst}/documents/service_pledge", 302, registry_table(county=200, admin=200)),
    ("GET", "/talents/{talent}/documents/confidentiality_pledge", 302, registry_table(county=200, admin=200)),
    ("GET", "/me/documents/confidentiality_pledge", 302, by_role(200)),
    ("GET", "/documents/exports/", 302, by_role(403, **{r: 200 for r in EXPORTERS})),
    # an export of the cases one sees: the community assister sees none (a form error)
    ("POST", "/documents/exports/", 302,
     by_role(403, **{**{r: 302 for r in EXPORTERS}, "community_assister": 422})),
    ("GET", "/documents/exports/{export}", 302, by_role(403, **{**{r: 404 for r in EXPORTERS}, "referral_officer": 200})),
    ("GET", "/documents/exports/{export}/status", 302,
     by_role(403, **{**{r: 404 for r in EXPORTERS}, "referral_officer": 200})),
    ("GET", "/documents/exports/{export}/download", 302,
     by_role(403, **{**{r: 404 for r in EXPORTERS}, "referral_officer": 200})),
]
API_MATRIX = [
    ("GET", "/api/v1/cases/{case}/documents/application", 401, case_table(200, creator=200)),
    ("GET", "/api/v1/institutions/{inst}/documents/confidentiality_pledge", 401,
     registry_table(county=200, admin=200)),
    ("GET", "/api/v1/talents/{talent}/documents/confidentiality_pledge", 401,
     registry_table(county=200, admin=200)),
]
PUBLIC_ROUTES = {"/documents/blank/", "/documents/blank/<code>.pdf", "/verify", "/verify/<code>",
                 "/api/v1/documents/blank/<code>"}
ROUTES_COVERED = {u for _m, u, *_ in HTML_MATRIX + API_MATRIX}


@pytest.fixture
def ids(request, case_ids, objects, users_by_role):
    """The case, institution and talent; for the routes that need them, one issued document of the case
    and one finished export, both by the referral officer (made only there: each costs a PDF render)."""
    from referral.auth.models import User
    from referral.cases.models import Case

    url = request.node.callspec.params["url"]
    officer = db.session.get(User, users_by_role[Role.REFERRAL_OFFICER].id)
    case = db.session.get(Case, case_ids["case"])
    made = {}
    if "{document}" in url:
        made["document"] = services.issue(services.target_for("application", "case", case), actor=officer,
                                          base_url="http://localhost/").id
    if "{export}" in url:
        export = exports.request_export(actor=officer, code="application", case_ids=[case.id], filters={},
                                        base_url="http://localhost/")
        db.session.commit()  # the queue (immediate in tests) runs it once committed
        made["export"] = export.id
    db.session.commit()
    return {**case_ids, **objects, **made}


@pytest.mark.parametrize(("method", "url", "anon", "expected"), HTML_MATRIX,
                         ids=[f"{m} {u}" for m, u, *_ in HTML_MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_document_html_routes(client, users_by_role, ids, method, url, anon, expected, role):
    if role != ANON:
        login(client, users_by_role[role])
    data = None
    if method == "POST":
        data = {"csrf_token": csrf_token(client, "/documents/blank/"), "code": "application"}
    response = client.open(url.format(**ids), method=method, data=data)
    assert response.status_code == (anon if role == ANON else expected[role])
    if response.status_code == 200 and "/documents/" in url and "exports" not in url:
        assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")


@pytest.mark.parametrize(("method", "url", "anon", "expected"), API_MATRIX,
                         ids=[f"{m} {u}" for m, u, *_ in API_MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_document_api_routes(client, users_by_role, ids, method, url, anon, expected, role):
    headers = bearer(users_by_role[role]) if role != ANON else {}
    response = client.open(url.format(**ids), method=method, headers=headers)
    assert response.status_code == (anon if role == ANON else expected[role])
    if response.status_code == 200:
        assert response.mimetype == "application/pdf"
    else:
        assert response.get_json()["error"]["code"]


@pytest.mark.parametrize("url", ["/documents/blank/", "/documents/blank/service_pledge.pdf", "/verify",
                                 "/verify/ABCD-EFGH-JKMN-PQRS", "/api/v1/documents/blank/basic_file"])
def test_public_document_routes(client, url):
    assert client.get(url).status_code == 200
