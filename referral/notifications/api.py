"""GET /api/v1/notifications[?unread=1] and POST /api/v1/notifications/{id}/read (docs/domain.md#api-contract)."""

from __future__ import annotations

from flask import abort

from forms.notifications import NotificationQuery
from referral.api.spec import operation
from referral.extensions import db
from referral.notifications import policies, services
from referral.notifications.models import Notification, NotificationKind, NotificationObject

ITEM_SCHEMA = {
    "type": "object", "required": ["id", "kind", "object", "created_at", "read"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": list(NotificationKind.values())},
        "object": {"type": "object", "required": ["type", "id"],
                   "properties": {"type": {"type": "string", "enum": list(NotificationObject.values())},
                                  "id": {"type": "integer"}, "label": {"type": "string"}}},
        "created_at": {"type": "string", "format": "date-time"},
        "read": {"type": "boolean"},
    },
}
LIST_SCHEMA = {"type": "object", "required": ["items", "unread"],
               "properties": {"items": {"type": "array", "items": ITEM_SCHEMA}, "unread": {"type": "integer"}}}
LIMIT = 100


def as_json(n: Notification) -> dict:
    return {"id": n.id, "kind": n.kind, "object": {"type": n.object_type, "id": n.object_id, "label": n.subject},
            "created_at": n.created_at.isoformat(), "read": n.read}


@operation("/notifications", "GET", summary="我的通知（最新的 100 条）", tag="notifications", query=NotificationQuery,
           responses={200: ("通知列表与未读数", LIST_SCHEMA)})
def list_notifications(user, query):
    items = db.session.scalars(services.notifications_of(user, unread=query.unread.data == "1").limit(LIMIT)).all()
    return {"items": [as_json(n) for n in items], "unread": services.unread_count(user)}


@operation("/notifications/<int:notification_id>/read", "POST", summary="标为已读", tag="notifications",
           responses={200: ("该通知", ITEM_SCHEMA)}, errors=(404,))
def read_notification(user, notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or not policies.can_read(user, notification):
        abort(404)  # another person's notification does not exist for this caller
    services.mark_read(notification)
    return as_json(notification)
