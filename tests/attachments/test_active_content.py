"""Uploads hardened (issue 13.5): a PDF carrying scripts, actions, form fields or embedded files anywhere in
its objects is refused — reachable from the catalog or not — and images are held to a pixel cap far below
Pillow's, checked from the header before decoding."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from referral.auth.permissions import Role
from referral.errors import ValidationFailed
from tests.attachments.test_services import pdf_bytes, refusal, store

ACTIVE = ["PDF 文件含有脚本、链接动作、表单或嵌入文件，请打印或另存为普通 PDF 后再上传。"]
PIXELS = ["图片像素过多，请缩小后再上传。"]


@pytest.fixture
def root(app, tmp_path):
    app.config["ATTACHMENT_ROOT"] = str(tmp_path / "attachment-store")
    return tmp_path / "attachment-store"


@pytest.fixture
def actor(create_user):
    return create_user(Role.INSTITUTION_ADMIN, username="uploader")


def n(name: str) -> NameObject:
    return NameObject(name)


def action(kind: str, **entries) -> DictionaryObject:
    body = DictionaryObject({n("/Type"): n("/Action"), n("/S"): n(kind)})
    for key, value in entries.items():
        body[n(f"/{key}")] = value
    return body


def js(code="app.alert(1)") -> DictionaryObject:
    return action("/JavaScript", JS=TextStringObject(code))


def writer() -> PdfWriter:
    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    return w


def rect() -> ArrayObject:
    return ArrayObject([FloatObject(10), FloatObject(10), FloatObject(100), FloatObject(40)])


def annotate(w: PdfWriter, subtype: str, **entries) -> PdfWriter:
    annotation = DictionaryObject({n("/Type"): n("/Annot"), n("/Subtype"): n(subtype), n("/Rect"): rect()})
    for key, value in entries.items():
        annotation[n(f"/{key}")] = value
    w.pages[0][n("/Annots")] = ArrayObject([w._add_object(annotation)])
    return w


def names_javascript() -> PdfWriter:
    """A document-level script in the /Names /JavaScript tree: runs when the file is opened."""
    w = writer()
    tree = DictionaryObject({n("/Names"): ArrayObject([TextStringObject("print"), w._add_object(js("this.print();"))])})
    w._root_object[n("/Names")] = DictionaryObject({n("/JavaScript"): w._add_object(tree)})
    return w


def link_with_javascript() -> PdfWriter:
    return annotate(writer(), "/Link", A=js())


def link_with_uri() -> PdfWriter:
    return annotate(writer(), "/Link", A=action("/URI", URI=TextStringObject("http://evil.example/")))


def launch_on_open() -> PdfWriter:
    w = writer()
    w._root_object[n("/OpenAction")] = action("/Launch", F=TextStringObject("cmd.exe"))
    return w


def goto_with_next_chain() -> PdfWriter:
    """A harmless jump whose /Next — an indirect object, one hop away — runs a script."""
    w = writer()
    w._root_object[n("/OpenAction")] = action("/GoTo", D=ArrayObject([w.pages[0].indirect_reference, n("/Fit")]),
                                              Next=w._add_object(js()))
    return w


def page_additional_actions() -> PdfWriter:
    w = writer()
    w.pages[0][n("/AA")] = DictionaryObject({n("/O"): js()})
    return w


def form_field() -> PdfWriter:
    w = annotate(writer(), "/Widget", FT=n("/Tx"), T=TextStringObject("name"))
    w._root_object[n("/AcroForm")] = DictionaryObject({n("/Fields"): ArrayObject(w.pages[0]["/Annots"])})
    return w


def outline_with_action() -> PdfWriter:
    w = writer()
    item = w.add_outline_item(title="营业执照", page_number=0)
    item.get_object()[n("/A")] = action("/URI", URI=TextStringObject("http://evil.example/"))
    return w


def embedded_file() -> PdfWriter:
    w = writer()
    w.add_attachment("payload.exe", b"MZ")
    return w


def file_attachment_annotation() -> PdfWriter:
    return annotate(writer(), "/FileAttachment", Contents=TextStringObject("x"))


def rich_media() -> PdfWriter:
    return annotate(writer(), "/RichMedia")


def orphan_script() -> PdfWriter:
    """A script object that nothing in the catalog points to: some readers find objects by scanning."""
    w = writer()
    w._add_object(js())
    return w


def xfa_form() -> PdfWriter:
    w = writer()
    w._root_object[n("/AcroForm")] = DictionaryObject({n("/Fields"): ArrayObject(),
                                                       n("/XFA"): TextStringObject("<xdp/>")})
    return w


@pytest.mark.parametrize("make", [names_javascript, link_with_javascript, link_with_uri, launch_on_open,
                                  goto_with_next_chain, page_additional_actions, form_field, outline_with_action,
                                  embedded_file, file_attachment_annotation, rich_media, orphan_script, xfa_form])
def test_active_pdfs_are_refused(root, actor, make):
    with pytest.raises(ValidationFailed) as excinfo:
        store(pdf_bytes(make()), "licence.pdf", actor=actor)
    assert refusal(excinfo) == ACTIVE


def plain_outline() -> PdfWriter:
    w = writer()
    w.add_outline_item(title="第一页", page_number=0)  # a bookmark with a destination, no action
    return w


def internal_jump() -> PdfWriter:
    w = writer()
    w._root_object[n("/OpenAction")] = action("/GoTo", D=ArrayObject([w.pages[0].indirect_reference, n("/Fit")]))
    return w


def empty_form_dictionary() -> PdfWriter:
    w = writer()
    w._root_object[n("/AcroForm")] = DictionaryObject({n("/Fields"): ArrayObject()})  # some producers always write it
    return w


def structure_attributes() -> PdfWriter:
    """A tagged PDF's structure element carries /A (attributes) and /S (its role): not an action."""
    w = writer()
    element = DictionaryObject({n("/Type"): n("/StructElem"), n("/S"): n("/P"),
                                n("/A"): DictionaryObject({n("/O"): n("/Layout"), n("/Placement"): n("/Block")})})
    w._root_object[n("/StructTreeRoot")] = DictionaryObject({n("/Type"): n("/StructTreeRoot"),
                                                             n("/K"): w._add_object(element)})
    return w


