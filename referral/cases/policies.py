"""Who may do what with a case: pure functions of (user, case), asked by views, services, the API, the
documents and the templates alike (docs/architecture.md#where-rules-live). The case machine's "who"
conditions are fed from ``case_party``; everything else a page or service decides about a person's
rights over a case is one ``can_*`` below."""

from __future__ import annotations

from referral.auth.permissions import Role
from workflows.case import CaseParty


def case_party(user, case, *, applicant: bool = False) -> CaseParty:
    """The actor's relation to the case, as the machine's conditions read it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return CaseParty(None, applicant=applicant)
    member = case.institution_id is not None and user.institution_id == case.institution_id
    return CaseParty(
        user.id,
        referral_officer=user.has_role(Role.REFERRAL_OFFICER) and user.division_code == case.division_code,
        institution_member=member and user.has_role(Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF),
        institution_staff=member and user.has_role(Role.INSTITUTION_STAFF),
        creator=case.created_by_id is not None and case.created_by_id == user.id,
        applicant=applicant,
    )


def serves_case(user, case) -> bool:
    """The referral officer of the residence county or a member of the serving institution."""
    party = case_party(user, case)
    return party.referral_officer or party.institution_member


def can_refer(user, case) -> bool:
    """Choosing the institution is the referral officer's: the list of eligible institutions is theirs too."""
    return case_party(user, case).referral_officer


def can_see_identity(user, case) -> bool:
    """Name, address and needs: a minor's only to those who serve the case; others see that a minor's case
    exists (docs/domain.md#personal-data)."""
    return not case.is_minor or serves_case(user, case)


def can_reveal_identity(user, case) -> bool:
    """The full 身份证号 and phone numbers, with a recorded reason: for those who serve the case."""
    return serves_case(user, case)


def can_record_service(user, case) -> bool:
    """服务记录: the staff of the serving institution (while the case is in service: the service says so)."""
    return case_party(user, case).institution_staff


def can_issue_document(user, case, code: str) -> bool:
    """A case's documents print full personal data: for those who serve it; the assister who entered an
    application also prints that one, for the family to sign."""
    return serves_case(user, case) or (code == "application" and case_party(user, case).creator)


def can_edit_person(user, case) -> bool:
    """The person's record (docs/domain.md#the-persons-record): the referral officer who registers the case and
    the staff of the institution serving it, who ask it at registration and assessment."""
    party = case_party(user, case)
    return party.referral_officer or party.institution_staff


def can_see_health_data(user, case) -> bool:
    """Diagnosis and medications: only those whose task needs them — the same people who keep the record —
    and even they see them masked until they reveal them with a reason, as the 身份证号."""
    return can_edit_person(user, case)
