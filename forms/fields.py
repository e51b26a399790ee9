"""Shared fields and validators."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, Regexp


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 choices (tuples are deprecated there)."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; rendered as one <fieldset> with a <legend> (see _macros/forms.html)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
    grouped = True

division_code = Regexp(r"^\d{6}$", message=_l("行政区划代码应为 6 位数字。"))


def optional_division():
    return [Optional(), division_code]


class CreditCode:
    """统一社会信用代码 (GB 32100-2015): format and check character, by python-stdnum."""

    def __call__(self, form, field):
        from stdnum.cn import uscc
        from stdnum.exceptions import ValidationError
        from wtforms.validators import ValidationError as FieldError

        if not field.data:
            return
        try:
            field.data = uscc.validate(field.data)
        except ValidationError as exc:
            raise FieldError(_l("统一社会信用代码无效（格式或校验位不正确）。")) from exc


class IdNumber:
    """居民身份证号码 (GB 11643): birth date and check digit, by python-stdnum."""

    def __call__(self, form, field):
        from stdnum.cn import ric
        from stdnum.exceptions import ValidationError
        from wtforms.validators import ValidationError as FieldError

        if not field.data:
            return
        try:
            field.data = ric.validate(field.data).upper()
        except ValidationError as exc:
            raise FieldError(_l("身份证号无效（出生日期或校验位不正确）。")) from exc


phone = Regexp(r"^[0-9+\-() ]{7,20}$", message=_l("请填写有效的电话号码。"))
