"""Issuing, answering, re-issuing and exporting a statement, through the pages and the API; scope; the audit log."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from referral.audit.models import AuditEntry
from referral.extensions import db
from referral.purchases.models import PurchaseStatement
from referral.purchases.queries import service_volume
from tests.helpers import bearer, csrf_token, login
from workflows.purchase import PurchaseState


def _issue(client, who, institution, month="2027-03"):
    return client.post("/api/v1/purchases", json={"month": month, "institution_id": institution.id}, headers=bearer(who))


def _event(client, who, statement_id, **body):
    return client.post(f"/api/v1/purchases/{statement_id}/events", json=body, headers=bearer(who))


def _audit(action):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def test_the_county_issues_and_the_figures_are_frozen(client, story):
    issued = _issue(client, story["county"], story["b"])
    assert issued.status_code == 201, issued.get_json()
    body = issued.get_json()
    assert (body["state"], body["state_label"], body["revision"], body["month"]) == ("issued", "待机构确认", 1, "2027-03")
    assert body["figures"] == service_volume(story["b"].id, "2027-03") and body["figures"]["sessions"] == 2
    # A record of March made afterwards (case 1 is still with B) changes the live figures, not the statement.
    story["story"].record(story["case1"], story["staff_b"], "2027-03-25", "服药训练", 40)
    assert service_volume(story["b"].id, "2027-03")["sessions"] == 3
    again = client.get(f"/api/v1/purchases/{body['id']}", headers=bearer(story["county"])).get_json()
    assert again["figures"] == body["figures"]
    entry = _audit("purchase.issue")[-1]
    assert entry.object_id == str(body["id"]) and entry.summary["sessions"] == 2 and entry.summary["month"] == "2027-03"


def test_reissue_supersedes_and_keeps_the_old_version(client, story):
    first = _issue(client, story["county"], story["b"]).get_json()
    assert _event(client, story["admin_b"], first["id"], event="dispute", comment="3 月 25 日的服药训练漏记").status_code == 200
    story["story"].record(story["case1"], story["staff_b"], "2027-03-25", "服药训练", 40)
    second = _issue(client, story["county"], story["b"])
    assert second.status_code == 201
    second = second.get_json()
    assert (second["revision"], second["state"], second["figures"]["sessions"]) == (2, "issued", 3)
    old = client.get(f"/api/v1/purchases/{first['id']}", headers=bearer(story["county"])).get_json()
    assert (old["state"], old["figures"]["sessions"], old["comment"]) == ("superseded", 2, "3 月 25 日的服药训练漏记")
    listed = client.get("/api/v1/purchases?month=2027-03&institution_id=%d" % story["b"].id,
                        headers=bearer(story["county"])).get_json()
    assert [(s["revision"], s["state"]) for s in listed["items"]] == [(2, "issued"), (1, "superseded")]
    assert _audit("purchase.supersede")[-1].summary["superseded_by"] == second["id"]


def test_a_confirmed_statement_is_not_reissued(client, story):
    first = _issue(client, story["county"], story["a"]).get_json()
    confirmed = _event(client, story["inst_admin"], first["id"], event="confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["state"] == "confirmed"
    assert _issue(client, story["county"], story["a"]).status_code == 409
    assert _event(client, story["inst_admin"], first["id"], event="dispute", comment="晚了").status_code == 409
    entry = _audit("purchase.confirm")[-1]
    assert entry.summary["before"] == {"state": "issued"} and entry.summary["after"] == {"state": "confirmed"}


def test_a_dispute_needs_a_comment(client, story):
    first = _issue(client, story["county"], story["a"]).get_json()
    refused = _event(client, story["inst_admin"], first["id"], event="dispute", comment="  ")
    assert refused.status_code == 422 and set(refused.get_json()["error"]["fields"]) == {"comment"}
    assert _event(client, story["inst_admin"], first["id"], event="supersede").status_code == 422  # not the institution's
    # The page: the error stands beside the comment field.
    login(client, story["inst_admin"])
    page = client.post(f"/purchases/{first['id']}/events/dispute",
                       data={"csrf_token": csrf_token(client, f"/purchases/{first['id']}"), "comment": ""})
    assert page.status_code == 422 and "提出异议须填写说明。" in page.get_data(as_text=True)
    assert 'id="comment-error"' in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PurchaseStatement, first["id"]).state == PurchaseState.ISSUED
    done = client.post(f"/purchases/{first['id']}/events/dispute",
                       data={"csrf_token": csrf_token(client, f"/purchases/{first['id']}"), "comment": "人次有误"})
    assert done.status_code == 302
    db.session.expire_all()
    row = db.session.get(PurchaseStatement, first["id"])
    assert (row.state, row.comment, row.answered_by_id) == (PurchaseState.DISPUTED, "人次有误", story["inst_admin"].id)
    assert _audit("purchase.dispute")[-1].summary["comment"] == "人次有误"


def test_who_answers(client, story):
    first = _issue(client, story["county"], story["a"]).get_json()
    assert _event(client, story["staff"], first["id"], event="confirm").status_code == 403  # staff, not admin
    assert _event(client, story["county"], first["id"], event="confirm").status_code == 403
    assert _event(client, story["admin_b"], first["id"], event="confirm").status_code == 404  # another institution


def test_only_past_months_and_only_ones_own_county(client, story, create_user):
    from referral.auth.permissions import Role

    now = _issue(client, story["county"], story["a"], month="2027-04")  # the clock stands on 2 April
    assert now.status_code == 422 and set(now.get_json()["error"]["fields"]) == {"month"}
    assert _issue(client, story["county"], story["a"], month="2027-13").status_code == 422
    chaoyang = create_user(Role.COUNTY_OFFICIAL, division="220104")
    assert _issue(client, chaoyang, story["a"]).status_code == 404
    city = create_user(Role.CITY_OFFICIAL, division="220100")
    assert _issue(client, city, story["a"]).status_code == 403


def test_scope(client, story, create_user):
    from referral.auth.permissions import Role

    statement = _issue(client, story["county"], story["a"]).get_json()
    url = f"/api/v1/purchases/{statement['id']}"
    readers = [story["county"], story["inst_admin"], story["staff"], create_user(Role.CITY_OFFICIAL, division="220100"),
               create_user(Role.PROVINCE_OFFICIAL, division="220000")]
    outsiders = [create_user(Role.COUNTY_OFFICIAL, division="220104"), story["admin_b"], story["staff_b"],
                 create_user(Role.CITY_OFFICIAL, division="220200"), create_user(Role.PROVINCE_OFFICIAL, division="110000")]
    for who in readers:
        assert client.get(url, headers=bearer(who)).status_code == 200, who.username
        assert client.get("/api/v1/purchases", headers=bearer(who)).get_json()["total"] == 1
    for who in outsiders:
        assert client.get(url, headers=bearer(who)).status_code == 404, who.username
        assert client.get("/api/v1/purchases", headers=bearer(who)).get_json()["total"] == 0
        login(client, who)
        assert client.get(f"/purchases/{statement['id']}").status_code == 404
    # City and province read, nothing more.
    city = readers[3]
    assert _event(client, city, statement["id"], event="confirm").status_code == 403


def test_pages_issue_list_and_detail(client, story):
    login(client, story["county"])
    form = client.get("/purchases/issue")
    text = form.get_data(as_text=True)
    assert form.status_code == 200 and '<option value="2027-03">' in text and "南关区心康中心" in text
    issued = client.post("/purchases/issue", data={"csrf_token": csrf_token(client, "/purchases/issue"),
                                                   "month": "2027-03", "institution_id": story["b"].id})
    assert issued.status_code == 302
    row = db.session.scalars(db.select(PurchaseStatement)).one()
    assert issued.location.endswith(f"/purchases/{row.id}") and row.issued_by_id == story["county"].id
    _issue(client, story["county"], story["a"])
    listing = client.get("/purchases/?month=2027-03&institution=%d" % story["b"].id).get_data(as_text=True)
    assert "<td>南关区心康中心</td>" in listing and "待机构确认" in listing and "<td>南关区阳光康复中心</td>" not in listing
    listing = client.get("/purchases/?institution=%d" % story["a"].id).get_data(as_text=True)
    assert "<td>南关区阳光康复中心</td>" in listing and "<td>南关区心康中心</td>" not in listing
    login(client, story["admin_b"])
    detail = client.get(f"/purchases/{row.id}").get_data(as_text=True)
    assert "确认无误" in detail and "心理康复" in detail and "1.83" in detail
    login(client, story["staff_b"])
    assert "确认无误" not in client.get(f"/purchases/{row.id}").get_data(as_text=True)


def test_xlsx_export_with_a_reason(client, story):
    statement = _issue(client, story["county"], story["a"]).get_json()
    login(client, story["inst_admin"])
    page = f"/purchases/{statement['id']}"
    missing = client.post(f"{page}/export", data={"csrf_token": csrf_token(client, page), "reason": ""})
    assert missing.status_code == 422 and _audit("purchase.export") == []
    response = client.post(f"{page}/export", data={"csrf_token": csrf_token(client, page), "reason": "季度拨付核对"})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.freeze_panes == "A3"
    title = sheet["A1"].value
    assert "南关区阳光康复中心" in title and "2027-03" in title and "第 1 版" in title and "待机构确认" in title
    assert [c.value for c in sheet[2]] == ["服务项目", "服务人次", "服务时长（小时）", "服务时长（分钟）", "服务人数"]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=3, values_only=True) if r and r[0]}
    assert rows["服药训练"] == (3, 1.58, 95, 2) and rows["合计"] == (4, 3.08, 185, 2)
    assert rows["新增个案（当月签订服务协议）"][0] == 1 and rows["结案个案（当月结案）"][0] == 1
    entry = _audit("purchase.export")[-1]
    assert (entry.summary["reason"], entry.actor_id, entry.object_id) == ("季度拨付核对", story["inst_admin"].id,
                                                                          str(statement["id"]))


@pytest.mark.parametrize("month", ["2027-3", "27-03", ""])
def test_bad_months_are_field_errors(client, story, month):
    response = _issue(client, story["county"], story["a"], month=month)
    assert response.status_code == 422 and "month" in response.get_json()["error"]["fields"]
