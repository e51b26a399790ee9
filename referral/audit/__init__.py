"""审计日志: one append-only table, one writer (``record``), one page to read it by scope."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.context_processor
def _names():
    from referral.audit.actions import action_label, object_label, object_url

    return {"action_label": action_label, "object_label": object_label, "object_url": object_url}
