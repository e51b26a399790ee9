"""The login limits are counted in the database (referral/auth/throttle.py), so every worker and app
server shares them without Redis: two apps on one database (two "workers", each with Flask-Limiter's
memory:// store) see one count. And the per-address cap stops one address spraying a password over many
usernames (docs/domain.md#accounts)."""

from __future__ import annotations

from datetime import timedelta

from referral import create_app
from referral.auth.models import LoginCounter
from referral.auth.permissions import Role
from tests.auth.conftest import MOMENT
from tests.factories import TEST_PASSWORD
from tests.helpers import csrf_token


def _workers(app, n=2):
    config = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_STORAGE_URI": "memory://"}
    return [create_app("testing", **config).test_client() for _ in range(n)]


def _token(worker, username, password="wrong", addr="10.0.0.1"):
    return worker.post("/api/v1/tokens", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_failures_are_counted_across_workers(app, create_user):
    create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    workers = _workers(app)
    for attempt in range(5):
        assert _token(workers[attempt % 2], "zhang").status_code == 401
    for worker in workers:
        response = _token(worker, "zhang", TEST_PASSWORD)
        assert response.status_code == 429, "each worker must see the five failures of both"


def test_the_web_form_on_one_worker_and_the_api_on_another_share_the_count(app, create_user):
    create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    web, api = _workers(app)
    for _ in range(5):
        web.post("/login", data={"csrf_token": csrf_token(web), "username": "zhang", "password": "wrong"},
                 environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert _token(api, "zhang", TEST_PASSWORD).status_code == 429


def test_one_address_spraying_over_many_usernames_is_stopped(app, create_user):
    create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    worker, other = _workers(app)
    for i in range(20):  # one failure each on 20 usernames: never 5 in a row on any
        assert _token(worker if i % 2 else other, f"user{i}").status_code == 401
    response = _token(worker, "zhang", TEST_PASSWORD)
    assert response.status_code == 429 and response.get_json()["error"]["code"] == "too_many_requests"
    assert _token(worker, "zhang", TEST_PASSWORD, addr="10.0.0.2").status_code == 201  # another address is not


def test_the_cap_is_a_setting(app, create_user):
    create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    app.config["LOGIN_ADDRESS_FAILURE_LIMIT"] = "3 per 15 minutes"
    client = app.test_client()
    for i in range(3):
        assert _token(client, f"user{i}").status_code == 401
    assert _token(client, "zhang", TEST_PASSWORD).status_code == 429


def test_the_count_ends_with_its_window_and_old_windows_are_deleted(app, db, create_user, travel):
    create_user(Role.COUNTY_OFFICIAL, username="zhang", division="220102")
    client = app.test_client()
    for _ in range(5):
        _token(client, "zhang")
    assert _token(client, "zhang", TEST_PASSWORD).status_code == 429
    travel(MOMENT + timedelta(minutes=16))
    assert _token(client, "zhang").status_code == 401  # a new window: counting again
    assert _token(client, "zhang", TEST_PASSWORD).status_code == 201
    assert {r.window_start for r in db.session.scalars(db.select(LoginCounter))} <= {
        MOMENT.replace(minute=15, second=0)}  # only the live window is kept


def test_the_count_is_one_atomic_upsert(app, db):
    """Two increments of one key in one window give 2, not a duplicate-key error (the second worker's insert
    becomes an update)."""
    from referral.auth import throttle

    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.0.0.9"}):
        throttle.note_failure("zhang")
        throttle.note_failure("zhang")
        db.session.commit()
    counts = sorted(r.count for r in db.session.scalars(db.select(LoginCounter)))
    assert counts == [2, 2]
