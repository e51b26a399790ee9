"""The public directory of listed institutions (no login): who appears, the filters, the JSON shape that
carries nothing personal, the Open Referral HSDS 3.0 export, and bad queries answered with 422.

Institutions reach ``listed`` through the real services and approval machine."""

from __future__ import annotations

import io
import itertools

import pytest
from stdnum.cn import uscc
from werkzeug.datastructures import FileStorage

from referral.auth.permissions import Role
from referral.extensions import db
from referral.registries.directory import public_json
from tests.helpers import CREDIT_CODE, INSTITUTION_DATA, fire, png_bytes

PUBLIC_KEYS = {"id", "name", "address", "division", "division_name", "service_area", "service_types", "capacity",
               "free_places", "opening_hours", "contact", "is_assessment_referral", "grade"}
HSDS_EXTENT_TYPES = {"geojson", "topojson", "kml", "text"}  # HSDS 3.0 service_area.extent_type
_serial = itertools.count(1)


def credit_code(n: int) -> str:
    """A valid 统一社会信用代码 (social service organisation registered in 吉林省) numbered ``n``."""
    base = f"52220102MJ{n:07d}"
    code = base + uscc.calc_check_digit(base)
    assert uscc.is_valid(code)
    return code


@pytest.fixture
def register(app):
    """Register a complete draft institution (with its licence scan) through the service."""
    from referral.attachments.services import store_upload
    from referral.registries.services import register_institution

    def factory(name, division="220102", *, service_area=None, service_types=("服药训练",), capacity=20,
                free_places=5, **extra):
        n = next(_serial)
        data = {**INSTITUTION_DATA, "name": name, "credit_code": credit_code(n), "division_code": division,
                "address": f"{name}所在路 {n} 号", "service_area": list(service_area or [division]),
                "service_types": list(service_types), "capacity": capacity, "free_places": free_places,
                "legal_representative": f"法人代表{n}", "contact_name": f"前台{n}", "contact_phone": f"0431-8000{n:04d}",
                **extra}
        admin, inst = register_institution(username=f"dir-admin-{n}", password="a long password",
                                           admin_name=f"管理员{n}", data=data)
        store_upload(FileStorage(io.BytesIO(png_bytes()), filename="licence.png"), owner_type="institution",
                     owner_id=inst.id, kind="licence_scan", actor=admin, division_code=inst.division_code)
        db.session.commit()
        return inst, admin

    return factory


@pytest.fixture
def deciders(create_user):
    """The county official of a county and the city official of its city, created on first use."""
    made = {}

    def get(code: str, level: str):
        key = code if level == "county" else code[:4] + "00"
        if (key, level) not in made:
            role = Role.COUNTY_OFFICIAL if level == "county" else Role.CITY_OFFICIAL
            made[key, level] = create_user(role, username=f"{level}-{key}", division=key)
        return made[key, level]

    return get


@pytest.fixture
def walk(deciders):
    """Fire a list of approval events on an institution, each by the right party."""

    def run(inst, admin, *events):
        for event in events:
            if event in {"submit", "withdraw", "submit_statement"}:
                actor = admin
            elif event.startswith("city_") or event == "remove":
                actor = deciders(inst.division_code, "city")
            else:
                actor = deciders(inst.division_code, "county")
            extra = {"statement": "我方对移出理由有异议"} if event == "submit_statement" else {}
            fire(inst, actor, event, **extra)
        return inst

    return run


LISTED = ("submit", "county_approve", "city_confirm")


@pytest.fixture
def listed(register, walk):
    def factory(name, division="220102", **kwargs):
        inst, admin = register(name, division, **kwargs)
        walk(inst, admin, *LISTED)
        assert inst.state == "listed"
        return inst

    return factory


