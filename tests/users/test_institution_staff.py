"""本机构人员 (issue 10.3): an institution admin creates, lists and disables the institution_staff accounts of
its own institution, each with its talent entry; POST /api/v1/users for the admin too."""

from __future__ import annotations

import re

import pytest
from stdnum.cn import ric

from referral.audit.models import AuditEntry
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.auth.services import issue_token
from referral.extensions import db
from referral.id_hash import id_hash  # the number is encrypted: found by its hash
from referral.registries.models import Talent
from referral.scoping import scope_of
from tests.helpers import csrf_token, login


def id_number(seq: int) -> str:
    base = f"22010219880101{seq:03d}"
    return base + ric.calc_check_digit(base + "0")


def post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/"), **data})


def staff_form(**changes) -> dict:
    data = {"username": "chen.nurse", "name": "陈护士", "password": "", "roles": "institution_staff",
            "id_number": id_number(11), "category": "nurse", "phone": "0431-88880001",
            "certificate-number": "N-2020-001", "certificate-issuer": "长春市卫生健康委员会",
            "certificate-valid_until": "2030-12-31"}
    data.update(changes)
    return data


def bearer(user) -> dict:
    token, _row = issue_token(db.session.merge(user))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def home(create_institution, create_user):
    inst = create_institution("南关区阳光康复中心")
    return inst, create_user(Role.INSTITUTION_ADMIN, username="inst-admin", institution=inst, display_name="王院长")


@pytest.fixture
def elsewhere(create_institution, create_user):
    inst = create_institution("别家机构")
    return inst, create_user(Role.INSTITUTION_STAFF, username="other-staff", institution=inst)


def test_the_page_is_in_the_admins_navigation(client, home):
    login(client, home[1])
    page = client.get("/").get_data(as_text=True)
    assert 'href="/users/staff"' in page and "本机构人员" in page


def test_admin_creates_a_staff_account_with_its_talent_entry(app, client, home):
    inst, admin = home
    login(client, admin)
    form = client.get("/users/staff/new").get_data(as_text=True)
    assert 'name="institution' not in form  # the institution is the admin's own, never typed
    response = post(client, "/users/staff/new", staff_form())
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    account = db.session.scalars(db.select(User).where(User.username == "chen.nurse")).one()
    assert account.roles == {Role.INSTITUTION_STAFF} and account.institution_id == inst.id
    assert account.display_name == "陈护士"
    assert account.id_number == staff_form()["id_number"]  # the talent entry's number is the account holder's own
    talent = db.session.scalars(db.select(Talent).where(Talent.user_id == account.id)).one()
    assert talent.state == "draft" and talent.institution_ids == [inst.id] and talent.name == "陈护士"
    assert talent.division_code == inst.division_code and talent.created_by_id == admin.id
    assert f"/talents/{talent.id}" in page
    password = re.search(r"初始密码</dt><dd><code>([^<]+)</code>", page).group(1)
    actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["user.create", "talent.create"]

    # The staff member signs in with the password shown once, has the institution's scope and their entry.
    staff_client = app.test_client()
    response = staff_client.post("/login", data={"csrf_token": csrf_token(staff_client), "username": "chen.nurse",
                                                 "password": password})
    assert response.status_code == 302
    assert scope_of(account).institution_ids == {inst.id}
    # A new account first accepts its own 保密承诺书 (docs/domain.md#personal-data), then works.
    assert staff_client.get("/cases/").headers["Location"].startswith("/me/pledge")
    assert staff_client.post("/me/pledge", data={"csrf_token": csrf_token(staff_client, "/me/pledge"), "accept": "y",
                                                 "signer_name": "陈护士"}).status_code == 302
    assert staff_client.get("/cases/").status_code == 200
    assert staff_client.get(f"/talents/{talent.id}").status_code == 200

    # Listed with its entry; the admin disables it and the staff member can no longer sign in.
    listing = client.get("/users/staff").get_data(as_text=True)
    assert "chen.nurse" in listing and "inst-admin" in listing and "共 2 条" in listing
    assert post(client, f"/users/staff/{account.id}/active", {"active": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, account.id).active is False
    assert staff_client.get("/cases/").status_code == 302  # the session ended
    other = app.test_client()
    response = other.post("/login", data={"csrf_token": csrf_token(other), "username": "chen.nurse",
                                          "password": password})
    assert response.status_code == 200 and "账号已停用" in response.get_data(as_text=True)
    assert post(client, f"/users/staff/{account.id}/active", {"active": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, account.id).active is True
    actions = db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.object_id == str(account.id))
                                 .order_by(AuditEntry.id)).all()
    assert [a for a in actions if a.startswith("user.")] == ["user.create", "user.pledge", "user.disable",
                                                                   "user.enable"]


def test_a_typed_password_is_kept_and_not_shown(client, home):
    login(client, home[1])
    response = post(client, "/users/staff/new", staff_form(password="a long password"))
    assert response.status_code == 200 and "a long password" not in response.get_data(as_text=True)
    assert "初始密码只显示这一次" not in response.get_data(as_text=True)


def test_another_role_is_refused_on_the_field(client, home):
    login(client, home[1])
    response = post(client, "/users/staff/new", staff_form(roles="institution_admin"))
    assert response.status_code == 422
    assert 'id="roles-error"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.username == "chen.nurse")) is None


