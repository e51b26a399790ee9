from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from forms.auth import (
    AccountForm,
    ChangePasswordForm,
    LoginForm,
    LoginTotpForm,
    PledgeForm,
    TotpCodeForm,
    id_number_change,
)
from referral.auth import bp, throttle, totp
from referral.auth.models import SessionEnd, User, UserSession
from referral.auth.policies import can_end_session, must_accept_pledge, needs_account_pledge
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
from referral.auth.sessions import (
    active_sessions,
    browser_label,
    current_session,
    end_session,
    sign_out_everywhere,
    start_session,
)
from referral.errors import TooManyAttempts
from referral.extensions import db
from referral.models import utcnow
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
        if totp.has_totp(user):
            # The second step (docs/domain.md#accounts): the password was right; the session only remembers
            # which account is half signed in, for a few minutes. The failure count is cleared after step two.
            session[_PENDING] = {"id": user.id, "nonce": _password_mark(user), "at": utcnow().timestamp(),
                                 "next": form.next.data or ""}
            db.session.commit()  # a password rehash by authenticate()
            return redirect(url_for("auth.login_totp"))
        throttle.note_success(username)
        start_session(user, user_agent=request.headers.get("User-Agent", ""), ip=request.remote_addr)
        note_login(user, channel="web")
        db.session.commit()
        login_user(user)  # the cookie gets the new session's token (User.get_id)
        return redirect(safe_next(form.next.data, url_for("home.index")))
    return render_template("auth/login.html", form=form)


_PENDING = "totp_pending"
_PENDING_SECONDS = 300


def _password_mark(user: User) -> str:
    """What the half-signed-in session remembers of the password it was given: a changed password since then
    ends the second step too."""
    import hashlib

    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _pending_login() -> tuple[User, str] | None:
    """The account that gave its password and now owes its code, unless that was too long ago or the
    account changed since (password, disabled)."""
    pending = session.get(_PENDING)
    if not pending or utcnow().timestamp() - pending.get("at", 0) > _PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("id"))
    if user is None or not user.active or _password_mark(user) != pending.get("nonce"):
        return None
    return user, pending.get("next", "")


@bp.route("/login/totp", methods=["GET", "POST"])
def login_totp():
    pending = _pending_login()
    if pending is None:
        session.pop(_PENDING, None)
        flash(_("请重新输入用户名和密码。"), "info")
        return redirect(url_for("auth.login"))
    user, next_ = pending
    form = LoginTotpForm()
    if form.validate_on_submit():
        if throttle.is_blocked(user.username):
            raise TooManyAttempts(_("登录失败次数过多，请 %(n)d 秒后再试。",
                                    n=throttle.seconds_until_unblocked(user.username)))
        if totp.check_second_factor(user, code=form.code.data, recovery_code=form.recovery_code.data):
            session.pop(_PENDING, None)
            throttle.note_success(user.username)
            start_session(user, user_agent=request.headers.get("User-Agent", ""), ip=request.remote_addr)
            note_login(user, channel="web")
            db.session.commit()
            login_user(user)  # the cookie gets the new session's token (User.get_id)
            return redirect(safe_next(next_, url_for("home.index")))
        # A wrong code counts as a failed sign-in: six guesses in a row, as for the password.
        throttle.note_failure(user.username)
        note_login_failure(user.username, channel="web_totp")
        db.session.commit()
        form.code.errors.append(_("验证码或恢复码不正确。"))
    return render_template("auth/login_totp.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # Ending the row is what makes a copied cookie dead; the cookie is cleared as well.
    end_session(current_session(), reason=SessionEnd.LOGOUT, actor=current_user._get_current_object())
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
                                                 new=form.new_password.data, keep_session=current_session()))
    if run.done:  # this session continues, every other one ends
        flash(_("密码已修改。其他设备上的登录和 API 令牌已失效。"), "success")
        return redirect(url_for("home.index"))
    # As before the runner: only the service's refusal answers 422; invalid input re-renders with 200.
    return render_template("auth/password.html", form=form), 422 if run.refused else 200


# --- the account's own 保密承诺书 at first sign-in (docs/domain.md#personal-data) ---------------------------

#: What an account that still has to accept its pledge may reach: signing out, the pledge page, changing
#: its password, the page preferences and the public pages of paper forms and verification. The API has its
#: own check (referral/api/spec.py: operation answers 403 ``pledge_required``).
PLEDGE_EXEMPT = frozenset({"static", "ping", "auth.login", "auth.login_totp", "auth.logout", "auth.pledge", "auth.password",
                           "auth.totp", "auth.sessions", "auth.end_session", "auth.sign_out_everywhere",
                           "home.set_language", "home.set_text_size", "documents.blanks", "documents.blank",
                           "documents.verify"})


