"""通知 (docs/domain.md#notifications): who must act is told — in the app (the bell), and by e-mail when SMTP is
configured — of a referral received, a return, a decline, a registry decision, a removal proposal, and of
clocks that run out (due soon, overdue; the city after a grace period)."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)
