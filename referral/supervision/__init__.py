"""监督评价 (DESIGN §2.2): random spot checks, periodic evaluations, complaints."""

from flask import Blueprint

bp = Blueprint("supervision", __name__)
