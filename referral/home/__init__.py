"""首页 and per-browser preferences (language, text size)."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from referral.home import views  # noqa: E402,F401
