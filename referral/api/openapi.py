"""GET /api/v1/openapi.json, built from the registered operations (see ``referral.api.spec``)."""

from __future__ import annotations

from flask import current_app, url_for

from referral.api import bp
from referral.api.spec import (
    ERROR_SCHEMA,
    OPERATIONS,
    Binary,
    field_schema,
    form_schema,
    is_required,
    openapi_path,
    path_parameters,
)

_ERROR_TEXT = {400: "请求格式不正确", 401: "未提供或无效的令牌",
               403: "角色无权执行此操作；或账号尚未接受保密承诺书（error.code 为 pledge_required：先接受 POST /api/v1/me/pledge）",
               404: "不存在或不在您的管辖范围内", 409: "当前状态不允许，或对象已被他人修改",
               422: "字段校验失败（见 error.fields）", 429: "尝试次数过多"}


def _content(schema) -> dict:
    if schema is None:
        return {}
    if isinstance(schema, Binary):
        return {"content": {schema.media_type: {"schema": {"type": "string", "format": "binary"}}}}
    return {"content": {"application/json": {"schema": schema}}}


def build_document() -> dict:
    paths: dict = {}
    for op in OPERATIONS:
        item = paths.setdefault(openapi_path(op.rule), {})
        parameters = path_parameters(op.rule)
        if op.query is not None:
            form = op.query(formdata=None, meta={"csrf": False})
            for fld in form:
                if fld.name == "csrf_token":
                    continue
                parameters.append({"name": fld.name, "in": "query", "required": is_required(fld),
                                   "schema": field_schema(fld)})
        responses = {str(code): {"description": text, **_content(schema)} for code, (text, schema) in op.responses.items()}
        # 400 for every operation: referral/guards.py refuses a NUL in any path or query before the view
        # (schemathesis found GET /api/v1/cases?q=%00 answering an undocumented 400, issue 13.9).
        error_codes = set(op.errors) | {400}
        if parameters and any(p["in"] == "path" for p in parameters):
            error_codes |= {404}  # an id no row has, or beyond the database's integer (the int converter)
        if op.auth:
            error_codes |= {401}
        if op.permission is not None or (op.auth and op.pledge):
            error_codes |= {403}
        if op.body is not None:
            error_codes |= {400, 422}
        if op.query is not None:
            error_codes |= {422}
        for code in sorted(error_codes):
            responses[str(code)] = {"description": _ERROR_TEXT[code],
                                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        entry = {"operationId": op.endpoint, "summary": op.summary, "tags": [op.tag], "responses": responses}
        if op.description:
            entry["description"] = op.description
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": form_schema(op.body(formdata=None, meta={"csrf": False}))}}}
        entry["security"] = [{"bearer": []}] if op.auth else []
        item[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "精康转介平台 API", "version": current_app.config.get("API_VERSION", "1"),
                 "description": "精神障碍社区康复服务转介平台的 JSON 接口。错误统一为 "
                                "{\"error\": {\"code\", \"message\", \"fields\"?}}。"},
        "servers": [{"url": url_for("api.openapi_document", _external=False).rsplit("/", 1)[0]}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "POST /api/v1/tokens 取得的令牌"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    return build_document()
