"""The home page's reminders (issue 11.3): what is overdue or due soon for this user, counted, linked to the
list that shows it."""

from __future__ import annotations

import re
from datetime import timedelta

from referral.calendar import today_in_china
from referral.extensions import db
from tests.helpers import fire, login


def _reminders(client) -> dict[str, int]:
    page = client.get("/").get_data(as_text=True)
    section = page.split('id="my-reminders"', 1)[1].split("</section>", 1)[0]
    return {label: int(n) for label, n in re.findall(r">([^<>：]+)：<strong>(\d+)</strong>", section)}


def test_overdue_and_due_soon_cases_are_counted_for_their_actors(client, people, referred_case):
    today = today_in_china()
    referred_case.due_date = today - timedelta(days=3)  # set-up: the assessment clock ran out
    db.session.commit()
    login(client, people["staff"])
    assert _reminders(client)["已逾期的个案"] == 1
    login(client, people["county"])
    assert _reminders(client)["已逾期的个案"] == 1
    login(client, people["other_officer"])
    assert _reminders(client)["已逾期的个案"] == 0  # another county's case
    referred_case.due_date = today
    db.session.commit()
    login(client, people["staff"])
    counts = _reminders(client)
    assert counts["已逾期的个案"] == 0 and counts["2 个工作日内到期的个案"] == 1


def test_reviewers_see_their_late_registry_reviews(client, draft, officials):
    inst, admin = draft
    fire(inst, admin, "submit")
    inst.due_date = today_in_china() - timedelta(days=1)
    db.session.commit()
    login(client, officials["county"])
    assert _reminders(client)["已逾期的入库审核"] == 1
    login(client, officials["other_county"])
    assert _reminders(client)["已逾期的入库审核"] == 0
    login(client, officials["province"])
    assert "已逾期的入库审核" not in _reminders(client)  # the province reviews nothing
