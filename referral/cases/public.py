"""Public pages of the referral case (no account): apply, receipt, status, withdraw.

The HTML twins of the public JSON endpoints in ``referral.cases.api`` (docs/domain.md#api-contract), with the same rules: the
channel is always ``self`` and the actor is nobody; a case is found only by its receipt number *and* the last
four characters of the applicant's 身份证号, and any mismatch is the same neutral 404; the same rate limits.
Each view: load → ``run_form`` (validate → one service call → commit) → respond (docs/architecture.md#request-path)."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from forms import BaseForm
from forms.cases import ApplicationForm, PublicResubmitForm, PublicWithdrawForm
from referral.calendar import deadlines_for
from referral.cases import bp, services
from referral.cases.api import _by_receipt, public_progress
from referral.cases.models import Case
from referral.errors import Conflict
from referral.extensions import db, limiter
from referral.web import run_form

RECEIPT_SESSION_KEY = "public_receipt_no"


def _receipt(value):
    """受理号 as people type or read it aloud: blanks and dashes dropped, upper case."""
    if not isinstance(value, str):
        return value
    return value.replace(" ", "").replace("-", "").replace("\u3000", "").upper()


# The API takes the receipt number from the URL; these pages take it as a field, in a POST.
class StatusLookupForm(BaseForm):
    receipt_no = StringField(_l("受理号"), validators=[DataRequired(), Length(max=16)], filters=[_receipt],
                             description=_l("提交申请后页面上显示的受理号，以 JK 开头，共 12 位。"))
    id_last4 = StringField(_l("身份证号后四位"), validators=[DataRequired(), Length(min=4, max=4)])


class ResubmitPageForm(PublicResubmitForm):
    """The corrections of a returned application, sent with what identified it (carried in the page, never
    in a URL)."""

    receipt_no = HiddenField(validators=[DataRequired(), Length(max=16)], filters=[_receipt])
    id_last4 = HiddenField(validators=[DataRequired(), Length(min=4, max=4)])


class WithdrawLookupForm(PublicWithdrawForm):
    receipt_no = StringField(_l("受理号"), validators=[DataRequired(), Length(max=16)], filters=[_receipt],
                             description=_l("提交申请后页面上显示的受理号，以 JK 开头，共 12 位。"))


def _lookup(receipt_no: str, id_last4: str) -> Case | None:
    """The API's own rule (``_by_receipt``): receipt number plus last four ID characters, else nothing."""
    try:
        return _by_receipt(receipt_no or "", id_last4 or "")
    except NotFound:
        return None


def _progress(case: Case) -> dict:
    """All a public page may say about a case: no name, no number, no phone."""
    actions = services.available_actions(None, case, applicant=True)
    return {**public_progress(case), "can_withdraw": "withdraw" in actions, "can_resubmit": "resubmit" in actions}


# --- apply --------------------------------------------------------------------------------------------------

def _with_hints(form: ApplicationForm) -> ApplicationForm:
    """Hints for the public, tied to their inputs (render_field's aria-describedby): wording for families,
    not for the staff who use the same form class elsewhere."""
    a = form.applicant.form
    a.id_number.description = _l("18 位居民身份证号码，末位可以是 X。系统据此判断申请人是否未满 18 周岁。")
    a.division.description = _l("先选省份，再选申请人现居住地所在的县（市、区）。申请由该县（市、区）的转介服务人员受理。")
    form.guardian.form.name.description = _l("申请人未满 18 周岁的必填。")
    form.guardian.form.phone.description = _l("申请人未满 18 周岁的必填。")
    form.consent.form.signer.description = _l("申请人未满 18 周岁的，须选择“监护人”。")
    return form


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def apply():
    form = _with_hints(ApplicationForm())
    form.channel.data = "self"  # never taken from the request: online applications are the applicant's own
    run = run_form(form, lambda: services.submit_application(actor=None, data={
        **form.to_data(), "channel": "self", "assister_role": "", "consent_signed_at": None}))
    if run.done:
        # Post/redirect/get: a reload of the receipt page cannot file the application twice.
        session[RECEIPT_SESSION_KEY] = run.result.receipt_no
        return redirect(url_for("cases.receipt"))
    return render_template("cases/public/apply.html", form=form), run.status


