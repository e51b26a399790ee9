from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, literal_column, select

from referral.extensions import db
from referral.home import bp
from referral.scoping import scope_of
from referral.urls import safe_next

ONE_YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Reminder:
    label: str
    count: int
    url: str
    urgent: bool
    more: bool = False  # the count stopped at its cap (referral/cases/queries.py: COUNT_CAP)


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).with_only_columns(
        literal_column("1")).subquery())) or 0


def reminders_for(user) -> list[Reminder]:
    """我的待办提醒 (issue 11.3): the steps near or past their due date that this user acts on or supervises,
    counted in the database, each linking to the list that shows them overdue first."""
    from referral.auth.permissions import Permission
    from referral.calendar import add_working_days, today_in_china
    from referral.cases.queries import search_cases
    from referral.registries.models import Institution, Talent
    from referral.registries.queries import review_queue

    found: list[Reminder] = []
    if user.has_permission(Permission.VIEW_CASES):
        overdue, overdue_exact = search_cases(user, clock="overdue").count()
        soon, soon_exact = search_cases(user, clock="due_soon").count()
        found += [Reminder(_("已逾期的个案"), overdue, url_for("cases.index", clock="overdue"), True, not overdue_exact),
                  Reminder(_("2 个工作日内到期的个案"), soon, url_for("cases.index", clock="due_soon"), False,
                           not soon_exact)]
    if user.has_permission(Permission.REVIEW_REGISTRY):
        today = today_in_china()
        soon_day = add_working_days(today, 2)
        late = waiting = 0
        for model in (Institution, Talent):
            stmt = review_queue(user, model)
            if stmt is not None:
                late += _count(stmt.where(model.due_date < today))
                waiting += _count(stmt.where(model.due_date.between(today, soon_day)))
        found += [Reminder(_("已逾期的入库审核"), late, url_for("registries.queue"), True),
                  Reminder(_("2 个工作日内到期的入库审核"), waiting, url_for("registries.queue"), False)]
    return found


@bp.get("/")
@login_required
def index():
    return render_template("home/index.html", scope=scope_of(current_user), reminders=reminders_for(current_user))


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
