from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from forms import BaseForm
from forms.fields import optional_division
from referral.audit.actions import action_codes, action_label


def action_choices():
    return [("", _l("全部"))] + [(code, action_label(code)) for code in action_codes()]


class AuditFilterForm(BaseForm):
    """GET filters of the audit page: no CSRF needed for a read."""

    class Meta:
        csrf = False

    division = StringField(_l("行政区划代码"), validators=optional_division())
    # The known actions by name; any code is still accepted (an entry recorded before its action had a name).
    action = SelectField(_l("操作"), choices=action_choices, validate_choice=False,
                         validators=[Optional(), Length(max=64)])
    actor = StringField(_l("操作人用户名"), validators=[Optional(), Length(max=64)])
    object_type = StringField(_l("对象类型"), validators=[Optional(), Length(max=32)])
    date_from = DateField(_l("起始日期"), validators=[Optional()])
    date_to = DateField(_l("截止日期"), validators=[Optional()])
    page = IntegerField(_l("页码"), validators=[Optional(), NumberRange(min=1)], default=1)
