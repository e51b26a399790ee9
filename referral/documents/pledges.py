"""T1 保密承诺书 and T2 服务承诺书 (docs/domain.md#documents; fields: T1, T2, inferred): plain-data snapshots.

The clauses are the text the signer accepted on screen: on submitting a registry entry
(``templates/registries/_pledges.html``, recorded as a ``Pledge``) or, for one's own account, at the first
sign-in (``templates/auth/pledge.html``, recorded as an ``AccountPledge``), each with its text version. Pages
and PDFs read the one definition in referral/pledge_texts.py. A recorded acceptance prints who accepted and
when, and the clauses of the version that was accepted.

T1 is signed by a talent, an institution, or a user account that sees personal data (docs/domain.md#documents). Their
ids overlap, so the document number carries the kind: JK-CFP-T12-…, JK-CFP-I12-…, JK-CFP-U12-….
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from referral.auth.models import AccountPledge, User, UserRole
from referral.auth.permissions import Role
from referral.auth.services import latest_account_pledge
from referral.divisions.models import Division
from referral.documents.context import format_datetime, head
from referral.extensions import db

# The texts themselves: one definition, shown on screen and printed here.
from referral.pledge_texts import CLOSING, CONFIDENTIALITY, PLEDGE_CLAUSES, PLEDGE_TEXT_VERSION, PREAMBLES, SERVICE
from referral.registries.models import Institution, LegalForm, Pledge, PledgeKind, Talent, TalentCategory

# Plain Chinese labels (the documents are Chinese forms, never translated).
TALENT_CATEGORY_LABELS = TalentCategory.labels()
ROLE_LABELS = Role.labels()
LEGAL_FORM_LABELS = LegalForm.labels()
#: Printed in a cell that does not apply to this signer (an institution has no employer), so that it
#: does not read as a field left empty.
NOT_APPLICABLE = "／"
_NUMERALS = "一二三四五六七八九十"


def numbered(clauses) -> list[dict]:
    """一、二、… in front of each clause."""
    return [{"no": _NUMERALS[i], "text": text} for i, text in enumerate(clauses)]


def _latest_pledge(kind: PledgeKind, *, institution_id: int | None = None,
                   talent_id: int | None = None) -> Pledge | None:
    """The latest acceptance of ``kind`` by an institution or a talent entry."""
    owner = Pledge.institution_id == institution_id if institution_id is not None else Pledge.talent_id == talent_id
    return db.session.scalar(select(Pledge).where(owner, Pledge.kind == kind)
                             .order_by(Pledge.signed_at.desc(), Pledge.id.desc()).limit(1))


def _clauses_and_acceptance(code: str, pledge: Pledge | AccountPledge | None) -> dict:
    """The clauses to print and the online acceptance on record: the accepted version's text if there is
    one, else the current text. A recorded version whose text is not here cannot be printed faithfully:
    that is an error, not a reason to print another text under the signer's name."""
    version = pledge.text_version if pledge is not None else PLEDGE_TEXT_VERSION
    if version not in PLEDGE_CLAUSES:
        raise LookupError(f"no clauses for pledge text version {version!r} (PLEDGE_CLAUSES)")
    accepted = _blank_acceptance()
    if pledge is not None:
        accepted = {"recorded": True, "signer": pledge.signer_name, "signed_at": format_datetime(pledge.signed_at)}
    return {"preamble": PREAMBLES[code], "clauses": numbered(PLEDGE_CLAUSES[version][code]), "closing": CLOSING,
            "text_version": version, "accepted": accepted}


def _blank_acceptance() -> dict:
    return {"recorded": False, "signer": "", "signed_at": ""}


def _division_name(division: Division | None, code: str | None = None) -> str:
    return division.full_name if division is not None else (code or "")


def _institution_accounts(institution_id: int) -> str:
    """The institution's own platform accounts (its institution_admin users)."""
    names = db.session.scalars(
        select(User.username).join(UserRole).where(User.institution_id == institution_id,
                                                   UserRole.role == Role.INSTITUTION_ADMIN)
        .order_by(User.id))
    return "、".join(names)


# --- T1 保密承诺书 ----------------------------------------------------------------------------------------

def _talent_subject(talent: Talent) -> dict:
    user = db.session.get(User, talent.user_id) if talent.user_id is not None else None
    employers = "、".join(row.institution.name for row in talent.employer_rows if row.institution is not None)
    return {"kind": "talent", "name_label": "承诺人", "name": talent.name,
            "id_label": "身份证号", "id_number": talent.id_number,
            "role_label": "人员类别", "role": TALENT_CATEGORY_LABELS[TalentCategory(talent.category)],
            "position_label": "职务", "position": talent.position or "",
            "region": _division_name(talent.division, talent.division_code),
            "institution": employers, "account": user.username if user is not None else ""}


def _institution_subject(inst: Institution) -> dict:
    return {"kind": "institution", "name_label": "承诺单位", "name": inst.name,
            "id_label": "统一社会信用代码", "id_number": inst.credit_code or "",
            "role_label": "承诺主体", "role": "机构", "position_label": "", "position": "",
            "region": _division_name(inst.division, inst.division_code),
            "institution": NOT_APPLICABLE, "account": _institution_accounts(inst.id)}


