"""HTML pages of the registries. Each view: load (scoped, 404 outside) → authorise → ``run_form`` (validate → one
service call → commit) → redirect or render (docs/architecture.md#request-path)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user

from forms.fields import options
from forms.registries import (
    ChangeDecisionForm,
    EventForm,
    InstitutionForm,
    LicenceForm,
    SignupForm,
    TalentForm,
    TrainingForm,
)
from referral.attachments.models import Attachment
from referral.attachments.services import open_attachment, store_upload
from referral.audit.services import record
from referral.auth.permissions import Permission, permission_required
from referral.auth.sessions import start_session
from referral.calendar import today_in_china
from referral.divisions.models import Division, DivisionLevel
from referral.errors import Conflict, NotPermitted
from referral.extensions import db, limiter
from referral.registries import bp, policies, services
from referral.registries.models import ChangeRequest, Institution, Talent, TalentEmployment, TrainingRecord
from referral.registries.presenters import clock, mask_id_number
from referral.registries.queries import (
    change_request_queue,
    decisions_of,
    institutions_visible_to,
    review_queue,
    talents_visible_to,
    training_hours_of,
    training_shortfall,
)
from referral.scoping import one_visible_or_404
from referral.web import RowPage, paginate, run_form
from workflows.approval import APPROVAL_EVENT_LABELS, APPROVAL_EVENTS, ApprovalFlow, ApprovalState
from workflows.change_request import ChangeState
from workflows.engine import required_fields

EVENT_LABELS = {event: _l(label) for event, label in APPROVAL_EVENT_LABELS.items()}
# Events that must carry a reason, read from the machine's table (the machine checks it; the page says it up front).
NEEDS_REASON = frozenset(e for e in APPROVAL_EVENTS if "reason" in required_fields(ApprovalFlow, e))
DANGEROUS = {"county_reject", "city_reject", "remove", "revoke", "withdraw", "propose_removal"}


def _institution_or_404(institution_id: int) -> Institution:
    return one_visible_or_404(institutions_visible_to(current_user).where(Institution.id == institution_id))


def _talent_or_404(talent_id: int) -> Talent:
    return one_visible_or_404(talents_visible_to(current_user).where(Talent.id == talent_id))


def _county_choices(province_code: str | None):
    """The counties of one province as (code, 长春市南关区) pairs for the service-area checkboxes."""
    if not province_code:
        return []
    prefix = province_code[:2]
    rows = db.session.scalars(db.select(Division).where(Division.level == DivisionLevel.COUNTY,
                                                        Division.code.between(prefix + "0000", prefix + "9999"))
                              .order_by(Division.code)).all()
    return options((d.code, d.full_name) for d in rows)


def _entry_context(entry):
    return {"clock": clock(entry), "decisions": db.session.scalars(decisions_of(entry)).all(),
            "actions": services.available_actions(current_user, entry), "event_labels": EVENT_LABELS,
            "dangerous": DANGEROUS}


# --- public sign-up ----------------------------------------------------------------------------------------

@bp.route("/institutions/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignupForm()

    def sign_up():
        user, inst = services.register_institution(
            username=form.username.data, password=form.password.data, admin_name=form.admin_name.data,
            data=form.to_data())
        # Signed in at once, on a server-side session as the login form starts (docs/domain.md#sessions).
        start_session(user, user_agent=request.headers.get("User-Agent", ""), ip=request.remote_addr)
        return user, inst

    run = run_form(form, sign_up)
    if run.done:
        user, inst = run.result
        login_user(user)
        flash(_("已建立机构登记草稿。请上传登记证书扫描件，核对信息后提交县级初核。"), "success")
        return redirect(url_for("registries.institution", institution_id=inst.id))
    return render_template("registries/signup.html", form=form), run.status


# --- institutions ------------------------------------------------------------------------------------------

@bp.get("/institutions/")
@permission_required(Permission.VIEW_REGISTRY)
def institutions():
    stmt = institutions_visible_to(current_user)
    state = request.args.get("state", "")
    if state in {s.value for s in ApprovalState}:
        stmt = stmt.where(Institution.state == state)
    q = request.args.get("q", "").strip()[:50]
    if q:
        stmt = stmt.where(Institution.name.contains(q))
    pagination = paginate(stmt.order_by(Institution.due_date.is_(None), Institution.due_date, Institution.name))
    return render_template("registries/institutions.html", pagination=pagination, state=state, q=q,
                           states=list(ApprovalState), clock=clock)


@bp.get("/institutions/mine")
@permission_required(Permission.OWN_INSTITUTION)
def my_institution():
    if current_user.institution_id is None:
        abort(404)
    return redirect(url_for("registries.institution", institution_id=current_user.institution_id))


@bp.get("/institutions/<int:institution_id>")
@login_required
def institution(institution_id: int):
    inst = _institution_or_404(institution_id)
    attachments = db.session.scalars(db.select(Attachment).where(
        Attachment.owner_type == "institution", Attachment.owner_id == inst.id, Attachment.deleted_at.is_(None))
        .order_by(Attachment.uploaded_at)).all()
    changes = db.session.scalars(db.select(ChangeRequest).where(ChangeRequest.institution_id == inst.id)
                                 .order_by(ChangeRequest.requested_at.desc())).all()
    area = {d.code: d.full_name for d in db.session.scalars(
        db.select(Division).where(Division.code.in_(inst.service_area)))}
    staff = db.session.scalars(talents_visible_to(current_user).where(
        Talent.id.in_(db.select(TalentEmployment.talent_id).where(TalentEmployment.institution_id == inst.id)))
        .order_by(Talent.name)).all()
    return render_template("registries/institution.html", inst=inst, attachments=attachments, changes=changes,
                           area=area, staff=staff, missing=services.missing_fields(inst)
                           if inst.state in services.EDITABLE_STATES else [],
                           field_labels=services.FIELD_LABELS, can_edit=policies.can_edit_entry(current_user, inst),
                           change_actions={c.id: services.available_change_actions(current_user, c)
                                           for c in changes if c.state == ChangeState.PENDING},
                           licence_form=LicenceForm(), mask=mask_id_number,
                           **_entry_context(inst))


@bp.route("/institutions/<int:institution_id>/edit", methods=["GET", "POST"])
@login_required
def edit_institution(institution_id: int):
    inst = _institution_or_404(institution_id)
    if not policies.can_edit_entry(current_user, inst):
        raise NotPermitted()
    if request.method == "GET":
        form = InstitutionForm(obj=None, data={
            "name": inst.name, "credit_code": inst.credit_code, "registration_authority": inst.registration_authority,
            "legal_form": inst.legal_form or "", "legal_representative": inst.legal_representative,
            "address": inst.address, "division": inst.division_code, "service_area": inst.service_area,
            "service_types": inst.service_types, "capacity": inst.capacity, "free_places": inst.free_places,
            "opening_hours": inst.opening_hours, "premises_area": inst.premises_area,
            "contact": {"name": inst.contact_name, "phone": inst.contact_phone},
            "is_assessment_referral": inst.is_assessment_referral, "grade": inst.grade,
            "description": inst.description})
    else:
        form = InstitutionForm()
    form.service_area.choices = _county_choices(inst.division_code)
    run = run_form(form, lambda: services.update_institution(inst, actor=current_user, data=form.to_data()))
    if run.done:
        flash(_("已保存。名称、地址、服务区域、法定代表人的变更已提交县级复核，复核通过后生效。") if run.result
              else _("已保存。"), "success")
        return redirect(url_for("registries.institution", institution_id=inst.id))
    return render_template("registries/institution_edit.html", form=form, inst=inst), run.status


@bp.post("/institutions/<int:institution_id>/attachments")
@login_required
def upload_attachment(institution_id: int):
    inst = _institution_or_404(institution_id)
    if not policies.can_edit_entry(current_user, inst):
        raise NotPermitted()
    kind = request.form.get("kind", "")
    if kind not in ("licence_scan", "premises_photo"):
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("请选择要上传的文件。"), "error")
        return redirect(url_for("registries.institution", institution_id=inst.id) + "#attachments")
    if run_form(None, lambda: store_upload(upload, owner_type="institution", owner_id=inst.id, kind=kind,
                                           actor=current_user, division_code=inst.division_code, field="file"),
                flash_errors=True).done:
        flash(_("已上传。"), "success")
    return redirect(url_for("registries.institution", institution_id=inst.id) + "#attachments")


@bp.get("/institutions/<int:institution_id>/attachments/<int:attachment_id>")
@login_required
def attachment(institution_id: int, attachment_id: int):
    inst = _institution_or_404(institution_id)
    att = db.session.scalar(db.select(Attachment).where(
        Attachment.id == attachment_id, Attachment.owner_type == "institution", Attachment.owner_id == inst.id,
        Attachment.deleted_at.is_(None)))
    if att is None:
        abort(404)
    opened = open_attachment(att)
    # A licence scan shows the legal representative's details: each download is on the record.
    record("attachment.download", "institution", inst.id, actor=current_user, division_code=inst.division_code,
           attachment_id=att.id, kind=att.kind)
    db.session.commit()
    response = send_file(opened.path, mimetype=opened.content_type, as_attachment=opened.as_attachment,
                         download_name=opened.download_name, max_age=0, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@bp.post("/institutions/<int:institution_id>/licences")
@login_required
def add_licence(institution_id: int):
    inst = _institution_or_404(institution_id)
    if not policies.can_edit_entry(current_user, inst):
        raise NotPermitted()
    form = LicenceForm()
    if run_form(form, lambda: services.add_licence(inst, actor=current_user, name=form.name.data,
                                                   number=form.number.data or "", issuer=form.issuer.data or "",
                                                   valid_until=form.valid_until.data), flash_errors=True).done:
        flash(_("已添加证照。"), "success")
    return redirect(url_for("registries.institution", institution_id=inst.id) + "#licences")


@bp.post("/change-requests/<int:change_id>/<action>")
@login_required
def decide_change(change_id: int, action: str):
    change = db.get_or_404(ChangeRequest, change_id)
    _institution_or_404(change.institution_id)  # scope: the institution must be visible
    if action not in ("approve_change", "reject_change", "cancel_change"):
        abort(404)
    form = ChangeDecisionForm()
    if not form.validate_on_submit():
        abort(400)  # the page's own buttons always send a valid form
    if run_form(form, lambda: services.decide_change(change, actor=current_user, action=action,
                                                     reason=form.reason.data or ""),
                valid=True, flash_errors=True).done:
        flash(_("变更申请已处理。"), "success")
    return redirect(url_for("registries.institution", institution_id=change.institution_id) + "#changes")


# --- events (shared by institutions and talents) ------------------------------------------------------------

def _event_page(entry, event: str, back: str):
    if event not in APPROVAL_EVENTS:
        abort(404)
    form = EventForm().for_entry(entry)
    run = run_form(form, lambda: services.advance_entry(
        entry, actor=current_user, event=event, reason=form.reason.data or "", comment=form.comment.data or "",
        reason_code=form.reason_code.data or None, statement=form.statement.data or "",
        accept_pledges=bool(form.accept_pledges.data), signer_name=form.signer_name.data or ""))
    if run.done:
        flash(_("已完成：%(e)s", e=EVENT_LABELS[event]), "success")
        # Back to the entry while the actor may still see it, else to its list (docs/architecture.md#request-path).
        visible = institutions_visible_to if isinstance(entry, Institution) else talents_visible_to
        if db.session.scalar(visible(current_user).where(type(entry).id == entry.id).with_only_columns(type(entry).id)):
            return redirect(back)
        return redirect(url_for("registries.institutions" if isinstance(entry, Institution) else "registries.talents"))
    if request.method == "GET" and event not in services.available_actions(current_user, entry):
        # Say why rather than show a form that can only fail.
        _refuse(entry, event)
    return _render_event(entry, event, form, back), run.status


def _refuse(entry, event):
    """Why the event cannot happen for this user now: the machine's own refusal, so that the form page
    and the POST (and the API) answer alike — 403 for the wrong person, 409 for the wrong state."""
    exc = services.dry_run(entry, actor=current_user, event=event)
    raise exc or Conflict(_("当前状态下不能执行“%(e)s”。", e=EVENT_LABELS[event]))


def _render_event(entry, event, form, back):
    kind = "institution" if isinstance(entry, Institution) else "talent"
    if event in NEEDS_REASON:
        form.reason.flags.required = True  # the machine requires it; the label says so up front
    if event == "submit" and not form.signer_name.data:
        form.signer_name.data = current_user.name
    return render_template("registries/event.html", entry=entry, kind=kind, event=event, form=form, back=back,
                           label=EVENT_LABELS[event], needs_reason=event in NEEDS_REASON,
                           signer_default=current_user.name,
                           today=today_in_china(), dangerous=event in DANGEROUS)


@bp.route("/institutions/<int:institution_id>/events/<event>", methods=["GET", "POST"])
@login_required
def institution_event(institution_id: int, event: str):
    inst = _institution_or_404(institution_id)
    return _event_page(inst, event, url_for("registries.institution", institution_id=inst.id))


@bp.route("/talents/<int:talent_id>/events/<event>", methods=["GET", "POST"])
@login_required
def talent_event(talent_id: int, event: str):
    talent = _talent_or_404(talent_id)
    return _event_page(talent, event, url_for("registries.talent", talent_id=talent.id))


# --- talents -----------------------------------------------------------------------------------------------

@bp.get("/talents/")
@permission_required(Permission.VIEW_REGISTRY)
def talents():
    stmt = talents_visible_to(current_user)
    state = request.args.get("state", "")
    if state in {s.value for s in ApprovalState}:
        stmt = stmt.where(Talent.state == state)
    pagination = paginate(stmt.order_by(Talent.due_date.is_(None), Talent.due_date, Talent.name))
    return render_template("registries/talents.html", pagination=pagination, state=state,
                           states=list(ApprovalState), clock=clock, mask=mask_id_number)


@bp.route("/talents/new", methods=["GET", "POST"])
@permission_required(Permission.REGISTER_TALENT)
def new_talent():
    form = TalentForm()
    if request.method == "GET" and current_user.institution is not None:
        form.division.data = current_user.institution.division_code
    run = run_form(form, lambda: services.create_talent(actor=current_user, data=form.to_data()))
    if run.done:
        flash(_("已建立人才登记草稿。核对后请提交县级初核。"), "success")
        return redirect(url_for("registries.talent", talent_id=run.result.id))
    return render_template("registries/talent_edit.html", form=form, talent=None), run.status


@bp.get("/talents/<int:talent_id>")
@login_required
def talent(talent_id: int):
    talent = _talent_or_404(talent_id)
    year = today_in_china().year
    hours = training_hours_of(talent.id, year)
    training = db.session.scalars(db.select(TrainingRecord).where(TrainingRecord.talent_id == talent.id)
                                  .order_by(TrainingRecord.date.desc())).all()
    return render_template("registries/talent.html", talent=talent, mask=mask_id_number, training=training,
                           hours=hours, year=year, training_form=TrainingForm(),
                           can_edit=policies.can_edit_entry(current_user, talent),
                           can_reveal=policies.can_reveal_talent_id(current_user, talent),
                           **_entry_context(talent))


@bp.route("/talents/<int:talent_id>/edit", methods=["GET", "POST"])
@login_required
def edit_talent(talent_id: int):
    talent = _talent_or_404(talent_id)
    if not policies.can_edit_entry(current_user, talent):
        raise NotPermitted()
    form = TalentForm(data={"name": talent.name, "id_number": talent.id_number, "category": talent.category,
                            "division": talent.division_code, "phone": talent.phone, "position": talent.position,
                            "certificate": {"number": talent.certificate_number, "issuer": talent.certificate_issuer,
                                            "valid_until": talent.certificate_valid_until}}
                      if request.method == "GET" else None)
    run = run_form(form, lambda: services.update_talent(talent, actor=current_user, data=form.to_data()))
    if run.done:
        flash(_("已保存。"), "success")
        return redirect(url_for("registries.talent", talent_id=talent.id))
    return render_template("registries/talent_edit.html", form=form, talent=talent), run.status


@bp.post("/talents/<int:talent_id>/reveal")
@login_required
def reveal_talent(talent_id: int):
    talent = _talent_or_404(talent_id)
    run = run_form(None, lambda: services.reveal_id_number(talent, actor=current_user,
                                                           reason=request.form.get("reason", "")),
                   flash_errors=True)
    if not run.done:
        return redirect(url_for("registries.talent", talent_id=talent.id))
    return render_template("registries/reveal.html", talent=talent, full=run.result)


@bp.post("/talents/<int:talent_id>/training")
@login_required
def add_training(talent_id: int):
    talent = _talent_or_404(talent_id)
    if not policies.can_edit_entry(current_user, talent):
        raise NotPermitted()
    form = TrainingForm()
    if run_form(form, lambda: services.add_training(talent, actor=current_user, day=form.date.data,
                                                    hours=form.hours.data, provider=form.provider.data,
                                                    topic=form.topic.data or ""), flash_errors=True).done:
        flash(_("已记录培训。"), "success")
    return redirect(url_for("registries.talent", talent_id=talent.id) + "#training")


@bp.get("/talents/training-shortfall")
@permission_required(Permission.VIEW_REGISTRY)
def training_shortfall_list():
    year = request.args.get("year", type=int) or today_in_china().year
    rows = RowPage(training_shortfall(current_user, year))
    return render_template("registries/shortfall.html", pagination=rows, year=year, mask=mask_id_number)


# --- work queue --------------------------------------------------------------------------------------------

@bp.get("/registry/queue")
@permission_required(Permission.REVIEW_REGISTRY)
def queue():
    inst_stmt, talent_stmt = review_queue(current_user, Institution), review_queue(current_user, Talent)
    change_stmt = change_request_queue(current_user)
    # Three lists, each paged on its own (ipage, tpage, cpage) with its total.
    return render_template(
        "registries/queue.html",
        institutions=paginate(inst_stmt, request.args.get("ipage", type=int)) if inst_stmt is not None else None,
        talents=paginate(talent_stmt, request.args.get("tpage", type=int)) if talent_stmt is not None else None,
        changes=paginate(change_stmt, request.args.get("cpage", type=int)) if change_stmt is not None else None,
        clock=clock, event_labels=EVENT_LABELS)
