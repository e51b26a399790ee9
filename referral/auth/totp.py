"""The TOTP second factor (RFC 6238, pyotp) and its recovery codes (docs/domain.md#accounts).

Required for the accounts that manage accounts or see a whole city or province (sysadmin, province and
city officials): after the password they give a code; without an enrolled factor they are sent to enrol
before anything else. Optional for the others. Services flush, never commit; every change is audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from referral.audit.services import record
from referral.auth.models import RecoveryCode, TotpCredential, User
from referral.auth.permissions import Role
from referral.errors import NotPermitted, Unauthorized, ValidationFailed
from referral.extensions import db
from referral.models import utcnow

#: The roles that must sign in with a second factor (DESIGN.md §1: they manage accounts or see a whole
#: city's or province's statistics and decisions).
TOTP_REQUIRED_ROLES = frozenset({Role.SYSADMIN, Role.PROVINCE_OFFICIAL, Role.CITY_OFFICIAL})
RECOVERY_CODE_COUNT = 10
#: A code is accepted one 30-second step either side of now: the PCs' clocks drift (pyotp's valid_window).
_DRIFT_STEPS = 1
_CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # base32: no 0/1/8/9 to mistake for O/I/B/g


class TotpRequired(Unauthorized):
    code = "totp_required"


class TotpInvalid(Unauthorized):
    code = "totp_invalid"


class TotpEnrolmentRequired(NotPermitted):
    code = "totp_enrolment_required"


def totp_required(user) -> bool:
    return bool(user.roles & TOTP_REQUIRED_ROLES)


def credential_of(user) -> TotpCredential | None:
    return db.session.get(TotpCredential, user.id)


def has_totp(user) -> bool:
    return credential_of(user) is not None


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=current_app.config["TOTP_ISSUER"])


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (segno, as the documents' verification codes)."""
    return segno.make(uri, error="m", micro=False).svg_inline(scale=4, border=2, omitsize=True)


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(utcnow())
    for step in range(now_step - _DRIFT_STEPS, now_step + _DRIFT_STEPS + 1):
        if (last_step is None or step > last_step) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _division(user) -> str | None:
    if user.division_code:
        return user.division_code
    return user.institution.division_code if user.institution is not None else None


def _code_hash(code: str) -> str:
    return hashlib.sha256(_normal_code(code).encode()).hexdigest()


def _normal_code(code: str) -> str:
    return (code or "").strip().replace("-", "").replace(" ", "").upper()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _c in range(12))  # 60 bits
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    return codes


def enrol(user: User, *, secret: str, code: str) -> list[str]:
    """Confirm the secret the enrolment page showed with a code from the app; returns the recovery codes,
    to be shown once. Replaces an earlier factor (a new phone)."""
    if not secret:
        raise ValidationFailed(fields={"code": [_("请重新打开本页扫描二维码。")]})
    step = _matching_step(secret, code, None)
    if step is None:
        raise ValidationFailed(fields={"code": [_("验证码不正确，请核对手机上的时间后重试。")]})
    existing = credential_of(user)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    db.session.add(TotpCredential(user_id=user.id, secret=secret, confirmed_at=utcnow(), last_step=step))
    codes = _new_recovery_codes(user)
    db.session.flush()
    record("auth.totp_enrol", "user", user.id, actor=user, division_code=_division(user),
           replaced=existing is not None)
    db.session.flush()
    return codes


def remove(user: User, *, actor, code: str) -> None:
    """Turn the second factor off (an optional account), confirmed with a current code or a recovery code."""
    if totp_required(user):
        raise ValidationFailed(fields={"code": [_("您的角色必须使用动态验证码，不能关闭。")]})
    if not check_second_factor(user, code=code, recovery_code=code, audit_recovery=False):
        raise ValidationFailed(fields={"code": [_("验证码不正确。")]})
    db.session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record("auth.totp_remove", "user", user.id, actor=actor, division_code=_division(user))
    db.session.flush()


def reset(user: User, *, actor) -> None:
    """The operator's reset for a lost phone and lost codes (`flask users reset-totp`): the account enrols
    again at its next sign-in if its role requires it."""
    db.session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record("auth.totp_remove", "user", user.id, actor=actor, division_code=_division(user), reset=True)
    db.session.flush()


def regenerate_recovery_codes(user: User, *, code: str) -> list[str]:
    if not check_second_factor(user, code=code):
        raise ValidationFailed(fields={"code": [_("验证码不正确。")]})
    codes = _new_recovery_codes(user)
    db.session.flush()
    record("auth.recovery_codes_regenerate", "user", user.id, actor=user, division_code=_division(user))
    db.session.flush()
    return codes


def recovery_codes_left(user) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def check_second_factor(user: User, *, code: str | None = None, recovery_code: str | None = None,
                        audit_recovery: bool = True) -> bool:
    """True when ``code`` is a current TOTP code not used before, or ``recovery_code`` an unused recovery
    code (then used up, and audited). Flushes what it marks; the caller commits."""
    credential = credential_of(user)
    if credential is None:
        return False
    if code:
        step = _matching_step(credential.secret, code, credential.last_step)
        if step is not None:
            credential.last_step = step
            db.session.flush()
            return True
    if recovery_code and len(_normal_code(recovery_code)) == 12:
        row = db.session.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(recovery_code),
            RecoveryCode.used_at.is_(None)))
        if row is not None:
            row.used_at = utcnow()
            db.session.flush()
            if audit_recovery:
                record("auth.recovery_code_used", "user", user.id, actor=user, division_code=_division(user),
                       left=recovery_codes_left(user))
                db.session.flush()
            return True
    return False
