"""Role grants (docs/domain.md#accounts): a sysadmin cannot change their own roles; a role that sees
personal data (or the sysadmin role) given by a sysadmin waits for a second sysadmin, who approves or
rejects it — never the one who asked; both audited. The institution admin's own staff and the operator's
CLI need no second sysadmin."""

from __future__ import annotations

import re

import pytest

from referral.audit.models import AuditEntry
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cli import users_cli
from referral.users.models import RoleGrant
from referral.users.policies import FOUR_EYES_ROLES
from tests.helpers import bearer, csrf_token, login
from workflows.role_grant import GrantState


def form_post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/users/"), **data})


@pytest.fixture
def admins(create_user):
    return create_user(Role.SYSADMIN, username="admin"), create_user(Role.SYSADMIN, username="admin2")


def grants(db):
    return db.session.scalars(db.select(RoleGrant).order_by(RoleGrant.id)).all()


def actions(db):
    return db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()


def test_the_roles_that_need_four_eyes_are_those_that_see_identities_and_sysadmin():
    assert FOUR_EYES_ROLES == set(Role) - {Role.PROVINCE_OFFICIAL, Role.CITY_OFFICIAL}


def test_a_sysadmin_cannot_change_their_own_roles(client, db, admins):
    admin, _other = admins
    login(client, admin)
    response = form_post(client, f"/users/{admin.id}/edit", {"display_name": "管理员", "roles": ["sysadmin", "city_official"],
                                                             "division": "220100"})
    assert response.status_code == 422 and "不能更改自己账号的角色" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).roles == {Role.SYSADMIN} and grants(db) == []
    # the name may still be changed
    assert form_post(client, f"/users/{admin.id}/edit", {"display_name": "新名字", "roles": ["sysadmin"]}).status_code == 302


def test_a_new_account_with_a_personal_data_role_waits_for_a_second_sysadmin(app, client, db, admins):
    admin, other = admins
    login(client, admin)
    response = form_post(client, "/users/new", {"username": "zhou", "display_name": "周", "password": "a long password",
                                                "roles": ["referral_officer"], "division": "220102"})
    assert response.status_code == 302
    user = db.session.scalars(db.select(User).where(User.username == "zhou")).one()
    assert user.roles == frozenset()  # no access yet
    [grant] = grants(db)
    assert (grant.role, grant.state, grant.requested_by_id) == (Role.REFERRAL_OFFICER, GrantState.PENDING, admin.id)
    page = client.get("/users/").get_data(as_text=True)
    assert "待批准的角色申请" in page and "须由另一名系统管理员批准" in page
    assert "待另一名系统管理员批准" in client.get(f"/users/{user.id}").get_data(as_text=True)
    # the requester cannot approve their own request
    assert form_post(client, f"/users/grants/{grant.id}/approve", {}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, user.id).roles == frozenset()
    # a second sysadmin can
    second = app.test_client()
    login(second, other)
    assert 'action="/users/grants/' in second.get("/users/").get_data(as_text=True)
    assert form_post(second, f"/users/grants/{grant.id}/approve", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).roles == {Role.REFERRAL_OFFICER}
    grant = db.session.get(RoleGrant, grant.id)
    assert (grant.state, grant.decided_by_id) == (GrantState.APPROVED, other.id)
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "user.role_grant_approve")).one()
    assert entry.actor_id == other.id and entry.summary["requested_by"] == admin.id
    assert "user.role_grant_request" in actions(db)
    assert form_post(second, f"/users/grants/{grant.id}/approve", {}).status_code == 409  # decided already


