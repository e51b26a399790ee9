"""A spot-check draw records its seed and candidates, and can be re-run from them (docs/domain.md#supervision)."""

from __future__ import annotations

import pytest

from referral.audit.models import AuditEntry
from referral.extensions import db
from referral.models import utcnow
from referral.registries.models import Institution
from referral.supervision import services
from referral.supervision.models import SpotCheckRound
from tests.helpers import login
from workflows.approval import ApprovalState


@pytest.fixture
def registry(db, officials):
    """Twelve institutions of 南关区 in the registry (rows: this is about sampling), one of 朝阳区."""
    for i in range(12):
        db.session.add(Institution(name=f"抽查对象{i}", division_code="220102", state=ApprovalState.LISTED,
                                   submitted_at=utcnow()))
    db.session.add(Institution(name="朝阳区机构", division_code="220104", state=ApprovalState.LISTED,
                               submitted_at=utcnow()))
    db.session.commit()
    return officials


def test_the_draw_is_a_function_of_seed_and_candidates():
    candidates = [9, 3, 5, 7, 1, 11]
    first = services.draw_sample("abc", candidates, 3)
    assert first == services.draw_sample("abc", list(reversed(candidates)), 3)  # the order given does not matter
    assert first == sorted(first) and set(first) <= set(candidates) and len(set(first)) == 3
    assert len({tuple(services.draw_sample(f"seed{i}", candidates, 3)) for i in range(20)}) > 3


def test_a_draw_records_its_seed_and_reproduces(registry):
    draw = services.draw_spot_checks(actor=registry["county"])
    db.session.commit()
    assert len(draw.seed) == 32 and draw.candidate_ids == sorted(draw.candidate_ids) and len(draw.candidate_ids) == 12
    drawn = sorted(c.institution_id for c in draw.checks)
    assert drawn == services.draw_sample(draw.seed, draw.candidate_ids, draw.sample_size)
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "spot_check.draw")).one()
    assert (entry.summary["seed"], entry.summary["candidates"], entry.summary["sample"]) == (
        draw.seed, draw.candidate_ids, drawn)
    reproduction = services.reproduce_draw(draw)
    assert reproduction.matches and reproduction.expected == drawn


def test_a_tampered_draw_does_not_match(registry):
    draw = services.draw_spot_checks(actor=registry["county"])
    db.session.commit()
    other = next(i for i in draw.candidate_ids if i not in {c.institution_id for c in draw.checks})
    draw.checks[0].institution_id = other  # as if someone had swapped a drawn institution afterwards
    db.session.commit()
    assert not services.reproduce_draw(db.session.get(SpotCheckRound, draw.id)).matches


def test_the_round_page_shows_the_check(client, registry):
    draw = services.draw_spot_checks(actor=registry["county"])
    old = SpotCheckRound(division_code="220102", share=0.2, minimum=1, population=1, sample_size=0)
    db.session.add(old)
    db.session.commit()
    login(client, registry["city"])
    page = client.get(f"/supervision/spot-checks/rounds/{draw.id}").get_data(as_text=True)
    assert draw.seed in page and "一致：按记录的种子和候选机构重新抽取" in page
    assert "无法重新抽取核对" in client.get(f"/supervision/spot-checks/rounds/{old.id}").get_data(as_text=True)
    login(client, registry["other_county"])
    assert client.get(f"/supervision/spot-checks/rounds/{draw.id}").status_code == 404
