"""Fuzzing fixtures (issue 13.9): one populated world per test — an account of every role, a listed
institution with a talent, a referred case, a spot check, a complaint, a purchase statement, a notification —
and the bounded, deterministic Hypothesis settings every fuzz test uses.

CI runs ``FUZZ_EXAMPLES`` (default 12) examples per operation or form, derandomised, so a run is repeatable
and costs about a minute per database; ``FUZZ_EXAMPLES=500 make test PYTEST_ARGS='tests/fuzz -n 2'`` digs
deeper locally (docs/running.md#fuzzing)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from referral.auth.permissions import Role
from referral.extensions import db

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))

# derandomize: the examples come from a hash of the test, not from a clock or a saved database, so CI sees the
# same inputs on every run and on both databases; database=None writes nothing into the work tree.
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])


@pytest.fixture
def world(users_by_role, case_ids, objects, create_user):
    """Ids of one of everything (the placeholders of the fuzzed URLs) and a bearer token per role."""
    from referral.auth.services import issue_token
    from referral.notifications.models import Notification
    from referral.purchases.models import PurchaseStatement
    from referral.purchases.queries import service_volume
    from referral.supervision.models import Complaint, SpotCheck, SpotCheckRound
    from tests.factories import accept_pledge

    draw = SpotCheckRound(division_code="220102", share=0.2, minimum=1, population=1, sample_size=1)
    draw.checks = [SpotCheck(institution_id=objects["inst"])]
    complaint = Complaint(reference="ABCDEF1234", institution_id=objects["inst"], content="内容")
    statement = PurchaseStatement(institution_id=objects["inst"], division_code="220102", month="2026-01",
                                  revision=1, figures=service_volume(objects["inst"], "2026-01"))
    db.session.add_all([draw, complaint, statement])
    target = create_user(Role.REFERRAL_OFFICER, username="target", division="220102")
    # A second session of the referral officer (the session list ends it) and a role grant waiting for a second
    # sysadmin (requested by another one).
    from referral.auth.sessions import start_session
    from referral.users.models import RoleGrant

    other_session = start_session(db.session.merge(users_by_role[Role.REFERRAL_OFFICER]))
    requester = create_user(Role.SYSADMIN, username="fuzz-requester")
    grant = RoleGrant(user_id=target.id, role=Role.COUNTY_OFFICIAL, requested_by_id=requester.id)
    db.session.add(grant)
    tokens = {}
    for role, user in users_by_role.items():
        user = db.session.merge(user)
        accept_pledge(user)
        tokens[role], _row = issue_token(user)
    db.session.commit()
    notification = db.session.scalar(db.select(Notification.id).order_by(Notification.id).limit(1))
    return {**objects, **case_ids, "check": draw.checks[0].id, "complaint": complaint.id,
            "reference": complaint.reference, "statement": statement.id, "target": target.id,
            "staff": users_by_role[Role.INSTITUTION_STAFF].id, "notification": notification or 1,
            "tokens": tokens, "users": users_by_role, "session": other_session.id, "grant": grant.id}
