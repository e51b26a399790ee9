"""A government purchase-of-service statement (服务量结算单, docs/domain.md#purchase-of-services): the county issues
it, the institution confirms it or disputes it with a comment; re-issuing a month supersedes the version
before, which stays as it was (what a county paid against is never rewritten)."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.codes import N_, Coded
from workflows.engine import Flow, available, events_of, fire, needs, who


class PurchaseState(Coded):
    ISSUED = "issued", N_("待机构确认")
    CONFIRMED = "confirmed", N_("机构已确认")
    DISPUTED = "disputed", N_("机构有异议")
    SUPERSEDED = "superseded", N_("已重新出具")


P = PurchaseState
PURCHASE_TRANSITIONS: list[dict] = [
    {"trigger": "confirm", "source": P.ISSUED, "dest": P.CONFIRMED, "conditions": ["is_institution_admin"]},
    {"trigger": "dispute", "source": P.ISSUED, "dest": P.DISPUTED,
     "conditions": ["is_institution_admin", "has_comment"]},
    # A confirmed statement is what the county pays against: it is not re-issued (docs/domain.md#purchase-of-services).
    {"trigger": "supersede", "source": [P.ISSUED, P.DISPUTED], "dest": P.SUPERSEDED, "conditions": ["is_county"]},
]
PURCHASE_EVENTS = events_of(PURCHASE_TRANSITIONS)
# What the institution answers (the API's and the page's events); ``supersede`` comes only from re-issuing.
ANSWER_EVENTS = ("confirm", "dispute")
PURCHASE_EVENT_LABELS = {"issue": N_("出具"), "confirm": N_("确认"), "dispute": N_("提出异议"),
                         "supersede": N_("重新出具")}


@dataclass(frozen=True)
class StatementParty:
    """The acting user as the machine sees them: the statement's institution admin? its county official?"""

    user_id: int | None
    institution_admin: bool = False
    county: bool = False


class PurchaseFlow(Flow):
    states, table = PurchaseState, PURCHASE_TRANSITIONS
    refused_state = N_("该结算单已答复或已重新出具，请刷新。")

    def __init__(self, statement, party: StatementParty):
        super().__init__(statement)
        self.party = party

    @who(N_("只有本机构的机构管理员可以确认或提出异议。"))
    def is_institution_admin(self, data):
        return self.party.institution_admin

    @who(N_("只有机构所在县的县级民政可以重新出具结算单。"))
    def is_county(self, data):
        return self.party.county

    @needs("comment", N_("提出异议须填写说明。"))
    def has_comment(self, data):
        return bool((data.get("comment") or "").strip())


def fire_purchase(statement, event: str, party: StatementParty, **data):
    return fire(PurchaseFlow(statement, party), event, **data)


def purchase_actions(statement, party: StatementParty) -> list[str]:
    return available(PurchaseFlow(statement, party))
