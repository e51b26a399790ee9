"""The standard documents by code (DESIGN §3.3; the codes are a contract): template, title, and how to
turn a snapshot into HTML and PDF. Only ``application`` (T7) has a template so far."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from referral.documents.context import APPLICATION, TITLES
from referral.documents.pdf import render_pdf


@dataclass(frozen=True)
class DocumentType:
    code: str
    template: str

    @property
    def title(self) -> str:
        return TITLES[self.code]


DOCUMENTS: dict[str, DocumentType] = {
    APPLICATION: DocumentType(APPLICATION, "pdf/application.html"),
}


def render_html(context: dict) -> str:
    """The document's HTML from its snapshot. The template is rendered on its own, without Flask's
    request context processors: it sees ``doc`` (the snapshot) and nothing else."""
    document = DOCUMENTS[context["code"]]
    return current_app.jinja_env.get_template(document.template).render(doc=context)


def render_document(context: dict) -> bytes:
    """The document's PDF bytes from its snapshot."""
    return render_pdf(render_html(context))
