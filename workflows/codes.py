"""Codes with their Chinese labels beside them: the one definition of every state and reason code.
Forms, CHECK constraints, filters, templates and documents derive from these enums
(docs/architecture.md#where-rules-live). ``workflows/`` stays free of Flask: a label is marked with
``N_`` for the message catalogue (``make messages`` extracts it) and translated where it is shown."""

from __future__ import annotations

import enum


def N_(text: str) -> str:
    """Marks ``text`` for the catalogue without translating it here."""
    return text


class Coded(enum.StrEnum):
    """A string enum whose members are written ``NAME = "code", N_("中文名称")``."""

    label: str

    def __new__(cls, value: str, label: str = ""):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member

    @classmethod
    def values(cls, members=None) -> tuple[str, ...]:
        """The codes (of ``members``, if given), in the order of the definition."""
        return tuple(m.value for m in cls if members is None or m in members)

    @classmethod
    def labels(cls) -> dict[str, str]:
        """code → Chinese label (the standard documents print Chinese whatever the reader's language)."""
        return {m.value: m.label for m in cls}

    @classmethod
    def sql_in(cls, members=None) -> str:
        """``'a', 'b'`` for a CHECK constraint's IN list."""
        return ", ".join(f"'{v}'" for v in cls.values(members))
