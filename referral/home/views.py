from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from referral.home import bp
from referral.scoping import scope_of
from referral.urls import safe_next

ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
@login_required
def index():
    return render_template("home/index.html", scope=scope_of(current_user))


@bp.post("/preferences/language")
def set_language():
    lang = request.form.get("lang", "")
    response = redirect(safe_next(request.form.get("next"), url_for("home.index")))
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie("lang", lang, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


@bp.post("/preferences/text-size")
def set_text_size():
    size = request.form.get("size", "")
    response = redirect(safe_next(request.form.get("next"), url_for("home.index")))
    if size in ("normal", "large", "larger"):
        response.set_cookie("text_size", size, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response
