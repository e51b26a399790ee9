"""The data keys (README.md#encryption-at-rest).

``REFERRAL_DATA_KEYS`` lists ``keyid:base64key`` pairs — as a comma list, a JSON list of such strings or a
JSON object ``{"keyid": "base64key"}`` — each key 32 random bytes (AES-256). The FIRST is the current key:
everything written is encrypted with it; the others only decrypt what they wrote until ``flask keys
rotate`` has re-encrypted it. The embedded default (SQLite, no variable) makes one key in
``instance/data_keys`` (0600) on first start, like the session key; a server database without the variable
refuses to start: a key made up on one app server would be unknown to the others, and its loss would lose the
data."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app

KEY_FILE = "data_keys"
EXTENSION = "referral_data_keys"
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")

MISSING_MESSAGE = (
    "REFERRAL_DATA_KEYS must be set when DATABASE_URL points to a server: the 身份证号, phone numbers, "
    "diagnoses and medications are encrypted with it, and every app server and worker must share the same keys. "
    "Generate one with: python -c \"import base64, secrets; "
    "print('k1:' + base64.b64encode(secrets.token_bytes(32)).decode())\" and keep a copy offline: "
    "without the key the encrypted columns cannot be read (README.md#encryption-at-rest).")
HASH_KEY_MESSAGE = (
    "REFERRAL_DEMAND_HASH_KEY must be set when DATABASE_URL points to a server: the case search, the duplicate "
    "check and the talents' uniqueness find 身份证号 and phone numbers by their keyed hashes "
    "(README.md#encryption-at-rest). Generate one with: python -c 'import secrets; print(secrets.token_hex(32))' "
    "and never change it.")


class DataKeyError(RuntimeError):
    """The keys are missing or malformed (start-up), or a value names a key that is not configured."""


@dataclass(frozen=True)
class Keyring:
    keys: Mapping[str, bytes]  # key id → 32 bytes, in the configured order
    current_id: str

    @cached_property
    def _ciphers(self) -> dict[str, AESGCM]:  # one cipher object per key, not one per value
        return {key_id: AESGCM(key) for key_id, key in self.keys.items()}

    def cipher(self, key_id: str) -> AESGCM:
        try:
            return self._ciphers[key_id]
        except KeyError:
            raise DataKeyError(f"the data key {key_id!r} is not configured in REFERRAL_DATA_KEYS: values "
                               "encrypted with it cannot be read (was it removed before `flask keys rotate` "
                               "finished?)") from None

    @property
    def current(self) -> AESGCM:
        return self.cipher(self.current_id)


def parse_keys(raw) -> Keyring:
    """The keyring of a configured value (str, list or dict as ``from_prefixed_env`` gives it)."""
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith(("[", "{")):
            try:
                raw = json.loads(text)
            except ValueError:
                raise DataKeyError("REFERRAL_DATA_KEYS: not valid JSON") from None
        else:
            raw = [part for part in (p.strip() for p in text.split(",")) if part]
    if isinstance(raw, Mapping):
        pairs = [(str(k), str(v)) for k, v in raw.items()]
    else:
        pairs = []
        for item in raw:
            key_id, sep, value = str(item).partition(":")
            if not sep:
                raise DataKeyError("REFERRAL_DATA_KEYS: each key is written keyid:base64key")
            pairs.append((key_id.strip(), value.strip()))
    if not pairs:
        raise DataKeyError("REFERRAL_DATA_KEYS is empty")
    keys: dict[str, bytes] = {}
    for key_id, value in pairs:
        if not KEY_ID.match(key_id):
            raise DataKeyError(f"REFERRAL_DATA_KEYS: key id {key_id!r} must be 1–16 letters, digits, _ or -")
        if key_id in keys:
            raise DataKeyError(f"REFERRAL_DATA_KEYS: key id {key_id!r} appears twice")
        try:
            key = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise DataKeyError(f"REFERRAL_DATA_KEYS: key {key_id!r} is not base64") from None
        if len(key) != 32:
            raise DataKeyError(f"REFERRAL_DATA_KEYS: key {key_id!r} must be 32 bytes (AES-256), not {len(key)}")
        keys[key_id] = key
    return Keyring(keys=keys, current_id=pairs[0][0])


def embedded_data_keys(instance_dir: Path) -> str:
    """The embedded default's one key, made on first start (0600), like ``config.embedded_secret_key``."""
    path = instance_dir / KEY_FILE
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write("local1:" + base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return path.read_text().strip()


def configure_data_keys(app: Flask, instance_dir: Path) -> None:
    """At start-up: load the keyring, or refuse to start with the reason (called by ``create_app``)."""
    raw = app.config.get("DATA_KEYS")
    server = not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if not raw:
        if server:
            raise DataKeyError(MISSING_MESSAGE)
        raw = embedded_data_keys(instance_dir)
    if server and not app.config.get("DEMAND_HASH_KEY"):
        raise DataKeyError(HASH_KEY_MESSAGE)
    app.extensions[EXTENSION] = parse_keys(raw)


def keyring() -> Keyring:
    return current_app.extensions[EXTENSION]
