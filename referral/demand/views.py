"""需求数据 pages (docs/domain.md#demand-data): the figures of one's area per county, the upload of a list
(queued as a task), an import's progress and its bad-row report."""

from __future__ import annotations

import csv
import io

from flask import jsonify, make_response, redirect, render_template, url_for
from flask_login import current_user

from forms.demand import DemandImportForm
from referral.auth.permissions import Permission, permission_required
from referral.demand import bp, queries, services
from referral.demand.models import DemandImport, DemandSource
from referral.demand.policies import can_import_demand
from referral.errors import NotPermitted
from referral.scoping import one_visible_or_404
from referral.web import paginate, run_form

REPORT_ROWS = 500  # bad rows shown on the page; the CSV has them all


@bp.route("/", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_DEMAND)
def index():
    if not can_import_demand(current_user):
        raise NotPermitted()
    form = DemandImportForm(sources=DemandSource)
    run = run_form(form, lambda: services.request_import(
        actor=current_user, source=form.source.data, file_name=form.file.data.filename,
        content=form.file.data.read()))
    if run.done:
        return redirect(url_for("demand.detail", import_id=run.result.id))
    prefix = queries.area_prefix_of(current_user)
    pagination = paginate(queries.imports_visible_to(current_user).order_by(DemandImport.created_at.desc(),
                                                                            DemandImport.id.desc()))
    return render_template("demand/index.html", form=form, pagination=pagination,
                           totals=queries.demand_figures(prefix), counties=queries.demand_by_county(prefix),
                           sources=DemandSource, max_mb=services.max_megabytes()), run.status


def _import_or_404(import_id: int) -> DemandImport:
    return one_visible_or_404(queries.imports_visible_to(current_user).where(DemandImport.id == import_id))


@bp.get("/imports/<int:import_id>")
@permission_required(Permission.MANAGE_DEMAND)
def detail(import_id: int):
    imp = _import_or_404(import_id)
    return render_template("demand/detail.html", imp=imp, sources=DemandSource, report=imp.bad_rows[:REPORT_ROWS])


@bp.get("/imports/<int:import_id>/status")
@permission_required(Permission.MANAGE_DEMAND)
def status(import_id: int):
    imp = _import_or_404(import_id)
    return jsonify({"id": imp.id, "state": str(imp.state), "total": imp.total, "done": imp.done,
                    "percent": imp.percent, "good": imp.good, "bad": imp.bad, "added": imp.added,
                    "error": imp.error})


@bp.get("/imports/<int:import_id>/bad-rows.csv")
@permission_required(Permission.MANAGE_DEMAND)
def bad_rows(import_id: int):
    imp = _import_or_404(import_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["行号", "原因"])
    writer.writerows([row["line"], row["reason"]] for row in imp.bad_rows)
    # UTF-8 with a BOM: Excel on Chinese Windows opens it as UTF-8 only then.
    response = make_response(("\ufeff" + out.getvalue()).encode("utf-8"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename=demand-import-{imp.id}-bad-rows.csv"
    return response
