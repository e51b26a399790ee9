"""监督评价 (docs/domain.md#supervision): random spot checks, periodic evaluations, complaints."""

from flask import Blueprint

bp = Blueprint("supervision", __name__)
