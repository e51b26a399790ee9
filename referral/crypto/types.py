"""Encrypted columns: the ORM attribute holds the plaintext, the database only ciphertext
(README.md#encryption-at-rest).

A stored value is ``v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``: AES-256-GCM from ``cryptography`` (the
maintained library; GCM authenticates, so a changed byte fails instead of decrypting to garbage), a random
96-bit nonce per value, and ``<table>.<column>`` as associated data, so a value copied into another column (a
phone into the 身份证号) does not decrypt there either. The key id lets ``flask keys rotate`` find what an old
key wrote. NULL stays NULL (the CHECKs on NULL-ness keep working); everything else, "" included, is encrypted.

The columns cannot be compared in SQL (a random nonce makes equal plaintexts differ): comparing one raises at
once rather than silently finding nothing; exact lookups use the keyed hash columns (``referral/id_hash.py``)."""

from __future__ import annotations

import base64
import binascii
import json
import os

from cryptography.exceptions import InvalidTag
from sqlalchemy import Text
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from referral.crypto.keys import DataKeyError, Keyring, keyring

VERSION = "v1"
NONCE_BYTES = 12


class DecryptionFailed(RuntimeError):
    """A stored value is not what this key wrote for this column: tampered, truncated, or moved."""


def encrypt(ring: Keyring, context: str, plaintext: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.current.encrypt(nonce, plaintext.encode("utf-8"), context.encode("ascii"))
    return f"{VERSION}:{ring.current_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def key_id_of(stored: str) -> str | None:
    """The key id of a stored value, or None when it is not one of ours (plaintext before the migration)."""
    version, sep, rest = stored.partition(":")
    if version != VERSION or not sep:
        return None
    key_id, sep, _ = rest.partition(":")
    return key_id if sep else None


def decrypt(ring: Keyring, context: str, stored: str) -> str:
    key_id = key_id_of(stored)
    if key_id is None:
        raise DecryptionFailed(f"{context}: the stored value is not encrypted (format {VERSION}:keyid:data)")
    blob = stored.split(":", 2)[2]
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionFailed(f"{context}: the stored value is damaged (not base64)") from None
    if len(raw) < NONCE_BYTES + 16:
        raise DecryptionFailed(f"{context}: the stored value is damaged (too short)")
    try:
        plain = ring.cipher(key_id).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("ascii"))
    except InvalidTag:
        raise DecryptionFailed(f"{context}: the stored value fails authentication with key {key_id!r} "
                               "(tampered, or copied from another column)") from None
    return plain.decode("utf-8")


class _NoSQLComparison(TypeDecorator.Comparator):
    def operate(self, op, *other, **kwargs):
        if op in (operators.is_, operators.is_not):  # NULL-ness is stored as it is
            return super().operate(op, *other, **kwargs)
        raise TypeError(f"an encrypted column cannot be compared in SQL ({op.__name__}): "
                        "look it up by its keyed hash column (referral/id_hash.py)")

    def reverse_operate(self, op, other, **kwargs):
        raise TypeError("an encrypted column cannot be compared in SQL: look it up by its keyed hash column")


class EncryptedText(TypeDecorator):
    """A string column stored encrypted. ``context`` is ``"<table>.<column>"``: the associated data."""

    impl = Text
    cache_ok = True
    comparator_factory = _NoSQLComparison

    def __init__(self, context: str):
        super().__init__()
        self.context = context

    def serialise(self, value) -> str:
        return str(value)

    def deserialise(self, text: str):
        return text

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt(keyring(), self.context, self.serialise(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self.deserialise(decrypt(keyring(), self.context, value))

    def process_literal_param(self, value, dialect):  # never inline a plaintext into SQL text
        raise TypeError("encrypted values are bound, never rendered inline")


class EncryptedJSON(EncryptedText):
    """A JSON value (lists of medicines) stored as the ciphertext of its JSON text."""

    cache_ok = True

    def serialise(self, value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def deserialise(self, text: str):
        return json.loads(text)


__all__ = ["DataKeyError", "DecryptionFailed", "EncryptedJSON", "EncryptedText", "decrypt", "encrypt", "key_id_of"]
