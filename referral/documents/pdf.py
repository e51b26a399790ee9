"""HTML → PDF for the standard documents (docs/domain.md#documents). The only module that imports WeasyPrint.

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

Speed (issue 5: ≤ 150 ms a document warm, ≥ 15 a second in a batch; bench/documents.py measures it).
Parsing ``forms.css`` and registering the 8–12 MB font files with fontconfig is done once per process and
reused (:func:`_resources`); ``forms.css`` is parsed again only when its modification time changes.
Embedding the fonts was the other fixed cost of every render (~120 ms of T7's ~500 ms on the 2-core
test machine): WeasyPrint subsets each CJK font twice with HarfBuzz, keeping glyph ids, so a subset is
as long as the font's 31 000 glyph slots (~430 KB), then deflates it at level 9. Here
(:func:`_subset_font`, :func:`_deflate_fonts`) a subset is made in one pass without the vertical
metrics and deflated at level 1 (faster, and no larger on these sparse tables); subsets are cached by
glyph set and deflated files by content, so the serif title of a document type, and a blank form, cost
nothing after the first time. The PDF reads and prints the same. The rest of a render is WeasyPrint
laying out and painting boxes in Python, ~1 ms a table cell or line of text: forms.css says how the
templates keep that down. WeasyPrint's font map is not documented as thread-safe, so one render runs
at a time in a process (gunicorn's sync workers are processes); a batch renders in a pool of
processes (:func:`render_many`).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import mimetypes
import multiprocessing
import os
import threading
import zlib
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pydyf
import pylopdf_fonts_zh_cn
import weasyprint
from fontTools.ttLib import TTFont
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.pdf.fonts import Font
from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
from weasyprint.text.fonts import FontConfiguration, get_hb_object_data
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

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
_renders = 0  # WeasyPrint renders in this process (render_count)


def render_count() -> int:
    """How many documents WeasyPrint has rendered in this process (a pool's workers count in their own).
    The tests of rendering ahead read it to show that a download rendered nothing (docs/domain.md#rendered-ahead)."""
    return _renders


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
    global _renders
    with _lock:
        _renders += 1
        try:
            res = _resources()
            document = HTML(string=html, base_url=BASE_URL, url_fetcher=res.fetcher, media_type="print")
            pdf = document.write_pdf(stylesheets=list(res.stylesheets), font_config=res.font_config,
                                     counter_style=res.counter_style, finisher=_deflate_fonts)
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


@functools.cache
def fast_font_subsetting() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz (Debian ``libharfbuzz-subset0``). Without it,
    WeasyPrint falls back to fontTools: the same PDF, but ~8 s instead of ~0.25 s for a Chinese page."""
    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


#: A small page in both fonts: rendering it once loads the fonts into Pango and caches the serif title.
_WARM_HTML = '<html lang="zh-CN"><body><h1 class="doc-title">精康转介平台</h1><p>转介服务申请表 □■ 0123</p></body></html>'


def warm_up() -> None:
    """Parse the stylesheet, register the fonts and render a small page now (e.g. at worker start)
    instead of in the first document: the first render in a process is ~250 ms slower."""
    with _lock:
        try:
            _resources()
        except FatalURLFetchingError as exc:
            raise DocumentError(f"{exc}: {exc.__cause__ or exc}") from (exc.__cause__ or exc)
    render_pdf(_WARM_HTML)


# --- font embedding: one subsetting pass, level-1 deflate, both cached ------------------------------------
#
# This replaces a method of WeasyPrint's PDF font code, written against weasyprint==70.0 (the pin in
# pyproject.toml; under another version WeasyPrint's own method stays, see the end of this section), and
# only for our own two fonts: any other font, and a font with a missing glyph (drawn as .notdef through
# WeasyPrint's own CMap), takes WeasyPrint's own path unchanged.

#: Tables left out of a subset: WeasyPrint's list, and the vertical metrics (our text is horizontal and
#: WeasyPrint writes no vertical widths), ~30 % of a subset's bytes.
_DROP_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT",
                b"SVG ", b"VORG", b"vhea", b"vmtx")
#: Cached results (subsets and deflated streams, ~0.3 MB each): the last documents' glyph sets.
_CACHE_SIZE = 24
_subsets: OrderedDict[tuple, bytes] = OrderedDict()
_deflated: OrderedDict[bytes, bytes] = OrderedDict()
_weasyprint_subset = Font.subset


def _remember(cache: OrderedDict, key, value):
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return value


def _harfbuzz_subset(hb_face, glyphs: list[int], hinting: bool) -> bytes | None:
    """The font with only ``glyphs`` (glyph ids kept, as the PDF's text refers to them), in one pass.
    WeasyPrint makes a second pass to drop the empty slots after the last glyph used; in a CJK font
    the glyphs of common characters run to the end of the font, so that pass costs ~25 ms and saves
    nothing."""
    flags = (harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
             | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED)
    if not hinting:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    subset_input = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(),
                          harfbuzz_subset.hb_subset_input_destroy)
    if subset_input == ffi.NULL:
        return None
    glyph_set = harfbuzz_subset.hb_subset_input_glyph_set(subset_input)
    harfbuzz.hb_set_add_sorted_array(glyph_set, ffi.new("hb_codepoint_t[]", glyphs), len(glyphs))
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, flags)
    tags = sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in _DROP_TABLES)
    drop = harfbuzz_subset.hb_subset_input_set(subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG)
    harfbuzz.hb_set_add_sorted_array(drop, ffi.new("hb_codepoint_t[]", tags), len(tags))
    face = harfbuzz_subset.hb_subset_or_fail(hb_face, subset_input)
    if face == ffi.NULL:
        return None
    face = ffi.gc(face, harfbuzz.hb_face_destroy)
    return get_hb_object_data(face) or None


def _subset_font(font: Font, to_unicode: dict, hinting: bool) -> None:
    """Replaces ``weasyprint.pdf.fonts.Font.subset``: sets ``font.file_content`` to the subset."""
    if font.family not in FONT_FAMILIES or font.missing or not to_unicode or not fast_font_subsetting():
        return _weasyprint_subset(font, to_unicode, hinting)
    key = (font.family, font.index, frozenset(to_unicode), hinting)
    data = _subsets.get(key)
    if data is None:
        data = _harfbuzz_subset(font.hb_face, sorted(to_unicode), hinting)
        if data is None:
            return _weasyprint_subset(font, to_unicode, hinting)
        _remember(_subsets, key, data)
    font.file_content = data


def _deflate_fonts(document, pdf: pydyf.PDF) -> None:
    """WeasyPrint's ``finisher``: deflate the embedded font files at level 1 (pydyf uses level 9:
    ~30 ms a font, for a file no smaller), from the cache when the same subset was embedded before.
    Every other stream is left to pydyf."""
    for obj in pdf.objects:
        if (type(obj) is pydyf.Stream and obj.compress and len(obj.stream) == 1
                and isinstance(obj.stream[0], bytes) and "Filter" not in obj.extra
                and (obj.extra.get("Subtype") == "/OpenType" or "Length1" in obj.extra)):
            data = obj.stream[0]
            digest = hashlib.blake2b(data, digest_size=20).digest()
            packed = _deflated.get(digest)
            if packed is None:
                packed = _remember(_deflated, digest, zlib.compress(data, 1))
            obj.stream = [packed]
            obj.compress = False
            obj.extra["Filter"] = "/FlateDecode"


#: The WeasyPrint whose ``Font`` (attributes hb_face, family, index, missing, file_content; the method
#: subset(to_unicode, hinting)) _subset_font was written against.
SUBSET_FOR_WEASYPRINT = "70.0"

if weasyprint.__version__ == SUBSET_FOR_WEASYPRINT:
    Font.subset = _subset_font
else:  # pragma: no cover - slower but correct; test_render_many checks that the fast path is on
    log.warning("WeasyPrint %s, not %s: fonts are embedded by WeasyPrint's own (slower) subsetting; check "
                "weasyprint/pdf/fonts.py and update referral.documents.pdf._subset_font",
                weasyprint.__version__, SUBSET_FOR_WEASYPRINT)


# --- batches ----------------------------------------------------------------------------------------------

def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@functools.cache
def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers are never forked from the caller (a Flask app with database connections and threads):
    they fork from a fresh forkserver process that has imported this module once (so each worker
    starts in well under a second), or are spawned where there is no forkserver."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def _worker_start() -> None:
    warm_up()


def _worker_render(html: str) -> bytes:
    return render_pdf(html)


def _result(future: Future) -> bytes:
    try:
        return future.result()
    except DocumentError:
        raise
    except BrokenProcessPool as exc:
        raise DocumentError(f"a PDF worker process failed (at start or killed): {exc}") from exc
    except Exception as exc:
        raise DocumentError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from exc


def render_many(htmls: Iterable[str], *, workers: int | None = None) -> Iterator[bytes]:
    """Render many documents' HTML to PDFs, yielded in the order of ``htmls``.

    They render in a pool of ``workers`` processes (default: one per core), each of which loads the
    fonts and the stylesheet once; with ``workers=1``, or a single document, they render here. ``htmls``
    is read as the workers need it (at most two documents a worker ahead of what was yielded), so a
    generator of HTML keeps memory flat. The first failure raises :class:`DocumentError` and stops the
    batch (the documents before it have been yielded)."""
    if workers is None:
        workers = default_workers()
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    return _render_serially(htmls) if workers == 1 else _render_in_pool(htmls, workers)


def _render_serially(htmls: Iterable[str]) -> Iterator[bytes]:
    for html in htmls:
        yield render_pdf(html)


def _render_in_pool(htmls: Iterable[str], workers: int) -> Iterator[bytes]:
    htmls = iter(htmls)
    first = list(itertools.islice(htmls, 2))
    if len(first) < 2:  # a single document: starting a pool (~1 s) would only delay it
        yield from _render_serially(first)
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(), initializer=_worker_start)
    pending: deque[Future] = deque()
    try:
        for html in itertools.chain(first, htmls):
            pending.append(pool.submit(_worker_render, html))
            if len(pending) >= 2 * workers:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