@bp.get("/apply/receipt")
def receipt():
    """The receipt of the application just filed from this browser (its number is kept in the session)."""
    receipt_no = session.get(RECEIPT_SESSION_KEY)
    case = db.session.scalar(db.select(Case).where(Case.receipt_no == receipt_no)) if receipt_no else None
    if case is None:
        return redirect(url_for("cases.apply"))
    deadlines = deadlines_for(current_app.config, case.division_code)
    return render_template("cases/public/receipt.html", receipt_no=case.receipt_no, due_date=case.due_date,
                           days_to_register=deadlines.application_to_registered,
                           days_to_refer=deadlines.registered_to_referred)


# --- status and resubmit ------------------------------------------------------------------------------------

@bp.route("/apply/status", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def status():
    """The lookup is a POST: the receipt number and the ID characters stay out of the URL (browser history,
    proxy logs). A GET shows the form (``?receipt_no=`` from the receipt page fills the first field)."""
    form = StatusLookupForm(data={"receipt_no": _receipt(request.args.get("receipt_no", ""))[:16]})
    if not form.is_submitted():
        return render_template("cases/public/status.html", form=form, progress=None)
    if not form.validate_on_submit():
        return render_template("cases/public/status.html", form=form, progress=None), 422
    case = _lookup(form.receipt_no.data, form.id_last4.data)
    if case is None:
        return render_template("cases/public/status.html", form=form, progress=None, not_found=True), 404
    return _status_page(form, case)


def _status_page(form, case, *, resubmit_form=None, status: int = 200):
    progress = _progress(case)
    if progress["can_resubmit"] and resubmit_form is None:
        resubmit_form = ResubmitPageForm(data={"receipt_no": case.receipt_no, "id_last4": form.id_last4.data})
    return render_template("cases/public/status.html", form=form, progress=progress,
                           resubmit_form=resubmit_form if progress["can_resubmit"] else None), status


@bp.post("/apply/resubmit")
@limiter.limit("10 per hour")
def public_resubmit():
    """A returned application, corrected and sent again by the applicant (receipt number + ID characters)."""
    form = ResubmitPageForm()
    lookup = StatusLookupForm(data={"receipt_no": form.receipt_no.data, "id_last4": form.id_last4.data})
    case = _lookup(form.receipt_no.data, form.id_last4.data)
    if case is None:
        return render_template("cases/public/status.html", form=lookup, progress=None, not_found=True), 404
    run = run_form(form, lambda: services.advance_case(case, actor=None, event="resubmit", applicant=True,
                                                       corrections=form.corrections()))
    if not run.done:
        return _status_page(lookup, case, resubmit_form=form, status=run.status)
    return render_template("cases/public/status.html", form=lookup, progress=_progress(case), resubmitted=True)


# --- withdraw -----------------------------------------------------------------------------------------------

@bp.route("/apply/withdraw", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def public_withdraw():
    form = WithdrawLookupForm(data={"receipt_no": request.args.get("receipt_no", "")[:16]})
    if not form.validate_on_submit():
        return render_template("cases/public/withdraw.html", form=form), 422 if form.errors else 200
    case = _lookup(form.receipt_no.data, form.id_last4.data)
    if case is None:
        return render_template("cases/public/withdraw.html", form=form, not_found=True), 404
    try:
        run = run_form(form, lambda: services.advance_case(case, actor=None, event="withdraw", applicant=True,
                                                           reason=form.reason.data), valid=True)
    except Conflict:
        # Not the generic 409 page: the public are told, on the form they used, what their case's state
        # is now (re-read after the rollback) and that it can no longer be withdrawn.
        db.session.rollback()
        case = _lookup(form.receipt_no.data, form.id_last4.data)
        return render_template("cases/public/withdraw.html", form=form, refused=True,
                               progress=_progress(case) if case is not None else None), 409
    if not run.done:
        return render_template("cases/public/withdraw.html", form=form), run.status
    return render_template("cases/public/withdrawn.html", progress=_progress(case))
