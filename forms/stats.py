"""The statistics' filters (GET, no CSRF) and the export's reason (docs/domain.md#statistics). The same classes
validate the dashboard's query string and the API's (``referral/api/spec.py: validated``)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from forms import BaseForm
from forms.fields import division_code, options

EXPORT_FORMATS = [("csv", "CSV"), ("xlsx", "XLSX")]


class StatsQuery(BaseForm):
    """``division`` (default: one's own), ``from`` and ``to`` (China dates, both inclusive)."""

    class Meta:
        csrf = False

    division = StringField(_l("行政区划代码"), validators=[Optional(), division_code])

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        start, end = self["from"], self["to"]
        if start.data and end.data and end.data < start.data:
            end.errors = [*end.errors, _l("结束日期不能早于开始日期。")]
            return False
        return True


# "from" is a Python keyword, so these two are set by name (the form's field, the parameter and the error key
# are all "from"; read them as form["from"]).
setattr(StatsQuery, "from", DateField(_l("开始日期"), validators=[Optional()]))
setattr(StatsQuery, "to", DateField(_l("结束日期"), validators=[Optional()]))  # noqa: B010  (beside its pair)


class ExportQuery(StatsQuery):
    """GET /api/v1/stats/export: one table (or all, one sheet each) as CSV or XLSX, with the reason recorded."""

    format = SelectField(_l("格式"), choices=options(EXPORT_FORMATS), validators=[DataRequired()])
    table = StringField(_l("表"), validators=[Optional(), Length(max=32)])
    reason = StringField(_l("导出理由"), validators=[DataRequired(message=_l("请填写导出理由。")), Length(max=200)])


class ExportForm(BaseForm):
    """The dashboard's export: the reason asked on a short form (POST, with CSRF)."""

    format = SelectField(_l("格式"), choices=options(EXPORT_FORMATS), validators=[DataRequired()])
    table = StringField(_l("表"), validators=[Optional(), Length(max=32)])
    reason = StringField(_l("导出理由"), validators=[DataRequired(message=_l("请填写导出理由。")), Length(max=200)],
                         description=_l("如：季度工作报告"))
