"""HTML → PDF for the standard documents (DESIGN §3.3). The only module that imports WeasyPrint.

What goes in is a finished HTML string, rendered from a plain-data snapshot (``context.py``); what comes
out is the PDF's bytes. Nothing in the HTML can reach the network or the disk: every URL WeasyPrint asks
for goes through :class:`StaticOnlyFetcher`, which serves the files under ``referral/static/pdf/`` and the
two font files of the ``pylopdf-fonts-zh-cn`` package, and refuses everything else (WeasyPrint docs,
"Security → Access to Local Files"; CVE-2025-68616 is why WeasyPrint ≥ 68 has the ``URLFetcher`` class).

Fonts. No CJK font may be assumed on a machine, and WeasyPrint does not fail without one: Chinese comes
out as missing glyphs or in whatever fallback font the system has. So the fonts are a pinned dependency
(Noto Sans SC / Noto Serif SC, SIL OFL 1.1, in the ``pylopdf-fonts-zh-cn`` wheel), loaded by
``@font-face`` from the installed package's files under family names of our own (``FONT_FAMILIES``) that
no system font has, so the PDF always uses these exact files whatever else is installed.

Speed. Parsing ``forms.css`` and registering the 8–12 MB font files with fontconfig is the slow part of a
render, so both are done once per process and reused (:func:`_resources`); ``forms.css`` is parsed again
only when its modification time changes. WeasyPrint's font map is not documented as thread-safe, so one
render runs at a time in a process (gunicorn's sync workers are processes).
"""

from __future__ import annotations

import functools
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pylopdf_fonts_zh_cn
from fontTools.ttLib import TTFont
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

STATIC_PDF = (Path(__file__).resolve().parent.parent / "static" / "pdf").resolve()
STYLESHEET = STATIC_PDF / "forms.css"
#: The base URL of every document: relative URLs (an image of a seal, say) resolve inside static/pdf.
BASE_URL = STATIC_PDF.as_uri() + "/"

#: CSS family name → font file. The names are ours, so that no installed system font can stand in.
FONT_FAMILIES = {
    "JK Sans SC": Path(pylopdf_fonts_zh_cn.sans_path()).resolve(),
    "JK Serif SC": Path(pylopdf_fonts_zh_cn.serif_path()).resolve(),
}
#: What a PDF made here names its fonts: WeasyPrint uses the CSS family ("ABCDEF+JK-Sans-SC").
PDF_FONT_NAMES = frozenset(family.replace(" ", "-") for family in FONT_FAMILIES)


class DocumentError(Exception):
    """A document could not be rendered (a refused or missing resource, a missing font, a WeasyPrint
    failure). The message is for logs and operators, not for the public."""


class URLRefused(Exception):
    """The fetcher will not serve this URL. An ``Exception``: WeasyPrint turns it into its own
    ``FatalURLFetchingError`` (because of ``fail_on_errors=True``), which stops the render."""


class StaticOnlyFetcher(URLFetcher):
    """Serves ``file:`` URLs of files under ``referral/static/pdf/`` and of the font files; refuses
    every other URL (``http(s):``, ``data:``, ``file:`` anywhere else, ``..`` or a symlink out of the
    folder) with :class:`URLRefused`.

    ``fail_on_errors=True`` makes any failure fatal: a document with a missing stylesheet, image or
    font must not be issued looking almost right. The parent's ``fetch`` (urllib) is never called."""

    def __init__(self, root: Path = STATIC_PDF, files: tuple[Path, ...] = tuple(FONT_FAMILIES.values())):
        super().__init__(timeout=5, allowed_protocols=("file",), allow_redirects=False, fail_on_errors=True)
        self.root = Path(root).resolve()
        self.files = frozenset(Path(f).resolve() for f in files)

    def resolve(self, url: str) -> Path:
        """The file that ``url`` names, if it may be served; :class:`URLRefused` otherwise."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise URLRefused(f"refused URL (only files of static/pdf and the fonts are served): {url[:200]}")
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
        except (OSError, RuntimeError, ValueError) as exc:
            raise URLRefused(f"refused URL (no such file): {url[:200]}") from exc
        if not path.is_file() or not (path in self.files or path.is_relative_to(self.root)):
            raise URLRefused(f"refused URL (outside static/pdf): {url[:200]}")
        return path

    def fetch(self, url, headers=None):
        path = self.resolve(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})


@functools.cache
def _covered() -> frozenset[int]:
    covered: set[int] = set()
    for path in FONT_FAMILIES.values():
        covered |= set(TTFont(path, lazy=True).getBestCmap())
    return frozenset(covered)


def uncovered(text: str) -> set[str]:
    """The characters of ``text`` that the shipped fonts cannot draw (rare 生僻字 outside Noto Sans SC,
    emoji …). WeasyPrint would draw them in some system font, or as an empty box, without an error; an
    issuing service can check its snapshot's text with this first."""
    covered = _covered()
    return {ch for ch in text if not ch.isspace() and ord(ch) not in covered}


