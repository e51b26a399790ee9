"""An account's own 保密承诺书 at first sign-in (docs/domain.md#personal-data): every account whose roles see
personal data accepts it before using the platform, on the page /me/pledge; the API refuses with 403
``pledge_required`` until then; the acceptance is recorded with its text version and printed on
"我的保密承诺书". These accounts are created with ``pledged=False``: they meet the real gate."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import current_app

from referral.audit.models import AuditEntry
from referral.auth.models import AccountPledge
from referral.auth.permissions import Role
from referral.documents.context import format_datetime
from referral.documents.pledges import confidentiality_pledge_context
from referral.models import utcnow
from referral.pledge_texts import PLEDGE_CLAUSES, PLEDGE_TEXT_VERSION, PREAMBLES
from tests.documents.pdfcheck import flat, text_of
from tests.factories import TEST_PASSWORD
from tests.helpers import csrf_token, id_number, login, post_login

OWN_ID = id_number("19820917", 427)


@pytest.fixture
def newcomer(create_user):
    """A county official signing in for the first time: no acceptance on record."""
    return create_user(Role.COUNTY_OFFICIAL, username="zhangmin", division="220102", display_name="张敏",
                       pledged=False, id_number=OWN_ID)


def accept(client, name="张敏", next_="", **extra):
    data = {"csrf_token": csrf_token(client, "/me/pledge"), "accept": "y", "signer_name": name, "next": next_}
    data.update(extra)
    return client.post("/me/pledge", data=data)


def pledges_of(db, user):
    return db.session.scalars(db.select(AccountPledge).where(AccountPledge.user_id == user.id)).all()


def test_first_sign_in_goes_to_the_pledge_and_every_page_waits_for_it(client, db, newcomer):
    response = post_login(client, "zhangmin", TEST_PASSWORD, next_="/cases/")
    assert response.status_code == 302 and response.location == "/cases/"
    response = client.get("/cases/")
    assert response.status_code == 302 and response.location == "/me/pledge?next=/cases/"
    for path in ("/", "/account", "/talents/", "/me/documents/confidentiality_pledge"):
        assert client.get(path).location.startswith("/me/pledge"), path
    # What stays reachable: the pledge page itself, the password, signing out, static files, paper forms.
    page = client.get("/me/pledge?next=/cases/")
    assert page.status_code == 200
    assert "使用平台前，请阅读并接受以下保密承诺书" in page.get_data(as_text=True)
    assert client.get("/account/password").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/documents/blank/confidentiality_pledge.pdf").status_code == 200
    assert pledges_of(db, newcomer) == []


def test_accepting_records_who_when_and_which_text_and_lets_the_account_in(client, db, newcomer):
    login(client, newcomer, pledged=False)
    before = utcnow()
    response = accept(client, next_="/cases/")
    assert response.status_code == 302 and response.location == "/cases/"
    assert client.get("/cases/").status_code == 200
    [row] = pledges_of(db, newcomer)
    assert (row.text_version, row.signer_name) == (PLEDGE_TEXT_VERSION, "张敏")
    assert before - timedelta(seconds=1) <= row.signed_at <= utcnow()
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "user.pledge")).one()
    assert entry.actor_id == newcomer.id and entry.object_id == str(newcomer.id)
    assert entry.summary["text_version"] == PLEDGE_TEXT_VERSION and entry.division_code == "220102"
    # Accepted: the page shows the record, with the print link, and no form.
    page = client.get("/me/pledge").get_data(as_text=True)
    assert "您已于" in page and 'name="accept"' not in page and "/me/documents/confidentiality_pledge" in page


@pytest.mark.parametrize(("data", "field"), [({"accept": ""}, "accept"), ({"signer_name": "  "}, "signer_name")])
def test_the_box_and_the_name_are_required(client, db, newcomer, data, field):
    login(client, newcomer, pledged=False)
    response = accept(client, **data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert pledges_of(db, newcomer) == []
    assert client.get("/").location.startswith("/me/pledge")


def test_an_offsite_next_is_ignored(client, newcomer):
    login(client, newcomer, pledged=False)
    assert accept(client, next_="https://evil.example/").location == "/"


def test_a_new_text_version_asks_again(client, db, newcomer):
    db.session.add(AccountPledge(user_id=newcomer.id, text_version="2025-1", signer_name="张敏"))
    db.session.commit()
    assert "2025-1" != PLEDGE_TEXT_VERSION
    login(client, newcomer, pledged=False)
    assert client.get("/").location.startswith("/me/pledge")
    assert accept(client).status_code == 302
    assert client.get("/").status_code == 200
    assert sorted(p.text_version for p in pledges_of(db, newcomer)) == sorted(["2025-1", PLEDGE_TEXT_VERSION])


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.SYSADMIN])
def test_every_role_that_sees_personal_data_is_asked(client, create_user, create_institution, role):
    anchor = {Role.PROVINCE_OFFICIAL: {"division": "220000"}, Role.CITY_OFFICIAL: {"division": "220100"},
              Role.COUNTY_OFFICIAL: {"division": "220102"}, Role.REFERRAL_OFFICER: {"division": "220102"},
              Role.INSTITUTION_ADMIN: {"institution": create_institution()},
              Role.INSTITUTION_STAFF: {"institution": create_institution()}}.get(role, {})
    user = create_user(role, pledged=False, **anchor)
    login(client, user, pledged=False)
    assert client.get("/").location.startswith("/me/pledge")


def test_the_sysadmin_sees_no_personal_data_and_is_not_asked(client, create_user):
    admin = create_user(Role.SYSADMIN, pledged=False)
    login(client, admin, pledged=False)
    assert client.get("/").status_code == 200
    assert client.get("/users/").status_code == 200
    # It may still accept (and print) one of its own.
    assert 'name="accept"' in client.get("/me/pledge").get_data(as_text=True)


def test_signing_out_needs_no_pledge(client, newcomer):
    login(client, newcomer, pledged=False)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/me/pledge")})
    assert response.status_code == 302 and response.location == "/login"


# --- the API -----------------------------------------------------------------------------------------------

def test_the_api_answers_pledge_required_until_the_web_page_is_accepted(client, newcomer):
    from referral.auth.services import issue_token

    token, _row = issue_token(newcomer)
    current_app.extensions["sqlalchemy"].session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "pledge_required" and "保密承诺书" in error["message"]
    assert client.get(f"/api/v1/users/{newcomer.id}", headers=headers).get_json()["error"]["code"] == "pledge_required"
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.get_json()["pledge"] == {"required": True, "text_version": PLEDGE_TEXT_VERSION,
                                       "accepted_version": None, "accepted_at": None}
    assert me.get_json()["id_number"] == OWN_ID[:6] + "*" * 12
    login(client, newcomer, pledged=False)
    accept(client)
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).get_json()["pledge"]["required"] is False


def test_a_sysadmin_token_works_without_a_pledge(client, create_user):
    admin = create_user(Role.SYSADMIN, pledged=False)
    from referral.auth.services import issue_token

    token, _row = issue_token(admin)
    current_app.extensions["sqlalchemy"].session.commit()
    assert client.get("/api/v1/users/%d" % admin.id, headers={"Authorization": f"Bearer {token}"}).status_code == 200


# --- one text: what the page shows is what the PDF prints ------------------------------------------------------

def test_the_page_shows_the_text_the_pdf_prints(client, newcomer):
    login(client, newcomer, pledged=False)
    page = client.get("/me/pledge").get_data(as_text=True)
    section = re.search(r'<section class="pledge".*?</section>', page, re.S).group(0)
    shown = [re.sub(r"\s+", "", li) for li in re.findall(r"<li>(.*?)</li>", section, re.S)]
    preamble = re.sub(r"\s+", "", re.search(r'<p class="preamble">(.*?)</p>', section, re.S).group(1))
    printed = confidentiality_pledge_context(newcomer)
    assert shown == [c["text"] for c in printed["clauses"]] == list(PLEDGE_CLAUSES[PLEDGE_TEXT_VERSION]["confidentiality_pledge"])
    assert preamble == printed["preamble"] == PREAMBLES["confidentiality_pledge"]
    assert f"承诺文本版本：{PLEDGE_TEXT_VERSION}" in page


# --- 我的保密承诺书 prints the real acceptance -----------------------------------------------------------------

def test_my_pledge_prints_name_id_number_date_and_version(client, db, newcomer):
    login(client, newcomer, pledged=False)
    accept(client, name="张敏")
    response = client.get("/me/documents/confidentiality_pledge")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = flat(text_of(response.data))
    [row] = pledges_of(db, newcomer)
    for value in ("张敏", OWN_ID, "县级民政", "长春市南关区", "zhangmin", f"承诺文本版本：{PLEDGE_TEXT_VERSION}",
                  f"本承诺已由张敏于{format_datetime(row.signed_at)}在精康转介平台在线确认"):
        assert flat(value) in text, value


def test_the_pledge_can_be_read_and_accepted_through_the_api(client, db, newcomer):
    from referral.auth.services import issue_token

    token, _row = issue_token(newcomer)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    shown = client.get("/api/v1/me/pledge", headers=headers).get_json()
    printed = confidentiality_pledge_context(newcomer)
    assert shown["clauses"] == [c["text"] for c in printed["clauses"]] and shown["preamble"] == printed["preamble"]
    assert (shown["required"], shown["accepted_version"], shown["text_version"]) == (True, None, PLEDGE_TEXT_VERSION)
    for body, field in (({"accept": False, "signer_name": "张敏"}, "accept"), ({"accept": True, "signer_name": ""},
                                                                               "signer_name")):
        response = client.post("/api/v1/me/pledge", headers=headers, json=body)
        assert response.status_code == 422 and list(response.get_json()["error"]["fields"]) == [field]
    assert pledges_of(db, newcomer) == []
    response = client.post("/api/v1/me/pledge", headers=headers, json={"accept": True, "signer_name": "张敏"})
    assert response.status_code == 201
    assert (response.get_json()["accepted_version"], response.get_json()["signer_name"]) == (PLEDGE_TEXT_VERSION, "张敏")
    assert [p.signer_name for p in pledges_of(db, newcomer)] == ["张敏"]
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