def _user_subject(user: User) -> dict:
    roles = "、".join(ROLE_LABELS[r] for r in sorted(user.roles, key=list(Role).index))
    division = user.division
    if division is None and user.institution is not None:  # institution roles are anchored to the institution
        division = user.institution.division
    # The account's own talent entry, if it has one, says its 职务.
    talent = db.session.scalar(select(Talent).where(Talent.user_id == user.id).order_by(Talent.id.desc()).limit(1))
    return {"kind": "user", "name_label": "承诺人", "name": user.name,
            # In full, as on any signed paper pledge: only the account itself issues its own (policies.can_issue).
            # Without a number on file, a line to fill in by hand.
            "id_label": "身份证号", "id_number": user.id_number or "",
            "role_label": "岗位／角色", "role": roles,
            "position_label": "职务", "position": talent.position if talent is not None else "",
            "region": _division_name(division, user.division_code),
            "institution": user.institution.name if user.institution is not None else "",
            "account": user.username}


def _signature(kind: str, unit: str = "") -> dict:
    """The bottom right: who signs, and for a unit its seal over its printed name (``unit``)."""
    if kind == "institution":
        return {"signature_label": "法定代表人或授权代表（签字）", "seal_label": "承诺单位（盖章）", "seal_name": unit}
    if kind in ("talent", "user"):
        return {"signature_label": "承诺人（签字）", "seal_label": "", "seal_name": ""}
    return {"signature_label": "承诺人／法定代表人（签字）", "seal_label": "承诺单位（盖章）", "seal_name": ""}


def confidentiality_pledge_context(subject: Talent | Institution | User, *, issued_on: date | None = None,
                                   verification_code: str | None = None) -> dict:
    """T1 保密承诺书 of a talent, an institution or a user account (docs/domain.md#documents).

    The snapshot holds the full 身份证号 / 统一社会信用代码, as the paper pledge does: whoever issues it must
    be allowed to see them (the issuing service's policy check and audit entry)."""
    if isinstance(subject, Talent):
        who, prefix = _talent_subject(subject), "T"
        pledge = _latest_pledge(PledgeKind.CONFIDENTIALITY, talent_id=subject.id)
    elif isinstance(subject, Institution):
        who, prefix = _institution_subject(subject), "I"
        pledge = _latest_pledge(PledgeKind.CONFIDENTIALITY, institution_id=subject.id)
    elif isinstance(subject, User):
        who, prefix = _user_subject(subject), "U"
        # The account's own acceptance at sign-in (referral/auth/models.py: AccountPledge).
        pledge = latest_account_pledge(subject)
    else:
        raise TypeError(f"no confidentiality pledge for a {type(subject).__name__}")
    # The kind letter keeps a talent's and an institution's pledge numbers apart (their ids overlap).
    return {
        **head(CONFIDENTIALITY, object_id=f"{prefix}{subject.id}", issued_on=issued_on,
               verification_code=verification_code),
        "subject": who,
        **_clauses_and_acceptance(CONFIDENTIALITY, pledge),
        **_signature(who["kind"], subject.name if who["kind"] == "institution" else ""),
    }


def blank_confidentiality_pledge() -> dict:
    """The paper version: the same keys, every field empty, labels for a person or a unit."""
    return {
        **head(CONFIDENTIALITY, blank=True),
        "subject": {"kind": "", "name_label": "承诺人／承诺单位", "name": "",
                    "id_label": "身份证号／统一社会信用代码", "id_number": "",
                    "role_label": "岗位／人员类别", "role": "", "position_label": "职务", "position": "",
                    "region": "", "institution": "", "account": ""},
        **_clauses_and_acceptance(CONFIDENTIALITY, None),
        **_signature(""),
    }


# --- T2 服务承诺书 ----------------------------------------------------------------------------------------

def _service_area(codes: list[str]) -> str:
    if not codes:
        return ""
    names = {d.code: d.full_name for d in db.session.scalars(select(Division).where(Division.code.in_(codes)))}
    return "、".join(names.get(code, code) for code in codes)


def service_pledge_context(institution: Institution, *, issued_on: date | None = None,
                           verification_code: str | None = None) -> dict:
    """T2 服务承诺书 of an institution joining the 服务机构库 (docs/domain.md#documents)."""
    inst = institution
    pledge = _latest_pledge(PledgeKind.SERVICE, institution_id=inst.id)
    return {
        **head(SERVICE, object_id=inst.id, issued_on=issued_on, verification_code=verification_code),
        "institution": {
            "name": inst.name,
            "credit_code": inst.credit_code or "",
            "registration_authority": inst.registration_authority,
            "legal_form": LEGAL_FORM_LABELS[LegalForm(inst.legal_form)] if inst.legal_form else "",
            "legal_representative": inst.legal_representative,
            "address": inst.address,
            "region": _division_name(inst.division, inst.division_code),
            "contact_name": inst.contact_name,
            "contact_phone": inst.contact_phone,
            "service_area": _service_area(inst.service_area),
        },
        **_clauses_and_acceptance(SERVICE, pledge),
        **_signature("institution", inst.name),
    }


def blank_service_pledge() -> dict:
    return {
        **head(SERVICE, blank=True),
        "institution": {"name": "", "credit_code": "", "registration_authority": "", "legal_form": "",
                        "legal_representative": "", "address": "", "region": "", "contact_name": "",
                        "contact_phone": "", "service_area": ""},
        **_clauses_and_acceptance(SERVICE, None),
        **_signature("institution"),
    }
