"""Notification routes × every role (and anonymous) → expected status. A notification belongs to one
account: the sysadmin's own one is seen by the sysadmin alone; everyone else gets 404."""

from __future__ import annotations

import pytest

from referral.auth.permissions import Role
from referral.extensions import db
from referral.models import utcnow
from referral.notifications.models import Notification
from tests.helpers import ANON, bearer, by_role, csrf_token, login

MATRIX = [
    ("GET", "/notifications/", 302, by_role(200)),
    ("GET", "/notifications/{n}", 302, by_role(404, sysadmin=200)),
    ("POST", "/notifications/{n}/open", 302, by_role(404, sysadmin=302)),
    ("POST", "/notifications/read-all", 302, by_role(302)),
]
API_MATRIX = [
    ("GET", "/api/v1/notifications", by_role(200)),
    ("POST", "/api/v1/notifications/{n}/read", by_role(404, sysadmin=200)),
]
ROUTES_COVERED = {u for _m, u, *_ in MATRIX} | {u for _m, u, _e in API_MATRIX}


@pytest.fixture
def notification(users_by_role):
    n = Notification(user_id=users_by_role[Role.SYSADMIN].id, kind="registry_decision", object_type="institution",
                     object_id=1, key="registry_decision:institution:1:1", subject="测试机构", created_at=utcnow())
    db.session.add(n)
    db.session.commit()
    return {"n": n.id}


@pytest.mark.parametrize(("method", "url", "anon", "expected"), MATRIX, ids=[f"{m} {u}" for m, u, *_ in MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_notification_pages(client, users_by_role, notification, method, url, anon, expected, role):
    if role != ANON:
        login(client, users_by_role[role])
    data = {"csrf_token": csrf_token(client, "/login" if role == ANON else "/notifications/")} \
        if method == "POST" else None
    response = client.open(url.format(**notification), method=method, data=data)
    assert response.status_code == (anon if role == ANON else expected[role])


@pytest.mark.parametrize(("method", "url", "expected"), API_MATRIX, ids=[f"{m} {u}" for m, u, _e in API_MATRIX])
@pytest.mark.parametrize("role", [ANON, *Role], ids=str)
def test_notification_api(client, users_by_role, notification, method, url, expected, role):
    headers = bearer(users_by_role[role]) if role != ANON else {}
    response = client.open(url.format(**notification), method=method, headers=headers)
    assert response.status_code == (401 if role == ANON else expected[role])
