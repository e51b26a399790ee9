"""统计监督 (docs/domain.md#statistics): the figures of a division, one query layer (``queries.py``) read by the
API, the dashboard pages and the exports alike."""

from flask import Blueprint

bp = Blueprint("stats", __name__)
