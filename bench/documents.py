"""Benchmark of the PDF documents: time per document (first in a process, then warm) for every document
type of the catalog, filled and blank, and documents per second for a batch, on this machine.

    .venv/bin/python bench/documents.py [--runs 10] [--batch 40] [--workers N]

Builds a temporary SQLite database through the migrations and seed-demo (real cases in every state,
institutions, talent, accounts), then renders each document type of ``DOCUMENTS`` from its plain-data
snapshot: filled for the demo objects it can be issued for (in turn, as issued: with number, verification
URL and QR code), and blank. The batch renders filled documents of every type in turn, once in this
process and once through ``render_many`` (a pool of worker processes, as the ZIP export does), with
the pool's start-up counted. Prints Markdown tables; "cpu" is this process's CPU time, which other
load on the machine disturbs less than the wall clock.
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


def sources_of(document) -> list:
    """The demo objects a document can be issued for: its subjects, or for a case document with parts,
    each case's latest part (agreement, assessment, follow-up)."""
    from werkzeug.exceptions import HTTPException

    from referral.auth.models import User
    from referral.cases.models import Case
    from referral.documents import services
    from referral.extensions import db
    from referral.registries.models import Institution, Talent

    models = {"case": Case, "institution": Institution, "talent": Talent, "user": User}
    found = []
    for subject_type in document.subjects:
        for subject in db.session.scalars(db.select(models[subject_type]).order_by(models[subject_type].id)):
            try:
                found.append(services.target_for(document.code, subject_type, subject).source)
            except (services.PartMissing, HTTPException):
                continue  # a case without that part yet
    return found


def filled_context(document, source) -> dict:
    """The snapshot as issuing makes it (services.prepare): verification code, URL and QR code."""
    from referral.documents import services

    code = services.new_verification_code()
    url = services.verification_url("https://jk.example.gov.cn", code)
    context = document.build(source, verification_code=services.printed(code))
    context.update(number=f"{context['number']}-1", verification_url=url, qr_svg=services.qr_svg(url))
    return context


def timed(render, make, runs: int) -> tuple[float, list[float], list[float]]:
    """First render (ms), then `runs` warm renders: wall and CPU times (ms)."""
    start = time.perf_counter()
    render(make(0))
    first = (time.perf_counter() - start) * 1000
    wall, cpu = [], []
    for i in range(1, runs + 1):
        context = make(i)  # the snapshot is built outside the timing: rendering is what is measured
        start, start_cpu = time.perf_counter(), time.process_time()
        render(context)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return first, sorted(wall), sorted(cpu)


def p90(samples: list[float]) -> float:
    return samples[max(0, int(len(samples) * 0.9) - 1)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=40)
    parser.add_argument("--workers", type=int, default=None, help="render_many's pool (default: one per core)")
    args = parser.parse_args()
    os.environ["REFERRAL_INSTANCE_PATH"] = tempfile.mkdtemp()

    import flask_migrate

    from referral import create_app
    from referral.demo import seed
    from referral.documents.catalog import DOCUMENTS, render_document, render_html
    from referral.documents.pdf import default_workers, render_many, render_pdf
    from referral.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{os.environ['REFERRAL_INSTANCE_PATH']}/b.db")
    with app.app_context():
        flask_migrate.upgrade()
        seed(password_factory=lambda: "bench password 1")
        db.session.commit()
        sources = {code: sources_of(document) for code, document in DOCUMENTS.items()}
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (other work on the machine "
              "slows every figure)")
        print("document types:", ", ".join(f"{code} ({len(found)} demo objects)" for code, found in sources.items()))
        print("\n| document | first (ms) | warm median (ms) | warm p90 (ms) | warm cpu median (ms) |")
        print("|---|---|---|---|---|")
        for code, document in DOCUMENTS.items():
            variants = [(f"{code} (blank)", lambda i, d=document: d.blank())]
            if sources[code]:
                variants.insert(0, (code, lambda i, d=document, s=sources[code]: filled_context(d, s[i % len(s)])))
            else:
                print(f"| `{code}` | no demo object to fill it from | | | |")
            for label, make in variants:
                first, wall, cpu = timed(render_document, make, args.runs)
                print(f"| `{label}` | {first:.0f} | {statistics.median(wall):.0f} | {p90(wall):.0f} | "
                      f"{statistics.median(cpu):.0f} |")

        # The batch: filled documents of every type in turn, their snapshots built beforehand (as the
        # export prepares them); the HTML is rendered as the PDFs are asked for, as in the export.
        kinds = [(document, sources[code]) for code, document in DOCUMENTS.items() if sources[code]]
        contexts = []
        for i in range(args.batch):
            document, found = kinds[i % len(kinds)]
            contexts.append(filled_context(document, found[i // len(kinds) % len(found)]))
        start = time.perf_counter()
        for context in contexts:
            render_pdf(render_html(context))
        serial = time.perf_counter() - start
        workers = args.workers or default_workers()
        start = time.perf_counter()
        pdfs = render_many((render_html(c) for c in contexts), workers=workers)
        first_pdf = next(pdfs)
        started = time.perf_counter() - start  # pool start-up (fonts and stylesheet per worker) + 1 document
        count = 1 + sum(1 for _ in pdfs)
        pooled = time.perf_counter() - start
        assert count == len(contexts) and first_pdf.startswith(b"%PDF-")
        print(f"\nbatch of {args.batch} filled documents (all types in turn):\n")
        print("| how | seconds | documents per second |\n|---|---|---|")
        print(f"| one process (`render_pdf`) | {serial:.1f} | {args.batch / serial:.1f} |")
        print(f"| `render_many`, {workers} workers, pool start-up included | {pooled:.1f} | "
              f"{args.batch / pooled:.1f} |")
        print(f"| `render_many`, {workers} workers, after the first document ({started:.1f} s) | "
              f"{pooled - started:.1f} | {(args.batch - 1) / (pooled - started):.1f} |")
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
