from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from forms.audit import AuditFilterForm
from referral.audit import bp
from referral.audit.models import AuditEntry
from referral.audit.queries import audit_entries_visible_to, filter_audit
from referral.auth.permissions import Permission, permission_required
from referral.scoping import one_visible_or_404, scope_of
from referral.web import paginate


@bp.get("/")
@permission_required(Permission.VIEW_AUDIT)
def index():
    form = AuditFilterForm(formdata=request.args)
    if not form.validate():
        return render_template("audit/index.html", form=form, pagination=None), 422
    if form.division.data and not scope_of(current_user).covers_area(form.division.data):
        abort(404)  # asking for another area's log is asking for objects outside scope
    stmt = filter_audit(audit_entries_visible_to(current_user), division=form.division.data,
                        action=form.action.data, actor=form.actor.data, object_type=form.object_type.data,
                        date_from=form.date_from.data, date_to=form.date_to.data)
    return render_template("audit/index.html", form=form, pagination=paginate(stmt, form.page.data))


@bp.get("/<int:entry_id>")
@permission_required(Permission.VIEW_AUDIT)
def detail(entry_id: int):
    entry = one_visible_or_404(audit_entries_visible_to(current_user).where(AuditEntry.id == entry_id))
    return render_template("audit/detail.html", entry=entry)
