"""What an uploaded file really is, decided from its bytes: sniffed by ``filetype``, then opened by the
library that would have to read it (Pillow decodes images, pypdf parses PDFs). The name and the type the
browser sent are never trusted. The only module importing Pillow or pypdf."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image, ImageFile
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"

# filetype reads at most this many bytes from the head of a file.
SNIFF_BYTES = 8192
# Images: an A4 page scanned at 600 dpi is 4961 × 7016 = 34.8 million pixels; nothing we accept needs more than
# 40 (Pillow's default allows 89, and 179 before it refuses). Setting ATTACHMENT_MAX_PIXELS.
MAX_PIXELS = 40_000_000
# JPEGs above this many pixels are decoded at reduced scale when checked (see _check_image).
DRAFT_ABOVE = 12_000_000


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str  # the one given to a download whose own name does not fit
    extensions: frozenset[str]  # names an uploader may already have used for this type


TYPES = {
    PDF: FileType(PDF, "pdf", frozenset({"pdf"})),
    JPEG: FileType(JPEG, "jpg", frozenset({"jpg", "jpeg", "jpe"})),
    PNG: FileType(PNG, "png", frozenset({"png"})),
}
KNOWN_EXTENSIONS = frozenset().union(*(t.extensions for t in TYPES.values()))


class Refused(Exception):
    """The bytes are not an acceptable file of the sniffed type. ``reason`` says why, for the message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sniff(path: Path) -> str | None:
    """The content type that the file's own signature shows, or None for anything we do not accept."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    guess = filetype.guess(head)
    return guess.mime if guess is not None and guess.mime in TYPES else None


def check(path: Path, content_type: str, *, max_pixels: int = MAX_PIXELS) -> None:
    """Make sure the file really is what ``sniff`` said: a signature is only the first few bytes, so an HTML
    page that starts with ``%PDF-`` or a PNG cut off half-way would pass it. Raises ``Refused``."""
    if content_type == PDF:
        _check_pdf(path)
    else:
        _check_image(path, "JPEG" if content_type == JPEG else "PNG", max_pixels)


def _check_image(path: Path, pillow_format: str, max_pixels: int) -> None:
    # Huge dimensions in a small file would take gigabytes to decode. Pillow itself refuses only above twice
    # its own limit (89 MP, and warns below that); a licence scan needs far fewer pixels, so the cap here is
    # ours, checked from the header before a single pixel is decoded.
    cap = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    try:
        with Image.open(path, formats=[pillow_format]) as image:
            if image.width * image.height > cap:
                raise Refused("too_many_pixels")
            image.verify()  # structure and checksums (PNG CRCs); for JPEG it checks little
        # verify() leaves the image unusable and decodes nothing, so open again and decode every pixel:
        # that is what finds a truncated or corrupt JPEG. A large JPEG is decoded at 1/2–1/8 scale (``draft``):
        # every coefficient is still read, so damage is still found, in a quarter of the memory or less.
        with Image.open(path, formats=[pillow_format]) as image:
            if image.width * image.height > cap:  # the same file, but never decode past the cap
                raise Refused("too_many_pixels")
            if pillow_format == "JPEG" and image.width * image.height > DRAFT_ABOVE:
                image.draft(image.mode, (image.width // 4, image.height // 4))
            with _truncated_images_refused():
                image.load()
    except Refused:
        raise
    except Image.DecompressionBombError as exc:
        raise Refused("too_many_pixels") from exc
    except Exception as exc:  # noqa: BLE001 - any failure of a decoder on untrusted bytes is a refusal
        raise Refused("corrupt_image") from exc


_truncation_lock = threading.Lock()


@contextmanager
def _truncated_images_refused():
    """WeasyPrint sets Pillow's process-wide ``LOAD_TRUNCATED_IMAGES`` to True when it is imported (its
    images.py), which makes ``load()`` accept a cut-off JPEG or PNG silently: in the running app every
    truncated upload would pass. Pillow reads that flag only as a module global, so it is set back to False
    for the length of one decode; the lock keeps two checks from restoring each other's value."""
    with _truncation_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _check_pdf(path: Path) -> None:
    try:
        reader = PdfReader(path, strict=False)  # tolerant of the small faults of real scanners' PDFs
        if reader.is_encrypted and not reader.decrypt(""):
            raise Refused("encrypted_pdf")
        if len(reader.pages) == 0:
            raise Refused("corrupt_pdf")
        if active_content(reader) is not None:
            raise Refused("active_pdf")
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds of errors on malformed input
        if _needs_password(exc):
            raise Refused("encrypted_pdf") from exc
        raise Refused("corrupt_pdf") from exc


