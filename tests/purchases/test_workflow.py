"""The statement's machine without Flask (workflows/purchase.py): every (state, event, party) not allowed is refused."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from workflows.engine import DATA, STATE, WHO, ActionRefused
from workflows.purchase import PURCHASE_EVENTS, PurchaseState, StatementParty, fire_purchase, purchase_actions

S = PurchaseState
PARTIES = {"admin": StatementParty(1, institution_admin=True), "county": StatementParty(2, county=True),
           "other": StatementParty(3)}
ALLOWED = {(S.ISSUED, "confirm", "admin"): S.CONFIRMED, (S.ISSUED, "dispute", "admin"): S.DISPUTED,
           (S.ISSUED, "supersede", "county"): S.SUPERSEDED, (S.DISPUTED, "supersede", "county"): S.SUPERSEDED}


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("event", sorted(PURCHASE_EVENTS))
@pytest.mark.parametrize("party", sorted(PARTIES))
def test_the_table(state, event, party):
    row = SimpleNamespace(state=state)
    expected = ALLOWED.get((state, event, party))
    if expected is None:
        with pytest.raises(ActionRefused):
            fire_purchase(row, event, PARTIES[party], comment="有误")
        assert row.state == state
    else:
        fire_purchase(row, event, PARTIES[party], comment="有误")
        assert row.state == expected


def test_refusals_say_why():
    with pytest.raises(ActionRefused) as refused:
        fire_purchase(SimpleNamespace(state=S.ISSUED), "dispute", PARTIES["admin"], comment=" ")
    assert (refused.value.kind, refused.value.field) == (DATA, "comment")
    with pytest.raises(ActionRefused) as refused:
        fire_purchase(SimpleNamespace(state=S.ISSUED), "confirm", PARTIES["county"])
    assert refused.value.kind == WHO
    with pytest.raises(ActionRefused) as refused:
        fire_purchase(SimpleNamespace(state=S.CONFIRMED), "supersede", PARTIES["county"])
    assert refused.value.kind == STATE


def test_buttons():
    assert purchase_actions(SimpleNamespace(state=S.ISSUED), PARTIES["admin"]) == ["confirm", "dispute"]
    assert purchase_actions(SimpleNamespace(state=S.DISPUTED), PARTIES["county"]) == ["supersede"]
    assert purchase_actions(SimpleNamespace(state=S.CONFIRMED), PARTIES["county"]) == []
