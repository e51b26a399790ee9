"""Optional eligibility groups (issue 12.6; docs/domain.md#eligibility-groups): a province's policy profile
lists the groups it serves beyond the baseline; an application of another group is refused on
``eligibility_group`` with where else to turn — in the API, on the staff page and on the public page."""

from __future__ import annotations

import pytest

from referral import create_app
from referral.cases.eligibility import BASELINE, check_eligibility_config, groups_served
from referral.cases.models import Case, EligibilityGroup
from referral.extensions import db
from tests.helpers import application, bearer, csrf_token, login

BEIJING = "110105"  # 朝阳区: 北京 has no profile in TestingConfig, so it serves the baseline only


def _beijing_id() -> str:
    from stdnum.cn import ric

    base = "11010519800101123"
    return base + ric.calc_check_digit(base + "0")


def _public(group, division=BEIJING):
    body = application(channel="self", assister_role="", eligibility_group=group)
    body["applicant"] = {**body["applicant"], "division": division, "id_number": _beijing_id()}
    return body


def test_the_baseline_is_served_everywhere_and_a_profile_adds_groups(app):
    assert groups_served(app.config, BEIJING) == BASELINE
    assert groups_served(app.config, "220102") == tuple(EligibilityGroup)
    assert groups_served({"ELIGIBILITY_PROFILES": {"110000": ["autism"]}}, "110105") == (
        *BASELINE, EligibilityGroup.AUTISM)


@pytest.mark.parametrize(("group", "where"), [("depression", "精神卫生医疗机构"), ("autism", "残联")])
def test_the_api_refuses_a_group_the_province_does_not_serve(client, group, where):
    response = client.post("/api/v1/public/applications", json=_public(group))
    assert response.status_code == 422
    message = " ".join(response.get_json()["error"]["fields"]["eligibility_group"])
    assert "北京市" in message and EligibilityGroup(group).label in message and where in message
    assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


def test_the_api_takes_a_served_group_and_none(client):
    assert client.post("/api/v1/public/applications", json=_public("other_mental_disorder")).status_code == 201
    assert client.post("/api/v1/public/applications", json=_public(None)).status_code == 201


def test_the_public_and_staff_pages_show_the_refusal(client, people):
    def post(url, **extra):
        return client.post(url, data={
            "csrf_token": csrf_token(client, url), "channel": "medical", "applicant-name": "张三",
            "applicant-id_number": _beijing_id(), "applicant-division": BEIJING, "needs": "康复",
            "consent-signer": "applicant", "consent_given": "y", "eligibility_group": "depression", **extra})

    public = post("/apply", channel="self")
    assert public.status_code == 422 and "心理援助热线" in public.get_data(as_text=True)
    login(client, people["hospital"])
    staff = post("/cases/new")
    assert staff.status_code == 422 and "心理援助热线" in staff.get_data(as_text=True)


def test_changing_the_group_of_a_case_is_checked_too(app, client, referred_case, people):
    app.config["ELIGIBILITY_PROFILES"] = {}  # 吉林 back to the baseline
    url = f"/api/v1/cases/{referred_case.id}"
    refused = client.patch(url, json={"eligibility_group": "autism"}, headers=bearer(people["officer"]))
    assert refused.status_code == 422 and "残联" in refused.get_json()["error"]["fields"]["eligibility_group"][0]
    ok = client.patch(url, json={"eligibility_group": "other_mental_disorder"}, headers=bearer(people["officer"]))
    assert ok.status_code == 200 and ok.get_json()["eligibility_group"] == "other_mental_disorder"


@pytest.mark.parametrize(("profiles", "complaint"), [
    ({"220100": ["autism"]}, "not a province code"),
    ({"22": ["autism"]}, "not a province code"),
    ({"220000": ["anxiety"]}, "unknown group"),
    ({"220000": "autism"}, "expected a list"),
    (["220000"], "expected a JSON object"),
])
def test_a_bad_profile_stops_the_start(profiles, complaint):
    with pytest.raises(ValueError, match=complaint):
        check_eligibility_config({"ELIGIBILITY_PROFILES": profiles})
    with pytest.raises(ValueError, match=complaint):
        create_app("testing", ELIGIBILITY_PROFILES=profiles)


def test_the_profiles_page(client, create_user):
    from referral.auth.permissions import Role

    login(client, create_user(Role.SYSADMIN))
    page = client.get("/cases/eligibility-profiles")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    jilin = html[html.index("吉林省"):html.index("</tr>", html.index("吉林省"))]
    beijing = html[html.index("北京市"):html.index("</tr>", html.index("北京市"))]
    assert jilin.count("✓") == 4 and "本省配置" in jilin
    assert beijing.count("✓") == 2 and "默认" in beijing
