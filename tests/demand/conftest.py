"""Fixtures of the demand tests: the sample lists and a way to import bytes as someone."""

from __future__ import annotations

from pathlib import Path

import pytest

from referral.demand import services
from referral.extensions import db

SAMPLES = Path(__file__).resolve().parent / "samples"
HEALTH_SAMPLE = SAMPLES / "health_sample.csv"
CDPF_SAMPLE = SAMPLES / "cdpf_sample.xlsx"


@pytest.fixture
def import_list(app):
    """``import_list(content, source=…, actor=…, name=…)``: ask for the import and run it, as the page's task
    would (the request commits, then the task runs with its own transaction)."""

    def run(content: bytes, *, source: str = "health", actor=None, name: str = "list.csv"):
        imp = services.request_import(actor=actor, source=source, file_name=name, content=content, enqueue=False)
        db.session.commit()
        return services.run_import(imp.id)

    return run
