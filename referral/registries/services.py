"""Registry services: registration, edits, change requests, every approval event, training records.
They change rows, write the decision and audit rows, and flush; the view commits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from referral.audit.services import record
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.auth.services import create_user
from referral.calendar import add_working_days, deadlines_for, today_in_china
from referral.changes import changed as data_changed
from referral.divisions.models import Division, DivisionLevel
from referral.errors import Conflict, NotPermitted, ValidationFailed, refusal_error
from referral.extensions import db
from referral.id_hash import id_hash
from referral.models import utcnow
from referral.notifications import services as notifications
from referral.pledge_texts import PLEDGE_TEXT_VERSION  # re-exported: the version a submit records
from referral.registries import policies
from referral.registries.models import (
    ApprovalDecision,
    ChangeRequest,
    Institution,
    InstitutionLicence,
    InstitutionService,
    InstitutionServiceArea,
    Pledge,
    PledgeKind,
    Talent,
    TalentEmployment,
    TrainingRecord,
)
from referral.registries.queries import last_county_approver_id, owner_user_ids
from workflows import engine
from workflows.approval import DECISION_LEVEL, ApprovalFlow, ApprovalState, ExitReason, Facts, fire_approval
from workflows.change_request import ChangeFlow, ChangeParty, fire_change
from workflows.engine import ActionRefused

# Key fields of a listed institution: changing them needs a county re-check (docs/domain.md#change-requests).
KEY_FIELDS = ("name", "address", "division_code", "service_area", "legal_representative")
EDITABLE_STATES = (ApprovalState.DRAFT, ApprovalState.RETURNED)
LIVE_STATES = (ApprovalState.LISTED, ApprovalState.SUSPENDED)

INSTITUTION_FIELDS = ("name", "credit_code", "registration_authority", "legal_form", "legal_representative",
                      "address", "division_code", "capacity", "free_places", "opening_hours", "premises_area",
                      "contact_name", "contact_phone", "is_assessment_referral", "grade", "description")
FIELD_LABELS = {
    "name": _l("名称"), "credit_code": _l("统一社会信用代码"), "registration_authority": _l("登记管理机关"),
    "legal_form": _l("法人类型"), "legal_representative": _l("法定代表人"), "address": _l("地址"),
    "division_code": _l("所在县（区）"), "service_area": _l("服务区域"), "service_types": _l("服务项目"),
    "opening_hours": _l("开放时间"), "contact_name": _l("联系人"), "contact_phone": _l("联系电话"),
    "licence_scan": _l("登记证书或执业许可扫描件"), "id_number": _l("身份证号"), "category": _l("人员类别"),
    "phone": _l("联系电话"), "certificate": _l("资格证书（编号、发证机关、有效期）"),
}

def _deadlines(entry):
    return deadlines_for(current_app.config, entry.division_code)


def _snapshot(entry) -> dict:
    if isinstance(entry, Institution):
        data = {f: getattr(entry, f) for f in INSTITUTION_FIELDS}
        data["service_area"], data["service_types"] = entry.service_area, entry.service_types
    else:
        data = {"name": entry.name, "category": entry.category, "division_code": entry.division_code,
                "position": entry.position, "certificate_number": entry.certificate_number,
                "institution_ids": entry.institution_ids}
    return {k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in data.items()}


def _kind(entry) -> str:
    return "institution" if isinstance(entry, Institution) else "talent"


# --- validation shared by registration, edits and the submit check ---------------------------------------

def _check_counties(codes, field: str, *, province: str | None, errors: dict):
    for code in codes:
        division = db.session.get(Division, code)
        if division is None or division.level is not DivisionLevel.COUNTY:
            errors.setdefault(field, []).append(_("%(code)s 不是有效的县级行政区划代码。", code=code))
        elif province and code[:2] != province[:2]:
            errors.setdefault(field, []).append(_("服务区域 %(code)s 不在机构所在省份内。", code=code))


def validate_institution_data(data: dict, *, current: Institution | None = None) -> None:
    errors: dict[str, list[str]] = {}
    division = data.get("division_code", current.division_code if current else None)
    _check_counties([division] if division else [], "division", province=None, errors=errors)
    if "service_area" in data:
        _check_counties(data["service_area"], "service_area", province=division, errors=errors)
    capacity = data.get("capacity", current.capacity if current else 0) or 0
    free = data.get("free_places", current.free_places if current else 0) or 0
    if free > capacity:
        errors.setdefault("free_places", []).append(_("空余名额不能超过服务容量。"))
    code = data.get("credit_code")
    if code:
        clash = db.session.scalar(db.select(Institution.id).where(
            Institution.credit_code == code, Institution.state.not_in(
                [ApprovalState.REJECTED, ApprovalState.REMOVED, ApprovalState.WITHDRAWN]),
            Institution.id != (current.id if current else -1)))
        if clash is not None:
            errors.setdefault("credit_code", []).append(_("该统一社会信用代码已有在库或审核中的登记。"))
    if errors:
        raise ValidationFailed(fields=errors)


def _apply_institution(inst: Institution, data: dict) -> None:
    for name in INSTITUTION_FIELDS:
        if name in data:
            setattr(inst, name, data[name])
    if "service_area" in data:
        wanted = list(dict.fromkeys(data["service_area"]))
        inst.service_area_rows = [r for r in inst.service_area_rows if r.division_code in wanted] + [
            InstitutionServiceArea(division_code=c) for c in wanted if c not in inst.service_area]
    if "service_types" in data:
        wanted = list(dict.fromkeys(data["service_types"]))
        inst.service_rows = [r for r in inst.service_rows if r.service_type in wanted] + [
            InstitutionService(service_type=t) for t in wanted if t not in inst.service_types]


def missing_fields(entry) -> list[str]:
    """Required before submit (docs/domain.md#registry-approval-machine: "required fields complete")."""
    if isinstance(entry, Institution):
        from referral.attachments.models import Attachment

        required = ("name", "credit_code", "registration_authority", "legal_form", "legal_representative",
                    "address", "opening_hours", "contact_name", "contact_phone")
        missing = [f for f in required if not getattr(entry, f)]
        missing += [f for f in ("service_area", "service_types") if not getattr(entry, f)]
        has_scan = db.session.scalar(db.select(Attachment.id).where(
            Attachment.owner_type == "institution", Attachment.owner_id == entry.id,
            Attachment.kind == "licence_scan", Attachment.deleted_at.is_(None)).limit(1))
        if has_scan is None:
            missing.append("licence_scan")
        return missing
    missing = [f for f in ("name", "id_number", "category", "phone") if not getattr(entry, f)]
    if entry.needs_certificate and not (entry.certificate_number and entry.certificate_issuer
                                        and entry.certificate_valid_until):
        missing.append("certificate")
    return missing


CERTIFICATE_PART_LABELS = {"certificate_number": _l("执业证书编号"), "certificate_issuer": _l("发证机关"),
                           "certificate_valid_until": _l("证书有效期")}


def _missing_labels(entry, field: str) -> list:
    if field == "certificate":
        return [label for part, label in CERTIFICATE_PART_LABELS.items() if not getattr(entry, part)]
    return [FIELD_LABELS.get(field, field)]


# --- institutions ----------------------------------------------------------------------------------------

def register_institution(*, username: str, password: str, admin_name: str, data: dict) -> tuple[User, Institution]:
    """Public sign-up (docs/domain.md#registry-approval-machine): a draft institution file and its institution_admin account. The
    service area starts as the institution's own county."""
    data = dict(data)
    if not data.get("service_area"):
        data["service_area"] = [data["division_code"]]
    validate_institution_data(data)
    institution = Institution(state=ApprovalState.DRAFT, name=data["name"], division_code=data["division_code"])
    _apply_institution(institution, data)
    db.session.add(institution)
    db.session.flush()
    user = create_user(actor=None, username=username, password=password, roles=[Role.INSTITUTION_ADMIN],
                       institution_id=institution.id, display_name=admin_name)
    institution.created_by_id = user.id
    record("institution.create", "institution", institution.id, actor=user, division_code=institution.division_code,
           after=_snapshot(institution))
    db.session.flush()
    return user, institution


def create_institution(*, actor, data: dict) -> Institution:
    """An institution admin without an institution yet, or a sysadmin, creates a draft via the API."""
    validate_institution_data(data)
    institution = Institution(state=ApprovalState.DRAFT, name=data["name"], division_code=data["division_code"],
                              created_by_id=actor.id)
    _apply_institution(institution, data)
    db.session.add(institution)
    db.session.flush()
    record("institution.create", "institution", institution.id, actor=actor,
           division_code=institution.division_code, after=_snapshot(institution))
    db.session.flush()
    return institution


def update_institution(inst: Institution, *, actor, data: dict) -> ChangeRequest | None:
    """Drafts change directly. A listed (or suspended) institution changes capacity, contact and other
    minor fields directly, while key fields become a change request for the county; it stays listed."""
    if not policies.is_institution_owner(actor, inst):
        raise NotPermitted()
    if inst.state not in EDITABLE_STATES + LIVE_STATES:
        raise Conflict(_("审核期间不能修改登记信息。"))
    validate_institution_data(data, current=inst)
    before = _snapshot(inst)
    change = None
    if inst.state in LIVE_STATES:
        key_changes = {f: data.pop(f) for f in KEY_FIELDS if f in data and _differs(inst, f, data[f])}
        for f in KEY_FIELDS:
            data.pop(f, None)
        if key_changes:
            change = request_change(inst, actor=actor, changes=key_changes)
    _apply_institution(inst, data)
    db.session.flush()
    after = _snapshot(inst)
    if after != before:
        record("institution.update", "institution", inst.id, actor=actor, division_code=inst.division_code,
               before={k: v for k, v in before.items() if after[k] != v},
               after={k: v for k, v in after.items() if before[k] != v})
        db.session.flush()
        data_changed("institution", inst.id)  # docs/domain.md#rendered-ahead
    return change


def _differs(inst, field, value) -> bool:
    current = getattr(inst, field)
    return sorted(current) != sorted(value) if isinstance(value, list) else current != value


def request_change(inst: Institution, *, actor, changes: dict) -> ChangeRequest:
    from workflows.change_request import ChangeState

    pending = db.session.scalar(db.select(ChangeRequest).where(ChangeRequest.institution_id == inst.id,
                                                               ChangeRequest.state == ChangeState.PENDING))
    if pending is not None:
        raise Conflict(_("已有一项待县级复核的变更申请，请等待其处理完毕。"))
    before = {f: (inst.service_area if f == "service_area" else getattr(inst, f)) for f in changes}
    change = ChangeRequest(institution=inst, before=before, after=changes, requested_by_id=actor.id,
                           due_date=add_working_days(today_in_china(), _deadlines(inst).county_review))
    db.session.add(change)
    db.session.flush()
    record("change_request.create", "institution", inst.id, actor=actor, division_code=inst.division_code,
           change_request=change.id, before=before, after=changes)
    db.session.flush()
    return change


def change_party(user, change: ChangeRequest) -> ChangeParty:
    inst = change.institution
    return ChangeParty(user.id, county=policies.is_county_official_for(user, inst),
                       owner=policies.is_institution_owner(user, inst))


def available_change_actions(user, change: ChangeRequest) -> list[str]:
    return engine.available(ChangeFlow(change, change_party(user, change), requested_by_id=change.requested_by_id,
                                       entry_listed=change.institution.state in LIVE_STATES))


def decide_change(change: ChangeRequest, *, actor, action: str, reason: str = "") -> ChangeRequest:
    inst = change.institution
    try:
        fire_change(change, action, change_party(actor, change), requested_by_id=change.requested_by_id,
                    entry_listed=inst.state in LIVE_STATES, reason=reason)
    except ActionRefused as exc:
        raise refusal_error(exc) from exc
    change.decided_by_id, change.decided_at, change.comment = actor.id, utcnow(), reason or ""
    if action == "approve_change":
        before_division = inst.division_code
        validate_institution_data(dict(change.after), current=inst)
        _apply_institution(inst, dict(change.after))
        if inst.division_code != before_division:
            record("institution.move", "institution", inst.id, actor=actor, division_code=before_division,
                   to=inst.division_code)
        data_changed("institution", inst.id)  # docs/domain.md#rendered-ahead
    record(f"change_request.{action.split('_')[0]}", "institution", inst.id, actor=actor,
           division_code=inst.division_code, change_request=change.id, reason=reason)
    db.session.flush()
    return change


def add_licence(inst: Institution, *, actor, name: str, number: str, issuer: str, valid_until) -> InstitutionLicence:
    if not policies.is_institution_owner(actor, inst):
        raise NotPermitted()
    licence = InstitutionLicence(name=name, number=number, issuer=issuer, valid_until=valid_until)
    inst.licences.append(licence)
    db.session.flush()
    record("institution.licence_add", "institution", inst.id, actor=actor, division_code=inst.division_code,
           licence=name, valid_until=str(valid_until) if valid_until else None)
    db.session.flush()
    return licence


# --- talent ------------------------------------------------------------------------------------------------

def _validate_talent(data: dict, *, current: Talent | None = None):
    errors: dict[str, list[str]] = {}
    if "division_code" in data:
        _check_counties([data["division_code"]], "division", province=None, errors=errors)
    if data.get("institution_id") is not None:
        inst = db.session.get(Institution, data["institution_id"])
        if inst is None:
            errors.setdefault("institution_id", []).append(_("机构不存在。"))
    id_number = data.get("id_number")
    if id_number:
        clash = db.session.scalar(db.select(Talent.id).where(
            Talent.id_hash == id_hash(id_number), Talent.id != (current.id if current else -1),
            Talent.state.not_in([ApprovalState.REJECTED, ApprovalState.REMOVED, ApprovalState.WITHDRAWN])))
        if clash is not None:
            errors.setdefault("id_number", []).append(_("此人已在人才库中或正在审核。"))
    if errors:
        raise ValidationFailed(fields=errors)


TALENT_FIELDS = ("name", "id_number", "category", "division_code", "phone", "position", "certificate_number",
                 "certificate_issuer", "certificate_valid_until")


def create_talent(*, actor, data: dict, user: User | None = None) -> Talent:
    """Self-registration (the actor becomes the talent's user) or registration by an institution admin
    (the talent is employed by the admin's institution; ``user``, an account of that institution, is then
    the person the entry is about: the staff account the admin created with it)."""
    data = dict(data)
    institution_id = data.pop("institution_id", None)
    if actor.has_role(Role.INSTITUTION_ADMIN):
        if institution_id is not None and institution_id != actor.institution_id:
            raise ValidationFailed(fields={"institution_id": [_("只能登记本机构的人员。")]})
        institution_id = actor.institution_id
    elif institution_id is not None:
        raise ValidationFailed(fields={"institution_id": [_("只有机构管理员可以登记本机构人员。")]})
    if user is not None and (institution_id is None or user.institution_id != institution_id):
        raise NotPermitted()
    _validate_talent({**data, "institution_id": institution_id})
    if user is None and not actor.has_role(Role.INSTITUTION_ADMIN):
        user = actor
    talent = Talent(state=ApprovalState.DRAFT, created_by_id=actor.id, user_id=user.id if user else None,
                    **{f: data[f] for f in TALENT_FIELDS if f in data})
    if institution_id is not None:
        talent.employer_rows = [TalentEmployment(institution_id=institution_id)]
    db.session.add(talent)
    db.session.flush()
    record("talent.create", "talent", talent.id, actor=actor, division_code=talent.division_code,
           after={**_snapshot(talent), "user_id": talent.user_id})
    db.session.flush()
    return talent


def update_talent(talent: Talent, *, actor, data: dict) -> Talent:
    if not policies.is_talent_owner(actor, talent):
        raise NotPermitted()
    if talent.state not in EDITABLE_STATES + LIVE_STATES:
        raise Conflict(_("审核期间不能修改登记信息。"))
    data = {k: v for k, v in data.items() if k in TALENT_FIELDS}
    if talent.state in LIVE_STATES:
        # Identity and category are what the county checked; changing them means exiting and registering again.
        for frozen in ("name", "id_number", "category"):
            if frozen in data and data[frozen] != getattr(talent, frozen):
                raise ValidationFailed(fields={frozen: [_("在库人员的姓名、身份证号和类别不能直接修改。")]})
    _validate_talent(data, current=talent)
    before = _snapshot(talent)
    for name, value in data.items():
        setattr(talent, name, value)
    db.session.flush()
    record("talent.update", "talent", talent.id, actor=actor, division_code=talent.division_code, before=before,
           after=_snapshot(talent))
    db.session.flush()
    data_changed("talent", talent.id)  # docs/domain.md#rendered-ahead
    return talent


def add_training(talent: Talent, *, actor, day: date, hours: Decimal, provider: str, topic: str = "") -> TrainingRecord:
    if not policies.is_talent_owner(actor, talent):
        raise NotPermitted()
    if day > today_in_china():
        raise ValidationFailed(fields={"date": [_("培训日期不能晚于今天。")]})
    row = TrainingRecord(talent_id=talent.id, date=day, hours=hours, provider=provider, topic=topic,
                         recorded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    record("talent.training_add", "talent", talent.id, actor=actor, division_code=talent.division_code,
           date=str(day), hours=str(hours), provider=provider)
    db.session.flush()
    return row


# --- the approval events -----------------------------------------------------------------------------------

def facts_for(entry, *, pledges: bool = False) -> Facts:
    today = today_in_china()
    return Facts(
        kind=_kind(entry),
        complete=not missing_fields(entry),
        pledges_accepted=pledges,
        submitted_by_id=entry.submitted_by_id,
        owner_user_ids=owner_user_ids(db.session, entry),
        county_approver_id=last_county_approver_id(db.session, entry),
        statement_received=entry.statement_received_at is not None,
        statement_window_over=entry.state == ApprovalState.REMOVAL_PENDING and entry.due_date is not None
        and today > entry.due_date,
    )


def dry_run(entry, *, actor, event: str):
    """The error ``advance_entry`` would raise for this event (ignoring what the event's data would
    add), or None: the engine's ``dry_run``, so the entry itself never changes."""
    refused = engine.dry_run(ApprovalFlow(entry, policies.party_for(actor, entry), facts_for(entry)), event)
    return None if refused is None else refusal_error(refused)


def available_actions(user, entry) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    return engine.available(ApprovalFlow(entry, policies.party_for(user, entry), facts_for(entry)))


def advance_entry(entry, *, actor, event: str, reason: str = "", comment: str = "", reason_code: str | None = None,
                  statement: str = "", accept_pledges: bool = False, signer_name: str = ""):
    """Fire one approval event (docs/domain.md#registry-approval-machine) on an institution or talent entry: the machine decides,
    then the decision row, the clock and the audit entry are written in the same transaction."""
    party = policies.party_for(actor, entry)
    if event == "submit" and party.owner and entry.state in EDITABLE_STATES:
        # Say what is missing, field by field, rather than a bare refusal from the machine.
        if missing := missing_fields(entry):
            # Each missing field by its Chinese name ("请填写：执业证书编号"), the certificate part by part.
            named = {f: [str(label) for label in _missing_labels(entry, f)] for f in missing}
            raise ValidationFailed(_("以下信息尚未填写完整：%(fields)s", fields="、".join(sum(named.values(), []))),
                                   fields={f: [_("请填写：%(field)s", field=label) for label in labels]
                                           for f, labels in named.items()})
        if accept_pledges and not signer_name.strip():
            raise ValidationFailed(fields={"signer_name": [_("请填写承诺人姓名。")]})
    try:
        fired = fire_approval(entry, event, party, facts_for(entry, pledges=accept_pledges), reason=reason,
                              statement=statement, reason_code=reason_code)
    except ActionRefused as exc:
        raise refusal_error(exc) from exc
    now = utcnow()
    entry.state_changed_at = now
    entry.due_date = _due_date_for(entry)
    kind = _kind(entry)
    if event == "submit":
        entry.submitted_at, entry.submitted_by_id = now, actor.id
        kinds = [PledgeKind.SERVICE, PledgeKind.CONFIDENTIALITY] if kind == "institution" \
            else [PledgeKind.CONFIDENTIALITY]
        for pledge_kind in kinds:
            db.session.add(Pledge(kind=pledge_kind, text_version=PLEDGE_TEXT_VERSION, signer_name=signer_name.strip(),
                                  signed_by_id=actor.id, signed_at=now, **{f"{kind}_id": entry.id}))
    elif event == "submit_statement":
        entry.statement_received_at = now
    elif event == "revoke":
        entry.exit_reason_code = reason_code
    elif event == "withdraw" and kind == "talent":
        entry.exit_reason_code = ExitReason.VOLUNTARY
    level = DECISION_LEVEL[event] or ("county" if party.county else "city")
    text = statement if event == "submit_statement" else (reason or comment)
    decision = ApprovalDecision(event=event, from_state=str(fired.source), to_state=str(fired.dest), level=level,
                                actor_id=actor.id, actor_name=actor.name, reason_code=reason_code,
                                comment=text.strip(), at=now, **{f"{kind}_id": entry.id})
    db.session.add(decision)
    record(f"{kind}.{event}", kind, entry.id, actor=actor, division_code=entry.division_code,
           before={"state": str(fired.source)}, after={"state": str(fired.dest)}, reason=reason or None,
           reason_code=reason_code)
    db.session.flush()
    notifications.entry_event(entry, kind, event, decision.id)  # the owner hears of the decision
    data_changed(kind, entry.id)  # the pledges print the acceptance and state (docs/domain.md#rendered-ahead)
    return entry


def _due_date_for(entry) -> date | None:
    deadlines = _deadlines(entry)
    days = {ApprovalState.COUNTY_REVIEW: deadlines.county_review, ApprovalState.CITY_REVIEW: deadlines.city_review,
            ApprovalState.REMOVAL_PENDING: deadlines.removal_statement_window}.get(entry.state)
    if days is None:
        return None
    if entry.state == ApprovalState.REMOVAL_PENDING and entry.due_date is not None:
        return entry.due_date  # a statement does not restart the window
    return add_working_days(today_in_china(), days)


def reveal_id_number(talent: Talent, *, actor, reason: str) -> str:
    """The full 身份证号 is shown only to the entry's county official or its owner, with a reason, and the
    reveal is recorded (docs/domain.md#personal-data: every reveal is logged with who, when and why)."""
    if not policies.can_reveal_talent_id(actor, talent):
        raise NotPermitted(_("只有本县民政工作人员或登记人可以查看完整身份证号。"))
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("请说明查看完整身份证号的理由。")]})
    record("talent.reveal_id_number", "talent", talent.id, actor=actor, division_code=talent.division_code,
           reason=reason.strip())
    db.session.flush()
    return talent.id_number
