from __future__ import annotations

from referral.audit.models import AuditEntry
from referral.auth.models import User
from referral.auth.permissions import Role
from tests.helpers import csrf_token, login


def form_post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def test_sysadmin_creates_a_user_and_it_is_audited(client, db, create_user):
    admin = create_user(Role.SYSADMIN, username="admin")
    login(client, admin)
    response = form_post(client, "/users/new", {"username": "li.qiang", "display_name": "李强",
                                                "password": "a long password", "roles": ["city_official"],
                                                "division": "220100"})
    assert response.status_code == 302
    user = db.session.scalars(db.select(User).where(User.username == "li.qiang")).one()
    assert user.roles == {Role.CITY_OFFICIAL}
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "user.create")).one()
    assert entry.actor_id == admin.id and entry.division_code == "220100"
    assert entry.summary["after"]["roles"] == ["city_official"] and "password" not in entry.summary["after"]


def test_invalid_user_form_shows_field_errors_and_saves_nothing(client, db, create_user):
    login(client, create_user(Role.SYSADMIN, username="admin"))
    response = form_post(client, "/users/new", {"username": "x y", "password": "short", "roles": [],
                                                "division": "12"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "用户名只能包含" in page and "至少选择一个角色" in page and "6 位数字" in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(db.select(User).where(User.username == "x y")) is None


def test_service_level_errors_reach_the_form(client, db, create_user):
    login(client, create_user(Role.SYSADMIN, username="admin"))
    response = form_post(client, "/users/new", {"username": "zhao", "password": "a long password",
                                                "roles": ["county_official"], "division": "220100"})
    assert response.status_code == 422
    assert "所选角色需要县级行政区划" in response.get_data(as_text=True)


def test_edit_changes_roles_and_ends_the_users_sessions(app, client, db, create_user):
    login(client, create_user(Role.SYSADMIN, username="admin"))
    target = create_user(Role.REFERRAL_OFFICER, username="target", division="220102")
    target_client = app.test_client()
    login(target_client, target)
    assert target_client.get("/").status_code == 200
    # To a role that sees no identities, so it takes effect at once (the four-eyes grants: test_role_grants.py).
    response = form_post(client, f"/users/{target.id}/edit", {"display_name": "新名字", "roles": ["city_official"],
                                                              "division": "220100"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).roles == {Role.CITY_OFFICIAL}
    assert target_client.get("/").status_code == 302  # must sign in again to get the new scope


def test_disable_and_enable(client, db, create_user):
    login(client, create_user(Role.SYSADMIN, username="admin"))
    target = create_user(Role.REFERRAL_OFFICER, username="target", division="220102")
    assert form_post(client, f"/users/{target.id}/active", {"active": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).active is False
    assert form_post(client, f"/users/{target.id}/active", {"active": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).active is True
    actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["user.disable", "user.enable"]


def test_admin_cannot_disable_themselves(client, db, create_user):
    admin = create_user(Role.SYSADMIN, username="admin")
    login(client, admin)
    response = form_post(client, f"/users/{admin.id}/active", {"active": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True


def test_user_list_paginates_in_the_database(app, client, db, create_user):
    login(client, create_user(Role.SYSADMIN, username="admin"))
    for i in range(30):
        create_user(Role.REFERRAL_OFFICER, username=f"officer{i:02d}", division="220102")
    first = client.get("/users/?role=referral_officer").get_data(as_text=True)
    assert "officer00" in first and "officer24" in first and "officer25" not in first
    assert "第 1 页，共 2 页（30 条）" in first
    second = client.get("/users/?role=referral_officer&page=2").get_data(as_text=True)
    assert "officer25" in second and "officer00" not in second


def test_a_stale_write_of_a_user_loses(db, create_user):
    """version_id_col: of two sessions that read version 1, the second to commit fails."""
    import pytest
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    target = create_user(Role.REFERRAL_OFFICER, username="target", division="220102")
    with Session(db.engine) as first, Session(db.engine) as second:
        a, b = first.get(User, target.id), second.get(User, target.id)
        a.display_name, b.display_name = "first", "second"
        first.commit()
        with pytest.raises(StaleDataError):
            second.commit()
    db.session.expire_all()
    assert db.session.get(User, target.id).display_name == "first"


def test_stale_data_answers_409_in_both_formats(app, client):
    from sqlalchemy.orm.exc import StaleDataError

    @app.get("/_test/stale")
    def stale():
        raise StaleDataError("changed meanwhile")

    assert client.get("/_test/stale").status_code == 409
    response = client.get("/_test/stale", headers={"Accept": "application/json"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"


def test_an_email_address_is_kept_for_notifications_and_checked(client, db, create_user):
    login(client, create_user(Role.SYSADMIN, username="admin"))
    target = create_user(Role.REFERRAL_OFFICER, username="target", division="220102")
    bad = form_post(client, f"/users/{target.id}/edit", {"display_name": "李", "email": "not-an-address",
                                                         "roles": ["referral_officer"], "division": "220102"})
    assert bad.status_code == 422 and "请填写正确的电子邮箱地址" in bad.get_data(as_text=True)
    ok = form_post(client, f"/users/{target.id}/edit", {"display_name": "李", "email": " li@example.gov.cn ",
                                                        "roles": ["referral_officer"], "division": "220102"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).email == "li@example.gov.cn"
    assert "li@example.gov.cn" in client.get(f"/users/{target.id}").get_data(as_text=True)
