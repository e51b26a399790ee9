from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.users import UserCreateForm, UserEditForm
from referral.auth.models import User
from referral.auth.permissions import Permission, Role, permission_required
from referral.auth.services import create_user, set_user_active, update_user
from referral.scoping import one_visible_or_404, scope_of
from referral.users import bp
from referral.users.queries import filter_users, users_visible_to
from referral.web import paginate, run_form


def _visible_user_or_404(user_id: int) -> User:
    return one_visible_or_404(users_visible_to(current_user).where(User.id == user_id))


@bp.get("/")
@permission_required(Permission.VIEW_USERS)
def index():
    q = request.args.get("q", "").strip()[:64]
    role = request.args.get("role", "")
    role = role if role in {r.value for r in Role} else ""
    division = request.args.get("division", "").strip()
    if division and not (len(division) == 6 and division.isdigit() and scope_of(current_user).covers_area(division)):
        division = ""  # a filter outside the viewer's area would only ever match nothing
    stmt = filter_users(users_visible_to(current_user), q=q, role=role or None, division=division or None)
    pagination = paginate(stmt)
    return render_template("users/index.html", pagination=pagination, q=q, role=role, division=division,
                           roles=list(Role))


@bp.get("/<int:user_id>")
@permission_required(Permission.VIEW_USERS)
def detail(user_id: int):
    user = _visible_user_or_404(user_id)
    return render_template("users/detail.html", user=user)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def create():
    form = UserCreateForm()
    run = run_form(form, lambda: create_user(
        actor=current_user, username=form.username.data, password=form.password.data, roles=form.roles.data,
        division_code=form.division.data or None, institution_id=form.institution.data,
        display_name=form.display_name.data))
    if run.done:
        flash(_("已创建账号 %(u)s。", u=run.result.username), "success")
        return redirect(url_for("users.detail", user_id=run.result.id))
    return render_template("users/edit.html", form=form, user=None), run.status


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def edit(user_id: int):
    user = _visible_user_or_404(user_id)
    form = UserEditForm(data={"display_name": user.display_name, "roles": [r.value for r in user.roles],
                              "division": user.division_code or "", "institution": user.institution_id}
                        if request.method == "GET" else None)
    run = run_form(form, lambda: update_user(
        user, actor=current_user, roles=form.roles.data, division_code=form.division.data or None,
        institution_id=form.institution.data, display_name=form.display_name.data))
    if run.done:
        flash(_("已保存。"), "success")
        return redirect(url_for("users.detail", user_id=user.id))
    return render_template("users/edit.html", form=form, user=user), run.status


@bp.post("/<int:user_id>/active")
@permission_required(Permission.MANAGE_USERS)
def set_active(user_id: int):
    user = _visible_user_or_404(user_id)
    active = request.form.get("active") == "1"
    if run_form(None, lambda: set_user_active(user, actor=current_user, active=active), flash_errors=True).done:
        flash(_("账号已启用。") if active else _("账号已停用，其登录和 API 令牌已失效。"), "success")
    return redirect(url_for("users.detail", user_id=user.id))
