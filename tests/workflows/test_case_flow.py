"""The referral-case machine, table-driven, without Flask or a database (docs/domain.md#case-machine)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from workflows.case import CASE_EVENTS, CaseFacts, CaseParty, CaseState, case_actions, fire_case
from workflows.engine import ActionRefused

S = CaseState
PARTIES = {
    "officer": CaseParty(1, referral_officer=True),
    "staff": CaseParty(2, institution_member=True, institution_staff=True),
    "inst_admin": CaseParty(3, institution_member=True),
    "creator": CaseParty(4, creator=True),
    "applicant": CaseParty(None, applicant=True),
    "other": CaseParty(9),
}
GOOD = {"verification": "身份、户籍、诊断已核实", "reason": "理由", "reason_code": "goals_met", "result": "suitable",
        "assessment": {"risk_grade": 1}, "agreement": {"start_date": "2026-12-01"}, "follow_up": {"method": "phone"}}
FACTS = CaseFacts(institution_eligible=True, follow_ups_left=2)

# (state, event, party) → destination with GOOD data and FACTS; everything else is refused.
ALLOWED = {
    (S.APPLIED, "register", "officer"): S.REGISTERED,
    (S.APPLIED, "return", "officer"): S.RETURNED,
    (S.APPLIED, "reject", "officer"): S.NOT_REGISTERED,
    (S.RETURNED, "resubmit", "creator"): S.APPLIED,
    (S.RETURNED, "resubmit", "officer"): S.APPLIED,
    (S.RETURNED, "resubmit", "applicant"): S.APPLIED,
    (S.REGISTERED, "refer", "officer"): S.REFERRED,
    (S.REFERRED, "accept", "staff"): S.ASSESSING,
    (S.REFERRED, "accept", "inst_admin"): S.ASSESSING,
    (S.ASSESSING, "assess", "staff"): S.ASSESSED,
    (S.ASSESSED, "sign_agreement", "staff"): S.IN_SERVICE,
    (S.IN_SERVICE, "review", "staff"): S.IN_SERVICE,
    (S.IN_SERVICE, "transfer", "staff"): S.REGISTERED,
    (S.IN_SERVICE, "close", "staff"): S.CLOSED,
    (S.CLOSED, "follow_up", "staff"): S.CLOSED,
}
for state in (S.APPLIED, S.RETURNED, S.REGISTERED, S.REFERRED, S.ASSESSING, S.ASSESSED, S.IN_SERVICE):
    for who in ("officer", "creator", "applicant"):
        ALLOWED[(state, "withdraw", who)] = S.WITHDRAWN
CASES = list(itertools.product(CaseState, sorted(CASE_EVENTS), PARTIES))


@pytest.mark.parametrize(("state", "event", "party"), CASES, ids=[f"{s}-{e}-{p}" for s, e, p in CASES])
def test_every_state_event_party(state, event, party):
    case = SimpleNamespace(state=state)
    expected = ALLOWED.get((state, event, party))
    if expected is None:
        with pytest.raises(ActionRefused):
            fire_case(case, event, PARTIES[party], FACTS, **GOOD)
        assert case.state == state
    else:
        assert fire_case(case, event, PARTIES[party], FACTS, **GOOD).dest == expected and case.state == expected


def test_decline_returns_the_case_to_the_officer_with_a_reason_code():
    case = SimpleNamespace(state=S.REFERRED)
    with pytest.raises(ActionRefused, match="has_decline_reason"):
        fire_case(case, "decline", PARTIES["inst_admin"], FACTS, reason_code="busy")
    assert fire_case(case, "decline", PARTIES["inst_admin"], FACTS, reason_code="no_capacity").dest == S.REGISTERED


def test_unsuitable_assessment_goes_back_to_registered_with_a_reason():
    case = SimpleNamespace(state=S.ASSESSING)
    data = {"result": "unsuitable", "assessment": {"risk_grade": 4}}
    with pytest.raises(ActionRefused, match="has_reason"):
        fire_case(case, "assess", PARTIES["staff"], FACTS, **data)
    assert fire_case(case, "assess", PARTIES["staff"], FACTS, reason="病情不稳定", **data).dest == S.REGISTERED


def test_refer_needs_an_eligible_institution():
    with pytest.raises(ActionRefused, match="institution_eligible"):
        fire_case(SimpleNamespace(state=S.REGISTERED), "refer", PARTIES["officer"], CaseFacts(), **GOOD)


def test_early_closure_by_the_officer_only_for_early_reasons():
    case = SimpleNamespace(state=S.REGISTERED)
    with pytest.raises(ActionRefused, match="has_early_close_reason"):
        fire_case(case, "close", PARTIES["officer"], FACTS, reason_code="goals_met")
    assert fire_case(case, "close", PARTIES["officer"], FACTS, reason_code="medical_referral").dest == S.CLOSED


def test_the_last_follow_up_completes_the_case():
    case = SimpleNamespace(state=S.CLOSED)
    assert fire_case(case, "follow_up", PARTIES["staff"], CaseFacts(follow_ups_left=2), **GOOD).dest == S.CLOSED
    assert fire_case(case, "follow_up", PARTIES["staff"], CaseFacts(follow_ups_left=1), **GOOD).dest == S.COMPLETED


def test_follow_ups_of_a_case_closed_before_service_are_the_officers():
    facts = CaseFacts(follow_ups_left=1, closed_before_service=True)
    case = SimpleNamespace(state=S.CLOSED)
    with pytest.raises(ActionRefused, match="is_follow_up_party"):
        fire_case(case, "follow_up", PARTIES["staff"], facts, **GOOD)
    assert fire_case(case, "follow_up", PARTIES["officer"], facts, **GOOD).dest == S.COMPLETED


@pytest.mark.parametrize("name", ["to_registered", "trigger", "state", "APPLIED"])
def test_unknown_and_automatic_events_are_refused(name):
    case = SimpleNamespace(state=S.APPLIED)
    with pytest.raises(ActionRefused, match="unknown_event"):
        fire_case(case, name, PARTIES["officer"], FACTS, **GOOD)


def test_buttons_follow_the_machine():
    assert case_actions(SimpleNamespace(state=S.APPLIED), PARTIES["officer"], FACTS) == \
        ["register", "return", "reject", "withdraw"]
    assert case_actions(SimpleNamespace(state=S.IN_SERVICE), PARTIES["staff"], FACTS) == \
        ["review", "transfer", "close"]
    assert case_actions(SimpleNamespace(state=S.COMPLETED), PARTIES["officer"], FACTS) == []
