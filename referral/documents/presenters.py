"""The documents panel of a case, institution or talent page: which documents the user may issue there,
their download and reissue URLs, and the versions issued so far (two queries, whatever the count)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import select

from referral.calendar import CHINA_TZ
from referral.cases.models import Agreement, Assessment, AssessmentKind, FollowUp
from referral.documents import policies, services
from referral.documents.catalog import documents_for
from referral.documents.models import IssuedDocument
from referral.documents.queries import SUBJECT_PATHS, issued_for
from referral.extensions import db

PLURALS = {subject: plural for plural, subject in SUBJECT_PATHS.items()}
KIND_LABELS = AssessmentKind.labels()


@dataclass
class DocumentEntry:
    title: str
    detail: str
    url: str
    reissue_url: str
    issued: list[IssuedDocument] = field(default_factory=list)


def _parts(case, loaded: dict | None = None) -> dict[str, list[tuple[int, str]]]:
    """(id, label) of each agreement, assessment and recorded follow-up of a case, oldest first. ``loaded``:
    the rows the page has already read (``agreements``, ``assessments``, ``follow_ups``), not read again."""
    def day(value):
        return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d") if value is not None else ""

    loaded = loaded or {}

    def rows(key, stmt):
        return loaded[key] if key in loaded else db.session.scalars(stmt).all()

    agreements = sorted(rows("agreements", select(Agreement).where(Agreement.case_id == case.id)),
                        key=lambda a: (a.signed_at, a.id))
    assessments = sorted(rows("assessments", select(Assessment).where(Assessment.case_id == case.id)),
                         key=lambda a: (a.assessed_at, a.id))
    follow_ups = sorted((f for f in rows("follow_ups", select(FollowUp).where(FollowUp.case_id == case.id))
                         if f.done_at is not None), key=lambda f: (f.due_date, f.id))
    return {
        "agreement": [(a.id, f"{a.start_date:%Y-%m-%d} 至 {a.end_date:%Y-%m-%d}") for a in agreements],
        "assessment": [(a.id, f"{KIND_LABELS.get(str(a.kind), a.kind)} {day(a.assessed_at)}") for a in assessments],
        "follow_up": [(f.id, f"{day(f.done_at)}") for f in follow_ups],
    }


def document_panel(user, subject_type: str, subject, loaded: dict | None = None) -> list[DocumentEntry]:
    kinds = [d for d in documents_for(subject_type)
             if policies.can_issue(user, services.Target(d, subject_type, subject))]
    if not kinds:
        return []
    issued: dict[tuple[str, int], list[IssuedDocument]] = defaultdict(list)
    for document in db.session.scalars(issued_for(subject_type, subject.id)):
        issued[(document.code, document.part_id)].append(document)
    parts = _parts(subject, loaded) if subject_type == "case" else {}
    plural = PLURALS[subject_type]
    entries = []
    for kind in kinds:
        choices = parts.get(kind.part, []) if kind.part else [(0, "")]
        for part_id, detail in choices:
            args = {"plural": plural, "subject_id": subject.id, "code": kind.code}
            if kind.part:
                args[f"{kind.part}_id"] = part_id
            entries.append(DocumentEntry(kind.title, detail, url_for("documents.current", **args),
                                         url_for("documents.reissue", **args), issued[(kind.code, part_id)]))
    return entries
