"""转介个案: applications from three channels and the seven statutory steps (docs/domain.md#case-machine)."""

from flask import Blueprint

bp = Blueprint("cases", __name__)
