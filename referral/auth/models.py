from __future__ import annotations

import secrets
from datetime import datetime
from functools import cached_property

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.auth.permissions import Permission, Role, permissions_of
from referral.crypto.types import EncryptedText
from referral.extensions import db
from referral.models import TimestampMixin, UTCDateTime, db_enum, utcnow


def new_nonce() -> str:
    return secrets.token_hex(8)


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
    # Part of the session id: changing it (password change, disable) ends every other session.
    session_nonce: Mapped[str] = mapped_column(String(16), nullable=False, default=new_nonce)
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

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

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
