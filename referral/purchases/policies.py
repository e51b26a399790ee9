"""Who may do what with a purchase statement: pure functions of (user, object), asked by the views, the API,
the services and the templates alike. Seeing one at all is scope (queries.statements_visible_to: 404 outside)."""

from __future__ import annotations

from referral.auth.permissions import Permission, Role
from workflows.purchase import StatementParty


def can_issue_statement(user, institution) -> bool:
    """The county official of the institution's county issues (and re-issues) its statements."""
    return user.has_role(Role.COUNTY_OFFICIAL) and bool(user.division_code) and \
        user.division_code == institution.division_code


def can_answer_statement(user, statement) -> bool:
    """The institution confirms or disputes: its institution admin, not its service staff."""
    return user.has_role(Role.INSTITUTION_ADMIN) and user.institution_id == statement.institution_id


def can_reissue_statement(user, statement) -> bool:
    """Re-issuing is the issuing county's: its county official (the statement's county, not the institution's
    county today, should the institution have moved)."""
    return user.has_role(Role.COUNTY_OFFICIAL) and user.division_code == statement.division_code


def can_export_statement(user, statement) -> bool:
    """Everyone who sees a statement may export it (figures only, no personal data); each export is audited."""
    return user.has_permission(Permission.VIEW_PURCHASES)


def statement_party(user, statement) -> StatementParty:
    return StatementParty(user.id, institution_admin=can_answer_statement(user, statement),
                          county=can_reissue_statement(user, statement))
