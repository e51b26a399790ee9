"""The read side of demand data: which imports a user sees, and the figures — listed, applied, served, not
reached — per source, for an area and per county (docs/domain.md#demand-data).

The figures are counted in SQL (``GROUP BY`` with ``EXISTS`` on the keyed hash); no listed person's row is
loaded into Python, and nothing returned names or identifies anyone: counts only, so every level may read
them. A listed person counts in the county of the list; their case may be anywhere (people move), matched
on the hash alone."""

from __future__ import annotations

from sqlalchemy import and_, case, exists, func, select, true

from referral.cases.models import Case, CaseEvent
from referral.demand.models import DemandImport, DemandSource, ListedPerson
from referral.divisions.models import Division, prefix_of
from referral.extensions import db
from referral.scoping import Scope
from workflows.case import CaseState

FIGURES = ("listed", "applied", "served", "not_reached")


def imports_visible_to(user):
    """Imports made inside the user's area: a county official sees the county's, a city official the city's
    and its counties', a province official the province's; the sysadmin every one (also the CLI's)."""
    return select(DemandImport).where(Scope.of(user).division_clause(DemandImport.division_code))


def area_prefix_of(user) -> str:
    """The division prefix of the user's figures: '' (the whole country) for the sysadmin, else the prefix of
    their division (province 2, city 4, county 6 digits)."""
    if Scope.of(user).national or not user.division_code:
        return ""
    return prefix_of(user.division_code)


def _within(column, division_prefix: str):
    if not division_prefix:
        return true()
    if not division_prefix.isdigit() or len(division_prefix) not in (2, 4, 6):
        raise ValueError(f"not a division prefix: {division_prefix!r}")
    return column.between(division_prefix.ljust(6, "0"), division_prefix.ljust(6, "9"))


def _counts():
    """listed, applied, served as SQL aggregates over ``ListedPerson`` rows."""
    applied = exists().where(Case.applicant_id_hash == ListedPerson.id_hash)
    # Served: a case of theirs reached 服务提供 (signed an agreement) at some time, whatever its state now —
    # in service, closed after service, completed, even transferred or withdrawn since.
    served = exists().where(Case.applicant_id_hash == ListedPerson.id_hash,
                            and_(CaseEvent.case_id == Case.id, CaseEvent.to_state == CaseState.IN_SERVICE.value))
    return (func.count(ListedPerson.id).label("listed"),
            func.coalesce(func.sum(case((applied, 1), else_=0)), 0).label("applied"),
            func.coalesce(func.sum(case((served, 1), else_=0)), 0).label("served"))


def _figures(listed: int, applied: int, served: int) -> dict[str, int]:
    return {"listed": int(listed), "applied": int(applied), "served": int(served),
            "not_reached": int(listed) - int(applied)}


def _empty() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def demand_figures(division_prefix: str) -> dict[str, dict[str, int]]:
    """``{"health": {listed, applied, served, not_reached}, "cdpf": {…}}`` for the listed people of an area:
    ``division_prefix`` '' (the whole country), 2 (a province), 4 (a city) or 6 digits (a county)."""
    out = {source.value: _empty() for source in DemandSource}
    rows = db.session.execute(select(ListedPerson.source, *_counts())
                              .where(_within(ListedPerson.division_code, division_prefix))
                              .group_by(ListedPerson.source))
    for source, listed, applied, served in rows:
        out[DemandSource(source).value] = _figures(listed, applied, served)
    return out


def demand_by_county(division_prefix: str) -> list[dict]:
    """One row per county of the area that has listed people, in code order:
    ``{"division_code", "name", "health": {…}, "cdpf": {…}}`` with the same four figures per source."""
    rows = db.session.execute(select(ListedPerson.division_code, ListedPerson.source, *_counts())
                              .where(_within(ListedPerson.division_code, division_prefix))
                              .group_by(ListedPerson.division_code, ListedPerson.source)
                              .order_by(ListedPerson.division_code))
    by_county: dict[str, dict] = {}
    for code, source, listed, applied, served in rows:
        entry = by_county.setdefault(code, {"division_code": code, "name": "",
                                            **{s.value: _empty() for s in DemandSource}})
        entry[DemandSource(source).value] = _figures(listed, applied, served)
    if by_county:
        names = dict(db.session.execute(select(Division.code, Division).where(Division.code.in_(by_county))).all())
        for code, entry in by_county.items():
            division = names.get(code)
            entry["name"] = division.full_name if division is not None else code
    return list(by_county.values())
