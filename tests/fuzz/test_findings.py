"""One test per input the fuzzers found answering a 5xx or contradicting /api/v1/openapi.json (issue 13.9), so
each stays fixed even where a later fuzz run happens not to draw it again."""

from __future__ import annotations

import json

import pytest

from tests.helpers import application


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
