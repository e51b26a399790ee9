"""Shared fields and validators."""

from flask_babel import lazy_gettext as _l
from wtforms.validators import Optional, Regexp

division_code = Regexp(r"^\d{6}$", message=_l("行政区划代码应为 6 位数字。"))


def optional_division():
    return [Optional(), division_code]
