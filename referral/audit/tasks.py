"""The audit chain's head, written to the log once a day (docs/architecture.md#evidence, issue 13.4).

The hash chain shows an entry changed or removed in the middle of the log; it cannot show a log rewritten
from some entry on, chain and all, by someone with the database's owner rights. The head written here, to a
log that is shipped off the machine (README, 安全 / Security), can: an old head that ``flask audit verify
--head HASH`` no longer finds in the chain means the log was rewritten after it."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from referral.audit.chain import GENESIS
from referral.audit.models import AuditEntry
from referral.extensions import db
from referral.tasks import crontab, periodic_task

#: A logger of its own, so that the deployment can route these lines to a file or host of their own.
log = logging.getLogger("referral.audit.chain")


def log_chain_head() -> tuple[int | None, str, int]:
    """Log ``audit chain head: id=… hash=… count=…`` at INFO; returns (id, hash, count)."""
    head = db.session.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    count = db.session.scalar(select(func.count(AuditEntry.id)))
    head_id, head_hash = (head.id, head.hash) if head else (None, GENESIS)
    log.info("audit chain head: id=%s hash=%s count=%d", head_id, head_hash, count)
    return head_id, head_hash, count


@periodic_task(crontab(minute="5", hour="0"))
def log_chain_head_daily() -> None:
    log_chain_head()
