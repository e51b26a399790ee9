"""统计监督 pages (docs/domain.md#statistics): a division's dashboard, with a date range, its child divisions to drill
into, and each table's export (a reason asked, the export audited). Load (scoped: 404 outside) → authorise →
validate → one service call → commit (docs/architecture.md#request-path)."""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user

from forms.stats import ExportForm, StatsQuery
from referral.auth.permissions import Permission, permission_required
from referral.divisions.models import parent_code_of
from referral.stats import bp, services
from referral.stats.charts import bar_chart
from referral.stats.exports import MEDIA_TYPES
from referral.stats.policies import can_see_case_rows, can_view_area
from referral.stats.queries import area_of, visible_area
from referral.stats.tables import LATE_ITEMS_SHOWN, dashboard
from referral.web import run_form


def _area_or_404(code):
    area = visible_area(current_user, code)
    if area is None:
        abort(404)
    return area


def _period():
    """The date range of the query string; an invalid one is shown on the form and ignored (422)."""
    query = StatsQuery(request.args)
    if not query.validate():
        return query, None, None, 422
    return query, query["from"].data, query["to"].data, 200


def _trail(area):
    """The divisions above ``area`` that the user may open too (the way back up the drill-down)."""
    trail, code = [], area.code
    while code and (code := parent_code_of(code)):
        parent = area_of(code)
        if parent is not None and can_view_area(current_user, parent):
            trail.insert(0, parent)
    return trail


@bp.get("/stats/")
@bp.get("/stats/<code>")
@permission_required(Permission.VIEW_STATS)
def index(code: str | None = None):
    area = _area_or_404(code)
    query, start, end, status = _period()
    stats, tables = dashboard(current_user, area, start=start, end=end, items_limit=LATE_ITEMS_SHOWN)
    args = {k: v.isoformat() for k, v in (("from", start), ("to", end)) if v}
    return render_template("stats/index.html", area=area, stats=stats, tables=tables, query=query, args=args,
                           trail=_trail(area), own=can_see_case_rows(current_user, area), chart=bar_chart,
                           items_shown=LATE_ITEMS_SHOWN), status


@bp.route("/stats/export", methods=["GET", "POST"])
@bp.route("/stats/<code>/export", methods=["GET", "POST"])
@permission_required(Permission.VIEW_STATS)
def export(code: str | None = None):
    area = _area_or_404(code)
    query, start, end, _status = _period()
    form = ExportForm(formdata=request.form if request.method == "POST" else None, data={
        "format": request.args.get("format", "xlsx"), "table": request.args.get("table", "")})
    _stats, tables = dashboard(current_user, area, start=start, end=end)
    own = can_see_case_rows(current_user, area)
    run = run_form(form, lambda: services.export_tables(
        tables, actor=current_user, area=area, fmt=form.format.data, table=form.table.data or None,
        reason=form.reason.data, case_rows_allowed=own))
    if run.done:
        fmt, name = form.format.data, form.table.data or "all"
        return Response(run.result, mimetype=MEDIA_TYPES[fmt], headers={
            "Content-Disposition": f'attachment; filename="stats-{area.code or "national"}-{name}.{fmt}"'})
    titles = {t.name: t.title for t in tables}
    back = url_for("stats.index", code=area.code, **{k: v.isoformat() for k, v in (("from", start), ("to", end)) if v})
    return render_template("stats/export.html", area=area, form=form, title=titles.get(form.table.data),
                           back=back), run.status
