"""Who may issue and download a document: those who may see the personal data it prints
(docs/domain.md#personal-data, least necessity). One rule per kind of subject, each the feature's own."""

from __future__ import annotations

from referral.cases.policies import can_issue_document
from referral.registries.policies import can_issue_entry_document


def can_issue(actor, target) -> bool:
    """``target``: a documents.services.Target (the document type, its subject and the subject's kind)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if target.subject_type == "case":
        return can_issue_document(actor, target.subject, target.document.code)
    if target.subject_type in ("talent", "institution"):
        return can_issue_entry_document(actor, target.subject)
    if target.subject_type == "user":
        return actor.id == target.subject.id
    return False
