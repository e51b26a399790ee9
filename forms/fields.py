"""Shared fields and validators."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, Regexp


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 choices (tuples are deprecated there)."""
    return [SelectChoice(value, label) for value, label in pairs]


def coded(members, *, blank: str | None = None) -> list[SelectChoice]:
    """Choices from a ``workflows.codes.Coded`` enum (or some of its members), the label translated for the
    reader; ``blank`` puts an empty first choice with that text."""
    head = [SelectChoice("", blank)] if blank is not None else []
    return head + [SelectChoice(m.value, _l(m.label)) for m in members]


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


def id_number_problem(value: str) -> str | None:
    """Why a 居民身份证号码 (GB 11643) is not valid, or None: 17 digits and a check character that matches,
    a real date of birth that is not in the future, and a first six digits that are or were a county code
    of GB/T 2260. Not python-stdnum's ``ric.validate``: it also refuses a code created after the birth date,
    but a number carries the code of where it was *issued*, often years after birth (docs/domain.md#personal-data)."""
    from datetime import date

    from stdnum import numdb
    from stdnum.cn import ric

    from referral.calendar import today_in_china

    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return _l("身份证号无效：应为 18 位，17 位数字加 1 位校验码（数字或 X）。")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > today_in_china():
        return _l("身份证号无效：出生日期不存在或晚于今天。")
    if ric.calc_check_digit(value) != value[17]:
        return _l("身份证号无效：校验位不正确，请核对。")
    place = dict(kv for _part, props in numdb.get("cn/loc").info(value[:6]) for kv in props.items())
    if "province" not in place or "county" not in place:
        return _l("身份证号无效：前 6 位不是现行或曾用的行政区划代码。")
    return None


class IdNumber:
    """居民身份证号码: see ``id_number_problem``; the value is kept upper-case (x → X)."""

    def __call__(self, form, field):
        from wtforms.validators import ValidationError as FieldError

        if not field.data:
            return
        field.data = field.data.strip().upper()
        problem = id_number_problem(field.data)
        if problem is not None:
            raise FieldError(problem)


phone = Regexp(r"^[0-9+\-() ]{7,20}$", message=_l("请填写有效的电话号码。"))


class DivisionPicker:
    """Province → city → county as choices, not a typed 行政区划代码 (issue 10.5). Without JavaScript: pick the
    province, press the button (the page reloads with everything typed so far, nothing validated), then pick
    the county from the province's counties grouped by city. With JavaScript the reload follows the province
    choice by itself. The field's value stays the six-digit code, so the API is unchanged.

    Forms make no queries: the app sets ``DivisionPicker.source`` (referral/divisions/picker.py) to a function
    ``(province_code, levels) -> (provinces, groups)``."""

    source = None
    REFRESH = "division_refresh"

    def __call__(self, field, **kwargs):
        from markupsafe import Markup, escape

        value = field.data or ""
        province = field.province_choice() or (value[:2] + "0000" if len(value) == 6 else "")
        provinces, groups = self.source(province, field.levels) if self.source else ([], [])
        pid = f"{field.id}__province"
        from flask import url_for

        lists = url_for("divisions.picker", province="000000", levels=",".join(field.levels))
        province_label, choose, show = _l("省（自治区、直辖市）"), _l("请选择"), _l("列出该省的地区")
        first = _l("请先选择省份") if not groups else choose
        out = [f'<span class="division-picker" data-lists="{escape(lists)}"><span class="division-province">'
               f'<label for="{pid}">{escape(province_label)}</label><select id="{pid}" name="{field.name}__province" '
               f'data-division-refresh><option value="">{escape(choose)}</option>']
        out += [f'<option value="{c}"{" selected" if c == province else ""}>{escape(n)}</option>' for c, n in provinces]
        out += ['</select> <button type="submit" class="secondary" formnovalidate '
                f'name="{self.REFRESH}" value="{field.name}">{escape(show)}</button></span>']
        attrs = {"id": field.id, "name": field.name, **kwargs}
        out.append("<select " + " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items() if v is not False) + ">")
        out.append(f'<option value="">{escape(first)}</option>')
        for label, options_ in groups:
            out.append(f'<optgroup label="{escape(label)}">')
            out += [f'<option value="{c}"{" selected" if c == value else ""}>{escape(n)}</option>' for c, n in options_]
            out.append("</optgroup>")
        out.append("</select></span>")
        return Markup("".join(out))


class DivisionField(StringField):
    """A 行政区划 chosen from lists (``DivisionPicker``); ``levels``: which levels may be chosen (a county of
    residence; or any level for an official's area)."""

    widget = DivisionPicker()

    def __init__(self, label=None, validators=None, levels=("county",), **kwargs):
        super().__init__(label, validators, **kwargs)
        self.levels = tuple(levels)

    def province_choice(self) -> str:
        from flask import has_request_context, request

        chosen = request.form.get(f"{self.name}__province", "") if has_request_context() else ""
        return chosen if len(chosen) == 6 and chosen.isdigit() else ""


class OptionsSelect:
    """A <select> over a field's ``options`` ((value, label) pairs), for fields that are not SelectFields but
    are still chosen, never typed: a yes/no that may be unknown, a grade 1–4."""

    def __call__(self, field, **kwargs):
        from markupsafe import Markup, escape
        from wtforms.widgets import html_params

        kwargs.setdefault("id", field.id)
        current = field.selected_value()
        out = [f"<select {html_params(name=field.name, **kwargs)}>"]
        out += [f'<option value="{escape(v)}"{" selected" if v == current else ""}>{escape(label)}</option>'
                for v, label in field.options]
        out.append("</select>")
        return Markup("".join(out))


class YesNoField(BooleanField):
    """是／否, or not known (None). JSON: true, false or null; a page: a select with 未填写 first, so an
    unanswered question is not stored as 否."""

    widget = OptionsSelect()
    false_values = (False, "false", "n", "no", "0")

    @property
    def options(self):
        return [("", _l("未填写")), ("true", _l("是")), ("false", _l("否"))]

    def process_data(self, value):
        self.data = None if value is None else bool(value)

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
        else:
            self.data = valuelist[0] not in self.false_values

    def selected_value(self) -> str:
        return "" if self.data is None else ("true" if self.data else "false")


class ChosenIntegerField(IntegerField):
    """An integer picked from ``options`` ((value, label) pairs, value as text): JSON takes the number."""

    widget = OptionsSelect()

    def __init__(self, label=None, validators=None, options=(), **kwargs):
        super().__init__(label, validators, **kwargs)
        self.options = [("", _l("未填写")), *[(str(v), lbl) for v, lbl in options]]

    def selected_value(self) -> str:
        if self.data is not None:
            return str(self.data)
        return self.raw_data[0] if self.raw_data else ""
