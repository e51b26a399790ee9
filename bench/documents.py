"""Benchmark of the PDF documents: time per document (first in a process, then warm) and documents per
second for a batch, on this machine.

    .venv/bin/python bench/documents.py [--cases 40] [--runs 10]

Builds a temporary SQLite database through the migrations and seed-demo (real cases in every state),
then renders each available document type from its plain-data snapshot. Prints a Markdown table.
Targets (issue 5): each template ≤ 150 ms warm; a batch ≥ 15 documents per second."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=40)
    args = parser.parse_args()
    os.environ["REFERRAL_INSTANCE_PATH"] = tempfile.mkdtemp()

    import flask_migrate

    from referral import create_app
    from referral.cases.models import Case
    from referral.demo import seed
    from referral.documents.catalog import DOCUMENTS, render_document
    from referral.documents.context import application_context, blank_context
    from referral.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{os.environ['REFERRAL_INSTANCE_PATH']}/b.db")
    with app.app_context():
        flask_migrate.upgrade()
        seed(password_factory=lambda: "bench password 1")
        db.session.commit()
        cases = db.session.scalars(db.select(Case).order_by(Case.id)).all()
        print(f"{len(cases)} demo cases; document types with a template: {', '.join(DOCUMENTS)}\n")
        print("| document | first (ms) | warm median (ms) | warm p90 (ms) |\n|---|---|---|---|")
        for code in DOCUMENTS:
            for label, make in ((code, lambda i: application_context(cases[i % len(cases)])),
                                (f"{code} (blank)", lambda i: blank_context(code))):
                start = time.perf_counter()
                render_document(make(0))
                first = (time.perf_counter() - start) * 1000
                samples = []
                for i in range(args.runs):
                    start = time.perf_counter()
                    render_document(make(i))
                    samples.append((time.perf_counter() - start) * 1000)
                samples.sort()
                print(f"| `{label}` | {first:.0f} | {statistics.median(samples):.0f} | "
                      f"{samples[int(len(samples) * 0.9) - 1]:.0f} |")
        start = time.perf_counter()
        for i in range(args.batch):
            render_document(application_context(cases[i % len(cases)]))
        elapsed = time.perf_counter() - start
        print(f"\nbatch: {args.batch} application documents in {elapsed:.1f} s = {args.batch / elapsed:.1f} per second "
              "(one process; the batch job will use one worker per core)")


if __name__ == "__main__":
    main()
