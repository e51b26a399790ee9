"""Scope: an object outside the user's area answers 404, as if it did not exist (docs/domain.md#scope)."""

from __future__ import annotations

import pytest

from referral.auth.permissions import Role
from referral.scoping import Scope
from tests.helpers import bearer, login


@pytest.mark.parametrize(("role", "division", "expected"), [
    (Role.SYSADMIN, None, Scope(national=True)),
    (Role.PROVINCE_OFFICIAL, "220000", Scope(prefixes=frozenset({"22"}))),
    (Role.CITY_OFFICIAL, "220100", Scope(prefixes=frozenset({"2201"}))),
    (Role.COUNTY_OFFICIAL, "220102", Scope(prefixes=frozenset({"220102"}))),
    (Role.REFERRAL_OFFICER, "220102", Scope(prefixes=frozenset({"220102"}))),
])
def test_scope_of_division_roles(create_user, role, division, expected):
    assert Scope.of(create_user(role, division=division)) == expected


def test_scope_of_institution_and_own_roles(create_user, create_institution):
    institution = create_institution()
    staff = create_user(Role.INSTITUTION_STAFF, institution=institution)
    assister = create_user(Role.MEDICAL_ASSISTER)
    assert Scope.of(staff) == Scope(institution_ids=frozenset({institution.id}))
    assert Scope.of(assister) == Scope(own_user_id=assister.id)


def test_disabled_or_anonymous_users_have_no_scope(create_user):
    from flask_login import AnonymousUserMixin

    assert Scope.of(create_user(Role.SYSADMIN, active=False)) == Scope()
    assert Scope.of(AnonymousUserMixin()) == Scope()


@pytest.mark.parametrize(("prefixes", "code", "covered"), [
    ({"2201"}, "220102", True), ({"2201"}, "220202", False), ({"22"}, "220202", True),
    ({"220102"}, "220102", True), ({"220102"}, "220103", False), ({"22"}, "110101", False),
])
def test_division_clause_matches_covers_division(db, prefixes, code, covered):
    from referral.divisions.models import Division

    scope = Scope(prefixes=frozenset(prefixes))
    assert scope.covers_division(code) is covered
    found = db.session.scalar(db.select(Division.code).where(Division.code == code,
                                                             scope.division_clause(Division.code)))
    assert (found == code) is covered


@pytest.fixture
def area(create_user, create_institution):
    """Accounts in 南关区 (220102), 朝阳区 (220104, same city), 吉林市昌邑区 (220202), 北京东城 (110101)."""
    inst_nanguan = create_institution("南关区机构", "220102")
    inst_changyi = create_institution("昌邑区机构", "220202")
    return {
        "nanguan": create_user(Role.REFERRAL_OFFICER, username="nanguan", division="220102"),
        "chaoyang": create_user(Role.REFERRAL_OFFICER, username="chaoyang", division="220104"),
        "changyi": create_user(Role.REFERRAL_OFFICER, username="changyi", division="220202"),
        "beijing": create_user(Role.REFERRAL_OFFICER, username="beijing", division="110101"),
        "nanguan_staff": create_user(Role.INSTITUTION_STAFF, username="nanguan-staff", institution=inst_nanguan),
        "changyi_staff": create_user(Role.INSTITUTION_STAFF, username="changyi-staff", institution=inst_changyi),
        "county": create_user(Role.COUNTY_OFFICIAL, username="county", division="220102"),
        "city": create_user(Role.CITY_OFFICIAL, username="city", division="220100"),
        "province": create_user(Role.PROVINCE_OFFICIAL, username="province", division="220000"),
        "admin": create_user(Role.SYSADMIN, username="admin"),
    }


VISIBLE = {
    "county": {"nanguan", "nanguan_staff", "county"},
    "city": {"nanguan", "chaoyang", "nanguan_staff", "county", "city"},
    "province": {"nanguan", "chaoyang", "changyi", "nanguan_staff", "changyi_staff", "county", "city", "province"},
    "admin": {"nanguan", "chaoyang", "changyi", "beijing", "nanguan_staff", "changyi_staff", "county", "city",
              "province", "admin"},
}


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
def test_users_visible_to_by_area(db, area, viewer):
    from referral.users.queries import users_visible_to

    seen = {u.id for u in db.session.scalars(users_visible_to(area[viewer]))}
    assert seen == {area[name].id for name in VISIBLE[viewer]}


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
def test_user_pages_answer_404_outside_scope(client, area, viewer):
    login(client, area[viewer])
    for name, user in area.items():
        expected = 200 if name in VISIBLE[viewer] else 404
        assert client.get(f"/users/{user.id}").status_code == expected, name


def test_user_list_shows_only_the_area(client, area):
    login(client, area["city"])
    page = client.get("/users/").get_data(as_text=True)
    assert "chaoyang" in page and "nanguan" in page
    assert "changyi" not in page and "beijing" not in page


def test_api_user_answers_404_outside_scope(client, db, area):
    headers = bearer(area["county"])
    assert client.get(f"/api/v1/users/{area['nanguan'].id}", headers=headers).status_code == 200
    response = client.get(f"/api/v1/users/{area['chaoyang'].id}", headers=headers)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/users/999999", headers=headers).status_code == 404


@pytest.mark.parametrize(("viewer", "code", "status"), [
    ("county", "220102", 200), ("county", "220104", 404), ("county", "220100", 404), ("county", "220000", 404),
    ("city", "220100", 200), ("city", "220104", 200), ("city", "220200", 404), ("city", "220202", 404),
    ("province", "220000", 200), ("province", "220202", 200), ("province", "110000", 404),
    ("admin", "110101", 200), ("admin", "999999", 404), ("admin", "abc", 404),
])
def test_division_pages_answer_404_outside_scope(client, area, viewer, code, status):
    login(client, area[viewer])
    assert client.get(f"/divisions/{code}").status_code == status


def test_division_page_counts_accounts_per_child_in_one_query(client, area):
    login(client, area["city"])
    page = client.get("/divisions/220100").get_data(as_text=True)
    # 南关区 has the referral officer and the county official with a division (institution staff have none).
    assert '<a href="/divisions/220102">南关区</a></td><td>2</td>' in page
    assert '<a href="/divisions/220104">朝阳区</a></td><td>1</td>' in page


def test_officials_start_at_their_own_division(client, area):
    login(client, area["city"])
    assert client.get("/divisions/").location == "/divisions/220100"
