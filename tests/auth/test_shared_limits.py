"""With Redis as the rate-limit store, the failure count is shared by every app server: five failures
spread over two "workers" make the sixth answer 429 on either. Runs when TEST_REDIS_URL is set (CI sets
it); the in-process store is covered by test_login.py and test_api_tokens.py."""

from __future__ import annotations

import os
import uuid

import pytest

from referral import create_app
from referral.auth.permissions import Role

REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set")
def test_failures_are_counted_across_app_servers(app, create_user):
    username = f"admin-{uuid.uuid4().hex[:8]}"  # a fresh key: Redis outlives the test
    create_user(Role.SYSADMIN, username=username)
    config = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_STORAGE_URI": REDIS_URL}
    workers = [create_app("testing", **config).test_client() for _ in range(2)]
    for attempt in range(5):
        response = workers[attempt % 2].post("/api/v1/tokens", json={"username": username, "password": "wrong"})
        assert response.status_code == 401
    for worker in workers:
        response = worker.post("/api/v1/tokens", json={"username": username, "password": "wrong"})
        assert response.status_code == 429
