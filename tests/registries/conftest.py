"""Registry fixtures: a complete draft institution with its admin, and the officials who decide on it."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from referral.auth.permissions import Role
from referral.extensions import db

# A valid 统一社会信用代码 (checksum verified by python-stdnum) and a valid 身份证号.
CREDIT_CODE = "91110108551385082Q"
OTHER_CREDIT_CODE = "52220102MJ00000000"
ID_NUMBER = "220102199001011239"


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


@pytest.fixture
def officials(create_user):
    return {
        "county": create_user(Role.COUNTY_OFFICIAL, username="county", division="220102", display_name="县民政"),
        "county2": create_user(Role.COUNTY_OFFICIAL, username="county2", division="220102"),
        "other_county": create_user(Role.COUNTY_OFFICIAL, username="chaoyang", division="220104"),
        "city": create_user(Role.CITY_OFFICIAL, username="city", division="220100", display_name="市民政"),
        "other_city": create_user(Role.CITY_OFFICIAL, username="jilin-city", division="220200"),
        "province": create_user(Role.PROVINCE_OFFICIAL, username="province", division="220000"),
    }


@pytest.fixture
def draft(app, tmp_path):
    """A complete draft institution (with a licence scan) and its admin account."""
    from werkzeug.datastructures import FileStorage

    from referral.attachments.services import store_upload
    from referral.registries.services import register_institution

    admin, inst = register_institution(username="inst-admin", password="a long password", admin_name="赵磊",
                                       data=dict(INSTITUTION_DATA))
    store_upload(FileStorage(io.BytesIO(png_bytes()), filename="licence.png"), owner_type="institution",
                 owner_id=inst.id, kind="licence_scan", actor=admin, division_code=inst.division_code)
    db.session.commit()
    return inst, admin


def fire(entry, actor, event, **data):
    from referral.registries.services import advance_entry

    defaults = {"submit": {"accept_pledges": True, "signer_name": "赵磊"}}.get(event, {})
    if event in {"county_return", "county_reject", "city_return", "city_reject", "suspend", "propose_removal",
                 "remove", "withdraw_removal", "revoke"}:
        defaults.setdefault("reason", "理由")
    advance_entry(entry, actor=actor, event=event, **{**defaults, **data})
    db.session.commit()
    return entry
