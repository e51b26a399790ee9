from __future__ import annotations

from datetime import datetime
from functools import cached_property, lru_cache

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.auth.permissions import Permission, Role, permissions_of
from referral.crypto.types import EncryptedText
from referral.extensions import db
from referral.models import TimestampMixin, UTCDateTime, db_enum, utcnow
from workflows.codes import N_, Coded


class User(TimestampMixin, UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    # Where e-mail copies of notifications go, when SMTP is configured (referral/notifications/tasks.py).
    email: Mapped[str | None] = mapped_column(String(254))
    # 身份证号, optional: printed in full on the account's own 保密承诺书, masked wherever it is shown
    # (docs/domain.md#personal-data). Checked by forms/fields.py: IdNumber. Encrypted at rest
    # (README.md#encryption-at-rest); nothing looks an account up by it.
    id_number: Mapped[str | None] = mapped_column(EncryptedText("users.id_number"))
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())
    division_code: Mapped[str | None] = mapped_column(
        ForeignKey("divisions.code", ondelete="RESTRICT"), index=True)
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"), index=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    division = relationship("Division", lazy="joined")
    institution = relationship("Institution", lazy="joined", foreign_keys=[institution_id])
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        order_by="UserRole.role")

    # Flask-Login reads this to refuse disabled accounts.
    @property
    def is_active(self) -> bool:
        return self.active

    #: The raw token of the server-side session this object was signed in with (referral/auth/sessions.py):
    #: set by ``start_session`` and by the session loader, never stored (only its SHA-256 is).
    session_token = None

    def get_id(self) -> str:
        # Flask-Login puts this in the cookie: the session's random token, not the user's id, so that logging
        # out (ending the row) kills every copy of the cookie (docs/domain.md#sessions).
        if not self.session_token:
            raise RuntimeError("no server-side session: call referral.auth.sessions.start_session(user) first")
        return self.session_token

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @cached_property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)

    def has_permission(self, permission: Permission) -> bool:
        return self.active and permission in self.permissions

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(
        db_enum(Role, "role"),
        primary_key=True, index=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"), Index("ix_api_tokens_user_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class AccountPledge(db.Model):
    """An account's own 保密承诺书, accepted on screen at its first sign-in (docs/domain.md#personal-data):
    the text version accepted, the name typed as the signature, when. Append-only: accepting a new text
    version adds a row. Kept here rather than in the registries' ``pledges`` table because accounts come
    before registry entries (auth may not import registries: docs/architecture.md#layout)."""

    __tablename__ = "account_pledges"
    __table_args__ = (Index("ix_account_pledges_user_signed", "user_id", "signed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    text_version: Mapped[str] = mapped_column(String(32), nullable=False)
    signer_name: Mapped[str] = mapped_column(String(64), nullable=False)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class SessionEnd(Coded):
    """Why a signed-in session ended (docs/domain.md#sessions)."""

    LOGOUT = "logout", N_("退出登录")
    IDLE = "idle", N_("长时间未操作")
    EXPIRED = "expired", N_("超过最长登录时长")
    ENDED_BY_USER = "ended_by_user", N_("本人在会话列表中结束")
    SIGN_OUT_EVERYWHERE = "sign_out_everywhere", N_("退出所有设备")
    PASSWORD_CHANGED = "password_changed", N_("修改了密码")
    ACCOUNT_CHANGED = "account_changed", N_("角色或管辖范围变更")
    DISABLED = "disabled", N_("账号已停用")


class UserSession(db.Model):
    """A signed-in browser session, kept on the server so that it can be ended (docs/domain.md#sessions).
    The cookie carries only a random token; this row keeps its SHA-256, as ``api_tokens`` does, so a copy
    of the table signs nobody in."""

    __tablename__ = "user_sessions"
    __table_args__ = (UniqueConstraint("token_hash"), Index("ix_user_sessions_user_id_ended_at", "user_id", "ended_at"),
                      CheckConstraint("(ended_at IS NULL) = (ended_reason IS NULL)", name="ended_with_reason"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # Written at most once a minute (referral/auth/sessions.py: TOUCH_EVERY): the idle timeout counts from it.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)  # the absolute lifetime
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_reason: Mapped[SessionEnd | None] = mapped_column(db_enum(SessionEnd, "session_end"))
    user_agent: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship(lazy="joined")


class LoginCounter(db.Model):
    """Failed sign-ins counted in fixed windows, in the database so that every worker and every app server
    sees the same count without Redis (referral/auth/throttle.py, docs/domain.md#accounts). ``key`` names
    what is counted: ``user:<address>:<username>`` (the limit in a row) or ``addr:<address>`` (the cap that
    stops one address trying a password over many usernames). Old windows are deleted as new ones start."""

    __tablename__ = "login_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    count: Mapped[int] = mapped_column(nullable=False, default=0)


class TotpCredential(db.Model):
    """The account's TOTP second factor (RFC 6238 through pyotp; docs/domain.md#accounts). ``last_step`` is
    the time step of the last code accepted, so a code seen over a shoulder cannot be used twice."""

    __tablename__ = "totp_credentials"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64), nullable=False)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    last_step: Mapped[int | None] = mapped_column()


class RecoveryCode(db.Model):
    """One of the ten one-time codes shown once at TOTP enrolment, for a lost phone. Only a SHA-256 is kept:
    the codes are random (60 bits), so a fast hash does not let them be guessed from a copy of the table."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("code_hash"), Index("ix_recovery_codes_user_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


@lru_cache(maxsize=32)  # the same few paths on every request: the options are built once (~0.5 ms each)
def institution_without_lists(*path):
    """Loader options for an institution reached through ``path`` (relationships, in turn): its row (joined, as
    declared), not its areas, items and licences, which load only if asked for. A case, a session's user or a
    referral needs the institution's name, not three more queries per request (docs/architecture.md#speed).
    The institution's class is read off the last relationship: accounts do not import the registries."""
    from sqlalchemy.orm import defaultload, lazyload

    institution = path[-1].property.mapper.class_
    option = defaultload(path[0])
    for step in path[1:]:
        option = option.defaultload(step)
    return option.options(lazyload(institution.service_area_rows), lazyload(institution.service_rows),
                          lazyload(institution.licences))
