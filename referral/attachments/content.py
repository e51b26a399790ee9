"""What an uploaded file really is, decided from its bytes: sniffed by ``filetype``, then opened by the
library that would have to read it (Pillow decodes images, pypdf parses PDFs). The name and the type the
browser sent are never trusted. The only module importing Pillow or pypdf."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"

# filetype reads at most this many bytes from the head of a file.
SNIFF_BYTES = 8192


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


def check(path: Path, content_type: str) -> None:
    """Make sure the file really is what ``sniff`` said: a signature is only the first few bytes, so an HTML
    page that starts with ``%PDF-`` or a PNG cut off half-way would pass it. Raises ``Refused``."""
    if content_type == PDF:
        _check_pdf(path)
    else:
        _check_image(path, "JPEG" if content_type == JPEG else "PNG")


def _check_image(path: Path, pillow_format: str) -> None:
    try:
        with Image.open(path, formats=[pillow_format]) as image:
            # Huge dimensions in a small file would take gigabytes to decode. Pillow itself refuses only
            # above twice its limit (and warns below that), so hold every image to the limit here.
            if image.width * image.height > Image.MAX_IMAGE_PIXELS:
                raise Refused("too_many_pixels")
            image.verify()  # structure and checksums (PNG CRCs); for JPEG it checks little
        # verify() leaves the image unusable and decodes nothing, so open again and decode every pixel:
        # that is what finds a truncated or corrupt JPEG.
        with Image.open(path, formats=[pillow_format]) as image:
            image.load()
    except Refused:
        raise
    except Image.DecompressionBombError as exc:
        raise Refused("too_many_pixels") from exc
    except Exception as exc:  # noqa: BLE001 - any failure of a decoder on untrusted bytes is a refusal
        raise Refused("corrupt_image") from exc


def _check_pdf(path: Path) -> None:
    try:
        reader = PdfReader(path, strict=False)  # tolerant of the small faults of real scanners' PDFs
        if reader.is_encrypted and not reader.decrypt(""):
            raise Refused("encrypted_pdf")
        if len(reader.pages) == 0:
            raise Refused("corrupt_pdf")
        if _has_active_content(reader):
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


# Actions that run code or open other programs or files when the document is opened or clicked.
_RISKY_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/GoToE"}


def _resolved(obj):
    return obj.get_object() if obj is not None else None


def _is_risky_action(action) -> bool:
    action = _resolved(action)
    return hasattr(action, "get") and _resolved(action.get("/S")) in _RISKY_ACTIONS


def _has_active_content(reader: PdfReader) -> bool:
    """Scripts, launch actions or embedded files at the usual places (catalog, pages, annotations). A licence
    scan or a photo has none, and officials open these files in desktop PDF readers, some of which run
    scripts. Not a full PDF sanitiser; serving PDFs as downloads with nosniff is the other half."""
    catalog = _resolved(reader.trailer["/Root"])
    names = _resolved(catalog.get("/Names"))
    if names is not None and ("/JavaScript" in names or "/EmbeddedFiles" in names):
        return True
    if "/AA" in catalog or _is_risky_action(catalog.get("/OpenAction")):
        return True
    for page in reader.pages:
        if "/AA" in page:
            return True
        for annotation in _resolved(page.get("/Annots")) or []:
            annotation = _resolved(annotation)
            if annotation.get("/Subtype") == "/FileAttachment" or _is_risky_action(annotation.get("/A")):
                return True
    return False
