"""A referral of a case to one institution and the institution's answer. The case machine decides who
may act; this machine only keeps the referral's own status consistent (a declined referral is never
accepted later, an ended one never comes back)."""

from __future__ import annotations

import enum

from workflows.engine import ColumnFlow, fire


class ReferralState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


R = ReferralState
REFERRAL_TRANSITIONS: list[dict] = [
    {"trigger": "accepted", "source": R.PENDING, "dest": R.ACCEPTED},
    {"trigger": "declined", "source": R.PENDING, "dest": R.DECLINED},
    {"trigger": "ended", "source": [R.PENDING, R.ACCEPTED], "dest": R.ENDED},
]


def fire_referral(referral, action: str):
    return fire(ColumnFlow(referral, "status", ReferralState, REFERRAL_TRANSITIONS), action)
