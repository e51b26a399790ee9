"""Case fixtures: a listed institution of 南关区 with its staff, the county's referral officer, an assister."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from referral.auth.permissions import Role
from referral.auth.services import issue_token
from referral.extensions import db
from tests.registries.conftest import draft, fire, officials  # noqa: F401  (registry fixtures reused)


def id_number(birth: str, seq: int = 123) -> str:
    base = f"220102{birth}{seq:03d}"
    return base + ric.calc_check_digit(base + "0")


ADULT_ID = id_number("19850615")


def application(**changes) -> dict:
    body = {"channel": "medical", "assister_role": "精神科出院随访",
            "applicant": {"name": "李明", "id_number": ADULT_ID, "phone": "13800001234",
                          "address": "南关区幸福街 8 号", "division": "220102"},
            "guardian": {"name": "李父", "relation": "父亲", "phone": "13900004321"},
            "needs": "出院后需要服药训练和社交技能训练", "service_types": ["服药训练", "社交技能训练"],
            "consent": {"signer": "applicant"}, "consent_given": True}
    body.update(changes)
    return body


@pytest.fixture
def people(draft, officials, create_user):  # noqa: F811
    inst, admin = draft
    fire(inst, admin, "submit")
    fire(inst, officials["county"], "county_approve")
    fire(inst, officials["city"], "city_confirm")
    return {
        "inst": inst, "inst_admin": admin,
        "staff": create_user(Role.INSTITUTION_STAFF, username="staff", institution=inst, display_name="康复师"),
        "officer": create_user(Role.REFERRAL_OFFICER, username="officer", division="220102", display_name="转介员"),
        "other_officer": create_user(Role.REFERRAL_OFFICER, username="officer2", division="220104"),
        "hospital": create_user(Role.MEDICAL_ASSISTER, username="hospital", display_name="医院协助人"),
        "community": create_user(Role.COMMUNITY_ASSISTER, username="child-director", display_name="儿童主任"),
        **officials,
    }


@pytest.fixture
def bearer():
    def make(user):
        token, _ = issue_token(db.session.merge(user))
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make
