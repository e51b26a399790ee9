"""POST /api/v1/tokens, DELETE /api/v1/tokens/current, GET /api/v1/me."""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from forms.auth import ApiPledgeForm, TokenForm
from referral.api.spec import operation
from referral.auth import throttle, totp
from referral.auth.presenters import USER_SCHEMA, pledge_json, user_json
from referral.auth.services import (
    accept_account_pledge,
    authenticate,
    issue_token,
    latest_account_pledge,
    note_login,
    note_login_failure,
    revoke_token,
)
from referral.errors import TooManyAttempts, Unauthorized
from referral.extensions import db
from referral.pledge_texts import CONFIDENTIALITY, pledge_text

TOKEN_SCHEMA = {
    "type": "object", "required": ["token", "expires_at"],
    "properties": {"token": {"type": "string", "description": "Authorization: Bearer <token>"},
                   "expires_at": {"type": "string", "format": "date-time"}},
}


@operation("/tokens", "POST", summary="用用户名和密码换取访问令牌", tag="auth", body=TokenForm, auth=False,
           responses={201: ("已签发令牌", TOKEN_SCHEMA)}, errors=(401, 403, 429),
           description="连续 5 次失败后，第 6 次起返回 429，直到窗口期结束；成功登录会清零计数。"
                       "同一地址 15 分钟内（不论用户名）失败 20 次后也返回 429。"
                       "已启用动态验证码的账号须同时提交 totp（6 位数字）或 recovery_code："
                       "缺少时答 401 totp_required，错误时答 401 totp_invalid（计入失败次数）。"
                       "系统管理员、省级和市级民政账号须先在网页 /account/totp 设置动态验证码，"
                       "否则答 403 totp_enrolment_required。")
def create_token(data):
    username = data.username.data
    if throttle.is_blocked(username):
        raise TooManyAttempts(_("登录失败次数过多，请 %(n)d 秒后再试。", n=throttle.seconds_until_unblocked(username)))
    user = authenticate(username, data.password.data)
    if user is None:
        throttle.note_failure(username)
        note_login_failure(username, channel="api")
        db.session.commit()
        raise Unauthorized(_("用户名或密码不正确，或账号已停用。"))
    # The second factor (docs/domain.md#accounts), as the login form's second step.
    if totp.has_totp(user):
        if not (data.totp.data or data.recovery_code.data):
            db.session.commit()  # a password rehash by authenticate()
            raise totp.TotpRequired(_("此账号已启用动态验证码，请同时提交 totp 或 recovery_code。"))
        if not totp.check_second_factor(user, code=data.totp.data, recovery_code=data.recovery_code.data):
            throttle.note_failure(username)
            note_login_failure(username, channel="api_totp")
            db.session.commit()
            raise totp.TotpInvalid(_("动态验证码或恢复码不正确。"))
    elif totp.totp_required(user):
        db.session.commit()
        raise totp.TotpEnrolmentRequired(_("您的角色必须使用动态验证码：请先在网页“我的账号 → 动态验证码”中完成设置。"))
    throttle.note_success(username)
    token, row = issue_token(user)
    note_login(user, channel="api")
    return {"token": token, "expires_at": row.expires_at.isoformat()}, 201


@operation("/tokens/current", "DELETE", summary="吊销当前请求所用的令牌", tag="auth",
           responses={204: ("已吊销", None)}, pledge=False)
def revoke_current_token(user):
    revoke_token(g.api_token, actor=user)
    return "", 204


@operation("/me", "GET", summary="当前用户、角色与管辖范围", tag="auth", responses={200: ("当前用户", USER_SCHEMA)},
           pledge=False, description="pledge.required 为 true 时，本账号须先接受保密承诺书（网页 /me/pledge 或 "
                                     "POST /api/v1/me/pledge）；"
                                     "在此之前其他接口答 403（error.code 为 pledge_required）。")
def me(user):
    return user_json(user)


PLEDGE_SCHEMA = {
    "type": "object", "required": ["text_version", "preamble", "clauses", "closing", "required", "accepted_version"],
    "properties": {"text_version": {"type": "string"}, "preamble": {"type": "string"},
                   "clauses": {"type": "array", "items": {"type": "string"}}, "closing": {"type": "string"},
                   "required": {"type": "boolean"}, "accepted_version": {"type": ["string", "null"]},
                   "accepted_at": {"type": ["string", "null"], "format": "date-time"},
                   "signer_name": {"type": ["string", "null"]}},
}


def _pledge_answer(user) -> dict:
    text = pledge_text(CONFIDENTIALITY)
    accepted = latest_account_pledge(user)
    return {**pledge_json(user), "preamble": text["preamble"], "clauses": list(text["clauses"]),
            "closing": text["closing"], "signer_name": accepted.signer_name if accepted else None}


@operation("/me/pledge", "GET", summary="本账号的保密承诺书：现行文本与接受情况", tag="auth", pledge=False,
           responses={200: ("保密承诺书", PLEDGE_SCHEMA)},
           description="文本与网页 /me/pledge 和打印的保密承诺书相同（docs/domain.md#personal-data）。")
def my_pledge(user):
    return _pledge_answer(user)


@operation("/me/pledge", "POST", summary="接受本账号的保密承诺书（现行文本版本）", tag="auth", pledge=False,
           body=ApiPledgeForm, responses={201: ("已接受", PLEDGE_SCHEMA)},
           description="{\"accept\": true, \"signer_name\": \"姓名\"}：与网页 /me/pledge 相同，记录文本版本、时间和承诺人姓名。"
                       "接受之前，除 GET /me、GET|POST /me/pledge 和吊销令牌外的接口答 403 pledge_required。")
def accept_my_pledge(user, data):
    accept_account_pledge(user, signer_name=data.signer_name.data)
    return _pledge_answer(user), 201
