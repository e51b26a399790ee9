"""Which objects' documents a user can reach: the subject must be visible to them (404 otherwise, like
every scoped read); whether they may issue it is the service's policy (403)."""

from __future__ import annotations

from sqlalchemy import select

from referral.auth.models import User
from referral.cases.models import Case
from referral.cases.queries import cases_visible_to
from referral.documents.models import IssuedDocument
from referral.registries.models import Institution, Talent
from referral.registries.queries import institutions_visible_to, talents_visible_to
from referral.scoping import one_visible_or_404

#: The URL's plural → the subject type stored with a document.
SUBJECT_PATHS = {"cases": "case", "institutions": "institution", "talents": "talent"}


def subject_or_404(user, subject_type: str, subject_id: int):
    if subject_type == "case":
        stmt = cases_visible_to(user).where(Case.id == subject_id)
    elif subject_type == "institution":
        stmt = institutions_visible_to(user).where(Institution.id == subject_id)
    elif subject_type == "talent":
        stmt = talents_visible_to(user).where(Talent.id == subject_id)
    else:  # a user account: only one's own
        stmt = select(User).where(User.id == subject_id, User.id == getattr(user, "id", None))
    return one_visible_or_404(stmt)


def issued_for(subject_type: str, subject_id: int):
    """The issued versions of a subject's documents, newest first (the PDF bytes are not loaded)."""
    return (select(IssuedDocument)
            .where(IssuedDocument.subject_type == subject_type, IssuedDocument.subject_id == subject_id)
            .order_by(IssuedDocument.code, IssuedDocument.part_id, IssuedDocument.version.desc()))
