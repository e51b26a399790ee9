from __future__ import annotations

import pytest

from referral.audit.models import AuditEntry
from referral.audit.services import record
from referral.auth.permissions import Role
from tests.factories import TEST_PASSWORD
from tests.helpers import login, post_login


@pytest.fixture
def entries(db, create_user):
    made = {
        "nanguan": record("test.nanguan", "thing", 1, division_code="220102"),
        "chaoyang": record("test.chaoyang", "thing", 2, division_code="220104"),
        "changyi": record("test.changyi", "thing", 3, division_code="220202"),
        "beijing": record("test.beijing", "thing", 4, division_code="110101"),
        "national": record("test.national", "thing", 5),
    }
    db.session.commit()
    return made


SEES = {
    (Role.COUNTY_OFFICIAL, "220102"): {"nanguan"},
    (Role.CITY_OFFICIAL, "220100"): {"nanguan", "chaoyang"},
    (Role.PROVINCE_OFFICIAL, "220000"): {"nanguan", "chaoyang", "changyi"},
    (Role.SYSADMIN, None): {"nanguan", "chaoyang", "changyi", "beijing", "national"},
}


@pytest.mark.parametrize(("role", "division"), list(SEES))
def test_officials_read_the_entries_of_their_area(client, create_user, entries, role, division):
    login(client, create_user(role, division=division))
    page = client.get("/audit/?object_type=thing").get_data(as_text=True)
    shown = {name for name in entries if f"test.{name}" in page}
    assert shown == SEES[(role, division)]
    for name, entry in entries.items():
        assert client.get(f"/audit/{entry.id}").status_code == (200 if name in SEES[(role, division)] else 404)


def test_filter_by_a_division_outside_the_area_is_404(client, create_user, entries):
    login(client, create_user(Role.CITY_OFFICIAL, division="220100"))
    assert client.get("/audit/?division=220104").status_code == 200
    assert client.get("/audit/?division=220200").status_code == 404


def test_filters(client, create_user, entries):
    login(client, create_user(Role.SYSADMIN))
    page = client.get("/audit/?action=test.chaoyang").get_data(as_text=True)
    assert "test.chaoyang" in page and "test.nanguan" not in page
    page = client.get("/audit/?division=220100").get_data(as_text=True)
    assert "test.chaoyang" in page and "test.nanguan" in page and "test.changyi" not in page
    assert client.get("/audit/?date_from=not-a-date").status_code == 422


def test_entries_record_actor_request_id_and_ip(client, db, create_user):
    create_user(Role.SYSADMIN, username="admin")
    post_login(client, "admin", TEST_PASSWORD)
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "auth.login")).one()
    assert entry.actor_name == "admin" and entry.ip == "127.0.0.1" and len(entry.request_id) == 32
    assert entry.summary == {"channel": "web"}


def test_secrets_never_reach_the_log(db):
    entry = record("test.secret", "thing", 1, after={"password": "hunter2", "token": "abc", "name": "ok"})
    db.session.commit()
    assert entry.summary["after"] == {"password": "***", "token": "***", "name": "ok"}
