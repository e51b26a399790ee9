"""The notifications' background work: the periodic clock job, and e-mails (when SMTP is configured)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from referral.auth.models import User
from referral.extensions import db
from referral.models import utcnow
from referral.notifications import services
from referral.notifications.models import Notification, NotificationKind
from referral.tasks import crontab, periodic_task, task

log = logging.getLogger(__name__)


@periodic_task(crontab(minute="*/15"))
def escalate_clocks() -> None:
    """Every 15 minutes (docs/running.md#background-work): due-soon and overdue notifications. Idempotent."""
    result = services.escalate()
    db.session.commit()
    log.info("escalation: %s cases, %s entries near or past due; %s notifications", result.cases, result.entries,
             result.created)


def email_body(notification: Notification, link: str) -> tuple[str, str]:
    """Subject and body: the kind and a link, never a name, a receipt number or health data (docs/domain.md#notifications)."""
    label = _(NotificationKind(notification.kind).label)
    return (_("【精康转介平台】%(kind)s", kind=label),
            _("您在精康转介平台有一条新通知：%(kind)s。\n请登录平台查看：%(link)s\n\n此邮件由系统自动发送，请勿回复。",
              kind=label, link=link))


@task(retries=3, retry_delay=60)
def send_emails(notification_ids: list[int]) -> int:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0
    base = (config.get("PUBLIC_URL") or "").rstrip("/")
    rows = db.session.execute(select(Notification, User.email).join(User, User.id == Notification.user_id).where(
        Notification.id.in_(notification_ids), Notification.emailed_at.is_(None),
        User.email.is_not(None), User.email != "", User.active.is_(True))).all()
    if not rows:
        return 0
    sent = 0
    with force_locale(config["LANGUAGES"][0]):
        smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
        with smtp_class(config["MAIL_SERVER"], config.get("MAIL_PORT", 25), timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            for notification, address in rows:
                subject, body = email_body(notification, f"{base}/notifications/{notification.id}")
                message = EmailMessage()
                message["From"] = config.get("MAIL_FROM") or "noreply@localhost"
                message["To"] = address
                message["Subject"] = subject
                message.set_content(body)
                smtp.send_message(message)
                notification.emailed_at = utcnow()
                db.session.commit()  # one by one: a retry after a failure does not send twice
                sent += 1
    return sent
