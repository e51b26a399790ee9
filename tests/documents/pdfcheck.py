"""What a reader gets from a PDF, for the document tests: the text pypdf extracts, and the fonts the PDF
embeds (all ours, all embedded, no missing glyph). Never the bytes: two renders of the same HTML differ."""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import IndirectObject

from referral.documents import pdf

# WeasyPrint names an embedded font after its CSS family: a six-letter subset tag + "JK-Sans-SC". Those
# family names exist only through our @font-face rules, so no system font can match them.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
_NAMES = "|".join(map(re.escape, sorted(pdf.PDF_FONT_NAMES)))
OUR_FONT = re.compile(rf"^/?[A-Z]{{6}}\+({_NAMES})$")


def flat(text: str) -> str:
    """Extracted text without whitespace: where pypdf puts spaces and line breaks is not the point."""
    return re.sub(r"\s+", "", text)


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _resources(reader: PdfReader):
    """The resources of each page and of each form XObject drawn on it (recursively)."""
    def walk(resources):
        yield resources
        for xobject in (_resolve(resources.get("/XObject")) or {}).values():
            xobject = _resolve(xobject)
            if xobject.get("/Subtype") == "/Form":
                yield from walk(_resolve(xobject.get("/Resources")) or {})

    for page in reader.pages:
        yield from walk(_resolve(page.get("/Resources")) or {})


def check_fonts(data: bytes) -> set[str]:
    """Every font in the PDF is one of ours and embedded, and none has a missing glyph. Returns their names.

    The last one reads WeasyPrint's own mark: a font whose text needed a glyph the font lacks gets a
    custom CMap (``/WP-Encod-0``) that sends those codes to glyph 0 (.notdef); a font with every glyph it
    needed gets ``/Identity-H``."""
    reader = PdfReader(io.BytesIO(data))
    names = set()
    for resources in _resources(reader):
        for font in (_resolve(resources.get("/Font")) or {}).values():
            font = _resolve(font)
            name = str(font["/BaseFont"])
            names.add(name)
            assert OUR_FONT.match(name), f"a font that is not ours: {name}"
            assert font["/Subtype"] == "/Type0", f"not a CID font: {name}"
            descendant = _resolve(font["/DescendantFonts"][0])
            descriptor = _resolve(descendant["/FontDescriptor"])
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f"not embedded: {name}"
            assert font["/Encoding"] == "/Identity-H", f"{name} draws a .notdef glyph (a character it lacks)"
    assert names, "no font at all in the PDF"
    return names


def check_text_covered(text: str) -> None:
    missing = pdf.uncovered(text)
    assert not missing, f"characters the shipped fonts do not cover: {sorted(missing)}"


def check_plain(value, where="doc"):
    """A snapshot is plain data all the way down: no ORM object, date or Decimal reaches a template."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), where
            check_plain(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_plain(item, f"{where}[{i}]")
    else:
        assert isinstance(value, (str, bool, int)), f"{where} is a {type(value).__name__}"
