"""T1 保密承诺书 and T2 服务承诺书 (docs/domain.md#documents; fields: T1, T2, inferred): plain-data snapshots.

The clauses are the text the signer accepted on screen when submitting a registry entry
(``templates/registries/_pledges.html``, recorded as a ``Pledge`` with ``PLEDGE_TEXT_VERSION``). That page
keeps its wording in the template, so :data:`PLEDGE_CLAUSES` quotes it word for word, by text version; both
should come from one place (see the test that compares them). A recorded acceptance prints who accepted and
when, and the clauses of the version that was accepted.

T1 is signed by a talent, an institution, or a user account that sees personal data (docs/domain.md#documents). Their
ids overlap, so the document number carries the kind: JK-CFP-T12-…, JK-CFP-I12-…, JK-CFP-U12-….
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from referral.auth.models import User, UserRole
from referral.auth.permissions import Role
from referral.divisions.models import Division
from referral.documents.context import format_datetime, head
from referral.extensions import db
from referral.registries.models import Institution, LegalForm, Pledge, PledgeKind, Talent, TalentCategory
from referral.registries.services import PLEDGE_TEXT_VERSION

CONFIDENTIALITY = "confidentiality_pledge"
SERVICE = "service_pledge"

#: The clauses accepted on screen, by text version (``Pledge.text_version``). Word for word the texts of
#: templates/registries/_pledges.html; a new wording is a new version, added here, never an edit.
PLEDGE_CLAUSES: dict[str, dict[str, tuple[str, ...]]] = {
    "2026-1": {
        SERVICE: (
            "本机构提交的登记材料真实、准确、完整。",
            "接受精康转介平台的转介，按照《精神障碍社区康复服务资源共享与转介管理办法》和服务规范提供服务。",
            "保持与服务规模相适应的人员和场地条件，保障服务对象的权益和安全。",
            "发生重大事件及时报告，接受民政部门的监督、抽查和考核评估。",
            "违反承诺的，接受移出服务机构库等处理。",
        ),
        CONFIDENTIALITY: (
            "对服务对象的姓名、肖像、住址、工作单位、病历资料以及其他可能推断出其身份的信息予以保密。",
            "平台数据只用于转介和服务，不复制、不导出、不拍摄、不向第三方提供。",
            "妥善保管账号和密码，不转借他人使用。",
            "离岗后仍履行保密义务；违反承诺的，依法承担责任。",
        ),
    },
}

PREAMBLES = {
    CONFIDENTIALITY: "为保护精神障碍社区康复服务对象的个人信息和隐私，依据《中华人民共和国精神卫生法》"
                     "《中华人民共和国个人信息保护法》和《精神障碍社区康复服务资源共享与转介管理办法》，"
                     "承诺人在参与转介服务、使用精康转介平台期间，郑重承诺如下：",
    SERVICE: "本机构申请加入精神障碍社区康复服务机构库，承接精康转介平台转介的服务对象，"
             "依据《精神障碍社区康复服务资源共享与转介管理办法》，郑重承诺如下：",
}
CLOSING = "特此承诺。"

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


def _latest_pledge(kind: PledgeKind, *, institution_id: int | None = None, talent_id: int | None = None,
                   user_id: int | None = None) -> Pledge | None:
    """The latest acceptance of ``kind`` by an institution, a talent, or the account's own talent entry."""
    if institution_id is not None:
        owner = Pledge.institution_id == institution_id
    elif talent_id is not None:
        owner = Pledge.talent_id == talent_id
    else:
        owner = Pledge.talent_id.in_(select(Talent.id).where(Talent.user_id == user_id))
    return db.session.scalar(select(Pledge).where(owner, Pledge.kind == kind)
                             .order_by(Pledge.signed_at.desc(), Pledge.id.desc()).limit(1))


def _clauses_and_acceptance(code: str, pledge: Pledge | None) -> dict:
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
            "region": _division_name(talent.division, talent.division_code),
            "institution": employers, "account": user.username if user is not None else ""}


def _institution_subject(inst: Institution) -> dict:
    return {"kind": "institution", "name_label": "承诺单位", "name": inst.name,
            "id_label": "统一社会信用代码", "id_number": inst.credit_code or "",
            "role_label": "承诺主体", "role": "机构",
            "region": _division_name(inst.division, inst.division_code),
            "institution": NOT_APPLICABLE, "account": _institution_accounts(inst.id)}


def _user_subject(user: User) -> dict:
    roles = "、".join(ROLE_LABELS[r] for r in sorted(user.roles, key=list(Role).index))
    division = user.division
    if division is None and user.institution is not None:  # institution roles are anchored to the institution
        division = user.institution.division
    return {"kind": "user", "name_label": "承诺人", "name": user.name,
            # No 身份证号 is kept for accounts: a line to fill in by hand.
            "id_label": "身份证号", "id_number": "",
            "role_label": "岗位／角色", "role": roles,
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
        # Pledge rows belong to registry entries: an account has one only through its own talent entry.
        pledge = _latest_pledge(PledgeKind.CONFIDENTIALITY, user_id=subject.id)
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
                    "role_label": "岗位／人员类别", "role": "", "region": "", "institution": "", "account": ""},
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
