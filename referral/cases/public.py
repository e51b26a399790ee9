"""Public pages of the referral case (no account): apply, receipt, status, withdraw."""

from referral.cases import bp  # noqa: F401
