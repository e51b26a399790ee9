"""Who is who for a registry entry: pure functions of (user, entry). The approval machine's conditions
are fed from ``party_for``; templates and views ask the same functions."""

from __future__ import annotations

from referral.auth.permissions import Role
from referral.registries.models import Institution, Talent
from workflows.approval import Party


def is_institution_owner(user, institution: Institution) -> bool:
    return user.has_role(Role.INSTITUTION_ADMIN) and user.institution_id == institution.id


def is_talent_owner(user, talent: Talent) -> bool:
    """The talent themself, or an admin of one of their employers (docs/domain.md#registry-approval-machine: "the talent or their
    institution_admin")."""
    if talent.user_id is not None and talent.user_id == user.id:
        return True
    return user.has_role(Role.INSTITUTION_ADMIN) and user.institution_id in talent.institution_ids


def is_owner(user, entry) -> bool:
    return is_institution_owner(user, entry) if isinstance(entry, Institution) else is_talent_owner(user, entry)


def is_county_official_for(user, entry) -> bool:
    return user.has_role(Role.COUNTY_OFFICIAL) and user.division_code == entry.division_code


def is_city_official_for(user, entry) -> bool:
    code = user.division_code or ""
    return user.has_role(Role.CITY_OFFICIAL) and len(code) == 6 and entry.division_code[:4] == code[:4]


def party_for(user, entry) -> Party:
    return Party(user_id=user.id, owner=is_owner(user, entry), county=is_county_official_for(user, entry),
                 city=is_city_official_for(user, entry))


def can_edit_entry(user, entry) -> bool:
    from workflows.approval import ApprovalState

    return is_owner(user, entry) and entry.state in (ApprovalState.DRAFT, ApprovalState.RETURNED,
                                                     ApprovalState.LISTED, ApprovalState.SUSPENDED)


def can_reveal_talent_id(user, talent: Talent) -> bool:
    """A talent's full 身份证号, with a recorded reason: their county official or the talent's owner."""
    return is_county_official_for(user, talent) or is_talent_owner(user, talent)


def can_issue_entry_document(user, entry) -> bool:
    """An entry's documents print personal data: for its county official and its owner."""
    return is_county_official_for(user, entry) or is_owner(user, entry)
