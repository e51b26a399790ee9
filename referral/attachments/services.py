"""Attachment operations: receive, check and keep an upload; hand a kept file back to a view; withdraw one.
They add rows and audit entries and flush; the view commits (docs/architecture.md#principles, 2)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from referral.attachments import content, storage
from referral.attachments.models import Attachment
from referral.audit.services import record
from referral.errors import Conflict, DomainError, ValidationFailed
from referral.extensions import db
from referral.models import utcnow

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Kind:
    types: tuple[str, ...]  # content types accepted for this kind
    wrong_type: str  # the message when the file is of another type (lazy: the request's language)


# What each kind of attachment may be. A new kind is one line here; the database stores the name as is.
KINDS = {
    "licence_scan": Kind((content.PDF, content.JPEG, content.PNG), _l("只接受 PDF、JPG 或 PNG 文件。")),
    "premises_photo": Kind((content.JPEG, content.PNG), _l("只接受 JPG 或 PNG 图片。")),
    "certificate_scan": Kind((content.PDF, content.JPEG, content.PNG), _l("只接受 PDF、JPG 或 PNG 文件。")),
}
# Which kinds each registry entry takes: an institution its licence and premises, a talent the certificate.
KINDS_OF_OWNER = {"institution": ("licence_scan", "premises_photo"), "talent": ("certificate_scan",)}

REFUSALS = {
    "corrupt_image": _l("文件已损坏或不是真正的图片。"),
    "too_many_pixels": _l("图片像素过多，请缩小后再上传。"),
    "corrupt_pdf": _l("文件已损坏或不是有效的 PDF。"),
    "encrypted_pdf": _l("PDF 文件设有密码，请上传未加密的文件。"),
    "active_pdf": _l("PDF 文件含有脚本、链接动作、表单或嵌入文件，请打印或另存为普通 PDF 后再上传。"),
}


class AttachmentUnavailable(DomainError):
    """The stored file of an attachment is missing or no longer matches its SHA-256: a server-side fault
    (disk, backup restore, tampering), not the user's, so 500 with a message that sends them to an admin."""

    status, code = 500, "attachment_unavailable"


class OpenedAttachment(NamedTuple):
    path: Path
    content_type: str
    download_name: str

    @property
    def as_attachment(self) -> bool:
        # PDFs are downloaded, never shown inside our origin; images (JPEG/PNG only) are safe to show inline.
        return self.content_type == content.PDF


