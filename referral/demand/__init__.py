"""Demand data (issue 11.5, docs/domain.md#demand-data): the health department's register of people with
severe mental disorders and 残联's list of psychiatric-disability certificate holders, imported as keyed
hashes (``models``, ``services``, ``tasks``) and matched against the cases (``queries``: listed, applied,
served, not reached, per county)."""

from flask import Blueprint

bp = Blueprint("demand", __name__, url_prefix="/demand")
