"""A case's eligibility group (DESIGN §3.5): optional at application, chosen from the list, returned in the case
JSON, and the database refuses an unknown code."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.helpers import application, bearer, login


def test_the_api_takes_and_returns_the_group(client, people):
    h = bearer(people["hospital"])
    made = client.post("/api/v1/cases", json=application(eligibility_group="autism"), headers=h)
    assert made.status_code == 201 and made.get_json()["eligibility_group"] == "autism"
    plain = client.post("/api/v1/cases", json=application(), headers=h).get_json()
    assert plain["eligibility_group"] is None
    wrong = client.post("/api/v1/cases", json=application(eligibility_group="anxiety"), headers=h)
    assert wrong.status_code == 422 and "eligibility_group" in wrong.get_json()["error"]["fields"]


def test_the_form_offers_a_select(client, people):
    login(client, people["officer"])
    page = client.get("/cases/new").get_data(as_text=True)
    assert '<select id="eligibility_group" name="eligibility_group">' in page and "孤独症" in page
    assert 'name="eligibility_group"' in client.get("/apply").get_data(as_text=True)


def test_the_database_refuses_an_unknown_group(db, people, client):
    made = client.post("/api/v1/cases", json=application(), headers=bearer(people["hospital"])).get_json()
    db.session.execute(text("UPDATE cases SET eligibility_group = 'depression' WHERE id = :id"), {"id": made["id"]})
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE cases SET eligibility_group = 'anxiety' WHERE id = :id"), {"id": made["id"]})
    db.session.rollback()
