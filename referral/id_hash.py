"""Keyed hashes of 身份证号 (docs/domain.md#demand-data): how the demand lists and the cases meet without
the lists keeping an ID number.

HMAC-SHA256 of the normalised number (blanks stripped, ``x`` → ``X``) with ``DEMAND_HASH_KEY``. A plain
SHA-256 would not do: 身份证号 are few enough (birth date, county, sequence) to be hashed exhaustively, so
without the secret key a hash is as good as the number. The key comes from ``REFERRAL_DEMAND_HASH_KEY``;
the embedded default (SQLite) creates a random one in ``instance/demand_hash_key`` on first use, as it does
the session key; a server database without the key has none, and the import refuses to start.

The key must never change: every stored hash (lists, cases, talents) is of it. Shared by the cases (which hash
the applicant's number when it is set) and the demand package (which hashes each listed number), hence a
module of its own, so neither package imports the other for it.

Since the 身份证号 and phone numbers are encrypted at rest (README.md#encryption-at-rest), the same key also
serves their exact lookups: the case search, the duplicate check at application, the talents' uniqueness. One
key rather than a second "lookup key": the hashes must never change either (rotating it would mean re-hashing
every list), and the cases already held this hash. The data keys, which do rotate, never key a hash.
A server database therefore refuses to start without it (``referral/crypto/keys.py``)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from flask import current_app

KEY_FILE = "demand_hash_key"


class HashKeyMissing(RuntimeError):
    """No key is configured (production with a server database and no ``REFERRAL_DEMAND_HASH_KEY``)."""

    message = ("未配置身份证号散列密钥（REFERRAL_DEMAND_HASH_KEY），不能导入需求数据。"
               "请由运维在所有应用服务器和任务进程上设置同一个随机密钥后再导入，例如："
               "python -c 'import secrets; print(secrets.token_hex(32))'。")

    def __init__(self):
        super().__init__(self.message)


def normalise_id_number(value: str) -> str:
    return value.strip().upper()


def _embedded_key(instance_dir: Path) -> str:
    path = instance_dir / KEY_FILE
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def hash_key() -> bytes:
    """The key, or ``HashKeyMissing``."""
    key = current_app.config.get("DEMAND_HASH_KEY")
    if not key:
        if not current_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            raise HashKeyMissing()
        key = _embedded_key(Path(current_app.instance_path))
    return str(key).encode("utf-8")


def has_hash_key() -> bool:
    try:
        hash_key()
    except HashKeyMissing:
        return False
    return True


def id_hash(id_number: str, *, key: bytes | None = None) -> str:
    """The 64 hex characters of HMAC-SHA256(key, normalised number)."""
    return hmac.new(key or hash_key(), normalise_id_number(id_number).encode("ascii", "replace"),
                    hashlib.sha256).hexdigest()


def id_hash_or_none(id_number: str) -> str | None:
    """For a case: its hash, or None while no key exists (the next import fills it in)."""
    try:
        return id_hash(id_number)
    except HashKeyMissing:
        return None


def normalise_phone(value: str) -> str:
    return "".join(value.split())


def phone_hash(phone: str, *, key: bytes | None = None) -> str:
    """The keyed hash of a phone number, for the case search now that the number is encrypted
    (README.md#encryption-at-rest). Same key as the 身份证号, told apart by a prefix, so a phone number's hash
    never equals an ID number's."""
    return hmac.new(key or hash_key(), b"phone:" + normalise_phone(phone).encode("utf-8"), hashlib.sha256).hexdigest()


def phone_hash_or_none(phone: str | None) -> str | None:
    """None for no number (nothing to find) or while no key exists."""
    if not phone or not normalise_phone(phone):
        return None
    try:
        return phone_hash(phone)
    except HashKeyMissing:
        return None
