"""The standard documents by code (docs/domain.md#documents; the codes are a contract): what each is issued for, how its
snapshot is built, its paper version, and how a snapshot becomes HTML and PDF.

A document is issued for a *subject* (the object in the URL: a case, an institution, a talent, or a user
account for one's own confidentiality pledge) and, for some case documents, one *part* of it: the
agreement, an assessment or a follow-up. The template of a code is ``templates/pdf/<code>.html``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version as package_version

from flask import current_app
from jinja2 import meta

from referral.documents import case_file, case_records, pledges
from referral.documents import context as application
from referral.documents.context import TITLES
from referral.documents.pdf import STYLESHEET, render_pdf


@dataclass(frozen=True)
class DocumentType:
    code: str
    subjects: tuple[str, ...]  # case, institution, talent, user
    build: Callable[..., dict]  # (the subject or its part, *, issued_on, verification_code) → snapshot
    blank: Callable[[], dict]
    part: str | None = None  # agreement, assessment, follow_up: what of a case the document is about

    @property
    def title(self) -> str:
        return TITLES[self.code]

    @property
    def template(self) -> str:
        return f"pdf/{self.code}.html"


DOCUMENTS: dict[str, DocumentType] = {
    "confidentiality_pledge": DocumentType("confidentiality_pledge", ("talent", "institution", "user"),
                                           pledges.confidentiality_pledge_context,
                                           pledges.blank_confidentiality_pledge),
    "service_pledge": DocumentType("service_pledge", ("institution",), pledges.service_pledge_context,
                                   pledges.blank_service_pledge),
    "basic_file": DocumentType("basic_file", ("case",), case_file.basic_file_context, case_file.blank_basic_file),
    "service_agreement": DocumentType("service_agreement", ("case",), case_file.service_agreement_context,
                                      case_file.blank_service_agreement, part="agreement"),
    "assessment": DocumentType("assessment", ("case",), case_records.assessment_context,
                               case_records.blank_assessment, part="assessment"),
    "follow_up": DocumentType("follow_up", ("case",), case_records.follow_up_context, case_records.blank_follow_up,
                              part="follow_up"),
    "application": DocumentType("application", ("case",), application.application_context, application.blank_context),
}


def documents_for(subject_type: str) -> list[DocumentType]:
    return [d for d in DOCUMENTS.values() if subject_type in d.subjects]


def render_html(context: dict) -> str:
    """The document's HTML from its snapshot. The template is rendered on its own, without Flask's
    request context processors: it sees ``doc`` (the snapshot) and nothing else."""
    return current_app.jinja_env.get_template(f"pdf/{context['code']}.html").render(doc=context)


def render_document(context: dict) -> bytes:
    """The document's PDF bytes from its snapshot."""
    return render_pdf(render_html(context))


def template_version(code: str) -> str:
    """12 hex digits of a hash over everything that shapes the document's look: its template and every
    template it extends, includes or imports (followed to the end), the print stylesheet and the font
    package. Computed, not bumped by hand, so an issued document always names the exact template that
    made it."""
    env = current_app.jinja_env
    cached = _VERSIONS.get((id(env), id(env.loader), code))
    if cached is not None and all(uptodate() for uptodate in cached[1]):
        return cached[0]
    digest = hashlib.sha256()
    stylesheet_mtime = _mtime(STYLESHEET)
    checks = [lambda: _mtime(STYLESHEET) == stylesheet_mtime]
    seen: set[str] = set()
    todo = [f"pdf/{code}.html"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source, _, uptodate = env.loader.get_source(env, name)
        if uptodate is not None:
            checks.append(uptodate)
        digest.update(name.encode() + b"\0" + source.encode("utf-8") + b"\0")
        todo.extend(sorted(n for n in meta.find_referenced_templates(env.parse(source)) if n))
    digest.update(STYLESHEET.read_bytes())
    digest.update(package_version("pylopdf-fonts-zh-cn").encode())
    version = digest.hexdigest()[:12]
    _VERSIONS[(id(env), id(env.loader), code)] = (version, checks)
    return version


# Parsing a document's templates on every download cost ~40 ms (docs/architecture.md#speed): the version is kept
# per process until a template or the stylesheet changes on disk (the loader's own up-to-date checks).
_VERSIONS: dict[tuple[int, int, str], tuple[str, list[Callable[[], bool]]]] = {}


def _mtime(path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