def names_in_json(client, query: str = "") -> set[str]:
    response = client.get(f"/directory.json{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["total"] == len(body["items"])
    return {item["name"] for item in body["items"]}


# --- who appears ---------------------------------------------------------------------------------------------

def test_only_listed_institutions_appear(client, draft, officials, register, walk):
    inst, admin = draft
    fire(inst, admin, "submit")
    fire(inst, officials["county"], "county_approve")
    fire(inst, officials["city"], "city_confirm")
    assert inst.state == "listed"
    hidden = {
        "草稿康复站": (),
        "县级初核中康复站": ("submit",),
        "市级确认中康复站": ("submit", "county_approve"),
        "已退回康复站": ("submit", "county_return"),
        "已暂停康复站": (*LISTED, "suspend"),
        "已移出康复站": (*LISTED, "propose_removal", "submit_statement", "remove"),
        "已退出康复站": (*LISTED, "withdraw"),
    }
    expected_states = {"草稿康复站": "draft", "县级初核中康复站": "county_review", "市级确认中康复站": "city_review",
                       "已退回康复站": "returned", "已暂停康复站": "suspended", "已移出康复站": "removed",
                       "已退出康复站": "withdrawn"}
    for name, events in hidden.items():
        entry, entry_admin = register(name)
        walk(entry, entry_admin, *events)
        assert entry.state == expected_states[name]

    assert names_in_json(client) == {INSTITUTION_DATA["name"]}
    page = client.get("/directory/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert INSTITUTION_DATA["name"] in html
    assert not any(name in html for name in hidden)
    hsds = client.get("/directory/hsds.json").get_json()
    assert [org["name"] for org in hsds["organizations"]] == [INSTITUTION_DATA["name"]]


def test_a_reinstated_institution_appears_again(client, register, walk):
    inst, admin = register("复牌康复站")
    walk(inst, admin, *LISTED, "suspend")
    assert names_in_json(client) == set()
    walk(inst, admin, "reinstate")
    assert names_in_json(client) == {"复牌康复站"}


def test_the_directory_needs_no_login(client, listed):
    listed("公开康复站")
    for url in ("/directory/", "/directory.json", "/directory/hsds.json"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "公开康复站" in response.get_data(as_text=True)


# --- filters ---------------------------------------------------------------------------------------------------

@pytest.fixture
def spread(listed):
    """Listed institutions in two cities of 吉林省; one of 南关区's also serves 二道区 (220105)."""
    return {
        "南关": listed("南关康复站", "220102", service_area=["220102"]),
        "朝阳": listed("朝阳康复站", "220104", service_area=["220104"]),
        "跨区": listed("跨区康复站", "220102", service_area=["220102", "220105"]),
        "吉林": listed("昌邑康复站", "220202", service_area=["220202"]),
    }


@pytest.mark.parametrize(("division", "expected"), [
    ("220100", {"南关康复站", "朝阳康复站", "跨区康复站"}),  # a city matches its counties
    ("220102", {"南关康复站", "跨区康复站"}),
    ("220104", {"朝阳康复站"}),
    ("220105", {"跨区康复站"}),  # located elsewhere, found because it serves 二道区
    ("220200", {"昌邑康复站"}),
    ("220000", {"南关康复站", "朝阳康复站", "跨区康复站", "昌邑康复站"}),  # the province
    ("110000", set()),
    ("", {"南关康复站", "朝阳康复站", "跨区康复站", "昌邑康复站"}),
])
def test_filter_by_division(client, spread, division, expected):
    assert names_in_json(client, f"?division={division}") == expected
    html = client.get(f"/directory/?division={division}").get_data(as_text=True)
    assert {name for name in ("南关康复站", "朝阳康复站", "跨区康复站", "昌邑康复站") if name in html} == expected


def test_filter_by_service_type_and_free_places(client, listed):
    listed("服药训练站", service_types=["服药训练", "社交技能训练"], capacity=30, free_places=5)
    listed("职业康复站", service_types=["职业康复训练"], capacity=10, free_places=0)
    listed("综合康复站", service_types=["服药训练", "职业康复训练"], capacity=10, free_places=1)
    assert names_in_json(client, "?service_type=职业康复训练") == {"职业康复站", "综合康复站"}
    assert names_in_json(client, "?service_type=社交技能训练") == {"服药训练站"}
    assert names_in_json(client, "?service_type=家庭支持") == set()
    assert names_in_json(client, "?has_free_places=y") == {"服药训练站", "综合康复站"}
    assert names_in_json(client, "?service_type=职业康复训练&has_free_places=y") == {"综合康复站"}
    assert names_in_json(client, "?division=220104&service_type=服药训练") == set()
    html = client.get("/directory/?service_type=职业康复训练&has_free_places=y").get_data(as_text=True)
    assert "综合康复站" in html and "职业康复站" not in html and "服药训练站" not in html


@pytest.mark.parametrize("query", ["?division=abc", "?division=22010", "?division=2201021", "?service_type=按摩",
                                   "?page=0"])
def test_invalid_query_answers_422(client, listed, query):
    listed("任意康复站")
    response = client.get(f"/directory.json{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and set(error["fields"]) == {query[1:].split("=")[0]}
    page = client.get(f"/directory/{query}")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "请更正以下问题" in html and "任意康复站" not in html


def test_invalid_division_message_in_html(client):
    html = client.get("/directory/?division=abc").get_data(as_text=True)
    assert "行政区划代码应为 6 位数字" in html


# --- what the JSON carries -----------------------------------------------------------------------------------

def test_directory_json_items_carry_only_what_the_institution_publishes(client, draft, officials):
    from referral.registries.services import add_licence, create_talent

    inst, admin = draft
    staff = create_talent(actor=admin, data={"name": "欧阳员工", "id_number": "220102198503010012",
                                             "category": "volunteer", "division_code": "220102",
                                             "phone": "13912345678"})
    add_licence(inst, actor=admin, name="民办非企业单位登记证书", number="LIC-7788", issuer="长春市民政局",
                valid_until=None)
    db.session.commit()
    for actor, event in ((admin, "submit"), (officials["county"], "county_approve"),
                         (officials["city"], "city_confirm")):
        fire(inst, actor, event)
    response = client.get("/directory.json")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "page", "per_page", "total", "next"}
    assert body["total"] == 1 and body["next"] is None
    item = body["items"][0]
    assert set(item) == PUBLIC_KEYS
    assert item == public_json(inst)
    assert item["contact"] == {"name": INSTITUTION_DATA["contact_name"], "phone": INSTITUTION_DATA["contact_phone"]}
    assert item["division"] == "220102" and item["division_name"] == "长春市南关区"
    assert item["service_area"] == ["220102", "220104"] and item["service_types"] == ["服药训练", "社交技能训练"]
    assert (item["capacity"], item["free_places"]) == (30, 5)
    text = response.get_data(as_text=True)
    for private in (CREDIT_CODE, staff.name, staff.id_number, staff.phone, admin.username, "LIC-7788",
                    "licence.png"):
        assert private not in text, private


def test_directory_page_shows_no_staff_or_review_history(client, draft, officials):
    from referral.registries.services import create_talent

    inst, admin = draft
    create_talent(actor=admin, data={"name": "欧阳员工", "id_number": "220102198503010012", "category": "volunteer",
                                     "division_code": "220102"})
    db.session.commit()
    fire(inst, admin, "submit")
    fire(inst, officials["county"], "county_approve", comment="县级意见：材料齐全")
    fire(inst, officials["city"], "city_confirm")
    html = client.get("/directory/").get_data(as_text=True)
    assert INSTITUTION_DATA["name"] in html and INSTITUTION_DATA["contact_phone"] in html
    for private in ("欧阳员工", "220102198503010012", CREDIT_CODE, "县级意见", "县民政", "市民政"):
        assert private not in html, private


def test_directory_json_pages(client, listed, app):
    app.config["PAGE_SIZE"] = 2
    for n in range(3):
        listed(f"分页康复站{n}")
    first = client.get("/directory.json").get_json()
    assert len(first["items"]) == 2 and first["total"] == 3 and first["next"]
    second = client.get(first["next"]).get_json()
    assert len(second["items"]) == 1 and second["next"] is None
    assert {i["name"] for i in first["items"] + second["items"]} == {f"分页康复站{n}" for n in range(3)}


# --- HSDS 3.0 export -------------------------------------------------------------------------------------------

def test_hsds_export_shape(client, listed, register):
    a = listed("南关阳光站", "220102", service_area=["220102", "220105"],
               service_types=["服药训练", "社交技能训练", "家庭支持"], opening_hours="周一至周五 9:00-17:00")
    b = listed("昌邑家园站", "220202", service_types=["同伴支持"], legal_form="public_institution")
    register("未入库站")
    response = client.get("/directory/hsds.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["hsds_version"] == "3.0"
    orgs = {org["name"]: org for org in body["organizations"]}
    assert set(orgs) == {"南关阳光站", "昌邑家园站"}
    ids = [org["id"] for org in body["organizations"]]
    assert len(set(ids)) == len(ids)

    for inst in (a, b):
        org = orgs[inst.name]
        assert org["id"] and org["name"] == inst.name
        location_ids = {loc["id"] for loc in org["locations"]}
        assert len(org["locations"]) == 1 and len(location_ids) == 1
        [location] = org["locations"]
        assert location["location_type"] == "physical" and location["name"] == inst.name
        [address] = location["addresses"]
        assert address["country"] == "CN" and address["address_1"] == inst.address
        assert address["location_id"] == location["id"] and address["address_type"] == "physical"
        # One service per service item, each in its service areas and at the institution's location.
        assert [s["name"] for s in org["services"]] == inst.service_types
        for service in org["services"]:
            assert service["organization_id"] == org["id"] and service["status"] == "active"
            assert [area["extent"] for area in service["service_areas"]] == inst.service_area
            assert all(area["extent_type"] in HSDS_EXTENT_TYPES for area in service["service_areas"])
            assert all(area["id"] for area in service["service_areas"])
            assert service["service_at_locations"], service
            for sal in service["service_at_locations"]:
                assert sal["location_id"] in location_ids and sal["service_id"] == service["id"]
        service_ids = [s["id"] for s in org["services"]]
        assert len(set(service_ids)) == len(service_ids)

    nanguan = orgs["南关阳光站"]["locations"][0]["addresses"][0]
    assert (nanguan["state_province"], nanguan["city"], nanguan["region"]) == ("吉林省", "长春市", "长春市南关区")
    changyi = orgs["昌邑家园站"]["locations"][0]["addresses"][0]
    assert (changyi["state_province"], changyi["city"], changyi["region"]) == ("吉林省", "吉林市", "吉林市昌邑区")
    areas = orgs["南关阳光站"]["services"][0]["service_areas"]
    assert [area["name"] for area in areas] == ["长春市南关区", "长春市二道区"]
    assert orgs["昌邑家园站"]["legal_status"] == "public_institution"
    assert "法人代表" not in response.get_data(as_text=True)  # the legal representative is not published
    schedule = orgs["南关阳光站"]["services"][0]["schedules"]
    assert [s["description"] for s in schedule] == ["周一至周五 9:00-17:00"]


def test_hsds_export_leaves_out_suspended_and_staff(client, register, walk, draft, officials):
    from referral.registries.services import create_talent

    inst, admin = draft
    create_talent(actor=admin, data={"name": "欧阳员工", "id_number": "220102198503010012", "category": "volunteer",
                                     "division_code": "220102"})
    db.session.commit()
    fire(inst, admin, "submit")
    fire(inst, officials["county"], "county_approve")
    fire(inst, officials["city"], "city_confirm")
    other, other_admin = register("暂停中站")
    walk(other, other_admin, *LISTED, "suspend")
    response = client.get("/directory/hsds.json")
    body = response.get_json()
    assert [org["name"] for org in body["organizations"]] == [INSTITUTION_DATA["name"]]
    text = response.get_data(as_text=True)
    assert "暂停中站" not in text and "欧阳员工" not in text and "220102198503010012" not in text
