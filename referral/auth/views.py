from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from forms.auth import ChangePasswordForm, LoginForm
from referral.audit.services import record
from referral.auth import bp, throttle
from referral.auth.services import authenticate, change_password, note_login, note_login_failure
from referral.errors import TooManyAttempts
from referral.extensions import db
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
