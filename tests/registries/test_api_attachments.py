"""Attachments through the API (issue 10.12): another system takes an institution from its sign-up to the
county's pre-check without the HTML pages."""

from __future__ import annotations

import io

from PIL import Image

SIGNUP = {"name": "宽城区心康中心", "credit_code": "52220102MJ00000000", "division": "220103",
          "address": "宽城区 3 号", "legal_representative": "孙", "registration_authority": "长春市宽城区民政局",
          "legal_form": "social_service_org", "opening_hours": "周一至周五", "service_area": ["220103"],
          "service_types": ["心理康复"], "capacity": 10, "free_places": 10,
          "contact": {"name": "孙", "phone": "0431-5550000"},
          "admin": {"name": "孙", "username": "xinkang", "password": "a long password"}}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_from_sign_up_to_county_review_through_the_api(client):
    created = client.post("/api/v1/institutions", json=SIGNUP)
    assert created.status_code == 201, created.get_json()
    inst_id = created.get_json()["id"]
    token = client.post("/api/v1/tokens", json={"username": "xinkang", "password": "a long password"}).get_json()
    auth = {"Authorization": f"Bearer {token['token']}"}
    url = f"/api/v1/institutions/{inst_id}/attachments"
    # A new account: its own 保密承诺书 first (docs/domain.md#personal-data), here through the API.
    assert client.get(url, headers=auth).get_json()["error"]["code"] == "pledge_required"
    assert client.post("/api/v1/me/pledge", headers=auth, json={"accept": True, "signer_name": "孙"}).status_code == 201

    refused = client.post(f"/api/v1/institutions/{inst_id}/events", headers=auth,
                          json={"event": "submit", "accept_pledges": True, "signer_name": "孙"})
    assert refused.status_code == 422 and "licence_scan" in refused.get_json()["error"]["fields"]

    # Checked by content: a text file called .png is refused, naming the field.
    fake = client.post(url, headers=auth, data={"kind": "licence_scan", "file": (io.BytesIO(b"not an image"), "x.png")},
                       content_type="multipart/form-data")
    assert fake.status_code == 422 and "file" in fake.get_json()["error"]["fields"]
    wrong_kind = client.post(url, headers=auth, data={"kind": "selfie", "file": (io.BytesIO(png()), "a.png")},
                             content_type="multipart/form-data")
    assert wrong_kind.status_code == 422 and "kind" in wrong_kind.get_json()["error"]["fields"]

    uploaded = client.post(url, headers=auth, data={"kind": "licence_scan", "file": (io.BytesIO(png()), "登记证书.png")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    body = uploaded.get_json()
    assert (body["kind"], body["content_type"], body["filename"]) == ("licence_scan", "image/png", "登记证书.png")
    assert [a["id"] for a in client.get(url, headers=auth).get_json()["items"]] == [body["id"]]

    submitted = client.post(f"/api/v1/institutions/{inst_id}/events", headers=auth,
                            json={"event": "submit", "accept_pledges": True, "signer_name": "孙"})
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["state"] == "county_review"
