"""Pages of 监督评价: the county's spot checks, evaluations and complaints; the public complaint form. Each write:
load (scoped) → authorise → ``run_form`` → respond (docs/architecture.md#request-path)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.supervision import ComplaintActionForm, ComplaintForm, EvaluationForm, SpotCheckResultForm
from referral.auth.permissions import Permission, permission_required
from referral.extensions import db, limiter
from referral.registries.models import Institution
from referral.registries.queries import institutions_visible_to
from referral.scoping import one_visible_or_404
from referral.supervision import bp, services
from referral.supervision.models import Complaint, SpotCheck, SpotCheckRound
from referral.supervision.queries import (
    complaints_visible_to,
    evaluations_of,
    rounds_visible_to,
    spot_checks_visible_to,
)
from referral.web import run_form
from workflows.approval import ApprovalState
from workflows.supervision import CheckState, ComplaintState, complaint_actions


@bp.get("/supervision/")
@permission_required(Permission.VIEW_SUPERVISION)
def index():
    rounds = db.session.scalars(rounds_visible_to(current_user).order_by(db.desc("drawn_at")).limit(20)).all()
    complaints = db.session.scalars(complaints_visible_to(current_user).order_by(
        Complaint.state == ComplaintState.RESOLVED, Complaint.filed_at.desc()).limit(100)).all()
    return render_template("supervision/index.html", rounds=rounds, complaints=complaints)


@bp.post("/supervision/spot-checks/draw")
@permission_required(Permission.SUPERVISE)
def draw():
    draw = services.draw_spot_checks(actor=current_user)
    db.session.commit()
    flash(_("已随机抽取 %(n)d 家机构（共 %(p)d 家）。", n=draw.sample_size, p=draw.population), "success")
    return redirect(url_for("supervision.index"))


@bp.get("/supervision/spot-checks/rounds/<int:round_id>")
@permission_required(Permission.VIEW_SUPERVISION)
def spot_check_round(round_id: int):
    """A draw with its seed and candidates, re-run here from them: anyone who may see it can check it was fair."""
    draw = one_visible_or_404(rounds_visible_to(current_user).where(SpotCheckRound.id == round_id))
    names = dict(db.session.execute(db.select(Institution.id, Institution.name).where(
        Institution.id.in_(draw.candidate_ids or []))).all())
    return render_template("supervision/round.html", draw=draw, names=names,
                           reproduction=services.reproduce_draw(draw), algorithm=services.DRAW_ALGORITHM)


@bp.route("/supervision/spot-checks/<int:check_id>", methods=["GET", "POST"])
@permission_required(Permission.VIEW_SUPERVISION)
def spot_check(check_id: int):
    check = one_visible_or_404(spot_checks_visible_to(current_user).where(SpotCheck.id == check_id))
    form = SpotCheckResultForm()
    run = run_form(form, lambda: services.record_spot_check(check, actor=current_user, result=form.result.data,
                                                            findings=form.findings.data))
    if run.done:
        flash(_("已记录抽查结果。"), "success")
        return redirect(url_for("supervision.index"))
    can_record = check.state == CheckState.PENDING and current_user.has_permission(Permission.SUPERVISE)
    return render_template("supervision/spot_check.html", check=check, form=form, can_record=can_record), \
        run.status


@bp.route("/institutions/<int:institution_id>/evaluations", methods=["GET", "POST"])
@permission_required(Permission.VIEW_SUPERVISION)
def evaluations(institution_id: int):
    inst = one_visible_or_404(institutions_visible_to(current_user).where(Institution.id == institution_id))
    form = EvaluationForm()
    run = run_form(form, lambda: services.add_evaluation(
        inst, actor=current_user, period=form.period.data, score=form.score.data, conclusion=form.conclusion.data,
        comment=form.comment.data or ""))
    if run.done:
        flash(_("已记录考核评估。"), "success")
        return redirect(url_for("supervision.evaluations", institution_id=inst.id))
    history = db.session.scalars(evaluations_of(inst.id)).all()
    return render_template("supervision/evaluations.html", inst=inst, form=form, history=history,
                           can_add=current_user.has_permission(Permission.SUPERVISE)), run.status


@bp.route("/supervision/complaints/<int:complaint_id>", methods=["GET", "POST"])
@permission_required(Permission.VIEW_SUPERVISION)
def complaint(complaint_id: int):
    row = one_visible_or_404(complaints_visible_to(current_user).where(Complaint.id == complaint_id))
    form = ComplaintActionForm()
    actions = complaint_actions(row, services._supervisor(current_user, row.institution))
    return render_template("supervision/complaint.html", complaint=row, form=form, actions=actions)


@bp.post("/supervision/complaints/<int:complaint_id>/<action>")
@permission_required(Permission.SUPERVISE)
def complaint_action(complaint_id: int, action: str):
    row = one_visible_or_404(complaints_visible_to(current_user).where(Complaint.id == complaint_id))
    if action not in ("handle", "resolve"):
        abort(404)
    form = ComplaintActionForm()
    if not form.validate_on_submit():
        abort(400)  # the page's own buttons always send a valid form
    run = run_form(form, lambda: services.act_on_complaint(row, actor=current_user, action=action,
                                                           outcome=form.outcome.data or ""), valid=True)
    if not run.done:
        return render_template("supervision/complaint.html", complaint=row, form=form,
                               actions=complaint_actions(row, services._supervisor(current_user, row.institution))), \
            run.status
    flash(_("已更新投诉处理情况。"), "success")
    return redirect(url_for("supervision.complaint", complaint_id=row.id))


# --- complaints from the public and from signed-in users ----------------------------------------------------

@bp.route("/directory/<int:institution_id>/complaint", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def public_complaint(institution_id: int):
    """Anyone may complain about an institution in the public directory; signed-in users in scope may
    complain about any institution they can see."""
    if current_user.is_authenticated:
        inst = db.session.scalar(institutions_visible_to(current_user).where(Institution.id == institution_id))
    else:
        inst = None
    if inst is None:
        inst = db.session.scalar(db.select(Institution).where(Institution.id == institution_id,
                                                              Institution.state == ApprovalState.LISTED))
    if inst is None:
        abort(404)
    form = ComplaintForm()
    actor = current_user._get_current_object() if current_user.is_authenticated else None
    run = run_form(form, lambda: services.file_complaint(inst, actor=actor, content=form.content.data,
                                                         name=form.name.data or "", contact=form.contact.data or ""))
    if run.done:
        return render_template("supervision/complaint_filed.html", complaint=run.result, inst=inst)
    return render_template("supervision/complaint_form.html", form=form, inst=inst), run.status


@bp.get("/complaints/<reference>")
@limiter.limit("30 per hour")  # as the application status: a reference number is not to be guessed by the thousand
def complaint_status(reference: str):
    """The public follows a complaint by its reference number: state and outcome, nothing personal."""
    row = db.session.scalar(db.select(Complaint).where(Complaint.reference == reference.upper()[:16]))
    if row is None:
        abort(404)
    return render_template("supervision/complaint_status.html", complaint=row)
