from __future__ import annotations

from sqlalchemy import select

from referral.registries.models import Institution
from referral.scoping import scope_of
from referral.supervision.models import Complaint, Evaluation, SpotCheck, SpotCheckRound


def rounds_visible_to(user):
    return select(SpotCheckRound).where(scope_of(user).division_clause(SpotCheckRound.division_code))


def spot_checks_visible_to(user):
    return select(SpotCheck).join(Institution).where(scope_of(user).division_clause(Institution.division_code))


def complaints_visible_to(user):
    return select(Complaint).join(Institution).where(scope_of(user).division_clause(Institution.division_code))


def evaluations_of(institution_id: int):
    return select(Evaluation).where(Evaluation.institution_id == institution_id).order_by(Evaluation.evaluated_at.desc())
