"""An account's 身份证号 (issue 12.5): optional, checked by the project's validator (forms/fields.py:
IdNumber), masked wherever it is shown, set by the sysadmin on the account form and in POST /api/v1/users,
and by the account itself on 我的账号 (/account) — which never changes roles."""

from __future__ import annotations

import pytest

from referral.audit.models import AuditEntry
from referral.auth.models import User
from referral.auth.permissions import Role
from tests.helpers import bearer, csrf_token, id_number, login

VALID = id_number("19790203", 512)
OTHER = id_number("19810511", 733)
BAD_CHECKSUM = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
MASKED = VALID[:6] + "*" * 12  # never the last four (README.md#encryption-at-rest)


def form_post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def user_named(db, username) -> User:
    db.session.expire_all()
    return db.session.scalars(db.select(User).where(User.username == username)).one()


@pytest.fixture
def admin(client, create_user):
    admin = create_user(Role.SYSADMIN, username="admin")
    login(client, admin)
    return admin


NEW = {"username": "li.qiang", "display_name": "李强", "password": "a long password", "roles": ["city_official"],
       "division": "220100"}


# --- the sysadmin's account form -----------------------------------------------------------------------------

def test_sysadmin_sets_the_number_and_it_is_shown_masked(client, db, admin):
    assert form_post(client, "/users/new", {**NEW, "id_number": VALID.lower()}).status_code == 302
    user = user_named(db, "li.qiang")
    assert user.id_number == VALID  # x → X
    page = client.get(f"/users/{user.id}").get_data(as_text=True)
    assert MASKED in page and VALID not in page
    edit = client.get(f"/users/{user.id}/edit").get_data(as_text=True)
    assert MASKED in edit and VALID not in edit  # the form never holds the full number
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "user.create")).one()
    assert entry.summary["after"]["id_number"] is True and VALID not in str(entry.summary)


@pytest.mark.parametrize("bad", [BAD_CHECKSUM, "22010219790203", "abcdefghijklmnopqr"])
def test_an_invalid_number_is_refused_on_its_field(client, db, admin, bad):
    response = form_post(client, "/users/new", {**NEW, "id_number": bad})
    assert response.status_code == 422
    assert 'id="id_number-error"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.username == "li.qiang")) is None


def test_editing_keeps_changes_or_deletes_the_number(client, db, admin, create_user):
    target = create_user(Role.REFERRAL_OFFICER, username="target", division="220102", id_number=VALID)
    base = {"display_name": "新名字", "roles": ["referral_officer"], "division": "220102"}
    assert form_post(client, f"/users/{target.id}/edit", base).status_code == 302
    assert user_named(db, "target").id_number == VALID  # an empty field keeps it
    assert form_post(client, f"/users/{target.id}/edit", {**base, "id_number": OTHER}).status_code == 302
    assert user_named(db, "target").id_number == OTHER
    response = form_post(client, f"/users/{target.id}/edit", {**base, "id_number": BAD_CHECKSUM})
    assert response.status_code == 422 and 'id="id_number-error"' in response.get_data(as_text=True)
    assert form_post(client, f"/users/{target.id}/edit", {**base, "clear_id_number": "y"}).status_code == 302
    assert user_named(db, "target").id_number is None


# --- POST /api/v1/users ----------------------------------------------------------------------------------------

def test_api_takes_an_optional_number_and_answers_it_masked(client, db, create_user):
    admin = create_user(Role.SYSADMIN, username="admin")
    body = {"username": "api.one", "password": "a long password", "name": "王一", "roles": ["county_official"],
            "division": "220102", "id_number": VALID}
    response = client.post("/api/v1/users", headers=bearer(admin), json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["id_number"] == MASKED
    assert user_named(db, "api.one").id_number == VALID
    response = client.post("/api/v1/users", headers=bearer(admin), json={**body, "username": "api.two"} | {
        "id_number": None})
    assert response.status_code == 201 and response.get_json()["id_number"] is None
    assert client.get(f"/api/v1/users/{user_named(db, 'api.one').id}", headers=bearer(admin)).get_json()[
        "id_number"] == MASKED


@pytest.mark.parametrize("bad", [BAD_CHECKSUM, "123", 220102197902035121])
def test_api_refuses_an_invalid_number_naming_the_field(client, db, create_user, bad):
    admin = create_user(Role.SYSADMIN, username="admin")
    body = {"username": "api.bad", "password": "a long password", "name": "王一", "roles": ["county_official"],
            "division": "220102", "id_number": bad}
    response = client.post("/api/v1/users", headers=bearer(admin), json=body)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["id_number"]
    assert db.session.scalar(db.select(User).where(User.username == "api.bad")) is None


# --- 我的账号 -------------------------------------------------------------------------------------------------

def test_my_account_page_edits_name_email_and_number_but_never_roles(client, db, create_user):
    me = create_user(Role.REFERRAL_OFFICER, username="chenjing", division="220102", display_name="陈静")
    login(client, me)
    page = client.get("/account").get_data(as_text=True)
    assert "chenjing" in page and "转介服务人员" in page and 'name="roles"' not in page
    response = form_post(client, "/account", {"display_name": "陈静", "email": "chenjing@nanguan.gov.cn",
                                              "id_number": VALID, "roles": ["sysadmin"], "division": "220000"})
    assert response.status_code == 302 and response.location == "/account"
    user = user_named(db, "chenjing")
    assert (user.email, user.id_number, user.roles, user.division_code) == (
        "chenjing@nanguan.gov.cn", VALID, frozenset({Role.REFERRAL_OFFICER}), "220102")
    page = client.get("/account").get_data(as_text=True)
    assert MASKED in page and VALID not in page
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "user.update_own")).one()
    assert entry.actor_id == me.id and entry.summary["after"]["id_number"] is True and VALID not in str(entry.summary)
    # An empty field keeps the number; the box deletes it.
    assert form_post(client, "/account", {"display_name": "陈静"}).status_code == 302
    assert user_named(db, "chenjing").id_number == VALID
    assert form_post(client, "/account", {"display_name": "陈静", "clear_id_number": "y"}).status_code == 302
    assert user_named(db, "chenjing").id_number is None


@pytest.mark.parametrize(("data", "field"), [({"id_number": BAD_CHECKSUM}, "id_number"),
                                             ({"email": "not an address"}, "email"),
                                             ({"display_name": ""}, "display_name")])
def test_my_account_refuses_invalid_input_on_its_field(client, db, create_user, data, field):
    me = create_user(Role.REFERRAL_OFFICER, username="chenjing", division="220102", display_name="陈静")
    login(client, me)
    response = form_post(client, "/account", {"display_name": "陈静", **data})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert user_named(db, "chenjing").id_number is None
