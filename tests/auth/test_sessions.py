"""Server-side sessions (docs/domain.md#sessions, issue 13.2): a logged-out cookie is dead, the idle and
absolute limits end a session, 退出所有设备 and the session list end others, a password change ends the other
sessions, a role change or disabling ends all, and parallel logins of one account all succeed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from referral.audit.models import AuditEntry
from referral.auth.models import SessionEnd, User, UserSession
from referral.auth.permissions import Role
from tests.factories import TEST_PASSWORD
from tests.helpers import bearer, csrf_token, post_login, post_login_totp, totp_code

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in China


def signed_in(client, user) -> None:
    """Through the real login form, so the session row is the one the form starts."""
    response = post_login(client, user.username, TEST_PASSWORD)
    if response.location == "/login/totp":  # an account with a second factor (docs/domain.md#accounts)
        from referral.models import utcnow

        response = post_login_totp(client, code=totp_code(at=utcnow()))
    assert response.status_code == 302 and response.location == "/", response.status_code


def copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie (a stolen or shared cookie)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    return other


def is_signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def sessions_of(db, user):
    db.session.expire_all()
    return db.session.scalars(db.select(UserSession).where(UserSession.user_id == user.id)
                              .order_by(UserSession.id)).all()


def actions(db) -> list[str]:
    return list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_logged_out_cookie_is_dead(app, client, db, create_user):
    user = create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    signed_in(client, user)
    thief = copy_of(app, client)
    assert is_signed_in(thief)  # the copy works while the session lives …
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302 and response.location == "/login"
    response = thief.get("/")  # … and not after the logout
    assert response.status_code == 302 and response.location.startswith("/login")
    assert "登录已超时，请重新登录" in thief.get(response.location).get_data(as_text=True)
    (row,) = sessions_of(db, user)
    assert row.ended_reason is SessionEnd.LOGOUT and row.ended_at is not None
    assert actions(db)[-2:] == ["auth.login", "auth.logout"]


def test_the_cookie_carries_a_token_and_the_table_only_its_hash(app, client, db, create_user):
    user = create_user(Role.SYSADMIN, username="admin")
    signed_in(client, user)
    with client.session_transaction() as session:
        token = session["_user_id"]
    (row,) = sessions_of(db, user)
    assert str(user.id) not in token.split(":") and len(token) >= 40
    assert token not in row.token_hash and len(row.token_hash) == 64


def test_an_idle_session_ends_after_the_idle_timeout(app, client, db, create_user, travel):
    travel(T0)
    user = create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    signed_in(client, user)
    travel(T0 + timedelta(minutes=29))
    assert is_signed_in(client)  # 29 minutes idle: still signed in, and the request counts as activity
    travel(T0 + timedelta(minutes=58))
    assert is_signed_in(client)
    travel(T0 + timedelta(minutes=58 + 31))
    response = client.get("/cases/")
    assert response.status_code == 302 and response.location.startswith("/login?next=/cases/")
    page = client.get(response.location).get_data(as_text=True)
    assert "登录已超时，请重新登录" in page and "请先登录" not in page
    (row,) = sessions_of(db, user)
    assert row.ended_reason is SessionEnd.IDLE
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "auth.session_end")).one()
    assert entry.object_id == str(user.id) and entry.summary["reason"] == "idle"


def test_the_idle_timeout_is_a_setting(app, client, create_user, travel):
    app.config["SESSION_IDLE_MINUTES"] = 5
    travel(T0)
    signed_in(client, create_user(Role.SYSADMIN, username="admin"))
    travel(T0 + timedelta(minutes=6))
    assert not is_signed_in(client)


def test_an_active_session_ends_at_its_absolute_lifetime(app, client, db, create_user, travel):
    travel(T0)
    user = create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    signed_in(client, user)
    lifetime = app.permanent_session_lifetime
    now = T0
    while now + timedelta(minutes=20) < T0 + lifetime:  # busy all day: never idle
        now += timedelta(minutes=20)
        travel(now)
        assert is_signed_in(client), now
    travel(T0 + lifetime)
    assert not is_signed_in(client)
    (row,) = sessions_of(db, user)
    assert row.ended_reason is SessionEnd.EXPIRED


def test_last_seen_is_written_at_most_once_a_minute(app, client, db, create_user, travel):
    travel(T0)
    user = create_user(Role.SYSADMIN, username="admin")
    signed_in(client, user)
    travel(T0 + timedelta(seconds=50))
    assert is_signed_in(client)
    assert sessions_of(db, user)[0].last_seen_at == T0  # not written for a hit within the minute
    travel(T0 + timedelta(seconds=70))
    assert is_signed_in(client)
    assert sessions_of(db, user)[0].last_seen_at == T0 + timedelta(seconds=70)


def test_sign_out_everywhere_ends_every_session_and_token(app, client, db, create_user):
    user = create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    office = app.test_client()
    signed_in(client, user)
    signed_in(office, user)
    headers = bearer(user)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
    response = client.post("/account/sessions/end-all", data={"csrf_token": csrf_token(client, "/account/sessions")})
    assert response.status_code == 302 and response.location == "/login"
    assert not is_signed_in(client) and not is_signed_in(office)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert {row.ended_reason for row in sessions_of(db, user)} == {SessionEnd.SIGN_OUT_EVERYWHERE}
    assert "auth.sign_out_everywhere" in actions(db)


def test_the_session_list_shows_ones_sessions_and_ends_one(app, client, db, create_user):
    user = create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    stranger = create_user(Role.COUNTY_OFFICIAL, username="li", division="220102")
    office = app.test_client()
    office.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (Windows NT 6.1) Chrome/109.0 Safari/537.36"
    signed_in(client, user)
    signed_in(office, user)
    signed_in(app.test_client(), stranger)
    page = client.get("/account/sessions").get_data(as_text=True)
    mine, theirs = sessions_of(db, user), sessions_of(db, stranger)
    assert page.count("结束此会话") == 1 and "本次登录" in page and "Chrome · Windows 7" in page
    assert f"/account/sessions/{theirs[0].id}/end" not in page
    assert "/account" in client.get("/account").get_data(as_text=True)  # 我的账号 links to the list
    token = csrf_token(client, "/account/sessions")
    # Another account's session is not there for this one.
    assert client.post(f"/account/sessions/{theirs[0].id}/end", data={"csrf_token": token}).status_code == 404
    response = client.post(f"/account/sessions/{mine[1].id}/end", data={"csrf_token": token})
    assert response.status_code == 302 and response.location == "/account/sessions"
    assert not is_signed_in(office) and is_signed_in(client)
    assert sessions_of(db, user)[1].ended_reason is SessionEnd.ENDED_BY_USER
    assert sessions_of(db, stranger)[0].ended_at is None
    assert client.get("/account/sessions").get_data(as_text=True).count("结束此会话") == 0


def test_the_account_page_links_to_the_session_list(client, create_user):
    signed_in(client, create_user(Role.SYSADMIN, username="admin"))
    assert 'href="/account/sessions"' in client.get("/account").get_data(as_text=True)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, client, db, create_user):
    user = create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    office = app.test_client()
    signed_in(client, user)
    signed_in(office, user)
    headers = bearer(user)
    response = client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account/password"), "current_password": TEST_PASSWORD,
        "new_password": "a brand new secret", "confirm": "a brand new secret"})
    assert response.status_code == 302
    assert is_signed_in(client) and not is_signed_in(office)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    this, other = sessions_of(db, user)
    assert this.ended_at is None and other.ended_reason is SessionEnd.PASSWORD_CHANGED


def test_a_role_change_ends_every_session(app, client, db, create_user):
    from referral.auth.services import update_user

    admin = create_user(Role.SYSADMIN, username="admin")
    user = create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    signed_in(client, user)
    headers = bearer(user)
    user = db.session.get(User, user.id)
    update_user(user, actor=admin, roles=[Role.REFERRAL_OFFICER], division_code="220102", institution_id=None,
                display_name=user.display_name)
    db.session.commit()
    assert not is_signed_in(client)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert sessions_of(db, user)[0].ended_reason is SessionEnd.ACCOUNT_CHANGED


def test_an_unchanged_scope_keeps_the_sessions(client, db, create_user):
    from referral.auth.services import update_user

    admin = create_user(Role.SYSADMIN, username="admin")
    user = create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    signed_in(client, user)
    user = db.session.get(User, user.id)
    update_user(user, actor=admin, roles=[Role.COUNTY_OFFICIAL], division_code="220102", institution_id=None,
                display_name="新名字")
    db.session.commit()
    assert is_signed_in(client)


def test_disabling_an_account_ends_every_session(app, client, db, create_user):
    admin_client = app.test_client()
    signed_in(admin_client, create_user(Role.SYSADMIN, username="admin"))
    user = create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    signed_in(client, user)
    response = admin_client.post(f"/users/{user.id}/active",
                                 data={"csrf_token": csrf_token(admin_client, "/"), "active": "0"})
    assert response.status_code == 302
    assert not is_signed_in(client)
    assert sessions_of(db, user)[0].ended_reason is SessionEnd.DISABLED


def test_twenty_parallel_logins_of_one_account_all_succeed(app, db, create_user):
    user = create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    start = threading.Barrier(20)
    statuses = []

    def log_in():
        client = app.test_client()  # each request in its own app context and database session
        start.wait()
        statuses.append(client.post("/api/v1/tokens",
                                    json={"username": "zhang", "password": TEST_PASSWORD}).status_code)

    threads = [threading.Thread(target=log_in) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 20
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.last_login_at is not None and user.version == 1  # the timestamp did not bump the version
    assert actions(db).count("auth.login") == 20


def test_a_web_login_leaves_the_user_rows_version_alone(client, db, create_user):
    user = create_user(Role.SYSADMIN, username="admin")
    signed_in(client, user)
    db.session.expire_all()
    assert db.session.get(User, user.id).version == 1
