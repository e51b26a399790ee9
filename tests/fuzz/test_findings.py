"""One test per input the fuzzers found answering a 5xx or contradicting /api/v1/openapi.json (issue 13.9), so
each stays fixed even where a later fuzz run happens not to draw it again."""

from __future__ import annotations

import json
import re

import pytest

from referral.auth.permissions import Role
from tests.helpers import application, bearer


@pytest.mark.parametrize(("method", "url", "body"), [
    ("GET", "/api/v1/public/applications/%C3%9F?id_last4=%E4%B8%ADabc", None),
    ("POST", "/api/v1/public/applications/{receipt}/withdraw", {"id_last4": "提出移出", "reason": "x"}),
    ("POST", "/api/v1/public/applications/{receipt}/resubmit", {"id_last4": "-\u00a4\u00d5\ud839\uded6"}),
])
def test_a_non_ascii_last_four_is_not_found_not_a_server_error(client, method, url, body):
    receipt = client.post("/api/v1/public/applications", json=application()).get_json()["receipt_no"]
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
    response = client.open(url.format(receipt=receipt), method=method, **kwargs)
    assert response.status_code in (404, 422), response.get_data(as_text=True)


def test_an_id_beyond_the_integer_is_not_found_whatever_the_method(client, users_by_role):
    headers = bearer(users_by_role[Role.INSTITUTION_ADMIN])
    for method, url in [("PATCH", "/api/v1/talents/{id}"), ("PATCH", "/api/v1/institutions/{id}"),
                        ("POST", "/api/v1/cases/{id}/events"), ("GET", "/api/v1/cases/{id}")]:
        for id_ in ["2147483648", "5826381908038350", "9999999999", "0002147483648"]:
            response = client.open(url.format(id=id_), method=method, headers=headers, json={})
            assert response.status_code == 404, (method, url, id_)


def test_the_largest_id_still_matches():
    from referral.guards import _UP_TO_MAX_INT, MAX_INT

    pattern = re.compile(_UP_TO_MAX_INT)
    for n in (0, 7, 10**9 - 1, 10**9, 2 * 10**9, 2147483599, 2147483640, MAX_INT):
        assert pattern.fullmatch(str(n)), n
    for n in (MAX_INT + 1, 2147483650, 2147490000, 2148000000, 2200000000, 3 * 10**9, 10**10):
        assert not pattern.fullmatch(str(n)), n


def test_every_operation_documents_the_400_of_a_nul_and_the_404_of_a_path(client, users_by_role):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, entry in item.items():
            assert "400" in entry["responses"], (method, path)
            if "{" in path:
                assert "404" in entry["responses"], (method, path)
    response = client.get("/api/v1/cases?q=%00", headers=bearer(users_by_role[Role.REFERRAL_OFFICER]))
    assert response.status_code == 400
