"""Factory fixtures (Indico style): ``create_user(...)`` is a callable fixture, ``dummy_user`` the common
one-off."""

from __future__ import annotations

import itertools

import pytest

from referral.auth.models import AccountPledge, TotpCredential, User, UserRole
from referral.auth.passwords import hash_password
from referral.auth.permissions import Role
from referral.auth.totp import TOTP_REQUIRED_ROLES
from referral.extensions import db
from referral.pledge_texts import PLEDGE_TEXT_VERSION
from referral.registries.models import Institution

__all__ = ["TEST_PASSWORD", "TEST_TOTP_SECRET", "accept_pledge", "create_user", "create_institution", "dummy_user", "users_by_role", "INSTITUTION_COUNTY"]

TEST_PASSWORD = "correct horse battery"
# The TOTP secret of the factory's enrolled accounts: pyotp.TOTP(TEST_TOTP_SECRET).now() is their code.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_HASH = None  # Argon2 is slow on purpose; hash the shared test password once per run.
_counter = itertools.count(1)
INSTITUTION_COUNTY = "220102"


def _password_hash():
    global _HASH
    if _HASH is None:
        _HASH = hash_password(TEST_PASSWORD)
    return _HASH


@pytest.fixture
def create_institution(app):
    def factory(name=None, division_code=INSTITUTION_COUNTY):
        institution = Institution(name=name or f"测试康复机构{next(_counter)}", division_code=division_code)
        db.session.add(institution)
        db.session.commit()
        return institution

    return factory


def accept_pledge(user) -> None:
    """Record that ``user`` accepted the current 保密承诺书 (docs/domain.md#personal-data), as the page
    /me/pledge would, unless it already has: the accounts the tests sign in with are past their first
    sign-in. Written as a plain row (no audit entry), so tests that count audit entries are not disturbed.
    The pledge tests (tests/auth/test_account_pledge.py) create accounts with ``pledged=False`` and go
    through the real page."""
    exists = db.session.scalar(db.select(AccountPledge.id).where(
        AccountPledge.user_id == user.id, AccountPledge.text_version == PLEDGE_TEXT_VERSION).limit(1))
    if exists is None:
        db.session.add(AccountPledge(user_id=user.id, text_version=PLEDGE_TEXT_VERSION,
                                     signer_name=user.display_name or user.username))
        db.session.commit()


@pytest.fixture
def create_user(app):
    def factory(*roles, username=None, division=None, institution=None, active=True, display_name="测试用户",
                pledged=True, id_number=None, totp=None):
        """``totp``: enrol the account's second factor (secret TEST_TOTP_SECRET). By default the roles that
        require it have it, as real accounts of those roles do after their first sign-in."""
        user = User(username=username or f"user{next(_counter)}", display_name=display_name,
                    password_hash=_password_hash(), division_code=division, active=active,
                    institution_id=institution.id if institution is not None else None, id_number=id_number)
        user.role_rows = [UserRole(role=Role(r)) for r in roles]
        db.session.add(user)
        db.session.commit()
        if totp if totp is not None else user.has_role(*TOTP_REQUIRED_ROLES):
            db.session.add(TotpCredential(user_id=user.id, secret=TEST_TOTP_SECRET))
            db.session.commit()
        if pledged:
            accept_pledge(user)
        return user

    return factory


@pytest.fixture
def dummy_user(create_user):
    return create_user(Role.COUNTY_OFFICIAL, username="dummy", division="220102")


# One account per role, anchored in the demo area: 长春市南关区 (220102), 长春市 (220100), 吉林省 (220000).
ROLE_ANCHORS = {
    Role.SYSADMIN: {},
    Role.PROVINCE_OFFICIAL: {"division": "220000"},
    Role.CITY_OFFICIAL: {"division": "220100"},
    Role.COUNTY_OFFICIAL: {"division": "220102"},
    Role.REFERRAL_OFFICER: {"division": "220102"},
    Role.INSTITUTION_ADMIN: {"institution": True},
    Role.INSTITUTION_STAFF: {"institution": True},
    Role.MEDICAL_ASSISTER: {},
    Role.COMMUNITY_ASSISTER: {},
}


@pytest.fixture
def users_by_role(create_user, create_institution):
    institution = create_institution("南关区测试康复中心")
    out = {}
    for role, anchor in ROLE_ANCHORS.items():
        kwargs = dict(anchor)
        if kwargs.pop("institution", False):
            kwargs["institution"] = institution
        out[role] = create_user(role, username=f"as-{role.value}", **kwargs)
    return out
