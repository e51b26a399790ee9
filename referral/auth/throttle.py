"""Failed-login limit: the 6th failure in a row from one address for one username answers 429.

Built on Flask-Limiter's storage and strategy (memory in one process, Redis across workers), so the
count is shared by the HTML form and the token endpoint. A success clears the count — "in a row"."""

from __future__ import annotations

from flask import current_app, request
from limits import parse

from referral.extensions import limiter

_NAMESPACE = "login-failures"


def _limit():
    return parse(current_app.config["LOGIN_FAILURE_LIMIT"])


def _key(username: str) -> tuple[str, str, str]:
    return _NAMESPACE, request.remote_addr or "-", (username or "").strip().lower()


def is_blocked(username: str) -> bool:
    return not limiter.limiter.test(_limit(), *_key(username))


def seconds_until_unblocked(username: str) -> int:
    import time

    reset, _remaining = limiter.limiter.get_window_stats(_limit(), *_key(username))
    return max(1, int(reset - time.time()))


def note_failure(username: str) -> None:
    limiter.limiter.hit(_limit(), *_key(username))


def note_success(username: str) -> None:
    limiter.limiter.clear(_limit(), *_key(username))
