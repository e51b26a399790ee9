"""Issuing the standard documents (docs/domain.md#documents, issue 5).

A document is issued from a snapshot of its object. Asking for it again returns the issued bytes as long
as the snapshot and the template are unchanged; when either changed, or on an explicit reissue, a new
version is issued with its own number and verification code. So a GET is repeatable (the same bytes) and
a printed copy can always be matched to what the platform handed out.

Issuing is a reveal of personal data (the snapshots hold full 身份证号 and phone numbers, as the paper
forms do): it is allowed only to those who may see them, and every issue and every download is recorded.
Services flush; the caller commits."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass

import segno
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from referral.audit.services import record
from referral.auth.models import User
from referral.calendar import today_in_china
from referral.cases.models import Agreement, Assessment, Case, FollowUp
from referral.documents import policies
from referral.documents.catalog import DOCUMENTS, DocumentType, render_document, template_version
from referral.documents.context import HEAD_KEYS
from referral.documents.models import IssuedDocument, RenderedDocument, printed
from referral.errors import Conflict, NotPermitted, ValidationFailed
from referral.extensions import db
from referral.registries.models import Institution, Talent

#: The public page a document's QR code and verification text point to (``<site>/verify/<code>``).
VERIFY_PATH = "/verify/"
SUBJECT_MODELS = {"case": Case, "institution": Institution, "talent": Talent, "user": User}
PART_MODELS = {"agreement": Agreement, "assessment": Assessment, "follow_up": FollowUp}
PART_ORDER = {Agreement: Agreement.signed_at, Assessment: Assessment.assessed_at, FollowUp: FollowUp.due_date}

# Crockford base 32: no I, L, O, U, so a code read aloud or retyped from paper is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 80 random bits: not guessable, not enumerable through the rate-limited page
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class PartMissing(Conflict):
    """The case has no agreement / assessment / follow-up to print yet."""


@dataclass(frozen=True)
class Target:
    """What is asked for: a document type for one subject and, for some case documents, one part of it."""

    document: DocumentType
    subject_type: str
    subject: object
    part: object | None = None

    @property
    def part_id(self) -> int:
        return self.part.id if self.part is not None else 0

    @property
    def source(self):
        return self.part if self.part is not None else self.subject

    @property
    def division_code(self) -> str | None:
        return getattr(self.subject, "division_code", None)

    @property
    def state(self) -> str | None:
        if isinstance(self.subject, User):
            return "active" if self.subject.is_active else "disabled"
        state = getattr(self.subject, "state", None)
        return str(state) if state is not None else None


def target_for(code: str, subject_type: str, subject, *, parts: dict[str, int | None] | None = None) -> Target:
    """The document ``code`` of ``subject``. ``parts`` are the part ids asked for (``{"assessment": 3}``,
    the API's ``?assessment_id=``); only the document's own part may be given, and without it the latest
    is meant. 404 for a code this kind of object has no document of, or a part that is not the subject's;
    422 for a part parameter the document does not take; 409 when the case has no such part yet."""
    document = DOCUMENTS.get(code)
    if document is None or subject_type not in document.subjects:
        abort(404)
    asked = {name: value for name, value in (parts or {}).items() if value is not None}
    unwanted = {f"{name}_id": [_("此文书不需要该参数。")] for name in asked if name != document.part}
    if unwanted:
        raise ValidationFailed(fields=unwanted)
    part_id = asked.get(document.part) if document.part else None
    if document.part is None:
        return Target(document, subject_type, subject)
    model = PART_MODELS[document.part]
    stmt = select(model).where(model.case_id == subject.id)
    if part_id is not None:
        part = db.session.scalar(stmt.where(model.id == part_id))
        if part is None:
            abort(404)
    else:
        part = db.session.scalar(stmt.order_by(PART_ORDER[model].desc(), model.id.desc()).limit(1))
        if part is None:
            raise PartMissing(_("本个案还没有可打印的%(title)s。", title=document.title))
    return Target(document, subject_type, subject, part)


# --- who may issue ------------------------------------------------------------------------------------------

def ensure_may_issue(actor, target: Target) -> None:
    if not policies.can_issue(actor, target):
        raise NotPermitted(_("只有可以查看本文书所含个人信息的经办人员才能签发和下载它。"))


# --- codes, fingerprints, QR --------------------------------------------------------------------------------

def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str | None:
    """A code as typed from paper (any case, spaces or hyphens, O for 0, I/L for 1) → the stored form;
    None if it cannot be a code."""
    if not text:
        return None
    code = re.sub(r"[\s\-]", "", text).upper().translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def verification_url(base_url: str, code: str) -> str:
    return base_url.rstrip("/") + VERIFY_PATH + printed(code)


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (WeasyPrint draws it as vectors; no image file, no data: URL
    for the fetcher to refuse). Error correction M survives a worn or stamped-over print."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=2, border=0, omitsize=True)


class LazyQR:
    """The QR code of a verification address, drawn only when a PDF is rendered: a download that finds the issued
    version current never needs it (~20 ms of segno per download; docs/architecture.md#speed)."""

    def __init__(self, url: str):
        self.url, self._svg = url, None

    def __str__(self) -> str:
        if self._svg is None:
            self._svg = qr_svg(self.url)
        return self._svg

    __html__ = __str__

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    __hash__ = None


def fingerprint(context: dict) -> str:
    """SHA-256 of the snapshot without its head: two snapshots with the same fingerprint print the same."""
    body = {k: v for k, v in context.items() if k not in HEAD_KEYS}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- issuing ------------------------------------------------------------------------------------------------

@dataclass
class Pending:
    """A document about to be issued: its snapshot is final, its PDF not rendered yet (the batch export
    renders many in parallel between :func:`prepare` and :func:`store`) — or already rendered ahead by the
    queue (``rendered``, whose ``content`` is loaded when it is stored; docs/domain.md#rendered-ahead)."""

    target: Target
    context: dict
    version: int
    code: str
    snapshot_sha256: str
    template_version: str
    rendered: RenderedDocument | None = None


def latest_issued(target: Target) -> IssuedDocument | None:
    return db.session.scalar(
        select(IssuedDocument).where(IssuedDocument.code == target.document.code,
                                     IssuedDocument.subject_type == target.subject_type,
                                     IssuedDocument.subject_id == target.subject.id,
                                     IssuedDocument.part_id == target.part_id)
        .order_by(IssuedDocument.version.desc()).limit(1))


def next_version(target: Target, *, base_url: str, issued_on=None) -> tuple[Pending, IssuedDocument | None]:
    """The snapshot of the document as a new version issued on ``issued_on`` (today) would print it, with a
    fresh verification code; and the latest issued version. Checks nobody's rights: the caller does
    (:func:`prepare`), or nobody sees the result until then (the rendering ahead of ``prerender.py``)."""
    code = new_verification_code()
    url = verification_url(base_url, code)
    context = target.document.build(target.source, issued_on=issued_on or today_in_china(),
                                    verification_code=printed(code))
    snapshot = fingerprint(context)
    latest = latest_issued(target)
    version = (latest.version if latest is not None else 0) + 1
    context.update(number=f"{context['number']}-{version}", verification_url=url, qr_svg=LazyQR(url))
    return Pending(target, context, version, code, snapshot, template_version(target.document.code)), latest


def is_current(document: IssuedDocument | None, pending: Pending) -> bool:
    """Whether ``document`` prints what ``pending`` would (same snapshot, same template)."""
    return (document is not None and document.snapshot_sha256 == pending.snapshot_sha256
            and document.template_version == pending.template_version)


def rendered_ahead(pending: Pending, *, base_url: str) -> RenderedDocument | None:
    """The render the queue made of exactly this next version (docs/domain.md#rendered-ahead): same snapshot and
    template, same version number, same issue day and site address — so its bytes are what rendering now
    would print, save the verification code, which it reserved."""
    target = pending.target
    return db.session.scalar(select(RenderedDocument).where(
        RenderedDocument.code == target.document.code, RenderedDocument.subject_type == target.subject_type,
        RenderedDocument.subject_id == target.subject.id, RenderedDocument.part_id == target.part_id,
        RenderedDocument.version == pending.version, RenderedDocument.snapshot_sha256 == pending.snapshot_sha256,
        RenderedDocument.template_version == pending.template_version,
        RenderedDocument.issued_on == today_in_china(), RenderedDocument.base_url == base_url))


def prepare(target: Target, *, actor, base_url: str, reissue: bool = False) -> IssuedDocument | Pending:
    """The issued document if it is still current (recorded as a download), else the snapshot of a new
    version to render and :func:`store` — already rendered (``rendered``) when the queue rendered it ahead.
    Raises NotPermitted for anyone who may not see its data."""
    ensure_may_issue(actor, target)
    pending, latest = next_version(target, base_url=base_url)
    if not reissue and is_current(latest, pending):
        _record("document.download", latest, actor)
        return latest
    ahead = rendered_ahead(pending, base_url=base_url)
    if ahead is not None:
        pending.code, pending.rendered = ahead.verification_code, ahead
        url = verification_url(base_url, ahead.verification_code)
        pending.context.update(number=ahead.number, verification_code=printed(ahead.verification_code),
                               verification_url=url, qr_svg=LazyQR(url))
    return pending


def store(pending: Pending, pdf: bytes, *, actor) -> IssuedDocument:
    target = pending.target
    document = IssuedDocument(
        code=target.document.code, subject_type=target.subject_type, subject_id=target.subject.id,
        part_id=target.part_id, version=pending.version, number=pending.context["number"],
        verification_code=pending.code, template_version=pending.template_version,
        snapshot_sha256=pending.snapshot_sha256, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf),
        content=pdf, subject_state=target.state, division_code=target.division_code,
        issued_by_id=actor.id if actor is not None else None,
        issued_by_name=actor.name if actor is not None else None)
    db.session.add(document)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # the same version issued by someone else a moment ago
        raise Conflict(_("该文书刚刚由他人签发，请重试。")) from exc
    # Whatever was rendered ahead of this document is used or out of date now (docs/domain.md#rendered-ahead).
    db.session.execute(delete(RenderedDocument).where(
        RenderedDocument.code == document.code, RenderedDocument.subject_type == document.subject_type,
        RenderedDocument.subject_id == document.subject_id, RenderedDocument.part_id == document.part_id))
    # The issue is the person's, as always; the audit entry says when its bytes were rendered ahead.
    _record("document.issue", document, actor,
            **({"rendered_ahead": True} if pending.rendered is not None else {}))
    return document


def issue(target: Target, *, actor, base_url: str, reissue: bool = False) -> IssuedDocument:
    """The current issued version of the document (issuing one when needed)."""
    prepared = prepare(target, actor=actor, base_url=base_url, reissue=reissue)
    if isinstance(prepared, IssuedDocument):
        return prepared
    pdf = prepared.rendered.content if prepared.rendered is not None else render_document(prepared.context)
    return store(prepared, pdf, actor=actor)


def download(document: IssuedDocument, *, actor) -> bytes:
    """The bytes of an issued version, for one who may issue it; recorded."""
    target = Target(DOCUMENTS[document.code], document.subject_type,
                    db.session.get(SUBJECT_MODELS[document.subject_type], document.subject_id))
    ensure_may_issue(actor, target)
    _record("document.download", document, actor)
    return document.content


def _record(action: str, document: IssuedDocument, actor, **extra) -> None:
    record(action, document.subject_type, document.subject_id, actor=actor, division_code=document.division_code,
           document=document.code, number=document.number, version=document.version, **extra)


# --- public verification ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    """What the public page may say about a code: never who the document is about."""

    title: str
    number: str
    version: int
    issued_at: object
    sha256: str
    newer_version: int | None
    newer_issued_at: object | None


def verify(text: str | None) -> Verification | None:
    code = normalise_code(text)
    if code is None:
        return None
    document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.verification_code == code))
    if document is None:
        return None
    newest = db.session.scalar(
        select(IssuedDocument).where(IssuedDocument.code == document.code,
                                     IssuedDocument.subject_type == document.subject_type,
                                     IssuedDocument.subject_id == document.subject_id,
                                     IssuedDocument.part_id == document.part_id)
        .order_by(IssuedDocument.version.desc()).limit(1))
    newer = newest if newest is not None and newest.version > document.version else None
    return Verification(DOCUMENTS[document.code].title if document.code in DOCUMENTS else document.code,
                        document.number, document.version, document.issued_at, document.sha256,
                        newer.version if newer else None, newer.issued_at if newer else None)


# --- paper versions -----------------------------------------------------------------------------------------

_blank_lock = threading.Lock()
_blanks: dict[tuple[str, str], bytes] = {}


def blank_pdf(code: str) -> bytes:
    """The paper version of ``code``: no data, no number, the same for everyone, so rendered once per
    template version and process."""
    document = DOCUMENTS[code]
    key = (code, template_version(code))
    with _blank_lock:
        cached = _blanks.get(key)
    if cached is None:
        cached = render_document(document.blank())
        with _blank_lock:
            _blanks[key] = cached
    return cached
