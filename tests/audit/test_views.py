from __future__ import annotations

import pytest

from referral.audit.models import AuditEntry
from referral.audit.services import record
from referral.auth.permissions import Role
from tests.factories import TEST_PASSWORD
from tests.helpers import login, post_login, post_login_totp, totp_code


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
    post_login_totp(client, code=totp_code())  # a sysadmin signs in with a second factor
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "auth.login")).one()
    assert entry.actor_name == "admin" and entry.ip == "127.0.0.1" and len(entry.request_id) == 32
    assert entry.summary == {"channel": "web"}


def test_secrets_never_reach_the_log(db):
    entry = record("test.secret", "thing", 1, after={"password": "hunter2", "token": "abc", "name": "ok"})
    db.session.commit()
    assert entry.summary["after"] == {"password": "***", "token": "***", "name": "ok"}


def test_actions_read_in_chinese_and_filter_by_a_select(client, db, create_user):
    # issue 10.11: what was done, to what, in Chinese; the action filter offers every known action by name.
    admin = create_user(Role.SYSADMIN)
    record("case.register", "case", 7, division_code="220102")
    record("talent.reveal_id_number", "talent", 3, division_code="220102")
    record("auth.login", "user", admin.id)
    db.session.commit()
    login(client, admin)
    page = client.get("/audit/").get_data(as_text=True)
    assert "个案：初核登记" in page and "服务人才：查看完整身份证号" in page and "登录" in page
    assert '<a href="/cases/7">个案 #7</a>' in page and '<a href="/talents/3">服务人才 #3</a>' in page
    assert '<select id="action" name="action"' in page
    assert '<option value="institution.city_confirm">服务机构：市级确认入库</option>' in page
    page = client.get("/audit/?action=case.register").get_data(as_text=True)
    assert '<span class="code">case.register</span>' in page
    assert '<span class="code">talent.reveal_id_number</span>' not in page