@dataclass(frozen=True)
class _Resources:
    stylesheet_mtime: int
    fetcher: StaticOnlyFetcher
    font_config: FontConfiguration
    counter_style: CounterStyle
    stylesheets: tuple[CSS, ...]


_lock = threading.Lock()
_cached: _Resources | None = None


def font_face_css() -> str:
    """The ``@font-face`` rules of our fonts, pointing at the installed package's files."""
    rules = []
    for family, path in FONT_FAMILIES.items():
        if not path.is_file():
            raise DocumentError(f"font file missing: {path} (is pylopdf-fonts-zh-cn installed?)")
        rules.append(f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}") format("opentype"); '
                     "font-weight: normal; font-style: normal; }")
    return "\n".join(rules)


def _build() -> _Resources:
    fetcher = StaticOnlyFetcher()
    font_config = FontConfiguration()
    counter_style = CounterStyle()
    common = {"url_fetcher": fetcher, "font_config": font_config, "counter_style": counter_style,
              "base_url": BASE_URL}
    fonts = CSS(string=font_face_css(), **common)
    forms = CSS(string=STYLESHEET.read_text(encoding="utf-8"), **common)
    return _Resources(STYLESHEET.stat().st_mtime_ns, fetcher, font_config, counter_style, (fonts, forms))


def _resources() -> _Resources:
    """Parsed stylesheets and registered fonts, built once (call with ``_lock`` held)."""
    global _cached
    mtime = STYLESHEET.stat().st_mtime_ns
    if _cached is None or _cached.stylesheet_mtime != mtime:
        _cached = _build()
    return _cached


def render_pdf(html: str) -> bytes:
    """Render one document's HTML (with ``forms.css`` and the CJK fonts applied) to PDF bytes.

    Two renders of the same HTML are not byte-identical: store the bytes that are issued and their hash,
    never regenerate them. Raises :class:`DocumentError` on any failure."""
    with _lock:
        try:
            res = _resources()
            document = HTML(string=html, base_url=BASE_URL, url_fetcher=res.fetcher, media_type="print")
            pdf = document.write_pdf(stylesheets=list(res.stylesheets), font_config=res.font_config,
                                     counter_style=res.counter_style)
        except FatalURLFetchingError as exc:  # a BaseException: `except Exception` would let it through
            cause = exc.__cause__ or exc
            raise DocumentError(f"{exc}: {cause}") from cause
        except DocumentError:
            raise
        except Exception as exc:
            raise DocumentError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from exc
    if not pdf:
        raise DocumentError("PDF rendering produced no output")
    return pdf


def fast_font_subsetting() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz (Debian ``libharfbuzz-subset0``). Without it,
    WeasyPrint falls back to fontTools: the same PDF, but ~8 s instead of ~0.25 s for a Chinese page."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def warm_up() -> None:
    """Parse the stylesheet and register the fonts now (e.g. at worker start) instead of at the first
    render."""
    with _lock:
        try:
            _resources()
        except FatalURLFetchingError as exc:
            raise DocumentError(f"{exc}: {exc.__cause__ or exc}") from (exc.__cause__ or exc)
