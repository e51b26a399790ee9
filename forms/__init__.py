"""WTForms only: the shape of input and per-field checks. No database queries, no business rules.

The same form classes validate the HTML pages and the JSON API (``referral.api.spec`` turns a JSON
body into form data and the form class into its OpenAPI schema), so the two cannot drift apart."""

from flask_wtf import FlaskForm
from wtforms import Form


def strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            # Strip surrounding blanks from every text input: pasted 身份证号 often carry them.
            # (FormField/FieldList hold sub-forms, whose own fields get the filter.)
            from wtforms import FieldList, FormField

            filters = unbound_field.kwargs.get("filters", [])
            if strip not in filters and not issubclass(unbound_field.field_class, FormField | FieldList):
                unbound_field.kwargs["filters"] = [strip, *filters]
            return unbound_field.bind(form=form, **options, **bound_numbers(unbound_field))


def bound_numbers(unbound_field) -> None:
    """An integer no larger than the database's INTEGER, a decimal finite and within our NUMERIC(10, 2): a
    number a column cannot hold is a field error, not a database error (docs/architecture.md#request-path)."""
    from wtforms import DecimalField, IntegerField
    from wtforms.validators import NumberRange

    kind = unbound_field.field_class
    if issubclass(kind, IntegerField | DecimalField) and "validators" in unbound_field.kwargs:
        limit = 2**31 - 1 if issubclass(kind, IntegerField) else 99_999_999
        # A new list for this binding: the class's own list is shared by every instance of the form.
        return {"validators": [*unbound_field.kwargs["validators"], NumberRange(min=-limit, max=limit)]}
    return {}


class SubForm(Form):
    """A nested part of a form (FormField): plain WTForms, but with the same translated messages as
    FlaskForm, so a nested field's error reads in Chinese too."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            return unbound_field.bind(form=form, **options, **bound_numbers(unbound_field))

        def get_translations(self, form):
            return FlaskForm.Meta.get_translations(self, form)
