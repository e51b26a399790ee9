"""Server-side sign-in sessions (docs/domain.md#sessions). The cookie carries a random token; the row of
``user_sessions`` with its SHA-256 says whether it still signs anyone in. Ending the row (logout, 退出所有设备,
a password or scope change, the idle or absolute timeout) ends every copy of the cookie at once.

Services change rows, write the audit entry and flush; the caller commits — except the per-request check
(``load_session_user``), whose rare writes the request gate commits (referral/auth/views.py: resolve_session)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import select, update

from referral.audit.services import record
from referral.auth.models import ApiToken, SessionEnd, User, UserSession, institution_without_lists
from referral.extensions import db
from referral.models import utcnow

#: ``last_seen_at`` is written at most this often: a page view should not write on every hit (speed; a GET
#: commits at most once a minute per session). The idle timeout is therefore exact to within this.
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _audit_division(user: User) -> str | None:
    if user.division_code:
        return user.division_code
    return user.institution.division_code if user.institution is not None else None


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def start_session(user: User, *, user_agent: str = "", ip: str | None = None) -> UserSession:
    """A new session for ``user``; its raw token is put on ``user.session_token`` (for Flask-Login's cookie)
    and shown nowhere else. The absolute lifetime is ``PERMANENT_SESSION_LIFETIME`` from now."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(user_id=user.id, token_hash=token_hash(token), created_at=now, last_seen_at=now,
                      expires_at=now + current_app.permanent_session_lifetime,
                      user_agent=(user_agent or "")[:200], ip=(ip or None) and ip[:45])
    db.session.add(row)
    db.session.flush()
    user.session_token = token
    return row


def _why_dead(row: UserSession, now) -> SessionEnd | None:
    if row.expires_at <= now:
        return SessionEnd.EXPIRED
    if now - row.last_seen_at > idle_limit():
        return SessionEnd.IDLE
    return None


def load_session_user(token: str) -> User | None:
    """The user a cookie's token signs in, or None (unknown, ended, timed out, disabled account). Ends a
    session found past its idle or absolute limit (recorded with its reason and audited) and moves
    ``last_seen_at`` on at most once a minute; ``g.session_written`` tells the request gate to commit.
    ``g.session_ended`` asks for the "登录已超时" message instead of "请先登录"."""
    if not token:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token))
                            .options(institution_without_lists(UserSession.user, User.institution)))
    if row is None or row.ended_at is not None or not row.user.active:
        g.session_ended = True
        return None
    now = utcnow()
    if (reason := _why_dead(row, now)) is not None:
        end_session(row, reason=reason, actor=None)
        g.session_written = g.session_ended = True
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        g.session_written = True
    g.user_session = row
    row.user.session_token = token
    return row.user


def current_session() -> UserSession | None:
    """The session row this request was signed in with (None for the API's bearer tokens)."""
    return g.get("user_session")


def end_session(row: UserSession, *, reason: SessionEnd, actor) -> None:
    """End one session. Audited as ``auth.logout`` for a logout, else ``auth.session_end`` with the reason."""
    if row.ended_at is not None:
        return
    row.ended_at, row.ended_reason = utcnow(), reason
    action = "auth.logout" if reason is SessionEnd.LOGOUT else "auth.session_end"
    record(action, "user", row.user_id, actor=actor, division_code=_audit_division(row.user), session=row.id,
           reason=reason.value)
    db.session.flush()


def end_sessions(user: User, *, reason: SessionEnd, keep: UserSession | None = None) -> int:
    """End every live session of ``user`` but ``keep`` and revoke every API token: one statement each, so
    nothing contends on the user row. The caller audits the change that asked for it. Returns how many
    sessions ended."""
    now = utcnow()
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    ended = db.session.execute(query.values(ended_at=now, ended_reason=reason)
                               .execution_options(synchronize_session="fetch")).rowcount
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now).execution_options(synchronize_session="fetch"))
    db.session.flush()
    return ended


def sign_out_everywhere(user: User) -> int:
    """退出所有设备: every session of the account, this one included, and every API token."""
    ended = end_sessions(user, reason=SessionEnd.SIGN_OUT_EVERYWHERE)
    record("auth.sign_out_everywhere", "user", user.id, actor=user, division_code=_audit_division(user),
           sessions=ended)
    db.session.flush()
    return ended


def active_sessions(user: User) -> list[UserSession]:
    """The account's live sessions, newest first: not ended and not past the absolute limit (an idle one is
    listed until it is next used or seen here, since its end is only recorded then)."""
    now = utcnow()
    rows = db.session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None), UserSession.expires_at > now)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())).all()
    return [row for row in rows if _why_dead(row, now) is None]


_BROWSERS = (("Edg/", "Edge"), ("QQBrowser", "QQ 浏览器"), ("360SE", "360 浏览器"), ("360EE", "360 浏览器"),
             ("MetaSr", "搜狗浏览器"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Trident/", "Internet Explorer"),
             ("MSIE ", "Internet Explorer"), ("Safari/", "Safari"))
_SYSTEMS = (("Windows NT 10", "Windows 10/11"), ("Windows NT 6.1", "Windows 7"), ("Windows NT 6", "Windows 8"),
            ("Windows NT 5", "Windows XP"), ("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"),
            ("Mac OS X", "macOS"), ("Linux", "Linux"))


def browser_label(user_agent: str) -> str:
    """A short name of the browser and system for the session list ("Chrome · Windows 7"); the raw string
    is shown on hover."""
    ua = user_agent or ""
    browser = next((name for key, name in _BROWSERS if key in ua), "")
    system = next((name for key, name in _SYSTEMS if key in ua), "")
    label = " · ".join(part for part in (browser, system) if part)
    return label or re.sub(r"\s+", " ", ua)[:40]
