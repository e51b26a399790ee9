"""The lists behind ``forms.fields.DivisionPicker``: the provinces, and one province's divisions grouped by
city, read once per request (a page may hold several pickers)."""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import select

from referral.divisions.models import Division, DivisionLevel
from referral.extensions import db


def _rows(province_code: str) -> list[Division]:
    prefix = province_code[:2]
    return db.session.scalars(select(Division).where(Division.code.between(prefix + "0000", prefix + "9999"))
                              .order_by(Division.code)).all()


def picker_lists(province_code: str, levels: tuple[str, ...]):
    """``(provinces, groups)``: provinces as (code, name); the province's choosable divisions as
    (group label, [(code, name)]) — counties under their city; cities and the province itself first when
    ``levels`` allow them (an official's area)."""
    cache = g.setdefault("division_picker", {}) if has_app_context() else {}
    if "provinces" not in cache:
        cache["provinces"] = [(d.code, d.name) for d in db.session.scalars(
            select(Division).where(Division.level == DivisionLevel.PROVINCE).order_by(Division.code))]
    if not province_code or province_code not in dict(cache["provinces"]):
        return cache["provinces"], []
    key = (province_code, levels)
    if key not in cache:
        rows = _rows(province_code)
        names = {d.code: d.name for d in rows}
        groups: dict[str, list[tuple[str, str]]] = {}
        if "province" in levels:
            groups.setdefault(names[province_code], []).append((province_code, names[province_code]))
        for d in rows:
            if d.level is DivisionLevel.CITY and "city" in levels:
                groups.setdefault(d.name, []).append((d.code, d.name))
            elif d.level is DivisionLevel.COUNTY and "county" in levels:
                parent = names.get(d.parent_code or "", names[province_code])
                groups.setdefault(parent, []).append((d.code, d.name))
        cache[key] = list(groups.items())
    return cache["provinces"], cache[key]
