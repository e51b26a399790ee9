"""Shared mixins, and one import point for every model (Alembic's env and the shell use it)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out on every backend: SQLite forgets the zone, PostgreSQL keeps it,
    and comparing the two kinds raises at run time."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def db_enum(cls, name: str, length: int = 32) -> Enum:
    """A Python enum stored by value as VARCHAR with a named CHECK (portable; no native PG enum to migrate)."""
    return Enum(cls, native_enum=False, length=length, create_constraint=True,
                values_callable=lambda e: [m.value for m in e], name=name)


class TimestampMixin:
    # Callable defaults: evaluated per row, not once at import (a cookiecutter trap).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow,
                                                 nullable=False)
