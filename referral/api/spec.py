"""One definition per API operation: the route, who may call it, the WTForms class that validates its
input, and what it answers. The OpenAPI document is generated from these same objects, so the spec
cannot say something the code does not do.

    @operation("/tokens", "POST", body=TokenForm, auth=False, responses={201: ("…", TOKEN)})
    def create_token(data): ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    FieldList,
    FloatField,
    FormField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Regexp

from referral.api import bp
from referral.api.auth import api_user
from referral.auth.policies import must_accept_pledge
from referral.errors import DomainError, NotPermitted, PledgeRequired, ValidationFailed
from referral.extensions import db

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "fields": {"type": "object", "additionalProperties": {
                           "type": "array", "items": {"type": "string"}}}}}},
}


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    body: type | None
    query: type | None
    responses: dict
    auth: bool
    permission: object | None
    description: str = ""
    errors: tuple = field(default_factory=tuple)
    pledge: bool = True  # the caller's account must have accepted its 保密承诺书 (else 403 pledge_required)


OPERATIONS: list[Operation] = []


@dataclass(frozen=True)
class Binary:
    """A response that is a file, not JSON: ``responses={200: ("PDF", Binary("application/pdf"))}``."""

    media_type: str


class BadRequest(DomainError):
    status, code = 400, "bad_request"


def operation(rule: str, method: str, *, summary: str, tag: str, responses: dict, body=None, query=None,
              auth: bool = True, permission=None, description: str = "", errors=(), pledge: bool = True):
    """Register an API view. The view receives ``user`` (when ``auth``), ``data`` (a validated
    ``body`` form), ``query`` (a validated ``query`` form) and the path parameters; it returns
    ``(payload, status)``, a payload (200), or a ``Response``. An account that must still accept its
    保密承诺书 gets 403 ``pledge_required`` (docs/domain.md#personal-data), except where ``pledge=False``
    (who am I, the pledge itself, revoking one's token)."""

    def decorator(view):
        @wraps(view)
        def wrapped(**kwargs):
            if auth:
                user = api_user()
                if pledge and must_accept_pledge(user):
                    raise PledgeRequired()
                if permission is not None and not user.has_permission(permission):
                    raise NotPermitted()
                kwargs["user"] = user
            if query is not None:
                kwargs["query"] = validated(query, request.args, source="query")
            if body is not None:
                kwargs["data"] = validated(body, json_body(), source="body")
            result = view(**kwargs)
            db.session.commit()  # one commit per request, here as in Indico's RH.process (keeps last_used_at)
            if isinstance(result, Response):
                return result
            payload, status = result if isinstance(result, tuple) else (result, 200)
            return jsonify(payload), status

        endpoint = f"{view.__module__.split('.')[-2]}_{view.__name__}"
        bp.add_url_rule(rule, endpoint=endpoint, view_func=wrapped, methods=[method])
        OPERATIONS.append(Operation(rule, method, endpoint, summary, tag, body, query, responses, auth,
                                    permission, description, tuple(errors), pledge))
        return wrapped

    return decorator


def json_body() -> dict:
    payload = request.get_json(silent=True) if request.is_json else None
    if not isinstance(payload, dict):
        raise BadRequest(_("请求体必须是 JSON 对象（Content-Type: application/json）。"))
    return payload


# --- input: JSON → form data, checked against the same schema the document shows --------------------

def _form_fields(form):
    return [f for f in form if f.name != "csrf_token" and f.type != "CSRFTokenField"]


def _short(field_name: str, prefix: str) -> str:
    return field_name[len(prefix):] if prefix and field_name.startswith(prefix) else field_name


_JSON_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
_TYPE_NAMES = {"string": _l("字符串"), "integer": _l("整数"), "number": _l("数字"), "boolean": _l("布尔值"),
               "array": _l("数组"), "object": _l("对象")}


def _flatten(form, payload: dict, prefix: str, out: MultiDict, errors: dict, path: str = ""):
    """Nested JSON objects become WTForms' ``outer-inner`` names; errors are keyed by JSON path."""
    fields = {_short(f.name, prefix): f for f in _form_fields(form)}
    for key in payload:
        if key not in fields:
            errors[path + key] = [_("未知字段。")]
    for key, fld in fields.items():
        if key not in payload or payload[key] is None:
            continue
        value = payload[key]
        schema_type = json_type(fld)
        if not _JSON_TYPE_CHECKS[schema_type](value):
            errors[path + key] = [_("应为%(type)s。", type=_TYPE_NAMES[schema_type])]
            continue
        if isinstance(fld, FormField):
            _flatten(fld.form, value, fld.name + fld.separator, out, errors, f"{path}{key}.")
        elif isinstance(fld, FieldList):
            _flatten_list(fld, value, out, errors, f"{path}{key}")
        elif schema_type == "array":
            for item in value:
                out.add(fld.name, str(item))
        elif schema_type == "boolean":
            # "false" rather than nothing: a field that may be unknown (forms.fields.YesNoField) tells them apart.
            out.add(fld.name, "y" if value else "false")
        else:
            out.add(fld.name, str(value))


def _entry_form(fld: FieldList, index: int):
    """A probe of entry ``index`` of a list of sub-forms (``name-0-…``), to flatten its JSON object."""
    return fld.unbound_field.args[0](formdata=None, prefix=f"{fld.name}{fld._separator}{index}{fld._separator}")


def _flatten_list(fld: FieldList, items: list, out: MultiDict, errors: dict, path: str):
    """A JSON array of objects into a FieldList of FormFields (``medications-0-name`` …); errors at ``path.i``."""
    if fld.max_entries is not None and len(items) > fld.max_entries:
        errors[path] = [_("最多 %(n)d 项。", n=fld.max_entries)]
        return
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"{path}.{index}"] = [_("应为%(type)s。", type=_TYPE_NAMES["object"])]
            continue
        probe = _entry_form(fld, index)
        _flatten(probe, item, probe._prefix, out, errors, f"{path}.{index}.")


def validated(form_class, source_data, *, source: str):
    if source == "body":
        probe = form_class(formdata=None, meta={"csrf": False})
        formdata, errors = MultiDict(), {}
        _flatten(probe, source_data, "", formdata, errors)
    else:
        probe = form_class(formdata=None, meta={"csrf": False})
        known = {f.name for f in _form_fields(probe)}
        errors = {k: [_("未知参数。")] for k in source_data if k not in known}
        formdata = source_data
    if errors:
        raise ValidationFailed(fields=errors)
    form = form_class(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        raise ValidationFailed(fields=flat_errors(form.errors))
    return form


def flat_errors(errors: dict, prefix: str = "") -> dict:
    out = {}
    for name, value in errors.items():
        if isinstance(value, dict):
            out.update(flat_errors(value, f"{prefix}{name}."))
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):  # a FieldList: one dict per entry
            for index, entry in enumerate(value):
                if isinstance(entry, dict) and entry:
                    out.update(flat_errors(entry, f"{prefix}{name}.{index}."))
        else:
            out[f"{prefix}{name}"] = [str(v) for v in value]
    return out


# --- output: form class → JSON Schema ----------------------------------------------------------------

def _choices(fld):
    return [str(value) for value, *_rest in (fld.choices or [])]


def json_type(fld) -> str:
    """The JSON type of a field's value: what a body is checked against before its schema is needed (the whole
    schema of a sub-form is not built on each request; docs/architecture.md#speed)."""
    if isinstance(fld, FormField):
        return "object"
    if isinstance(fld, FieldList | SelectMultipleField):
        return "array"
    if isinstance(fld, SelectField | RadioField):
        return "string"
    if isinstance(fld, BooleanField):
        return "boolean"
    if isinstance(fld, IntegerField):
        return "integer"
    if isinstance(fld, DecimalField | FloatField):
        return "number"
    return "string"


def field_schema(fld) -> dict:
    if isinstance(fld, FormField):
        return form_schema(fld.form, prefix=fld.name + fld.separator)
    if isinstance(fld, FieldList):  # of sub-forms: an array of objects
        probe = _entry_form(fld, 0)
        schema = {"type": "array", "items": form_schema(probe, prefix=probe._prefix)}
        if fld.max_entries is not None:
            schema["maxItems"] = fld.max_entries
        if fld.label and fld.label.text:
            schema["title"] = str(fld.label.text)
        return schema
    if isinstance(fld, SelectMultipleField):
        # Choices set per request (a county list) are not a fixed enum: the items are codes.
        items = {"type": "string", "enum": _choices(fld)} if fld.choices else {"type": "string", "pattern": "^[0-9]{6}$"}
        items = dict(getattr(fld, "item_schema", None) or items)  # a field may say what its items are
        schema = {"type": "array", "items": items}
    elif isinstance(fld, SelectField | RadioField):
        schema = {"type": "string", "enum": _choices(fld)}
    elif isinstance(fld, BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(fld, IntegerField):
        schema = {"type": "integer"}
    elif isinstance(fld, DecimalField | FloatField):
        schema = {"type": "number"}
    elif isinstance(fld, DateField):  # before DateTimeField: WTForms' DateField is a subclass of it
        schema = {"type": "string", "format": "date"}
    elif isinstance(fld, DateTimeField):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(fld, PasswordField):
        schema = {"type": "string", "format": "password"}
    else:
        schema = {"type": "string"}
    for v in fld.validators:
        if isinstance(v, Length):
            if v.min not in (None, -1) and v.min > 0:
                schema["minLength"] = v.min
            if v.max not in (None, -1):
                schema["maxLength"] = v.max
        elif isinstance(v, NumberRange):  # several ranges (a field's own and forms.bound_numbers): the tightest
            if v.min is not None:
                schema["minimum"] = max(v.min, schema.get("minimum", v.min))
            if v.max is not None:
                schema["maximum"] = min(v.max, schema.get("maximum", v.max))
        elif isinstance(v, Regexp):
            schema["pattern"] = v.regex.pattern
        elif isinstance(v, Email):
            schema["format"] = "email"
    title = str(fld.label.text) if fld.label else ""
    if title:
        schema["title"] = title
    if fld.description:
        schema["description"] = str(fld.description)
    return schema


def is_required(fld) -> bool:
    return any(isinstance(v, DataRequired | InputRequired) for v in fld.validators)


def form_schema(form, prefix: str = "") -> dict:
    props, required = {}, []
    for fld in _form_fields(form):
        name = _short(fld.name, prefix)
        props[name] = field_schema(fld)
        if is_required(fld):
            required.append(name)
    schema = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")


def openapi_path(rule: str) -> str:
    return _PARAM.sub(lambda m: "{" + m.group("name") + "}", rule)


def path_parameters(rule: str) -> list[dict]:
    return [{"name": m.group("name"), "in": "path", "required": True,
             "schema": {"type": "integer"} if m.group("conv") == "int" else {"type": "string"}}
            for m in _PARAM.finditer(rule)]