@pytest.mark.parametrize("make", [plain_outline, internal_jump, empty_form_dictionary, structure_attributes])
def test_plain_pdfs_are_accepted(root, actor, make):
    assert store(pdf_bytes(make()), "licence.pdf", actor=actor).content_type == "application/pdf"


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares ``width`` × ``height``: a few bytes that would take gigabytes to decode."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize(("width", "height"), [(30000, 30000),  # 900 MP: Pillow's own bomb error
                                               (8000, 6000)])  # 48 MP: under Pillow's limit, over ours (40)
def test_images_over_the_pixel_cap_are_refused_from_the_header(root, actor, width, height):
    data = png_header_only(width, height)
    assert len(data) < 100
    with pytest.raises(ValidationFailed) as excinfo:
        store(data, "scan.png", actor=actor)
    assert refusal(excinfo) == PIXELS


def test_the_cap_is_a_setting(app, root, actor):
    small = io.BytesIO()
    Image.new("RGB", (100, 100), "white").save(small, "PNG")
    app.config["ATTACHMENT_MAX_PIXELS"] = 9_999
    with pytest.raises(ValidationFailed) as excinfo:
        store(small.getvalue(), "scan.png", actor=actor)
    assert refusal(excinfo) == PIXELS
    app.config["ATTACHMENT_MAX_PIXELS"] = 10_000
    assert store(small.getvalue(), "scan.png", actor=actor).content_type == "image/png"


def large_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((4000, 3200), 40).convert("RGB").save(out, "JPEG", quality=30)  # 12.8 MP
    return out.getvalue()


def test_a_large_scan_is_accepted_and_a_damaged_one_refused(root, actor):
    import referral.documents.pdf  # noqa: F401 - as in the running app: WeasyPrint loosens Pillow on import

    data = large_jpeg()
    assert store(data, "scan.jpg", actor=actor).content_type == "image/jpeg"
    damaged = bytearray(data[: len(data) // 2])  # cut half-way: the reduced-scale decode still reads it all
    with pytest.raises(ValidationFailed) as excinfo:
        store(bytes(damaged), "scan.jpg", actor=actor)
    assert refusal(excinfo) == ["文件已损坏或不是真正的图片。"]


def test_a_pdf_with_too_many_objects_is_refused(root, actor, monkeypatch):
    from referral.attachments import content

    monkeypatch.setattr(content, "MAX_PDF_OBJECTS", 3)
    w = writer()
    for i in range(5):
        w._add_object(NumberObject(i))
    with pytest.raises(ValidationFailed) as excinfo:
        store(pdf_bytes(w), "licence.pdf", actor=actor)
    assert refusal(excinfo) == ["文件已损坏或不是有效的 PDF。"]
