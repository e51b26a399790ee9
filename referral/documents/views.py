"""Pages of the standard documents: download (issuing when needed), reissue, issued versions, the paper
versions, the public verification page and the batch export with its progress."""

from __future__ import annotations

import io

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from forms.documents import DocumentQuery, ExportForm, VerifyForm
from referral.auth.permissions import Permission, permission_required
from referral.cases.api import STAGES
from referral.cases.models import Case, CaseState
from referral.cases.queries import cases_visible_to
from referral.documents import bp, exports, services
from referral.documents import prerender as _prerender  # noqa: F401  subscribes to referral.changes.data_changed
from referral.documents.catalog import DOCUMENTS
from referral.documents.models import DocumentExport, IssuedDocument
from referral.documents.queries import SUBJECT_PATHS, subject_or_404
from referral.errors import ValidationFailed
from referral.extensions import db, limiter
from referral.scoping import one_visible_or_404
from referral.web import paginate, run_form

SUBJECTS = "any(" + ", ".join(SUBJECT_PATHS) + ")"


def public_base_url() -> str:
    """Where the public reaches the site (the QR codes point there)."""
    return current_app.config.get("PUBLIC_URL") or request.url_root


def pdf_response(data: bytes, *, title: str, number: str = "", document: IssuedDocument | None = None):
    name = f"{title}-{number}.pdf" if number else f"{title}（空白）.pdf"
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name,
                         etag=False, max_age=0)
    if document is not None:
        response.set_etag(document.sha256)
        response.headers["Cache-Control"] = "no-store"  # personal data: no copy in a shared proxy or browser cache
        response.headers["X-Document-Number"] = document.number
        response.headers["X-Document-Version"] = str(document.version)
        response.headers["X-Verification-Code"] = document.printed_code
    return response


def requested_target(user, subject_type: str, subject_id: int, code: str, query: DocumentQuery):
    """The document a URL names, for the HTML pages and the API alike."""
    subject = subject_or_404(user, subject_type, subject_id)
    return services.target_for(code, subject_type, subject, parts=query.parts())


def _query() -> DocumentQuery:
    query = DocumentQuery(request.args)
    if not query.validate():
        raise ValidationFailed(fields={k: [str(m) for m in v] for k, v in query.errors.items()})
    return query


@bp.get(f"/<{SUBJECTS}:plural>/<int:subject_id>/documents/<code>")
@login_required
def current(plural: str, subject_id: int, code: str):
    """The current version of a document (issued now if its data or template changed since the last)."""
    target = requested_target(current_user, SUBJECT_PATHS[plural], subject_id, code, _query())
    document = services.issue(target, actor=current_user, base_url=public_base_url())
    db.session.commit()
    return pdf_response(document.content, title=target.document.title, number=document.number, document=document)


@bp.post(f"/<{SUBJECTS}:plural>/<int:subject_id>/documents/<code>/reissue")
@login_required
def reissue(plural: str, subject_id: int, code: str):
    """A new version even if nothing changed (a new date and verification code; the old one stays valid
    and the verification page says that a newer version exists)."""
    target = requested_target(current_user, SUBJECT_PATHS[plural], subject_id, code, _query())
    document = services.issue(target, actor=current_user, base_url=public_base_url(), reissue=True)
    db.session.commit()
    flash(_("已签发《%(t)s》第 %(v)d 版，编号 %(n)s。", t=target.document.title, v=document.version,
            n=document.number), "success")
    return redirect(url_for("documents.issued", document_id=document.id))


@bp.get("/me/documents/<code>")
@login_required
def mine(code: str):
    """One's own confidentiality pledge (every account that sees personal data signs one)."""
    target = services.target_for(code, "user", current_user._get_current_object())
    document = services.issue(target, actor=current_user, base_url=public_base_url())
    db.session.commit()
    return pdf_response(document.content, title=target.document.title, number=document.number, document=document)


