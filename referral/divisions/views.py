from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from referral.auth.models import User
from referral.auth.permissions import Permission, permission_required
from referral.divisions import bp
from referral.divisions.models import Division, DivisionLevel, within
from referral.divisions.queries import children_of, divisions_visible_to
from referral.extensions import db
from referral.scoping import one_visible_or_404, scope_of


@bp.get("/")
@permission_required(Permission.VIEW_DIVISIONS)
def index():
    """Start at the top of the viewer's area: the country for national roles, else their division."""
    if scope_of(current_user).national or not current_user.division_code:
        provinces = db.session.scalars(children_of(None)).all()
        return render_template("divisions/index.html", provinces=provinces)
    return redirect(url_for("divisions.detail", code=current_user.division_code))


@bp.get("/<code>")
@permission_required(Permission.VIEW_DIVISIONS)
def detail(code: str):
    if not (len(code) == 6 and code.isdigit()):
        abort(404)
    division = one_visible_or_404(divisions_visible_to(current_user).where(Division.code == code))
    children = db.session.scalars(children_of(division.code)).all()
    # Active accounts per child, in one grouped query rather than one query per child.
    n = 4 if division.level is DivisionLevel.PROVINCE else 6
    child_prefix = func.substr(User.division_code, 1, n)
    counts = dict(db.session.execute(
        select(child_prefix, func.count()).where(User.active.is_(True), within(User.division_code, division.code))
        .group_by(child_prefix)).all())
    user_counts = {c.code: counts.get(c.code[:n], 0) for c in children}
    return render_template("divisions/detail.html", division=division, children=children, user_counts=user_counts)


@bp.get("/picker/<province>.json")
def picker(province: str):
    """The division picker's lists for one province (public reference data, as GB/T 2260 is): the page's
    script fills the county list from it without reloading (forms.fields.DivisionPicker)."""
    from flask import jsonify, request

    from referral.divisions.picker import picker_lists

    levels = tuple(level for level in request.args.get("levels", "county").split(",")
                   if level in ("province", "city", "county")) or ("county",)
    if not (len(province) == 6 and province.isdigit()):
        abort(404)
    provinces, groups = picker_lists(province, levels)
    if province not in dict(provinces):
        abort(404)
    return jsonify({"groups": [{"label": label, "options": [{"code": c, "name": n} for c, n in options]}
                               for label, options in groups]})