@bp.before_app_request
def resolve_session():
    """Check the cookie's session first, before any other gate: an ended, idle or expired one signs out with
    its own message, and the rare writes of the check (the end of a timed-out session, ``last_seen_at`` at
    most once a minute) are committed here, before the view's work begins (referral/auth/sessions.py)."""
    if request.endpoint in (None, "static", "ping") or request.blueprint == "api":
        return None
    current_user._get_current_object()  # runs the session loader once for this request
    if g.pop("session_written", False):
        db.session.commit()
    if g.get("session_ended"):
        session.pop("_user_id", None)  # the flash below is said once, not on every following page
        flash(_("登录已超时，请重新登录。"), "info")
    return None


# Registered before the pledge check, so an account that must enrol does that first ("before anything else").
TOTP_EXEMPT = frozenset({"static", "ping", "auth.login", "auth.login_totp", "auth.logout", "auth.totp",
                         "home.set_language", "home.set_text_size"})


@bp.before_app_request
def require_totp_enrolment():
    """Sysadmins, province and city officials without a second factor enrol before anything else
    (docs/domain.md#accounts). The API refuses them a token instead (referral/auth/api.py)."""
    if request.endpoint is None or request.endpoint in TOTP_EXEMPT or request.blueprint == "api":
        return None
    if not current_user.is_authenticated or not totp.totp_required(current_user) or totp.has_totp(current_user):
        return None
    flash(_("您的角色必须使用动态验证码登录，请先完成设置。"), "info")
    return redirect(url_for("auth.totp"))


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
    return render_template("auth/account.html", form=form, user=user, pledge=latest_account_pledge(user),
                           has_totp=totp.has_totp(user)), run.status


# --- 我的登录会话: one's own sessions (docs/domain.md#sessions) ---------------------------------------------------

@bp.get("/account/sessions")
@login_required
def sessions():
    user = current_user._get_current_object()
    return render_template("auth/sessions.html", rows=active_sessions(user), current=current_session(),
                           browser_label=browser_label)


@bp.post("/account/sessions/<int:session_id>/end", endpoint="end_session")
@login_required
def end_session_view(session_id: int):
    row = db.session.get(UserSession, session_id)
    if row is None or not can_end_session(current_user, row):
        abort(404)  # another account's session is not there for this one
    if row.id == current_session().id:
        return logout()
    if run_form(None, lambda: end_session(row, reason=SessionEnd.ENDED_BY_USER, actor=current_user._get_current_object()),
                flash_errors=True).done:
        flash(_("已结束该登录会话。"), "success")
    return redirect(url_for("auth.sessions"))


@bp.post("/account/sessions/end-all", endpoint="sign_out_everywhere")
@login_required
def sign_out_everywhere_view():
    user = current_user._get_current_object()
    if run_form(None, lambda: sign_out_everywhere(user), flash_errors=True).done:
        logout_user()
        flash(_("已退出所有设备上的登录，API 令牌也已失效。请重新登录。"), "success")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.sessions"))



# --- the TOTP second factor of one's own account (docs/domain.md#accounts) ----------------------------------

_ENROL_SECRET = "totp_enrol_secret"


@bp.route("/account/totp", methods=["GET", "POST"], endpoint="totp")
@login_required
def totp_page():
    """Enrol (a new phone replaces the old one): the secret as a QR code and as text, confirmed with a code;
    the recovery codes are shown on the answer to the confirmation, once."""
    user = current_user._get_current_object()
    credential = totp.credential_of(user)
    enrolling = credential is None or request.values.get("replace") == "1"
    form = TotpCodeForm()
    if not enrolling:
        return render_template("auth/totp.html", credential=credential, user=user,
                               regenerate=TotpCodeForm(prefix="regenerate"), remove=TotpCodeForm(prefix="remove"),
                               required=totp.totp_required(user), left=totp.recovery_codes_left(user))
    if not session.get(_ENROL_SECRET):  # kept across reloads: the QR code scanned stays the one confirmed
        session[_ENROL_SECRET] = totp.new_secret()
    secret = session[_ENROL_SECRET]
    run = run_form(form, lambda: totp.enrol(user, secret=secret, code=form.code.data))
    if run.done:
        session.pop(_ENROL_SECRET, None)
        return render_template("auth/totp_codes.html", codes=run.result, enrolled=True)
    uri = totp.provisioning_uri(user, secret)
    return render_template("auth/totp_enrol.html", form=form, secret=secret, qr=totp.qr_svg(uri),
                           replace=credential is not None, required=totp.totp_required(user)), run.status


@bp.post("/account/totp/recovery-codes")
@login_required
def totp_recovery_codes():
    user = current_user._get_current_object()
    form = TotpCodeForm(prefix="regenerate")
    run = run_form(form, lambda: totp.regenerate_recovery_codes(user, code=form.code.data), flash_errors=True)
    if run.done:
        return render_template("auth/totp_codes.html", codes=run.result, enrolled=False)
    return redirect(url_for("auth.totp"))


@bp.post("/account/totp/remove")
@login_required
def totp_remove():
    user = current_user._get_current_object()
    form = TotpCodeForm(prefix="remove")
    if run_form(form, lambda: totp.remove(user, actor=user, code=form.code.data), flash_errors=True).done:
        flash(_("已关闭动态验证码。"), "success")
        return redirect(url_for("auth.account"))
    return redirect(url_for("auth.totp"))
