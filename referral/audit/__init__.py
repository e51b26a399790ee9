"""审计日志: one append-only table, one writer (``record``), one page to read it by scope."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")