@bp.get("/documents/<int:document_id>")
@login_required
def issued(document_id: int):
    """An issued version: exactly the bytes that were issued."""
    document = db.session.get(IssuedDocument, document_id)
    if document is None:
        abort(404)
    subject_or_404(current_user, document.subject_type, document.subject_id)
    data = services.download(document, actor=current_user)
    db.session.commit()
    return pdf_response(data, title=DOCUMENTS[document.code].title, number=document.number, document=document)


# --- paper versions and the public check ---------------------------------------------------------------------

@bp.get("/documents/blank/")
def blanks():
    return render_template("documents/blank.html", documents=list(DOCUMENTS.values()))


@bp.get("/documents/blank/<code>.pdf")
def blank(code: str):
    document = DOCUMENTS.get(code)
    if document is None:
        abort(404)
    response = pdf_response(services.blank_pdf(code), title=document.title)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/verify")
@bp.get(services.VERIFY_PATH + "<code>")
@limiter.limit("30 per minute")
def verify(code: str | None = None):
    """Public: was a document with this code issued, and when. Never who it is about."""
    form = VerifyForm(request.args if code is None else MultiDict({"code": code}))
    asked = code is not None or "code" in request.args
    result = None
    if asked and form.validate():
        if services.normalise_code(form.code.data) is None:
            form.code.errors.append(_("校验码是 16 位字母和数字（可带连字符），请核对后重新输入。"))
        else:
            result = services.verify(form.code.data)
    return render_template("documents/verify.html", form=form, asked=asked, result=result), \
        422 if form.errors else 200


# --- batch export ---------------------------------------------------------------------------------------------

def _export_choices():
    return [(code, DOCUMENTS[code].title) for code in exports.EXPORT_CODES]


@bp.route("/documents/exports/", methods=["GET", "POST"])
@permission_required(Permission.VIEW_CASES)
def export_list():
    form = ExportForm(data={"state": request.args.get("state", "")})
    form.code.choices = _export_choices()

    def request_export():
        stmt = cases_visible_to(current_user)
        state = form.state.data or ""
        if state:
            if state not in {s.value for s in CaseState}:
                abort(404)
            stmt = stmt.where(Case.state == state)
        ids = list(db.session.scalars(stmt.with_only_columns(Case.id).order_by(Case.id)))
        return exports.request_export(actor=current_user, code=form.code.data, case_ids=ids,
                                      filters={"state": state}, base_url=public_base_url())

    run = run_form(form, request_export)
    if run.done:
        return redirect(url_for("documents.export", export_id=run.result.id))
    pagination = paginate(exports.exports_of(current_user).order_by(DocumentExport.created_at.desc()))
    states = {s.value for s in CaseState}
    return render_template("documents/exports.html", form=form, pagination=pagination,
                           titles={c: d.title for c, d in DOCUMENTS.items()}, stages=STAGES,
                           state=form.state.data if form.state.data in states else ""), run.status


def _export_or_404(export_id: int) -> DocumentExport:
    return one_visible_or_404(exports.exports_of(current_user).where(DocumentExport.id == export_id))


@bp.get("/documents/exports/<int:export_id>")
@permission_required(Permission.VIEW_CASES)
def export(export_id: int):
    job = _export_or_404(export_id)
    return render_template("documents/export.html", export=job, title=DOCUMENTS[job.code].title,
                           ready=exports.zip_path(job) is not None)


@bp.get("/documents/exports/<int:export_id>/status")
@permission_required(Permission.VIEW_CASES)
def export_status(export_id: int):
    job = _export_or_404(export_id)
    return jsonify({"id": job.id, "state": str(job.state), "total": job.total, "done": job.done,
                    "percent": job.percent, "error": job.error,
                    "download_url": url_for("documents.export_download", export_id=job.id)
                    if exports.zip_path(job) else None})


@bp.get("/documents/exports/<int:export_id>/download")
@permission_required(Permission.VIEW_CASES)
def export_download(export_id: int):
    job = _export_or_404(export_id)
    path = exports.zip_path(job)
    if path is None:
        abort(404)
    exports.record_download(job, actor=current_user)
    db.session.commit()
    response = send_file(path, mimetype="application/zip", as_attachment=True,
                         download_name=f"documents-{job.code}-{job.id}.zip", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
