"""The upload of a demand list (docs/domain.md#demand-data): which list, and the file (CSV or XLSX)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import DataRequired

from forms import BaseForm
from forms.fields import coded
from workflows.codes import Coded


class DemandImportForm(BaseForm):
    source = SelectField(_l("名单来源"), validators=[DataRequired()])
    file = FileField(_l("名单文件（CSV 或 XLSX）"),
                     validators=[FileRequired(_l("请选择要导入的文件。")),
                                 FileAllowed(["csv", "xlsx"], _l("只能导入 CSV 或 XLSX 文件。"))],
                     render_kw={"accept": ".csv,.xlsx"})

    def __init__(self, *args, sources: type[Coded], **kwargs):
        super().__init__(*args, **kwargs)
        self.source.choices = coded(sources)
