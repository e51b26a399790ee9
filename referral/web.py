"""Small helpers shared by the HTML views."""

from __future__ import annotations

from flask import current_app, request

from referral.extensions import db


def apply_errors(form, exc) -> None:
    """Show a service's field errors next to the form's fields; the rest at the top of the form."""
    for name, messages in (exc.fields or {}).items():
        field = getattr(form, name, None)
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):
            target = list(target)
            field.errors = target
        target.extend(str(m) for m in messages)
    if exc.message and not exc.fields:
        form.form_errors.append(exc.message)


def paginate(stmt, page: int | None = None):
    """Database-side pagination (LIMIT/OFFSET plus one COUNT); out-of-range pages are empty, not 404."""
    page = page or request.args.get("page", 1, type=int) or 1
    return db.paginate(stmt, page=max(page, 1), per_page=current_app.config["PAGE_SIZE"], error_out=False,
                       max_per_page=100)


class RowPage:
    """A page of rows (tuples) for statements that select more than one entity or column, which
    ``db.paginate`` would cut down to the first column. Same attributes the pager macro reads."""

    def __init__(self, stmt, page: int | None = None):
        from sqlalchemy import func, select

        self.per_page = current_app.config["PAGE_SIZE"]
        self.page = max(page or request.args.get("page", 1, type=int) or 1, 1)
        self.total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        self.items = db.session.execute(stmt.limit(self.per_page).offset((self.page - 1) * self.per_page)).all()
        self.pages = max(1, -(-self.total // self.per_page))
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1