def _needs_password(exc: Exception) -> bool:
    # AES-encrypted PDFs need an optional crypto package even to try the empty password.
    return isinstance(exc, DependencyError | FileNotDecryptedError)


# --- active content (issue 13.5) ----------------------------------------------------------------------------
# Officials open uploaded PDFs in desktop readers, some of which run scripts, fill and submit forms, open
# links or launch programs. A licence or certificate scan needs none of that, so a PDF that carries any of it
# anywhere is refused (the uploader re-saves or prints it to a plain PDF). Every object of the file is
# examined — the objects in the cross-reference table and in object streams, reachable from the catalog or
# not — because readers disagree on where they look, and a /Next chain or a name tree can hide an action
# far from the catalog.

# Keys that exist only to carry scripts, triggers, forms or embedded files.
_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/XFA", "/EmbeddedFiles", "/EF",
                          "/RichMediaContent", "/RichMediaSettings"})
# Values of /Type or /Subtype that mark such objects (annotations that play, embed or are form fields).
_ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound",
                           "/3D", "/Widget"})
# Every action type of ISO 32000-2 §12.6.4. Only /GoTo (a jump to a page of the same file) is harmless.
_ACTION_TYPES = frozenset({"/GoTo", "/GoToR", "/GoToE", "/GoToDp", "/Launch", "/Thread", "/URI", "/Sound",
                           "/Movie", "/Hide", "/Named", "/SubmitForm", "/ResetForm", "/ImportData",
                           "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView", "/JavaScript",
                           "/RichMediaExecute"})
# Keys whose value, when a dictionary, is an action: /A of links, widgets and outline items, /OpenAction of
# the catalog, /Next of an action (a chain).
_ACTION_KEYS = ("/A", "/OpenAction", "/Next")
# A licence scan has tens of objects; a file with more than this is refused rather than walked for minutes.
MAX_PDF_OBJECTS = 200_000
_MAX_DEPTH = 64


def active_content(reader: PdfReader) -> str | None:
    """The first active thing found in any object of the file (e.g. ``"/OpenAction"``), or None."""
    numbers = {(num, gen) for gen, table in reader.xref.items() for num in table}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    if len(numbers) > MAX_PDF_OBJECTS:
        raise Refused("corrupt_pdf")
    found = _active_in(reader.trailer, 0)
    for num, gen in sorted(numbers):
        if found is not None:
            return found
        try:
            obj = reader.get_object(IndirectObject(num, gen, reader))
        except Exception:  # noqa: BLE001 - a free or broken entry: pypdf and readers skip it too
            continue
        found = _active_in(obj, 0)
    return found


def _active_in(obj, depth: int) -> str | None:
    """Look through one object's direct contents. Indirect references are not followed here: the objects they
    point to are examined in their own turn by ``active_content``, which keeps the walk linear and cycle-free."""
    if depth > _MAX_DEPTH:
        return "/depth"
    if isinstance(obj, IndirectObject):
        return None
    if isinstance(obj, StreamObject | DictionaryObject):
        for key in obj:
            if key in _ACTIVE_KEYS:
                return key
        form = _peek(obj.get("/AcroForm"))
        if isinstance(form, DictionaryObject) and (_peek(form.get("/Fields")) or "/XFA" in form):
            return "/AcroForm"  # an empty /AcroForm, which some producers always write, has no fields to fill
        for key in ("/Type", "/Subtype"):
            value = _peek(obj.get(key))
            if value in _ACTIVE_TYPES:
                return value
        if _peek(obj.get("/S")) in _ACTION_TYPES and ("/Next" in obj or _peek(obj.get("/S")) != "/GoTo"):
            return _peek(obj.get("/S"))
        for key in _ACTION_KEYS:
            value = _peek(obj.get(key))
            if isinstance(value, DictionaryObject) and _is_action(value):
                return key
        for value in obj.values():
            if (found := _active_in(value, depth + 1)) is not None:
                return found
    elif isinstance(obj, ArrayObject):
        for value in obj:
            if (found := _active_in(value, depth + 1)) is not None:
                return found
    return None


def _peek(value):
    """The value behind one indirect reference (for a key's value), without walking further."""
    try:
        return value.get_object() if isinstance(value, IndirectObject) else value
    except Exception:  # noqa: BLE001 - a dangling reference is no action
        return None


def _is_action(value: DictionaryObject) -> bool:
    kind = _peek(value.get("/S"))
    return kind in _ACTION_TYPES and (kind != "/GoTo" or "/Next" in value)
