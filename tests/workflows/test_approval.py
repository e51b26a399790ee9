"""The approval machine, table-driven, without Flask or a database: every state × event × party →
destination or refusal (docs/domain.md#registry-approval-machine)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from workflows.approval import APPROVAL_EVENTS, ApprovalState, Facts, Party, approval_actions, fire_approval
from workflows.engine import ActionRefused

S = ApprovalState
OWNER, COUNTY, CITY, COUNTY2, OTHER = 1, 2, 3, 4, 9
PARTIES = {
    "owner": Party(OWNER, owner=True),
    "county": Party(COUNTY, county=True),
    "city": Party(CITY, city=True),
    "other": Party(OTHER),
}
DATA = {"reason": "理由", "statement": "陈述", "reason_code": "misconduct"}


def facts(kind="institution", **kw):
    base = dict(kind=kind, complete=True, pledges_accepted=True, submitted_by_id=OWNER,
                owner_user_ids=frozenset({OWNER}), county_approver_id=COUNTY2, statement_received=False,
                statement_window_over=True)
    base.update(kw)
    return Facts(**base)


# (state, event, party) → destination, for the institution kind with complete data. Everything not
# listed must be refused.
ALLOWED = {
    (S.DRAFT, "submit", "owner"): S.COUNTY_REVIEW,
    (S.RETURNED, "submit", "owner"): S.COUNTY_REVIEW,
    (S.COUNTY_REVIEW, "county_approve", "county"): S.CITY_REVIEW,
    (S.COUNTY_REVIEW, "county_return", "county"): S.RETURNED,
    (S.COUNTY_REVIEW, "county_reject", "county"): S.REJECTED,
    (S.CITY_REVIEW, "city_confirm", "city"): S.LISTED,
    (S.CITY_REVIEW, "city_return", "city"): S.RETURNED,
    (S.CITY_REVIEW, "city_reject", "city"): S.REJECTED,
    (S.LISTED, "suspend", "county"): S.SUSPENDED,
    (S.SUSPENDED, "reinstate", "county"): S.LISTED,
    (S.LISTED, "propose_removal", "county"): S.REMOVAL_PENDING,
    (S.SUSPENDED, "propose_removal", "county"): S.REMOVAL_PENDING,
    (S.REMOVAL_PENDING, "submit_statement", "owner"): S.REMOVAL_PENDING,
    (S.REMOVAL_PENDING, "remove", "city"): S.REMOVED,
    (S.REMOVAL_PENDING, "withdraw_removal", "county"): S.LISTED,
    (S.REMOVAL_PENDING, "withdraw_removal", "city"): S.LISTED,
    (S.LISTED, "withdraw", "owner"): S.WITHDRAWN,
    (S.SUSPENDED, "withdraw", "owner"): S.WITHDRAWN,
}
CASES = list(itertools.product(ApprovalState, sorted(APPROVAL_EVENTS), PARTIES))


@pytest.mark.parametrize(("state", "event", "party"), CASES, ids=[f"{s}-{e}-{p}" for s, e, p in CASES])
def test_every_state_event_party(state, event, party):
    entry = SimpleNamespace(state=state)
    expected = ALLOWED.get((state, event, party))
    if expected is None:
        with pytest.raises(ActionRefused):
            fire_approval(entry, event, PARTIES[party], facts(), **DATA)
        assert entry.state == state  # a refusal changes nothing
    else:
        fired = fire_approval(entry, event, PARTIES[party], facts(), **DATA)
        assert entry.state == expected and (fired.source, fired.dest) == (state, expected)


def test_final_states_accept_nothing():
    for state in (S.REJECTED, S.REMOVED, S.WITHDRAWN):
        for party in PARTIES.values():
            assert approval_actions(SimpleNamespace(state=state), party, facts()) == []


@pytest.mark.parametrize(("event", "state", "party"), [
    ("county_return", S.COUNTY_REVIEW, "county"), ("county_reject", S.COUNTY_REVIEW, "county"),
    ("city_return", S.CITY_REVIEW, "city"), ("city_reject", S.CITY_REVIEW, "city"),
    ("suspend", S.LISTED, "county"), ("propose_removal", S.LISTED, "county"),
    ("remove", S.REMOVAL_PENDING, "city"), ("withdraw_removal", S.REMOVAL_PENDING, "county"),
])
def test_reason_is_required(event, state, party):
    with pytest.raises(ActionRefused) as exc:
        fire_approval(SimpleNamespace(state=state), event, PARTIES[party], facts(), reason="  ")
    assert exc.value.reason == "has_reason"


def test_submit_needs_complete_data_and_pledges():
    with pytest.raises(ActionRefused, match="entry_complete"):
        fire_approval(SimpleNamespace(state=S.DRAFT), "submit", PARTIES["owner"], facts(complete=False))
    with pytest.raises(ActionRefused, match="pledges_accepted"):
        fire_approval(SimpleNamespace(state=S.DRAFT), "submit", PARTIES["owner"], facts(pledges_accepted=False))


def test_four_eyes_city_confirmer_is_not_the_county_approver():
    both = Party(COUNTY2, county=True, city=True)  # one person holding both roles
    entry = SimpleNamespace(state=S.CITY_REVIEW)
    with pytest.raises(ActionRefused) as exc:
        fire_approval(entry, "city_confirm", both, facts(county_approver_id=COUNTY2))
    assert exc.value.reason == "not_county_approver" and entry.state == S.CITY_REVIEW
    assert "city_confirm" not in approval_actions(entry, both, facts(county_approver_id=COUNTY2))


def test_nobody_decides_their_own_entry():
    official_owner = Party(OWNER, owner=True, county=True)
    with pytest.raises(ActionRefused, match="not_own_entry"):
        fire_approval(SimpleNamespace(state=S.COUNTY_REVIEW), "county_approve", official_owner, facts())
    submitter = Party(7, county=True)
    with pytest.raises(ActionRefused, match="not_own_entry"):
        fire_approval(SimpleNamespace(state=S.COUNTY_REVIEW), "county_approve", submitter,
                      facts(submitted_by_id=7))


def test_removal_waits_for_the_statement_or_the_window():
    waiting = facts(statement_received=False, statement_window_over=False)
    entry = SimpleNamespace(state=S.REMOVAL_PENDING)
    with pytest.raises(ActionRefused, match="defence_heard"):
        fire_approval(entry, "remove", PARTIES["city"], waiting, reason="违规")
    heard = facts(statement_received=True, statement_window_over=False)
    assert fire_approval(entry, "remove", PARTIES["city"], heard, reason="违规").dest == S.REMOVED


def test_only_one_statement():
    with pytest.raises(ActionRefused, match="no_statement_yet"):
        fire_approval(SimpleNamespace(state=S.REMOVAL_PENDING), "submit_statement", PARTIES["owner"],
                      facts(statement_received=True), statement="再说一次")


def test_revoke_is_for_talent_with_an_exit_reason():
    with pytest.raises(ActionRefused, match="is_talent"):
        fire_approval(SimpleNamespace(state=S.LISTED), "revoke", PARTIES["county"], facts(), **DATA)
    with pytest.raises(ActionRefused, match="has_exit_reason"):
        fire_approval(SimpleNamespace(state=S.LISTED), "revoke", PARTIES["county"], facts("talent"),
                      reason="x", reason_code="bad")
    entry = SimpleNamespace(state=S.LISTED)
    assert fire_approval(entry, "revoke", PARTIES["county"], facts("talent"), **DATA).dest == S.REMOVED


@pytest.mark.parametrize("name", ["to_listed", "trigger", "__class__", "state", "DRAFT"])
def test_unknown_and_automatic_events_are_refused(name):
    entry = SimpleNamespace(state=S.DRAFT)
    with pytest.raises(ActionRefused, match="unknown_event"):
        fire_approval(entry, name, PARTIES["owner"], facts())
    assert entry.state == S.DRAFT


def test_buttons_follow_the_machine():
    assert approval_actions(SimpleNamespace(state=S.COUNTY_REVIEW), PARTIES["county"], facts()) == \
        ["county_approve", "county_return", "county_reject"]
    assert approval_actions(SimpleNamespace(state=S.LISTED), PARTIES["owner"], facts()) == ["withdraw"]
    assert approval_actions(SimpleNamespace(state=S.LISTED), PARTIES["county"], facts("talent")) == \
        ["suspend", "propose_removal", "revoke"]