def store_upload(file_storage, *, owner_type: str, owner_id: int, kind: str, actor,
                 division_code: str | None = None, field: str = "attachment") -> Attachment:
    """Check an uploaded file by its content and keep it as an attachment of ``owner_type``/``owner_id``.

    ``file_storage`` is a werkzeug ``FileStorage`` (``request.files[...]``). It is read in chunks up to
    ``ATTACHMENT_MAX_BYTES`` (default 10 MiB), never whole into memory. A file that is empty, too large, of a
    type ``kind`` does not accept, or that does not really decode as that type raises
    ``ValidationFailed(fields={field: [message]})``. ``division_code`` scopes the audit entry (the owner's
    county). Adds the row and an ``attachment.upload`` audit entry and flushes; the caller commits."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown attachment kind {kind!r}")  # a programming error, not the user's

    def refusal(message) -> ValidationFailed:
        return ValidationFailed(fields={field: [str(message)]})

    if not file_storage:  # FileStorage is false without a file name: nothing was chosen in the form
        raise refusal(_("请选择要上传的文件。"))
    max_bytes = int(current_app.config.get("ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))

    with storage.incoming() as upload:
        while chunk := file_storage.stream.read(storage.CHUNK):
            if upload.size + len(chunk) > max_bytes:
                raise refusal(_("文件超过 %(limit)s。", limit=size_label(max_bytes)))
            upload.write(chunk)
        if upload.size == 0:
            raise refusal(_("文件为空。"))
        upload.finish()
        content_type = content.sniff(upload.path)
        if content_type not in spec.types:
            raise refusal(spec.wrong_type)
        try:
            content.check(upload.path, content_type,
                          max_pixels=int(current_app.config.get("ATTACHMENT_MAX_PIXELS", content.MAX_PIXELS)))
        except content.Refused as exc:
            raise refusal(REFUSALS[exc.reason]) from exc
        key = storage.keep(upload)

    attachment = Attachment(
        owner_type=owner_type, owner_id=owner_id, kind=kind,
        filename=clean_filename(file_storage.filename, content.TYPES[content_type], fallback=kind),
        content_type=content_type, size=upload.size, sha256=upload.sha256, storage_key=key,
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(attachment)
    db.session.flush()  # the id, for the audit entry
    # No file name in the entry: names such as "张三身份证.jpg" are personal data, and audit readers are many.
    record("attachment.upload", owner_type, owner_id, actor=actor, division_code=division_code,
           attachment_id=attachment.id, kind=kind, sha256=attachment.sha256, size=attachment.size,
           content_type=content_type)
    db.session.flush()
    return attachment


def open_attachment(attachment: Attachment, *, include_deleted: bool = False) -> OpenedAttachment:
    """The checked file of an attachment, as ``(path, content_type, download_name)``, for a view that has
    already loaded the attachment and checked that the user may see its owner. The SHA-256 of the file is
    checked on every read; a missing or altered file raises ``AttachmentUnavailable`` (500) and is logged.
    A withdrawn attachment raises ``NotFound`` unless ``include_deleted`` (e.g. for an auditor).

    The view must serve it like this, and set these headers itself::

        opened = open_attachment(attachment)
        response = send_file(opened.path, mimetype=opened.content_type, download_name=opened.download_name,
                             as_attachment=opened.as_attachment,  # PDFs: download; JPEG/PNG: inline
                             conditional=True, max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"  # the browser must not guess another type
        response.headers["Cache-Control"] = "private, no-store"  # no copy of personal data in shared caches
        return response

    Always pass ``mimetype=`` (the type detected at upload), never let it be guessed from the file name."""
    if attachment.deleted_at is not None and not include_deleted:
        raise NotFound()
    try:
        path = storage.verified_path(attachment.storage_key, attachment.sha256)
    except storage.StoredFileUnavailable as exc:
        current_app.logger.error("attachment %s unavailable: %s", attachment.id, exc)
        raise AttachmentUnavailable(_("附件文件缺失或已损坏，请联系系统管理员。")) from exc
    return OpenedAttachment(path, attachment.content_type, attachment.filename)


def delete_attachment(attachment: Attachment, *, actor, division_code: str | None = None) -> Attachment:
    """Withdraw an attachment: the row is marked deleted and the file is kept (other rows may share it, and
    nothing submitted is ever lost). Withdrawing it twice is a ``Conflict``. Audits and flushes."""
    if attachment.deleted_at is not None:
        raise Conflict()
    attachment.deleted_at = utcnow()
    record("attachment.delete", attachment.owner_type, attachment.owner_id, actor=actor,
           division_code=division_code, attachment_id=attachment.id, kind=attachment.kind,
           sha256=attachment.sha256)
    db.session.flush()
    return attachment


def size_label(size: int) -> str:
    """1,048,576 bytes read as "1.0 MB": one decimal, as people are used to from their file manager."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} B"


# Characters Windows and browsers refuse in a download name, plus path separators.
_UNSAFE = str.maketrans({ch: "_" for ch in '\\/:*?"<>|'})


def clean_filename(raw: str | None, file_type: content.FileType, *, fallback: str) -> str:
    """The uploader's file name, safe to offer back as a download name, with an extension that matches the
    detected type. Chinese names are kept (werkzeug's ``secure_filename`` would drop every CJK character)."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # old browsers send the whole client-side path
    # Control and format characters go: among them U+202E, which makes "gpj.exe" display as "exe.jpg".
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = name.translate(_UNSAFE).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if extension.lower() in file_type.extensions:
        extension = extension.lower()
    else:
        if extension.lower() not in content.KNOWN_EXTENSIONS and extension:
            stem = name  # "报告.final" keeps its whole name; "scan.png" that is a JPEG becomes "scan.jpg"
        extension = file_type.extension
    stem = stem.strip(" .") or fallback
    return f"{stem[:255 - len(extension) - 1]}.{extension}"
