from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from forms.auth import AccountForm, ChangePasswordForm, LoginForm, PledgeForm, id_number_change
from referral.audit.services import record
from referral.auth import bp, throttle
from referral.auth.policies import must_accept_pledge, needs_account_pledge
from referral.auth.presenters import mask_id_number
from referral.auth.services import (
    KEEP,
    accept_account_pledge,
    authenticate,
    change_password,
    has_accepted_current_pledge,
    latest_account_pledge,
    note_login,
    note_login_failure,
    update_own_account,
)
from referral.errors import TooManyAttempts
from referral.extensions import db
from referral.pledge_texts import CONFIDENTIALITY, pledge_text
from referral.urls import safe_next
from referral.web import run_form


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        username = form.username.data
        if throttle.is_blocked(username):
            raise TooManyAttempts(_("登录失败次数过多，请 %(n)d 秒后再试。",
                                    n=throttle.seconds_until_unblocked(username)))
        user = authenticate(username, form.password.data)
        if user is None:
            throttle.note_failure(username)
            note_login_failure(username, channel="web")
            db.session.commit()
            form.password.errors.append(_("用户名或密码不正确，或账号已停用。"))
            return render_template("auth/login.html", form=form), 200
        throttle.note_success(username)
        note_login(user, channel="web")
        db.session.commit()
        login_user(user)
        return redirect(safe_next(form.next.data, url_for("home.index")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    record("auth.logout", "user", current_user.id, actor=current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("您已安全退出。"), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    run = run_form(form, lambda: change_password(user, current=form.current_password.data,
                                                 new=form.new_password.data))
    if run.done:
        login_user(user)  # the nonce changed: this session continues, every other one ends
        flash(_("密码已修改。其他设备上的登录和 API 令牌已失效。"), "success")
        return redirect(url_for("home.index"))
    # As before the runner: only the service's refusal answers 422; invalid input re-renders with 200.
    return render_template("auth/password.html", form=form), 422 if run.refused else 200


# --- the account's own 保密承诺书 at first sign-in (docs/domain.md#personal-data) ---------------------------

#: What an account that still has to accept its pledge may reach: signing out, the pledge page, changing
#: its password, the page preferences and the public pages of paper forms and verification. The API has its
#: own check (referral/api/spec.py: operation answers 403 ``pledge_required``).
PLEDGE_EXEMPT = frozenset({"static", "auth.login", "auth.logout", "auth.pledge", "auth.password",
                           "home.set_language", "home.set_text_size", "documents.blanks", "documents.blank",
                           "documents.verify"})


@bp.before_app_request
def require_account_pledge():
    if request.endpoint is None or request.endpoint in PLEDGE_EXEMPT or request.blueprint == "api":
        return None
    if not current_user.is_authenticated or not must_accept_pledge(current_user):
        return None
    target = request.full_path.rstrip("?") if request.method == "GET" else ""
    return redirect(url_for("auth.pledge", next=target or None))


@bp.app_template_global("pledge_text")
def _pledge_text(code: str = CONFIDENTIALITY) -> dict:
    """The current text of a pledge, for the pages that show it (the same definition the PDFs print)."""
    return pledge_text(code)


bp.add_app_template_global(mask_id_number, "mask_id_number")
bp.add_app_template_global(latest_account_pledge, "latest_account_pledge")


@bp.route("/me/pledge", methods=["GET", "POST"])
@login_required
def pledge():
    user = current_user._get_current_object()
    form = PledgeForm(data={"signer_name": user.display_name, "next": request.args.get("next", "")}
                      if request.method == "GET" else None)
    accepted = has_accepted_current_pledge(user)
    # Once this version is accepted the page shows the record, not the form: there is nothing to post.
    run = run_form(form, lambda: accept_account_pledge(user, signer_name=form.signer_name.data),
                   valid=False if accepted else None)
    if run.done:
        flash(_("您已接受保密承诺书，可以开始使用平台。"), "success")
        return redirect(safe_next(form.next.data, url_for("home.index")))
    return render_template("auth/pledge.html", form=form, accepted=latest_account_pledge(user) if accepted else None,
                           required=needs_account_pledge(user)), run.status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """我的账号: one's own name, e-mail and 身份证号; roles and scope are shown, not edited."""
    user = current_user._get_current_object()
    form = AccountForm(data={"display_name": user.display_name, "email": user.email or ""}
                       if request.method == "GET" else None)
    run = run_form(form, lambda: update_own_account(user, display_name=form.display_name.data,
                                                    email=form.email.data, id_number=id_number_change(form, KEEP)))
    if run.done:
        flash(_("已保存。"), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, user=user,
                           pledge=latest_account_pledge(user)), run.status
