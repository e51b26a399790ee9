"""Small helpers shared by the HTML views: the form runner (validate → one service call → one commit), the
one error mapper, and pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, request
from wtforms import FormField

from forms.fields import DivisionPicker
from referral.errors import ValidationFailed
from referral.extensions import db
from referral.guards import MAX_INT


@dataclass
class Outcome:
    """What ``run_form`` did, for the view's answer."""

    done: bool = False      # the service call succeeded and is committed
    result: Any = None      # what the service call returned
    refused: bool = False   # the service raised ValidationFailed (rolled back; its errors are shown)
    status: int = 200       # for a re-render of the form: 422 once it shows errors, else 200


def run_form(form, action, *, valid: bool | None = None, flash_errors: bool = False) -> Outcome:
    """The write path of every HTML form (docs/architecture.md#request-path), as ``operation`` is the API's.

    Validates ``form`` on submit (``valid`` replaces that when the view checks more than the form, or has no
    form: ``form=None``), calls ``action()`` — the one service call — and commits once. A ``ValidationFailed``
    is rolled back and its errors go on the form's fields (``apply_errors``); with ``flash_errors`` (a POST
    that redirects back to the page it came from) they, and invalid input, become flash messages instead.
    Everything else propagates to ``referral/errors.py``, which rolls back and answers as for every request:
    NotPermitted 403, Conflict 409, and StaleDataError from a ``version`` column 409 ("已被他人修改")."""
    if form is not None and request.method == "POST" and request.form.get(DivisionPicker.REFRESH):
        # The division picker's reload without JavaScript: show the form again with what was typed, unjudged.
        return Outcome(status=200)
    if valid is None:
        valid = form.validate_on_submit() if form is not None else True
    if valid:
        try:
            result = action()
        except ValidationFailed as exc:
            db.session.rollback()
            if flash_errors:
                for message in _messages(exc):
                    flash(message, "error")
            else:
                apply_errors(form, exc)
            return Outcome(refused=True, status=422)
        db.session.commit()
        return Outcome(done=True, result=result)
    if form is None:
        return Outcome()
    if flash_errors:
        for name, messages in form.errors.items():
            for message in messages:
                flash(f"{form[name].label.text}：{message}", "error")
    return Outcome(status=422 if form.errors or form.form_errors else 200)


def _messages(exc: ValidationFailed) -> list[str]:
    """A service's field messages, or its message when it names no field."""
    if exc.fields:
        return [str(m) for messages in exc.fields.values() for m in messages]
    return [str(exc.message)] if exc.message else []


def field_for(form, name: str):
    """The field a service error names. Services and the API name fields by the API's payload names, which
    are the forms' names too, dotted into sub-forms: "applicant.division" → form.applicant.form.division.
    None when the name leads to no field, or stops at a sub-form."""
    target, field = form, None
    for part in name.split("."):
        field = getattr(target, "_fields", {}).get(part)
        if field is None:
            return None
        target = field.form if isinstance(field, FormField) else field
    return None if isinstance(field, FormField) else field


def apply_errors(form, exc: ValidationFailed) -> None:
    """A service's field errors next to their fields; those naming no field of this form, and a message that
    names no field, above the form."""
    for name, messages in (exc.fields or {}).items():
        field = field_for(form, name)
        if field is None:
            form.form_errors.extend(str(m) for m in messages)
        else:
            field.errors = [*field.errors, *(str(m) for m in messages)]
    if exc.message and not exc.fields:
        form.form_errors.append(str(exc.message))


def paginate(stmt, page: int | None = None):
    """Database-side pagination (LIMIT/OFFSET plus one COUNT); out-of-range pages are empty, not 404."""
    page = min(max(page or request.args.get("page", 1, type=int) or 1, 1), MAX_INT // 1000)  # OFFSET stays an int
    return db.paginate(stmt, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False,
                       max_per_page=100)


class RowPage:
    """A page of rows (tuples) for statements that select more than one entity or column, which
    ``db.paginate`` would cut down to the first column. Same attributes the pager macro reads."""

    def __init__(self, stmt, page: int | None = None):
        from sqlalchemy import func, select

        self.per_page = current_app.config["PAGE_SIZE"]
        self.page = min(max(page or request.args.get("page", 1, type=int) or 1, 1), MAX_INT // 1000)
        self.total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        self.items = db.session.execute(stmt.limit(self.per_page).offset((self.page - 1) * self.per_page)).all()
        self.pages = max(1, -(-self.total // self.per_page))
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1
