"""Uploads are judged by their bytes, kept once outside the web root with mode 0600, checked again on every
read, and audited."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from referral.attachments import content, storage
from referral.attachments.models import Attachment
from referral.attachments.services import (
    AttachmentUnavailable,
    clean_filename,
    delete_attachment,
    open_attachment,
    store_upload,
)
from referral.audit.models import AuditEntry
from referral.auth.permissions import Role
from referral.errors import Conflict, ValidationFailed


@pytest.fixture
def root(app, tmp_path):
    root = tmp_path / "attachment-store"
    app.config["ATTACHMENT_ROOT"] = str(root)
    return root


@pytest.fixture
def actor(create_user):
    return create_user(Role.INSTITUTION_ADMIN, username="uploader")


def png_bytes(size=(64, 48), colour="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(out, "JPEG")
    return out.getvalue()


def pdf_bytes(writer: PdfWriter | None = None) -> bytes:
    if writer is None:
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)  # A4
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(data: bytes, filename="file.bin", client_type="application/octet-stream") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=client_type)


def store(data, filename="file.bin", kind="licence_scan", actor=None, **kwargs):
    return store_upload(upload(data, filename), owner_type="institution", owner_id=7, kind=kind, actor=actor,
                        **kwargs)


def kept_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts)


def refusal(excinfo, field="attachment") -> list[str]:
    assert excinfo.value.status == 422
    return excinfo.value.fields[field]


@pytest.mark.parametrize(("maker", "name", "kind", "content_type"), [
    (pdf_bytes, "营业执照.pdf", "licence_scan", "application/pdf"),
    (jpeg_bytes, "licence.jpg", "licence_scan", "image/jpeg"),
    (png_bytes, "licence.png", "licence_scan", "image/png"),
    (jpeg_bytes, "门口.JPEG", "premises_photo", "image/jpeg"),
    (png_bytes, "hall.png", "premises_photo", "image/png"),
])
def test_real_files_are_kept(root, db, actor, maker, name, kind, content_type):
    data = maker()
    attachment = store(data, name, kind=kind, actor=actor)
    db.session.commit()

    row = db.session.get(Attachment, attachment.id)
    assert (row.owner_type, row.owner_id, row.kind, row.content_type) == ("institution", 7, kind, content_type)
    assert row.size == len(data) and row.uploaded_by_id == actor.id and row.deleted_at is None
    assert row.filename == name.replace(".JPEG", ".jpeg")
    assert row.storage_key == f"{row.sha256[:2]}/{row.sha256[2:4]}/{row.sha256}"
    path = root / row.storage_key
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not any((root / "tmp").iterdir())  # no temporary file left behind


def test_type_comes_from_the_bytes_not_the_client(root, actor):
    attachment = store_upload(upload(png_bytes(), "scan.jpg", client_type="application/pdf"),
                              owner_type="institution", owner_id=7, kind="licence_scan", actor=actor)
    assert attachment.content_type == "image/png"
    assert attachment.filename == "scan.png"  # the download name follows the real type


@pytest.mark.parametrize(("data", "name"), [
    (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "x.pdf"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "setup.pdf"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.png"),
    (b"just some text", "notes.pdf"),
])
def test_disguised_files_are_refused(root, actor, data, name):
    with pytest.raises(ValidationFailed) as excinfo:
        store(data, name, actor=actor)
    assert refusal(excinfo) == ["只接受 PDF、JPG 或 PNG 文件。"]
    assert kept_files(root) == []


def test_html_that_starts_like_a_pdf_is_refused(root, actor):
    # The signature alone says PDF; only parsing shows that it is not one.
    with pytest.raises(ValidationFailed) as excinfo:
        store(b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>", "x.pdf", actor=actor)
    assert refusal(excinfo) == ["文件已损坏或不是有效的 PDF。"]


@pytest.mark.parametrize(("maker", "message"), [
    (png_bytes, "文件已损坏或不是真正的图片。"),
    (jpeg_bytes, "文件已损坏或不是真正的图片。"),
    (pdf_bytes, "文件已损坏或不是有效的 PDF。"),
])
def test_truncated_files_are_refused(root, actor, maker, message):
    data = maker()
    with pytest.raises(ValidationFailed) as excinfo:
        store(data[: len(data) // 2], "cut", actor=actor)
    assert refusal(excinfo) == [message]
    assert kept_files(root) == [] and not any((root / "tmp").iterdir())


def test_empty_file_is_refused(root, actor):
    with pytest.raises(ValidationFailed) as excinfo:
        store(b"", "empty.pdf", actor=actor)
    assert refusal(excinfo) == ["文件为空。"]


def test_no_file_chosen_is_refused(root, actor):
    with pytest.raises(ValidationFailed) as excinfo:
        store_upload(FileStorage(stream=io.BytesIO(b""), filename=""), owner_type="institution", owner_id=7,
                     kind="licence_scan", actor=actor, field="licence")
    assert refusal(excinfo, "licence") == ["请选择要上传的文件。"]


def test_file_over_the_cap_is_refused_without_reading_it_all(app, root, actor):
    app.config["ATTACHMENT_MAX_BYTES"] = 2048
    stream = io.BytesIO(png_bytes() + b"\x00" * 500_000)
    with pytest.raises(ValidationFailed) as excinfo:
        store_upload(FileStorage(stream=stream, filename="big.png"), owner_type="institution", owner_id=7,
                     kind="licence_scan", actor=actor, field="licence")
    assert refusal(excinfo, "licence") == ["文件超过 2.0 KB。"]
    assert stream.tell() <= 2048 + storage.CHUNK  # stopped at the cap, one chunk at most past it
    assert kept_files(root) == []


def test_default_cap_is_10_mib(root, actor):
    data = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    with pytest.raises(ValidationFailed) as excinfo:
        store(data, "huge.pdf", actor=actor)
    assert refusal(excinfo) == ["文件超过 10.0 MB。"]


def test_pdf_is_not_a_premises_photo(root, actor):
    with pytest.raises(ValidationFailed) as excinfo:
        store(pdf_bytes(), "photo.pdf", kind="premises_photo", actor=actor)
    assert refusal(excinfo) == ["只接受 JPG 或 PNG 图片。"]


def test_unknown_kind_is_a_programming_error(root, actor):
    with pytest.raises(ValueError):
        store(png_bytes(), "x.png", kind="selfie", actor=actor)


def blank_pdf_writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def pdf_with_named_script() -> PdfWriter:
    writer = blank_pdf_writer()
    writer.add_open_action(JavaScript("app.alert('hi');"))
    return writer


def pdf_with_open_action_script() -> PdfWriter:
    writer = blank_pdf_writer()
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})
    return writer


def pdf_with_embedded_file() -> PdfWriter:
    writer = blank_pdf_writer()
    writer.add_attachment("payload.exe", b"MZ")
    return writer


@pytest.mark.parametrize("make_writer", [pdf_with_named_script, pdf_with_open_action_script,
                                         pdf_with_embedded_file])
def test_pdf_with_script_or_embedded_file_is_refused(root, actor, make_writer):
    with pytest.raises(ValidationFailed) as excinfo:
        store(pdf_bytes(make_writer()), "licence.pdf", actor=actor)
    assert refusal(excinfo) == ["PDF 文件含有脚本、链接动作、表单或嵌入文件，请打印或另存为普通 PDF 后再上传。"]


def test_pdf_that_opens_at_a_page_is_accepted(root, actor):
    writer = blank_pdf_writer()
    writer.open_destination = writer.pages[0]  # an /OpenAction that is a destination, not an action
    assert store(pdf_bytes(writer), "licence.pdf", actor=actor).content_type == "application/pdf"


def test_password_protected_pdf_is_refused(root, actor):
    writer = blank_pdf_writer()
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    with pytest.raises(ValidationFailed) as excinfo:
        store(pdf_bytes(writer), "licence.pdf", actor=actor)
    assert refusal(excinfo) == ["PDF 文件设有密码，请上传未加密的文件。"]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("limit", [1000, 2000])  # Pillow's own error (over twice the limit), and ours
def test_decompression_bomb_is_refused(root, actor, monkeypatch, limit):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)  # 64×48 = 3,072 pixels: over the limit
    with pytest.raises(ValidationFailed) as excinfo:
        store(png_bytes(), "big.png", actor=actor)
    assert refusal(excinfo) == ["图片像素过多，请缩小后再上传。"]


def test_identical_bytes_are_stored_once(root, db, actor):
    data = png_bytes()
    first = store(data, "a.png", actor=actor)
    second = store_upload(upload(data, "b.png"), owner_type="institution", owner_id=8, kind="premises_photo",
                          actor=actor)
    db.session.commit()
    assert first.id != second.id and first.storage_key == second.storage_key
    assert kept_files(root) == [root / first.storage_key]
    store(png_bytes(colour="green"), "c.png", actor=actor)
    assert len(kept_files(root)) == 2


def test_a_damaged_copy_is_replaced_by_a_new_upload_of_the_same_bytes(root, actor):
    data = png_bytes()
    first = store(data, "a.png", actor=actor)
    (root / first.storage_key).write_bytes(b"damaged")
    store(data, "a.png", actor=actor)
    assert (root / first.storage_key).read_bytes() == data
    assert open_attachment(first).path == root / first.storage_key


def test_storage_is_outside_the_static_folder(app, root, actor):
    attachment = store(png_bytes(), "a.png", actor=actor)
    path = open_attachment(attachment).path.resolve()
    assert not path.is_relative_to(Path(app.static_folder).resolve())
    assert path.is_relative_to(root.resolve())


def test_default_root_is_in_the_instance_folder(app):
    app.config.pop("ATTACHMENT_ROOT", None)
    assert storage.storage_root() == (Path(app.instance_path) / "attachments").resolve()


def test_a_root_under_static_is_refused(app):
    app.config["ATTACHMENT_ROOT"] = str(Path(app.static_folder) / "uploads")
    with pytest.raises(RuntimeError, match="static"):
        storage.storage_root()


@pytest.mark.parametrize(("maker", "as_attachment"), [(pdf_bytes, True), (png_bytes, False), (jpeg_bytes, False)])
def test_open_gives_what_the_view_serves(root, actor, maker, as_attachment):
    data = maker()
    attachment = store(data, "证照", actor=actor)
    opened = open_attachment(attachment)
    path, content_type, download_name = opened
    assert path.read_bytes() == data
    assert content_type == attachment.content_type and download_name == attachment.filename
    assert opened.as_attachment is as_attachment
    assert download_name == "证照." + {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[content_type]


def test_tampered_file_is_detected_on_read(root, actor):
    attachment = store(png_bytes(), "a.png", actor=actor)
    path = root / attachment.storage_key
    path.write_bytes(png_bytes(colour="black"))  # a valid image, but not the one that was uploaded
    with pytest.raises(AttachmentUnavailable) as excinfo:
        open_attachment(attachment)
    assert excinfo.value.status == 500
    assert excinfo.value.message == "附件文件缺失或已损坏，请联系系统管理员。"


def test_missing_file_is_detected_on_read(root, actor):
    attachment = store(png_bytes(), "a.png", actor=actor)
    (root / attachment.storage_key).unlink()
    with pytest.raises(AttachmentUnavailable):
        open_attachment(attachment)


def test_a_storage_key_cannot_leave_the_root(root, actor):
    attachment = store(png_bytes(), "a.png", actor=actor)
    attachment.storage_key = "../../etc/passwd"
    with pytest.raises(AttachmentUnavailable):
        open_attachment(attachment)


def test_upload_is_audited(root, db, actor):
    attachment = store(pdf_bytes(), "licence.pdf", actor=actor, division_code="220102")
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "attachment.upload")).one()
    assert (entry.object_type, entry.object_id, entry.actor_id, entry.division_code) == \
        ("institution", "7", actor.id, "220102")
    assert entry.summary == {"attachment_id": attachment.id, "kind": "licence_scan", "sha256": attachment.sha256,
                             "size": attachment.size, "content_type": "application/pdf"}
    assert "licence.pdf" not in str(entry.summary)  # file names can be personal data


def test_refused_upload_writes_nothing(root, db, actor):
    with pytest.raises(ValidationFailed):
        store(b"<html></html>", "x.pdf", actor=actor)
    assert db.session.scalars(select(Attachment)).all() == []
    assert db.session.scalars(select(AuditEntry)).all() == []


def test_delete_is_soft_and_audited(root, db, actor):
    attachment = store(png_bytes(), "a.png", actor=actor)
    db.session.commit()
    delete_attachment(attachment, actor=actor, division_code="220102")
    db.session.commit()

    row = db.session.get(Attachment, attachment.id)
    assert row.deleted_at is not None
    assert (root / row.storage_key).exists()  # nothing is lost
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "attachment.delete")).one()
    assert entry.summary["attachment_id"] == attachment.id and entry.division_code == "220102"
    with pytest.raises(NotFound):
        open_attachment(row)
    assert open_attachment(row, include_deleted=True).path.exists()
    with pytest.raises(Conflict):
        delete_attachment(row, actor=actor)


def test_services_flush_but_do_not_commit(root, db, actor):
    attachment = store(png_bytes(), "a.png", actor=actor)
    assert attachment.id is not None
    db.session.rollback()
    assert db.session.scalars(select(Attachment)).all() == []


@pytest.mark.parametrize(("raw", "clean"), [
    ("C:\\Users\\张三\\Desktop\\营业执照.png", "营业执照.png"),
    ("../../etc/passwd", "passwd.png"),
    ("\u202egnp.exe", "gnp.exe.png"),
    ("a\x00b<>:\"|?*.PNG", "ab_______.png"),
    ("...", "licence_scan.png"),
    ("", "licence_scan.png"),
    ("报告.final", "报告.final.png"),
    ("scan.pdf", "scan.png"),
    ("长" * 300 + ".png", "长" * 251 + ".png"),
])
def test_file_names_are_cleaned(raw, clean):
    assert clean_filename(raw, content.TYPES[content.PNG], fallback="licence_scan") == clean


@pytest.mark.parametrize(("size", "label"), [(512, "512 B"), (1536, "1.5 KB"), (1024 * 1024, "1.0 MB"),
                                             (10 * 1024 * 1024, "10.0 MB"), (2_621_440, "2.5 MB")])
def test_sizes_read_with_one_decimal(size, label):
    from referral.attachments.services import size_label

    assert size_label(size) == label
