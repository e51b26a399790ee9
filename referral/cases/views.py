"""Staff pages of the referral case: my tasks, the case page, the event forms."""

from referral.cases import bp  # noqa: F401
