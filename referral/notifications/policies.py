"""Who may see a notification: only the account it was written to (anyone else gets 404)."""

from __future__ import annotations


def can_read(user, notification) -> bool:
    return getattr(user, "is_authenticated", False) and notification.user_id == user.id