def test_a_grant_can_be_rejected_and_is_audited(app, client, db, admins, create_user):
    admin, other = admins
    target = create_user(Role.CITY_OFFICIAL, username="li", division="220100")
    login(client, admin)
    # city official → also sysadmin: the city role stays, sysadmin waits
    assert form_post(client, f"/users/{target.id}/edit", {"display_name": "李", "roles": ["city_official", "sysadmin"],
                                                          "division": "220100"}).status_code == 302
    [grant] = grants(db)
    assert grant.role is Role.SYSADMIN
    second = app.test_client()
    login(second, other)
    assert form_post(second, f"/users/grants/{grant.id}/reject", {"comment": "无需"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).roles == {Role.CITY_OFFICIAL}
    assert db.session.get(RoleGrant, grant.id).state is GrantState.REJECTED
    assert "user.role_grant_reject" in actions(db)


def test_roles_without_personal_data_take_effect_at_once(client, db, admins):
    login(client, admins[0])
    assert form_post(client, "/users/new", {"username": "li.qiang", "display_name": "李强", "password": "a long password",
                                            "roles": ["city_official"], "division": "220100"}).status_code == 302
    assert db.session.scalars(db.select(User).where(User.username == "li.qiang")).one().roles == {Role.CITY_OFFICIAL}
    assert grants(db) == []


def test_unticking_a_pending_role_withdraws_it(client, db, admins, create_user):
    target = create_user(Role.REFERRAL_OFFICER, username="zhou", division="220102")
    login(client, admins[0])
    form_post(client, f"/users/{target.id}/edit", {"display_name": "周", "division": "220102",
                                                   "roles": ["referral_officer", "county_official"]})
    [grant] = grants(db)
    page = client.get(f"/users/{target.id}/edit").get_data(as_text=True)
    [box] = re.findall(r'<input[^>]*value="county_official"[^>]*>', page)
    assert "checked" in box  # the pending role stays ticked
    form_post(client, f"/users/{target.id}/edit", {"display_name": "周", "division": "220102",
                                                   "roles": ["referral_officer"]})
    db.session.expire_all()
    assert db.session.get(RoleGrant, grant.id).state is GrantState.WITHDRAWN


def test_the_api_create_by_a_sysadmin_waits_too(client, db, admins):
    response = client.post("/api/v1/users", headers=bearer(admins[0]), json={
        "username": "zhou", "password": "a long password", "name": "周", "roles": ["county_official"],
        "division": "220102"})
    assert response.status_code == 201 and response.get_json()["roles"] == []
    assert [g.role for g in grants(db)] == [Role.COUNTY_OFFICIAL]


def test_no_one_approves_a_grant_to_their_own_account(app, db, admins, create_user):
    from referral.users import policies

    admin, other = admins
    grant = RoleGrant(user_id=other.id, role=Role.COUNTY_OFFICIAL, requested_by_id=admin.id)
    db.session.add(grant)
    db.session.commit()
    assert not policies.can_decide_grant(other, grant) and not policies.can_decide_grant(admin, grant)
    assert policies.can_decide_grant(create_user(Role.SYSADMIN, username="admin3"), grant)


def test_the_database_refuses_a_grant_decided_by_its_requester(db, admins, create_user):
    from datetime import UTC, datetime

    import sqlalchemy.exc

    admin, _other = admins
    target = create_user(Role.CITY_OFFICIAL, username="li", division="220100")
    db.session.add(RoleGrant(user_id=target.id, role=Role.COUNTY_OFFICIAL, requested_by_id=admin.id,
                             state=GrantState.APPROVED, decided_by_id=admin.id, decided_at=datetime.now(UTC)))
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_institution_admin_creates_its_staff_without_four_eyes(client, db, create_user, create_institution):
    institution = create_institution()
    admin = create_user(Role.INSTITUTION_ADMIN, username="inst", institution=institution)
    response = client.post("/api/v1/users", headers=bearer(admin), json={
        "username": "staff1", "password": "a long password", "name": "员工", "roles": ["institution_staff"]})
    assert response.status_code == 201 and response.get_json()["roles"] == ["institution_staff"]
    assert grants(db) == []


def test_the_operators_cli_needs_no_second_sysadmin(app, db):
    result = app.test_cli_runner().invoke(users_cli, ["create", "--username", "first", "--password",
                                                      "a long password", "--role", "sysadmin"])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(db.select(User).where(User.username == "first")).one().roles == {Role.SYSADMIN}
    assert grants(db) == []