def test_a_service_error_shows_on_its_field_and_saves_nothing(client, home, create_user):
    create_user(Role.INSTITUTION_STAFF, username="chen.nurse", institution=home[0])
    login(client, home[1])
    response = post(client, "/users/staff/new", staff_form())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="username-error"' in page and "已被使用" in page
    assert db.session.scalar(db.select(Talent).where(Talent.id_hash == id_hash(id_number(11)))) is None


def test_another_institutions_account_is_not_found(client, home, elsewhere):
    login(client, home[1])
    other = elsewhere[1]
    assert post(client, f"/users/staff/{other.id}/active", {"active": "0"}).status_code == 404
    assert "other-staff" not in client.get("/users/staff").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, other.id).active is True


def test_admin_cannot_disable_itself_or_a_fellow_admin(client, home, create_user):
    inst, admin = home
    fellow = create_user(Role.INSTITUTION_ADMIN, username="fellow", institution=inst)
    login(client, admin)
    assert post(client, f"/users/staff/{fellow.id}/active", {"active": "0"}).status_code == 403
    assert post(client, f"/users/staff/{admin.id}/active", {"active": "0"}).status_code == 403


def test_staff_and_sysadmin_have_no_staff_page(client, home, create_user):
    login(client, create_user(Role.INSTITUTION_STAFF, username="s1", institution=home[0]))
    assert client.get("/users/staff").status_code == 403
    login(client, create_user(Role.SYSADMIN, username="root"))
    assert client.get("/users/staff").status_code == 403


# --- POST /api/v1/users ---------------------------------------------------------------------------------

def body(**changes) -> dict:
    data = {"username": "api.staff", "password": "a long password", "name": "李康复", "roles": ["institution_staff"]}
    data.update(changes)
    return data


def test_api_admin_creates_staff_of_its_own_institution(client, home):
    inst, admin = home
    response = client.post("/api/v1/users", headers=bearer(admin), json=body())
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["roles"] == ["institution_staff"] and data["institution_id"] == inst.id
    response = client.post("/api/v1/users", headers=bearer(admin), json=body(username="api.two", institution_id=inst.id))
    assert response.status_code == 201
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "user.create")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.actor_id == admin.id


@pytest.mark.parametrize(("changes", "field"), [
    ({"roles": ["institution_admin"]}, "roles"),
    ({"roles": ["institution_staff", "county_official"]}, "roles"),
    ({"institution_id": "OTHER"}, "institution_id"),
    ({"division": "220102"}, "division"),
    ({"username": "inst-admin"}, "username"),
])
def test_api_admin_is_refused_naming_the_field(client, home, elsewhere, changes, field):
    if changes.get("institution_id") == "OTHER":
        changes = {"institution_id": elsewhere[0].id}
    response = client.post("/api/v1/users", headers=bearer(home[1]), json=body(**changes))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(db.select(User).where(User.username == "api.staff")) is None


def test_api_sysadmin_creates_any_account_and_others_are_forbidden(client, home, create_user):
    root = create_user(Role.SYSADMIN, username="root")
    response = client.post("/api/v1/users", headers=bearer(root),
                           json=body(username="county.li", roles=["county_official"], division="220102"))
    assert response.status_code == 201 and response.get_json()["division"]["code"] == "220102"
    response = client.post("/api/v1/users", headers=bearer(root), json=body(username="x.admin",
                           roles=["institution_admin"], institution_id=home[0].id))
    assert response.status_code == 201
    response = client.post("/api/v1/users", headers=bearer(root), json=body(username="x.bad", roles=["institution_staff"]))
    assert response.status_code == 422 and "institution_id" in response.get_json()["error"]["fields"]
    staff = create_user(Role.INSTITUTION_STAFF, username="s1", institution=home[0])
    assert client.post("/api/v1/users", headers=bearer(staff), json=body()).status_code == 403
    county = create_user(Role.COUNTY_OFFICIAL, username="c1", division="220102")
    assert client.post("/api/v1/users", headers=bearer(county), json=body()).status_code == 403


def test_sysadmin_picks_the_institution_by_name(client, home, create_user):
    inst = home[0]
    login(client, create_user(Role.SYSADMIN, username="root"))
    page = client.get("/users/new").get_data(as_text=True)
    assert f'<option value="{inst.id}">南关区阳光康复中心' in page and 'type="number"' not in page
    response = client.post("/users/new", data={"csrf_token": csrf_token(client, "/users/new"), "username": "zhou",
                                               "password": "a long password", "roles": ["institution_admin"],
                                               "institution": str(inst.id), "display_name": "周"})
    assert response.status_code == 302
    assert db.session.scalars(db.select(User).where(User.username == "zhou")).one().institution_id == inst.id
    response = client.post("/users/new", data={"csrf_token": csrf_token(client, "/users/new"), "username": "wu",
                                               "password": "a long password", "roles": ["institution_admin"],
                                               "institution": "999999"})
    assert response.status_code == 422 and 'id="institution-error"' in response.get_data(as_text=True)


def test_api_takes_an_optional_email_and_names_a_bad_one(client, home):
    _inst, admin = home
    bad = client.post("/api/v1/users", headers=bearer(admin), json=body(email="nope"))
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["email"]
    ok = client.post("/api/v1/users", headers=bearer(admin), json=body(email="staff@example.org"))
    assert ok.status_code == 201
    assert db.session.scalar(db.select(User.email).where(User.username == "api.staff")) == "staff@example.org"
