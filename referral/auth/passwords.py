"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106's recommendations) and the rule a
new password must meet (length, not common, not the account's own name: zxcvbn)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import gettext as _

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the username does not exist, so a wrong username costs as long as a wrong
    password and response times do not reveal which accounts exist. Made on first use, not at import."""
    return _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# --- what a new password may be (docs/domain.md#accounts) -------------------------------------------------

MIN_PASSWORD_LENGTH = 10
#: zxcvbn's score (0–4) a new password needs: 3 is "safely unguessable: moderate protection from an offline
#: slow-hash scenario" (its README), which with Argon2 and the login limits is enough for an intranet.
MIN_PASSWORD_SCORE = 3
#: zxcvbn's run time grows with the length; its authors advise scoring a prefix. Past 100 characters a
#: password is long enough whatever the rest is.
_SCORED_PREFIX = 100


def password_problems(password: str, username: str = "", name: str = "") -> list[str]:
    """Why ``password`` may not be a new password, in words the user can act on; empty when it may.
    zxcvbn (Dropbox's estimator, shipped with its own lists of common passwords, words and keyboard
    patterns) gives the score; ``user_inputs`` makes it count the username and the name as known words, so
    "zhangsan2024" for zhangsan scores as weak as it is."""
    from zxcvbn import zxcvbn  # imported here: loading its word lists costs ~0.1 s, only the password forms pay it

    password = password or ""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("密码至少需要 %(n)d 个字符。", n=MIN_PASSWORD_LENGTH))
    own = [w.strip().lower() for w in (username, name) if w and len(w.strip()) >= 2]
    result = zxcvbn(password[:_SCORED_PREFIX], user_inputs=own) if password else None
    matched = {m.get("dictionary_name") for m in result["sequence"]} if result else set()
    if any(w in password.lower() for w in own) or "user_inputs" in matched:
        problems.append(_("密码不能包含用户名或姓名。"))
    elif result is not None and len(password) >= MIN_PASSWORD_LENGTH and result["score"] < MIN_PASSWORD_SCORE:
        if "passwords" in matched:
            problems.append(_("这个密码太常见，容易被猜到，请换一个。"))
        else:
            problems.append(_("这个密码太容易猜到（如常用词、键盘顺序、重复字符或日期），请换一个更长、更不规则的密码。"))
    return problems
