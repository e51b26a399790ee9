"""The filter of the notification list (API ``?unread=1``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from forms import BaseForm
from forms.fields import options


class NotificationQuery(BaseForm):
    unread = SelectField(_l("只看未读"), choices=options([("", ""), ("1", "1"), ("0", "0")]), validators=[Optional()])
