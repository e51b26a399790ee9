"""/api/v1/institutions and /api/v1/talents (docs/domain.md#api-contract)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from forms.registries import (
    ApiInstitutionPatchForm,
    ApiRegistryEventForm,
    ApiSignupForm,
    ApiTalentPatchForm,
    RegistryListQuery,
    RevealQuery,
    TalentForm,
)
from referral.api.spec import operation
from referral.attachments.models import Attachment
from referral.attachments.services import KINDS_OF_OWNER, store_upload
from referral.auth.permissions import Permission
from referral.divisions.models import within
from referral.errors import Conflict, NotPermitted, ValidationFailed
from referral.extensions import db, limiter
from referral.registries import policies, services
from referral.registries.models import Institution, Talent
from referral.registries.presenters import INSTITUTION_SCHEMA, TALENT_SCHEMA, institution_json, talent_json
from referral.registries.queries import institutions_visible_to, talents_visible_to
from referral.scoping import one_visible_or_404


def _page_schema(item):
    return {"type": "object", "required": ["items", "page", "per_page", "total"],
            "properties": {"items": {"type": "array", "items": item}, "page": {"type": "integer"},
                           "per_page": {"type": "integer"}, "total": {"type": "integer"}}}


def _list(stmt, model, query, to_json):
    if query.state.data:
        stmt = stmt.where(model.state == query.state.data)
    if query.division.data:
        stmt = stmt.where(within(model.division_code, query.division.data))
    page = db.paginate(stmt.order_by(model.id), page=query.page.data or 1, per_page=query.per_page.data or 25,
                       error_out=False, max_per_page=100)
    return {"items": [to_json(x) for x in page.items], "page": page.page, "per_page": page.per_page,
            "total": page.total}


def _provided(form_data: dict) -> dict:
    """Only the fields the JSON body carried: a PATCH changes what it names and nothing else."""
    body = request.get_json(silent=True) or {}
    names = {"division": "division_code", "contact": ("contact_name", "contact_phone"),
             "certificate": ("certificate_number", "certificate_issuer", "certificate_valid_until")}
    keep = set()
    for key in body:
        mapped = names.get(key, key)
        keep.update(mapped if isinstance(mapped, tuple) else (mapped,))
    return {k: v for k, v in form_data.items() if k in keep}


def _check_version(entry, version):
    if version is not None and version != entry.version:
        raise Conflict(_("该条目已被他人修改（版本 %(v)d），请刷新后重试。", v=entry.version))


# --- institutions -------------------------------------------------------------------------------------------

@operation("/institutions", "POST", summary="机构在线登记（公开）：建立机构草稿和机构管理员账号", tag="institutions",
           body=ApiSignupForm, auth=False, responses={201: ("已建立草稿", INSTITUTION_SCHEMA)}, errors=(429,))
@limiter.limit("20 per hour")
def create_institution(data):
    admin = data.admin.form
    _user, inst = services.register_institution(username=admin.username.data, password=admin.password.data,
                                                admin_name=admin.name.data, data=data.to_data())
    return institution_json(inst), 201


@operation("/institutions", "GET", summary="管辖范围内的机构", tag="institutions", query=RegistryListQuery,
           responses={200: ("机构列表", _page_schema(INSTITUTION_SCHEMA))})
def list_institutions(user, query):
    return _list(institutions_visible_to(user), Institution, query, institution_json)


@operation("/institutions/<int:institution_id>", "GET", summary="机构详情", tag="institutions",
           responses={200: ("机构", INSTITUTION_SCHEMA)}, errors=(404,))
def get_institution(user, institution_id):
    return institution_json(one_visible_or_404(institutions_visible_to(user).where(Institution.id == institution_id)))


@operation("/institutions/<int:institution_id>", "PATCH", summary="修改机构登记信息（在库机构的关键字段转为变更申请）",
           tag="institutions", body=ApiInstitutionPatchForm, responses={200: ("机构", INSTITUTION_SCHEMA)},
           errors=(403, 404, 409))
def patch_institution(user, institution_id, data):
    inst = one_visible_or_404(institutions_visible_to(user).where(Institution.id == institution_id))
    _check_version(inst, data.version.data)
    change = services.update_institution(inst, actor=user, data=_provided(data.to_data()))
    out = institution_json(inst)
    out["change_request_id"] = change.id if change else None
    return out


@operation("/institutions/<int:institution_id>/events", "POST", summary="机构审批事件（submit、county_approve…）",
           tag="institutions", body=ApiRegistryEventForm, responses={200: ("新状态下的机构", INSTITUTION_SCHEMA)},
           errors=(403, 404, 409))
def institution_event(user, institution_id, data):
    inst = one_visible_or_404(institutions_visible_to(user).where(Institution.id == institution_id))
    return institution_json(_fire(inst, user, data))


def _fire(entry, user, data):
    _check_version(entry, data.version.data)
    event = data.event.data
    from workflows.approval import APPROVAL_EVENTS

    if event not in APPROVAL_EVENTS:
        raise ValidationFailed(fields={"event": [_("未知事件：%(e)s", e=event)]})
    return services.advance_entry(entry, actor=user, event=event, reason=data.reason.data or "",
                                  comment=data.comment.data or "", reason_code=data.reason_code.data or None,
                                  statement=data.statement.data or "", accept_pledges=bool(data.accept_pledges.data),
                                  signer_name=data.signer_name.data or "")


# --- talents -----------------------------------------------------------------------------------------------

@operation("/talents", "POST", summary="人才登记：本人登记，或机构管理员登记本机构人员", tag="talents", body=TalentForm,
           permission=Permission.REGISTER_TALENT, responses={201: ("已建立草稿", TALENT_SCHEMA)})
def create_talent(user, data):
    return talent_json(services.create_talent(actor=user, data=data.to_data())), 201


@operation("/talents", "GET", summary="管辖范围内的人才", tag="talents", query=RegistryListQuery,
           responses={200: ("人才列表", _page_schema(TALENT_SCHEMA))})
def list_talents(user, query):
    return _list(talents_visible_to(user), Talent, query, talent_json)


@operation("/talents/<int:talent_id>", "GET", summary="人才详情（身份证号默认脱敏；reveal=id_number 需理由并记录）",
           tag="talents", query=RevealQuery, responses={200: ("人才", TALENT_SCHEMA)}, errors=(403, 404))
def get_talent(user, talent_id, query):
    talent = one_visible_or_404(talents_visible_to(user).where(Talent.id == talent_id))
    reveal = query.reveal.data == "id_number"
    if reveal:
        services.reveal_id_number(talent, actor=user, reason=query.reason.data or "")
    return talent_json(talent, reveal=reveal)


@operation("/talents/<int:talent_id>", "PATCH", summary="修改人才登记信息", tag="talents", body=ApiTalentPatchForm,
           responses={200: ("人才", TALENT_SCHEMA)}, errors=(403, 404, 409))
def patch_talent(user, talent_id, data):
    talent = one_visible_or_404(talents_visible_to(user).where(Talent.id == talent_id))
    _check_version(talent, data.version.data)
    services.update_talent(talent, actor=user, data=_provided(data.to_data()))
    return talent_json(talent)


@operation("/talents/<int:talent_id>/events", "POST", summary="人才审批事件", tag="talents",
           body=ApiRegistryEventForm, responses={200: ("新状态下的人才", TALENT_SCHEMA)}, errors=(403, 404, 409))
def talent_event(user, talent_id, data):
    talent = one_visible_or_404(talents_visible_to(user).where(Talent.id == talent_id))
    return talent_json(_fire(talent, user, data))



# --- attachments (multipart), so that another system can take an institution to county_review -------------

ATTACHMENT_SCHEMA = {"type": "object", "required": ["id", "kind", "filename", "content_type", "size"], "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string"}, "filename": {"type": "string"},
    "content_type": {"type": "string"}, "size": {"type": "integer"}, "sha256": {"type": "string"},
    "uploaded_at": {"type": "string", "format": "date-time"}}}
_OWNERS = {"institutions": ("institution", Institution, institutions_visible_to),
           "talents": ("talent", Talent, talents_visible_to)}


def _entry_or_404(user, plural: str, entry_id: int):
    _owner, model, visible = _OWNERS[plural]
    return one_visible_or_404(visible(user).where(model.id == entry_id))


def _attachment_json(att) -> dict:
    return {"id": att.id, "kind": att.kind, "filename": att.filename, "content_type": att.content_type,
            "size": att.size, "sha256": att.sha256, "uploaded_at": att.uploaded_at.isoformat()}


def _upload(user, plural: str, entry_id: int):
    entry = _entry_or_404(user, plural, entry_id)
    if not policies.can_edit_entry(user, entry):
        raise NotPermitted()
    owner = _OWNERS[plural][0]
    kind = request.form.get("kind", "")
    if kind not in KINDS_OF_OWNER[owner]:
        raise ValidationFailed(fields={"kind": [_("附件类型应为：%(k)s", k="、".join(KINDS_OF_OWNER[owner]))]})
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(fields={"file": [_("请选择要上传的文件。")]})
    return _attachment_json(store_upload(upload, owner_type=owner, owner_id=entry.id, kind=kind, actor=user,
                                         division_code=entry.division_code, field="file")), 201


def _list_attachments(user, plural: str, entry_id: int):
    entry = _entry_or_404(user, plural, entry_id)
    rows = db.session.scalars(db.select(Attachment).where(
        Attachment.owner_type == _OWNERS[plural][0], Attachment.owner_id == entry.id, Attachment.deleted_at.is_(None))
        .order_by(Attachment.uploaded_at, Attachment.id)).all()
    return {"items": [_attachment_json(a) for a in rows]}


# One pair of operations per kind of entry, as the documents do (the OpenAPI document names each path).
for _plural, (_owner, _model, _visible) in _OWNERS.items():
    def _post(user, entry_id, _plural=_plural):
        return _upload(user, _plural, entry_id)

    def _get(user, entry_id, _plural=_plural):
        return _list_attachments(user, _plural, entry_id)

    _post.__name__, _get.__name__ = f"upload_{_owner}_attachment", f"list_{_owner}_attachments"
    _post.__module__ = _get.__module__ = __name__
    operation(f"/{_plural}/<int:entry_id>/attachments", "POST", tag="registries",
              summary="上传附件（multipart/form-data：kind、file；按文件内容检查类型）",
              description=f"kind：{'、'.join(KINDS_OF_OWNER[_owner])}（登记证书或执业许可扫描件 PDF/JPG/PNG；"
                          "场地照片 JPG/PNG；资格证书扫描件 PDF/JPG/PNG）。file：文件本身，不超过 10 MB。",
              responses={201: ("已上传", ATTACHMENT_SCHEMA)}, errors=(403, 404, 422))(_post)
    operation(f"/{_plural}/<int:entry_id>/attachments", "GET", tag="registries", summary="条目的附件列表",
              responses={200: ("附件", {"type": "object", "required": ["items"], "properties": {
                  "items": {"type": "array", "items": ATTACHMENT_SCHEMA}}})}, errors=(404,))(_get)
