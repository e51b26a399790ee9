"""The seven standard documents (docs/domain.md#documents): plain-data snapshots (``context`` and one module per group
of templates), Jinja templates under ``templates/pdf/``, one PDF renderer (``pdf``, the only module that
imports WeasyPrint), issuing with versions and verification codes (``services``), and batch exports
(``exports``)."""

from flask import Blueprint

bp = Blueprint("documents", __name__)
