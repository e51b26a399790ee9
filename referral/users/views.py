from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.auth import id_number_change
from forms.fields import coded
from forms.users import StaffCreateForm, UserCreateForm, UserEditForm
from referral.auth.models import User
from referral.auth.permissions import Permission, Role, permission_required
from referral.auth.services import KEEP
from referral.errors import NotPermitted
from referral.extensions import db
from referral.scoping import one_visible_or_404, scope_of
from referral.users import bp, policies, services
from referral.users.models import RoleGrant
from referral.users.queries import (
    filter_users,
    institution_choices,
    pending_grants,
    staff_visible_to,
    talents_of_accounts,
    users_visible_to,
)
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
    grants = pending_grants() if policies.is_sysadmin(current_user) else []
    return render_template("users/index.html", pagination=pagination, q=q, role=role, division=division,
                           roles=list(Role), grants=grants,
                           can_decide=lambda grant: policies.can_decide_grant(current_user, grant))


@bp.get("/<int:user_id>")
@permission_required(Permission.VIEW_USERS)
def detail(user_id: int):
    user = _visible_user_or_404(user_id)
    pending = services.pending_grants_of(user) if policies.is_sysadmin(current_user) else []
    return render_template("users/detail.html", user=user, pending=pending)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def create():
    form = UserCreateForm()
    form.institution.choices = [("", "—"), *institution_choices()]
    run = run_form(form, lambda: services.create_with_grants(
        actor=current_user, username=form.username.data, password=form.password.data, roles=form.roles.data,
        division_code=form.division.data or None, institution_id=form.institution.data,
        display_name=form.display_name.data, email=form.email.data, id_number=form.id_number.data or None))
    if run.done:
        flash(_("已创建账号 %(u)s。", u=run.result.username), "success")
        _flash_pending(run.result)
        return redirect(url_for("users.detail", user_id=run.result.id))
    return render_template("users/edit.html", form=form, user=None), run.status


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def edit(user_id: int):
    user = _visible_user_or_404(user_id)
    # A role waiting for a second sysadmin stays ticked; unticking it withdraws the request.
    roles = sorted({r.value for r in user.roles} | {g.role.value for g in services.pending_grants_of(user)})
    form = UserEditForm(data={"display_name": user.display_name, "email": user.email or "", "roles": roles,
                              "division": user.division_code or "", "institution": user.institution_id}
                        if request.method == "GET" else None)
    form.institution.choices = [("", "—"), *institution_choices()]
    run = run_form(form, lambda: services.update_account(
        user, actor=current_user, roles=form.roles.data, division_code=form.division.data or None,
        institution_id=form.institution.data, display_name=form.display_name.data, email=form.email.data,
        id_number=id_number_change(form, KEEP)))
    if run.done:
        flash(_("已保存。"), "success")
        _flash_pending(user)
        return redirect(url_for("users.detail", user_id=user.id))
    return render_template("users/edit.html", form=form, user=user), run.status


def _flash_pending(user: User) -> None:
    if pending := services.pending_grants_of(user):
        flash(_("以下角色可查看个人信息，须由另一名系统管理员批准后生效：%(roles)s。",
                roles="、".join(_(g.role.label) for g in pending)), "info")


# --- four-eyes on role grants (docs/domain.md#accounts) ---------------------------------------------------

def _grant_or_404(grant_id: int) -> RoleGrant:
    return db.get_or_404(RoleGrant, grant_id)


@bp.post("/grants/<int:grant_id>/approve")
@permission_required(Permission.MANAGE_USERS)
def approve_grant(grant_id: int):
    grant = _grant_or_404(grant_id)
    if not policies.can_decide_grant(current_user, grant):
        raise NotPermitted(_("申请人本人或被授权账号本人不能批准，须由另一名系统管理员批准。"))
    if run_form(None, lambda: services.approve_grant(grant, actor=current_user), flash_errors=True).done:
        flash(_("已批准：%(u)s 获得角色“%(role)s”。", u=grant.user.username, role=_(grant.role.label)), "success")
    return redirect(url_for("users.index"))


@bp.post("/grants/<int:grant_id>/reject")
@permission_required(Permission.MANAGE_USERS)
def reject_grant(grant_id: int):
    grant = _grant_or_404(grant_id)
    if not policies.can_decide_grant(current_user, grant):
        raise NotPermitted(_("申请人本人或被授权账号本人不能驳回，须由另一名系统管理员处理。"))
    comment = request.form.get("comment", "")[:500]
    if run_form(None, lambda: services.reject_grant(grant, actor=current_user, comment=comment),
                flash_errors=True).done:
        flash(_("已驳回 %(u)s 的角色申请“%(role)s”。", u=grant.user.username, role=_(grant.role.label)), "success")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/active")
@permission_required(Permission.MANAGE_USERS)
def set_active(user_id: int):
    user = _visible_user_or_404(user_id)
    active = request.form.get("active") == "1"
    if run_form(None, lambda: services.set_account_active(user, actor=current_user, active=active),
                flash_errors=True).done:
        flash(_("账号已启用。") if active else _("账号已停用，其登录和 API 令牌已失效。"), "success")
    return redirect(url_for("users.detail", user_id=user.id))


# --- 本机构人员: an institution admin's own staff accounts --------------------------------------------------

def _staff_or_404(user_id: int) -> User:
    return one_visible_or_404(staff_visible_to(current_user).where(User.id == user_id))


@bp.get("/staff")
@permission_required(Permission.MANAGE_STAFF)
def staff():
    if not policies.can_manage_staff(current_user):
        raise NotPermitted()
    q = request.args.get("q", "").strip()[:64]
    pagination = paginate(filter_users(staff_visible_to(current_user), q=q or None))
    return render_template("users/staff.html", pagination=pagination, q=q,
                           talents=talents_of_accounts([u.id for u in pagination.items]),
                           can_manage=lambda account: policies.can_manage_account(current_user, account))


@bp.route("/staff/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_STAFF)
def new_staff():
    if not policies.can_manage_staff(current_user):
        raise NotPermitted()
    form = StaffCreateForm()
    form.roles.choices = coded([r for r in Role if policies.can_create_role(current_user, r)])
    run = run_form(form, lambda: services.create_staff(
        actor=current_user, username=form.username.data, password=form.password.data or None,
        name=form.name.data, roles=[form.roles.data], talent=form.talent_data()))
    if run.done:
        # Not a redirect: a generated password is shown on this response only, never kept in the session.
        return render_template("users/staff_created.html", created=run.result)
    return render_template("users/staff_new.html", form=form), run.status


@bp.post("/staff/<int:user_id>/active")
@permission_required(Permission.MANAGE_STAFF)
def staff_active(user_id: int):
    account = _staff_or_404(user_id)
    if not policies.can_manage_account(current_user, account):
        raise NotPermitted()
    active = request.form.get("active") == "1"
    if run_form(None, lambda: services.set_account_active(account, actor=current_user, active=active),
                flash_errors=True).done:
        flash(_("已启用 %(u)s 的账号。", u=account.username) if active
              else _("已停用 %(u)s 的账号，其登录和 API 令牌已失效。", u=account.username), "success")
    return redirect(url_for("users.staff"))
