"""转介个案: applications from three channels and the seven statutory steps (DESIGN §3)."""

from flask import Blueprint

bp = Blueprint("cases", __name__)
