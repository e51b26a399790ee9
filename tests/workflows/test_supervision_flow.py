"""The spot-check and complaint machines, without Flask or a database."""

from types import SimpleNamespace

import pytest

from workflows.engine import ActionRefused
from workflows.supervision import (
    CheckState,
    ComplaintState,
    Supervisor,
    complaint_actions,
    fire_complaint,
    fire_spot_check,
)

COUNTY, OTHER = Supervisor(1, county=True), Supervisor(2)


@pytest.mark.parametrize(("result", "dest"), [("pass", CheckState.PASSED), ("fail", CheckState.FAILED)])
def test_the_result_picks_the_destination(result, dest):
    check = SimpleNamespace(state=CheckState.PENDING)
    assert fire_spot_check(check, COUNTY, result=result, findings="x").dest == dest and check.state == dest


@pytest.mark.parametrize(("who", "data", "reason"), [
    (OTHER, {"result": "fail", "findings": "x"}, "is_county"),
    (COUNTY, {"result": "fail", "findings": ""}, "has_findings"),
])
def test_refusals_name_the_cause(who, data, reason):
    check = SimpleNamespace(state=CheckState.PENDING)
    with pytest.raises(ActionRefused) as exc:
        fire_spot_check(check, who, **data)
    assert exc.value.reason == reason and check.state == CheckState.PENDING


@pytest.mark.parametrize("state", [CheckState.PASSED, CheckState.FAILED])
def test_a_recorded_check_is_final(state):
    with pytest.raises(ActionRefused, match="wrong_state"):
        fire_spot_check(SimpleNamespace(state=state), COUNTY, result="pass", findings="x")


def test_complaint_paths():
    complaint = SimpleNamespace(state=ComplaintState.RECEIVED)
    assert complaint_actions(complaint, COUNTY) == ["handle", "resolve"]
    assert complaint_actions(complaint, OTHER) == []
    with pytest.raises(ActionRefused, match="has_outcome"):
        fire_complaint(complaint, "resolve", COUNTY, outcome="")
    fire_complaint(complaint, "handle", COUNTY)
    fire_complaint(complaint, "resolve", COUNTY, outcome="已处理")
    assert complaint.state == ComplaintState.RESOLVED and complaint_actions(complaint, COUNTY) == []
