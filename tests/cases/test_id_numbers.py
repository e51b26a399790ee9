"""身份证号 of people of every age (issue 10.1): a number carries the county code where it was *issued*,
often long after birth, so an older person's number under a recent code is valid."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from forms.fields import id_number_problem
from referral.extensions import db
from referral.registries.models import Talent
from tests.helpers import application, bearer


def valid(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


# 绿园区 220106 exists since 1995, 滨江区 330108 since 1996, 南关区 220102 since 1983; 延庆县 110229 was
# abolished in 2015 (a code that existed stays valid on the cards issued under it).
OLDER = [valid("22010619400101002"), valid("33010819600215003"), valid("22010219800101123"),
         valid("11022919620101001"), "220102198001011234"]


@pytest.mark.parametrize("number", OLDER)
def test_older_people_under_recent_or_former_codes_are_valid(app, number):
    assert id_number_problem(number) is None


@pytest.mark.parametrize(("number", "why"), [
    (valid("99010119800101123"), "行政区划"),  # no such province
    (valid("22019919800101123"), "行政区划"),  # no such county in 吉林省
    (valid("22010220990101123"), "出生日期"),  # born in the future
    (valid("22010218890101123"), "出生日期"),  # before 1900
    (valid("22010219800230123"), "出生日期"),  # 30 February
    ("220102198001011235", "校验位"),
    ("22010219800101123", "18 位"),
    ("22010219800101123Y", "18 位"),
])
def test_what_is_refused_says_why(app, number, why):
    problem = id_number_problem(number)
    assert problem is not None and why in str(problem)


def test_the_public_application_takes_a_1940_number(client, people):
    number = OLDER[0]
    body = application(channel="self")
    body["applicant"] = {**body["applicant"], "id_number": number.lower()}
    response = client.post("/api/v1/public/applications", json=body)
    assert response.status_code == 201, response.get_json()


def test_a_talent_born_in_1960_under_a_1996_code(client, people):
    response = client.post("/api/v1/talents", headers=bearer(people["officer"]),
                           json={"name": "王秀兰", "id_number": OLDER[1], "category": "volunteer",
                                 "division": "220102"})
    assert response.status_code == 201, response.get_json()
    assert db.session.scalar(db.select(Talent.id_number)) == OLDER[1]
