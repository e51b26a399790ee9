"""行政区划 (GB/T 2260): the province → city → county tree every scope is measured against."""

from flask import Blueprint

bp = Blueprint("divisions", __name__, url_prefix="/divisions")
