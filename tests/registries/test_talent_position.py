"""A talent's 职务 (issue 12.5): on the talent form, in the API payload as ``position``, shown on the talent's
page and printed on its 保密承诺书 (tests/documents/test_pledges.py checks the PDF)."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from referral.extensions import db
from referral.id_hash import id_hash  # the number is encrypted: found by its hash
from referral.registries.models import Talent
from tests.helpers import bearer, csrf_token, login

BASE = "22010219860715031"
ID = BASE + ric.calc_check_digit(BASE + "0")
TOO_LONG = "康" * 65


def fresh(ident) -> Talent:
    db.session.expire_all()
    return db.session.get(Talent, ident)


def post_form(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


FORM = {"name": "陈淑华", "id_number": ID, "category": "nurse", "division": "220102", "phone": "0431-88880001",
        "certificate-number": "N-2020-001", "certificate-issuer": "长春市卫生健康委员会",
        "certificate-valid_until": "2030-12-31"}


def test_position_through_the_form_and_on_the_page(client, draft):
    _inst, admin = draft
    login(client, admin)
    response = post_form(client, "/talents/new", {**FORM, "position": " 康复部护士长 "})
    assert response.status_code == 302
    talent = db.session.scalar(db.select(Talent).where(Talent.id_hash == id_hash(ID)))
    assert talent.position == "康复部护士长"
    page = client.get(f"/talents/{talent.id}").get_data(as_text=True)
    assert "职务" in page and "康复部护士长" in page
    edit = client.get(f"/talents/{talent.id}/edit").get_data(as_text=True)
    assert 'value="康复部护士长"' in edit
    assert post_form(client, f"/talents/{talent.id}/edit", {**FORM, "position": "康复部主任"}).status_code == 302
    assert fresh(talent.id).position == "康复部主任"


def test_a_too_long_position_is_refused_on_its_field(client, draft):
    _inst, admin = draft
    login(client, admin)
    response = post_form(client, "/talents/new", {**FORM, "position": TOO_LONG})
    assert response.status_code == 422 and 'id="position-error"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Talent).where(Talent.id_hash == id_hash(ID))) is None


def test_position_through_the_api(client, draft):
    _inst, admin = draft
    body = {"name": "陈淑华", "id_number": ID, "category": "volunteer", "division": "220102", "position": "志愿者队长"}
    response = client.post("/api/v1/talents", headers=bearer(admin), json=body)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["position"] == "志愿者队长"
    response = client.patch(f"/api/v1/talents/{data['id']}", headers=bearer(admin), json={"position": "志愿者协调员"})
    assert response.status_code == 200 and response.get_json()["position"] == "志愿者协调员"
    assert fresh(data["id"]).position == "志愿者协调员"
    assert fresh(data["id"]).name == "陈淑华"  # a PATCH changes only what it names


@pytest.mark.parametrize("bad", [TOO_LONG, 12])
def test_api_refuses_an_invalid_position_naming_the_field(client, draft, bad):
    _inst, admin = draft
    body = {"name": "陈淑华", "id_number": ID, "category": "volunteer", "division": "220102", "position": bad}
    response = client.post("/api/v1/talents", headers=bearer(admin), json=body)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["position"]


def test_a_talent_without_a_position_answers_an_empty_one(client, draft):
    _inst, admin = draft
    body = {"name": "陈淑华", "id_number": ID, "category": "volunteer", "division": "220102"}
    response = client.post("/api/v1/talents", headers=bearer(admin), json=body)
    assert response.status_code == 201 and response.get_json()["position"] == ""
