"""监督评价 (docs/domain.md#supervision): random spot checks, evaluations with history, complaints (public and signed in)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from referral.audit.models import AuditEntry
from referral.errors import Conflict, NotPermitted, ValidationFailed
from referral.extensions import db
from referral.registries.models import Institution
from referral.supervision import services
from referral.supervision.models import Complaint, Evaluation, SpotCheck, SpotCheckRound
from tests.helpers import csrf_token, fire, login
from workflows.approval import ApprovalState
from workflows.supervision import CheckState, ComplaintState


@pytest.fixture
def listed(draft, officials):
    inst, admin = draft
    fire(inst, admin, "submit")
    fire(inst, officials["county"], "county_approve")
    fire(inst, officials["city"], "city_confirm")
    return inst


@pytest.fixture
def many_listed(db, listed):
    """Nine more institutions of 南关区 in the registry (set up as rows: this is about sampling)."""
    from referral.models import utcnow

    for i in range(9):
        state = ApprovalState.SUSPENDED if i == 0 else ApprovalState.LISTED
        db.session.add(Institution(name=f"抽查对象{i}", division_code="220102", state=state, submitted_at=utcnow()))
    db.session.add(Institution(name="草稿机构", division_code="220102"))
    db.session.add(Institution(name="朝阳区机构", division_code="220104", state=ApprovalState.LISTED,
                               submitted_at=utcnow()))
    db.session.commit()


@pytest.mark.parametrize(("population", "share", "minimum", "expected"), [
    (10, "0.2", 1, 2), (3, "0.2", 1, 1), (11, "0.2", 1, 3), (2, "0.2", 5, 2), (0, "0.2", 1, 0), (10, "1", 1, 10)])
def test_sample_size(population, share, minimum, expected):
    assert services.sample_size(population, Decimal(share), minimum) == expected


def test_draw_samples_the_countys_registry_only(app, many_listed, officials):
    draw = services.draw_spot_checks(actor=officials["county"])
    db.session.commit()
    assert (draw.population, draw.sample_size) == (10, 2)  # listed + suspended of 南关区; not drafts, not 朝阳区
    drawn = [c.institution for c in draw.checks]
    assert len({i.id for i in drawn}) == 2
    assert all(i.division_code == "220102" and i.state in (ApprovalState.LISTED, ApprovalState.SUSPENDED)
               for i in drawn)
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "spot_check.draw")).one()
    assert sorted(entry.summary["sample"]) == sorted(i.id for i in drawn)


def test_draws_are_random(app, many_listed, officials):
    samples = {tuple(sorted(c.institution_id for c in services.draw_spot_checks(actor=officials["county"]).checks))
               for _ in range(30)}
    assert len(samples) > 3  # 45 possible pairs: thirty draws that always agree would not be random


def test_only_county_officials_draw(many_listed, officials):
    with pytest.raises(NotPermitted):
        services.draw_spot_checks(actor=officials["city"])


def test_recording_a_failed_check_and_what_can_follow(client, listed, officials):
    draw = services.draw_spot_checks(actor=officials["county"])
    db.session.commit()
    check = draw.checks[0]
    with pytest.raises(ValidationFailed):
        services.record_spot_check(check, actor=officials["county"], result="fail", findings=" ")
    db.session.rollback()
    with pytest.raises(NotPermitted):
        services.record_spot_check(check, actor=officials["other_county"], result="fail", findings="x")
    db.session.rollback()
    login(client, officials["county"])
    url = f"/supervision/spot-checks/{check.id}"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "result": "fail",
                                      "findings": "消防通道堵塞"})
    assert response.status_code == 302
    db.session.expire_all()
    check = db.session.get(SpotCheck, check.id)
    assert check.state == CheckState.FAILED and check.checked_at and check.findings == "消防通道堵塞"
    page = client.get(url).get_data(as_text=True)
    assert "提出移出" in page  # a failed check leads to propose_removal
    with pytest.raises(Conflict):
        services.record_spot_check(check, actor=officials["county"], result="pass", findings="复查")


def test_evaluations_keep_their_history(client, listed, officials):
    login(client, officials["county"])
    url = f"/institutions/{listed.id}/evaluations"
    for period, score, conclusion in (("2025 年度", "88", "good"), ("2026 年度", "95", "excellent")):
        response = client.post(url, data={"csrf_token": csrf_token(client, url), "period": period, "score": score,
                                          "conclusion": conclusion})
        assert response.status_code == 302
    bad = client.post(url, data={"csrf_token": csrf_token(client, url), "period": "x", "score": "101",
                                 "conclusion": "good"})
    assert bad.status_code == 422
    rows = db.session.scalars(db.select(Evaluation).order_by(Evaluation.id)).all()
    assert [(r.period, r.score, r.conclusion) for r in rows] == [("2025 年度", 88, "good"), ("2026 年度", 95, "excellent")]
    login(client, officials["city"])
    page = client.get(url).get_data(as_text=True)
    assert "2025 年度" in page and "2026 年度" in page and "记录考核评估" not in page
    assert client.post(url, data={"csrf_token": csrf_token(client, url), "period": "x", "score": "1",
                                  "conclusion": "good"}).status_code == 403
    login(client, officials["other_county"])
    assert client.get(url).status_code == 404


def test_public_complaint_with_a_reference_and_its_handling(client, listed, officials):
    url = f"/directory/{listed.id}/complaint"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "content": "工作人员态度恶劣，多次迟到。",
                                      "contact": "13800000000"})
    assert response.status_code == 200
    complaint = db.session.scalars(db.select(Complaint)).one()
    assert complaint.reference in response.get_data(as_text=True) and complaint.filed_by_id is None
    status = client.get(f"/complaints/{complaint.reference.lower()}").get_data(as_text=True)
    assert "已收到" in status and "13800000000" not in status and "态度恶劣" not in status
    login(client, officials["county"])
    page_url = f"/supervision/complaints/{complaint.id}"
    token = csrf_token(client, page_url)
    assert client.post(f"{page_url}/resolve", data={"csrf_token": token, "outcome": ""}).status_code == 422
    assert client.post(f"{page_url}/handle", data={"csrf_token": token}).status_code == 302
    assert client.post(f"{page_url}/resolve", data={"csrf_token": token,
                                                    "outcome": "已约谈机构负责人，责令整改。"}).status_code == 302
    db.session.expire_all()
    complaint = db.session.get(Complaint, complaint.id)
    assert complaint.state == ComplaintState.RESOLVED and complaint.resolved_at and complaint.handled_by_id
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert "已约谈机构负责人" in client.get(f"/complaints/{complaint.reference}").get_data(as_text=True)
    assert client.get("/complaints/NOSUCHREF").status_code == 404


def test_public_complaints_only_against_listed_institutions(client, draft):
    inst, _admin = draft
    assert client.get(f"/directory/{inst.id}/complaint").status_code == 404


def test_complaints_are_scoped(client, listed, officials):
    row = services.file_complaint(listed, content="内容内容内容")
    db.session.commit()
    for who, status in (("county", 200), ("city", 200), ("province", 200), ("other_county", 404),
                        ("other_city", 404)):
        login(client, officials[who])
        assert client.get(f"/supervision/complaints/{row.id}").status_code == status, who
    login(client, officials["city"])
    token = csrf_token(client, "/supervision/")
    assert client.post(f"/supervision/complaints/{row.id}/handle", data={"csrf_token": token}).status_code == 403


def test_supervision_page_lists_the_area(client, many_listed, officials):
    login(client, officials["county"])
    response = client.post("/supervision/spot-checks/draw", data={"csrf_token": csrf_token(client, "/supervision/")})
    assert response.status_code == 302
    page = client.get("/supervision/").get_data(as_text=True)
    assert "共 10 家，抽取 2 家" in page
    login(client, officials["other_city"])
    assert "共 10 家" not in client.get("/supervision/").get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(SpotCheckRound)) == 1
