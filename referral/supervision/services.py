"""Spot checks, evaluations and complaints (docs/domain.md#supervision). Flush, never commit."""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _

from referral.audit.services import record
from referral.auth.permissions import Role
from referral.errors import Conflict, NotPermitted, ValidationFailed, refusal_error
from referral.extensions import db
from referral.models import utcnow
from referral.registries.models import Institution
from referral.registries.policies import is_county_official_for
from referral.supervision.models import Complaint, Evaluation, SpotCheck, SpotCheckRound
from workflows.approval import ApprovalState
from workflows.engine import ActionRefused
from workflows.supervision import Supervisor, fire_complaint, fire_spot_check

CONCLUSIONS = ("excellent", "good", "qualified", "unqualified")
# Institutions that a spot check can draw: those in the registry now.
CHECKABLE = (ApprovalState.LISTED, ApprovalState.SUSPENDED)
# How a draw is made from its seed (``draw_sample``), as the audit entry and the round's page state it.
DRAW_ALGORITHM = "random.Random(seed).sample(sorted(candidate_ids), sample_size)"


def _supervisor(user, institution) -> Supervisor:
    return Supervisor(user.id, county=is_county_official_for(user, institution))


def sample_size(population: int, share: Decimal, minimum: int) -> int:
    """ceil(share × population), at least ``minimum``, at most everyone."""
    return min(population, max(minimum, math.ceil(Decimal(population) * share)))


def draw_sample(seed: str, candidate_ids, size: int) -> list[int]:
    """The draw itself, deterministic given its inputs: ``size`` of the candidates (taken in ascending order),
    chosen by Python's Mersenne Twister seeded with ``seed``, returned sorted. Anyone with the seed and the
    candidate list recorded on the round can run it again and get the same institutions."""
    return sorted(random.Random(seed).sample(sorted(candidate_ids), size))


@dataclass(frozen=True)
class Reproduction:
    """The outcome of re-running a recorded draw: what the seed gives, what was recorded, and whether they agree."""

    seed: str | None
    candidate_ids: list[int]
    expected: list[int]
    recorded: list[int]

    @property
    def reproducible(self) -> bool:
        return self.seed is not None

    @property
    def matches(self) -> bool:
        return self.reproducible and self.expected == self.recorded


def reproduce_draw(draw: SpotCheckRound) -> Reproduction:
    """Re-run a round's draw from its recorded seed and candidates, and compare with the institutions it drew
    (docs/domain.md#supervision). A round drawn before seeds were recorded cannot be reproduced."""
    recorded = sorted(c.institution_id for c in draw.checks)
    if draw.seed is None:
        return Reproduction(None, [], [], recorded)
    candidates = list(draw.candidate_ids or [])
    size = min(draw.sample_size, len(candidates))
    return Reproduction(draw.seed, candidates, draw_sample(draw.seed, candidates, size), recorded)


def draw_spot_checks(*, actor) -> SpotCheckRound:
    """A random sample of the county's listed institutions, drawn by the county official. The seed comes from
    the operating system's randomness (``secrets``), so nobody can predict or steer which institutions are
    checked; it is recorded with the candidates, so anyone can check afterwards that the draw was this one."""
    if not actor.has_role(Role.COUNTY_OFFICIAL) or not actor.division_code:
        raise NotPermitted()
    share = Decimal(str(current_app.config["SPOT_CHECK_SHARE"]))
    minimum = int(current_app.config["SPOT_CHECK_MINIMUM"])
    ids = db.session.scalars(db.select(Institution.id).where(Institution.division_code == actor.division_code,
                                                             Institution.state.in_(CHECKABLE))
                             .order_by(Institution.id)).all()
    if not ids:
        raise Conflict(_("本县暂无在库机构，无法抽查。"))
    size = sample_size(len(ids), share, minimum)
    seed = secrets.token_hex(16)
    chosen = draw_sample(seed, ids, size)
    draw = SpotCheckRound(division_code=actor.division_code, share=share, minimum=minimum, population=len(ids),
                          sample_size=size, drawn_by_id=actor.id, seed=seed, candidate_ids=list(ids))
    draw.checks = [SpotCheck(institution_id=i) for i in chosen]
    db.session.add(draw)
    db.session.flush()
    record("spot_check.draw", "spot_check_round", draw.id, actor=actor, division_code=actor.division_code,
           population=len(ids), sample=chosen, seed=seed, candidates=list(ids), algorithm=DRAW_ALGORITHM)
    db.session.flush()
    return draw


def record_spot_check(check: SpotCheck, *, actor, result: str, findings: str) -> SpotCheck:
    try:
        fire_spot_check(check, _supervisor(actor, check.institution), result=result, findings=findings)
    except ActionRefused as exc:
        raise refusal_error(exc) from exc
    check.findings, check.checked_by_id, check.checked_at = findings.strip(), actor.id, utcnow()
    record(f"spot_check.{check.state}", "institution", check.institution_id, actor=actor,
           division_code=check.institution.division_code, spot_check=check.id, findings=findings.strip())
    db.session.flush()
    return check


def add_evaluation(institution: Institution, *, actor, period: str, score: int, conclusion: str,
                   comment: str = "") -> Evaluation:
    if not is_county_official_for(actor, institution):
        raise NotPermitted()
    if conclusion not in CONCLUSIONS:
        raise ValidationFailed(fields={"conclusion": [_("请选择结论。")]})
    row = Evaluation(institution_id=institution.id, period=period.strip(), score=score, conclusion=conclusion,
                     comment=comment.strip(), evaluated_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    record("evaluation.add", "institution", institution.id, actor=actor, division_code=institution.division_code,
           period=period, score=score, conclusion=conclusion)
    db.session.flush()
    return row


def file_complaint(institution: Institution, *, actor=None, content: str, name: str = "",
                   contact: str = "") -> Complaint:
    """From a signed-in user (the view checks scope) or from the public (only against a listed institution,
    as shown in the directory). The reference number lets the complainant follow it without an account."""
    if actor is None and institution.state != ApprovalState.LISTED:
        raise ValidationFailed(fields={"institution": [_("只能投诉名录中的机构。")]})
    complaint = Complaint(reference=secrets.token_hex(5).upper(), institution_id=institution.id,
                          content=content.strip(), complainant_name=name.strip(), complainant_contact=contact.strip(),
                          filed_by_id=getattr(actor, "id", None))
    db.session.add(complaint)
    db.session.flush()
    record("complaint.file", "institution", institution.id, actor=actor, division_code=institution.division_code,
           complaint=complaint.id, public=actor is None)
    db.session.flush()
    return complaint


def act_on_complaint(complaint: Complaint, *, actor, action: str, outcome: str = "") -> Complaint:
    try:
        fire_complaint(complaint, action, _supervisor(actor, complaint.institution), outcome=outcome)
    except ActionRefused as exc:
        raise refusal_error(exc) from exc
    complaint.handled_by_id = actor.id
    if action == "resolve":
        complaint.outcome, complaint.resolved_at = outcome.strip(), utcnow()
    record(f"complaint.{action}", "institution", complaint.institution_id, actor=actor,
           division_code=complaint.institution.division_code, complaint=complaint.id)
    db.session.flush()
    return complaint
