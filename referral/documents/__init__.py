"""The seven standard documents (docs/domain.md#documents): plain-data snapshots (``context`` and one module per group
of templates), Jinja templates under ``templates/pdf/``, one PDF renderer (``pdf``, the only module that
imports WeasyPrint), issuing with versions and verification codes (``services``), and batch exports
(``exports``)."""

from flask import Blueprint

bp = Blueprint("documents", __name__)


@bp.app_context_processor
def _document_panels():
    """``documents_of(kind, subject)`` for the case, institution and talent pages: which documents this user
    may issue there. Offered by this package so that cases and registries need not import documents."""
    from flask_login import current_user

    from referral.documents.presenters import document_panel

    return {"documents_of": lambda kind, subject, **loaded: document_panel(current_user, kind, subject, loaded)}
