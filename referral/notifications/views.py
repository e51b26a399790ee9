"""通知 pages: the list (unread first in the count, newest first), open one (marks it read, goes to its
object), mark all read. The bell in the header (templates/base.html) shows the unread count."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from referral.extensions import db
from referral.notifications import bp, policies, services
from referral.notifications.models import Notification, NotificationKind, NotificationObject
from referral.web import paginate, run_form


def _mine_or_404(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or not policies.can_read(current_user, notification):
        abort(404)
    return notification


@bp.get("/notifications/")
@login_required
def index():
    unread = request.args.get("unread") == "1"
    return render_template("notifications/index.html", unread=unread,
                           pagination=paginate(services.notifications_of(current_user, unread=unread)),
                           kinds=NotificationKind.labels(), objects=NotificationObject.labels())


@bp.get("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    """The link of an e-mail or of the list: shows the notification, with the way to its object."""
    notification = _mine_or_404(notification_id)
    return render_template("notifications/detail.html", n=notification, kinds=NotificationKind.labels(),
                           objects=NotificationObject.labels())


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def go(notification_id: int):
    notification = _mine_or_404(notification_id)
    run = run_form(None, lambda: services.mark_read(notification))
    return redirect(services.object_url(notification) if run.done else url_for("notifications.index"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    from flask import flash

    run = run_form(None, lambda: services.mark_all_read(current_user))
    if run.done:
        flash(_("已将 %(n)d 条通知标为已读。", n=run.result), "success")
    return redirect(url_for("notifications.index"))
