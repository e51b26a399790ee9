"""Domain errors and the app-wide handlers that turn them (and HTTP errors) into responses:
JSON ``{"error": {"code", "message", "fields"?}}`` for the API, Chinese HTML pages for people."""

from __future__ import annotations

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from workflows.engine import DATA, WHO, ActionRefused


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields


class NotPermitted(DomainError):
    status, code = 403, "forbidden"


class PledgeRequired(NotPermitted):
    """The account has not accepted its 保密承诺书 yet (docs/domain.md#personal-data): on the web page
    /me/pledge, or POST /api/v1/me/pledge."""

    code = "pledge_required"

    def __init__(self, message: str | None = None, fields: dict | None = None):
        super().__init__(message or _("使用平台前，请先阅读并接受本账号的保密承诺书（网页 /me/pledge，"
                                      "或 POST /api/v1/me/pledge）。"),
                         fields)


class Conflict(DomainError):
    status, code = 409, "conflict"


class ValidationFailed(DomainError):
    status, code = 422, "validation_failed"


class TooManyAttempts(DomainError):
    status, code = 429, "too_many_requests"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


def refusal_error(exc: ActionRefused) -> DomainError:
    """A machine's refusal as the error people see, from what its flow declared beside the failed condition
    (workflows/engine.py): who acts (403), data to supply (422 on that field), or the state (409)."""
    message = _(exc.message) if exc.message else None
    if exc.kind == WHO:
        return NotPermitted(message)
    if exc.kind == DATA:
        return ValidationFailed(message, fields={exc.field: [message]})
    return Conflict(message)


def default_message(status: int) -> str:
    return {
        400: _("请求格式不正确。"),
        401: _("未登录或凭据无效。"),
        403: _("您没有权限执行此操作。"),
        404: _("未找到该页面或对象。"),
        405: _("不支持该请求方法。"),
        409: _("该对象已被他人修改，或当前状态不允许此操作。请刷新后重试。"),
        422: _("提交的内容有误，请检查标出的字段。"),
        429: _("尝试次数过多，请稍后再试。"),
        500: _("服务器内部错误。操作未保存，请稍后重试。"),
    }.get(status, _("请求无法完成。"))


def error_title(status: int) -> str:
    return {
        400: _("请求无效"), 401: _("请先登录"), 403: _("没有权限"), 404: _("未找到"), 409: _("操作冲突"),
        429: _("请求过于频繁"), 500: _("服务器错误"),
    }.get(status, _("请求无法完成"))


CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "validation_failed",
         429: "too_many_requests", 500: "internal_error"}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str | None = None, message: str | None = None,
                   fields: dict | None = None, headers=None):
    message = message or default_message(status)
    code = code or CODES.get(status, "error")
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if fields:
            body["error"]["fields"] = fields
        response = jsonify(body)
    else:
        response = make_response(render_template("errors/error.html", status=status, title=error_title(status),
                                                 message=message))
    response.status_code = status
    if status == 401 and request.path.startswith("/api/"):
        response.headers["WWW-Authenticate"] = "Bearer"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def register_error_handlers(app):
    from referral.extensions import db

    @app.errorhandler(DomainError)
    def handle_domain(exc: DomainError):
        db.session.rollback()
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    @app.errorhandler(StaleDataError)
    def handle_stale(exc):
        db.session.rollback()
        return error_response(409, "conflict", _("该对象已被他人修改，请刷新后重试。"))

    @app.errorhandler(DataError)
    def handle_data_error(exc):
        # A value the column cannot hold that slipped past the forms (referral/guards.py bounds the known
        # ones): the request is refused as input, and logged so the missing bound gets added.
        db.session.rollback()
        app.logger.warning("database refused a value: %s", exc.orig)
        return error_response(400, "bad_request", _("提交的数值超出范围或格式无效。"))

    @app.errorhandler(CSRFError)
    def handle_csrf(exc):
        return error_response(400, "csrf_failed", _("页面已过期或表单无效，请刷新页面后重新提交。"))

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        if exc.code and exc.code >= 500:
            db.session.rollback()
        headers = {}
        if exc.code == 429:
            retry = getattr(exc, "retry_after", None)
            if retry:
                headers["Retry-After"] = str(retry)
        if exc.code == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        # Keep our own descriptions (abort(400, "…")); Werkzeug's English defaults give way to ours.
        custom = exc.description != type(exc).description
        desc = exc.description if custom and exc.code in (400, 422) else None
        return error_response(exc.code or 500, message=desc, headers=headers)

    @app.errorhandler(Exception)
    def handle_unexpected(exc):
        # microblog's rule: a failed request must not leave half a transaction behind.
        db.session.rollback()
        app.logger.exception("unhandled error")
        return error_response(500)
