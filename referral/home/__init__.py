"""首页 and per-browser preferences (language, text size)."""

from flask import Blueprint

bp = Blueprint("home", __name__)
