from flask_babel import lazy_gettext as _l
from wtforms import StringField

from forms import BaseForm
from forms.fields import optional_division


class DivisionQueryForm(BaseForm):
    """GET /api/v1/divisions: without ``parent`` the provinces, with it that division's children."""

    class Meta:
        csrf = False

    parent = StringField(_l("上级行政区划代码"), validators=optional_division())
