"""Plain helpers and constants the tests share: signing in, API headers, registry and case data, the access
tables' vocabulary. Fixtures live in the conftest.py files (pytest finds them by name); what is here is
imported: ``from tests.helpers import login, bearer``."""

from __future__ import annotations

import io
import os
import re
from contextlib import contextmanager

from PIL import Image
from stdnum.cn import ric

from referral.auth.permissions import Role
from referral.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

# --- signing in ------------------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, user, *, pledged: bool = True) -> None:
    """Sign a test client in as ``user`` without the form (one test uses the real form). The account is
    taken as past its first sign-in: its 保密承诺书 is recorded as accepted unless ``pledged=False``
    (tests/factories.py: accept_pledge; the pledge tests go through the real page)."""
    from referral.auth.sessions import start_session

    if pledged:
        from tests.factories import accept_pledge

        accept_pledge(user)
    start_session(user)  # a server-side session, as the login form starts (docs/domain.md#sessions)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def post_login(client, username, password, next_=""):
    """Sign in through the real login form."""
    return client.post("/login", data={"csrf_token": csrf_token(client), "username": username,
                                       "password": password, "next": next_})


def totp_code(secret: str | None = None, at=None) -> str:
    """The current TOTP code of an enrolled account (the factory's secret unless given); ``at`` a datetime
    for another moment (pyotp's ``at(for_time)``)."""
    import pyotp

    from tests.factories import TEST_TOTP_SECRET

    totp = pyotp.TOTP(secret or TEST_TOTP_SECRET)
    return totp.at(at) if at is not None else totp.now()


def post_login_totp(client, code: str = "", recovery_code: str = ""):
    """The second step of the login form (after ``post_login`` of an account with TOTP)."""
    return client.post("/login/totp", data={"csrf_token": csrf_token(client, "/login"), "code": code,
                                            "recovery_code": recovery_code})


def bearer(who) -> dict:
    """The ``Authorization`` header of an API request: for a token string, that token; for a user, a token
    issued to them here (committed, so the request sees it)."""
    if not isinstance(who, str):
        from referral.auth.services import issue_token
        from tests.factories import accept_pledge

        user = db.session.merge(who)
        accept_pledge(user)  # past its first sign-in, as in login()
        who, _row = issue_token(user)
        db.session.commit()
    return {"Authorization": f"Bearer {who}"}


# --- registries ------------------------------------------------------------------------------------------

# A valid 统一社会信用代码 (checksum verified by python-stdnum).
CREDIT_CODE = "91110108551385082Q"
OTHER_CREDIT_CODE = "52220102MJ00000000"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


INSTITUTION_DATA = {
    "name": "南关区阳光康复中心", "credit_code": CREDIT_CODE, "registration_authority": "长春市南关区民政局",
    "legal_form": "social_service_org", "legal_representative": "赵磊", "address": "长春市南关区民康路 1 号",
    "division_code": "220102", "service_area": ["220102", "220104"], "service_types": ["服药训练", "社交技能训练"],
    "capacity": 30, "free_places": 5, "opening_hours": "周一至周五 8:30-17:00", "premises_area": None,
    "contact_name": "赵磊", "contact_phone": "0431-88880000", "is_assessment_referral": False, "grade": None,
    "description": "",
}


def fire(entry, actor, event, **data):
    """Advance a registry entry (institution or talent) by ``event`` as ``actor``, with the data the event
    needs by default (the pledges for submit, a reason for the returns and removals), and commit."""
    from referral.registries.services import advance_entry

    defaults = {"submit": {"accept_pledges": True, "signer_name": "赵磊"}}.get(event, {})
    if event in {"county_return", "county_reject", "city_return", "city_reject", "suspend", "propose_removal",
                 "remove", "withdraw_removal", "revoke"}:
        defaults.setdefault("reason", "理由")
    advance_entry(entry, actor=actor, event=event, **{**defaults, **data})
    db.session.commit()
    return entry


# --- cases -----------------------------------------------------------------------------------------------

def id_number(birth: str, seq: int = 123) -> str:
    """A valid 身份证号 of 南关区 for the birth date ``birth`` (YYYYMMDD)."""
    base = f"220102{birth}{seq:03d}"
    return base + ric.calc_check_digit(base + "0")


ADULT_ID = id_number("19850615")


def application(**changes) -> dict:
    """The body of a public application (POST /api/v1/public/applications), with ``changes`` applied."""
    body = {"channel": "medical", "assister_role": "精神科出院随访",
            "applicant": {"name": "李明", "id_number": ADULT_ID, "phone": "13800001234",
                          "address": "南关区幸福街 8 号", "division": "220102"},
            "guardian": {"name": "李父", "relation": "父亲", "phone": "13900004321"},
            "needs": "出院后需要服药训练和社交技能训练", "service_types": ["服药训练", "社交技能训练"],
            "consent": {"signer": "applicant"}, "consent_given": True}
    body.update(changes)
    return body


# --- access tables (route × role → status) -----------------------------------------------------------------

ANON = "anonymous"
# Who sees the institution and talent of the `objects` fixture (the demo area's and the institution's own).
IN_SCOPE = {Role.SYSADMIN, Role.PROVINCE_OFFICIAL, Role.CITY_OFFICIAL, Role.COUNTY_OFFICIAL, Role.REFERRAL_OFFICER,
            Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF}


def by_role(default, **overrides):
    """Expected status per role: ``default`` for everyone unless overridden (keys are role values)."""
    return {role: overrides.get(role.value, default) for role in Role}


@contextmanager
def scratch_database(sqlite_file, purpose: str):
    """An empty database of a test's own (a migration from data, a restore): on SQLite the file ``sqlite_file``;
    on PostgreSQL a database named after ``purpose`` and the xdist worker, made here and dropped after."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{sqlite_file}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from referral.config import normalise_database_url

    base = make_url(normalise_database_url(TEST_DATABASE_URL))
    name = f"{base.database}_{purpose}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
