"""Benchmark of the PDF documents: time per document (first in a process, then warm) for every document
type of the catalog, filled and blank, and documents per second for a batch, on this machine; the first
download with and without rendering ahead; and batch exports through real queue consumers.

    .venv/bin/python bench/documents.py [--runs 10] [--batch 40] [--workers N]
    .venv/bin/python bench/documents.py --only prerender --only export \
        [--postgres postgresql://postgres@127.0.0.1:5432/bench_documents] [--queue redis://127.0.0.1:6379/13]

Builds a temporary SQLite database through the migrations and seed-demo (real cases in every state,
institutions, talent, accounts), then renders each document type of ``DOCUMENTS`` from its plain-data
snapshot: filled for the demo objects it can be issued for (in turn, as issued: with number, verification
URL and QR code), and blank. The batch renders filled documents of every type in turn, once in this
process and once through ``render_many`` (a pool of worker processes, as the ZIP export does), with
the pool's start-up counted. Prints Markdown tables; "cpu" is this process's CPU time, which other
load on the machine disturbs less than the wall clock.
Targets (issue 5): each template ≤ 150 ms warm; a batch ≥ 15 documents per second.

``prerender`` (issue 14.4, docs/domain.md#rendered-ahead): for fresh cases, a change of the person's record, then the
first download of the application (``services.issue`` and the commit, as the download route does; no HTTP),
once with rendering ahead off (the download renders) and once on (the change's commit runs the task on the
immediate queue, timed as "task"; the download stores the bytes rendered ahead). WeasyPrint renders are
counted during the downloads.

``export`` (issue 14.4): batch exports of the application over fresh cases (their data changed first, so
every document is issued anew), run by ``flask tasks work --workers N`` consumers in their own processes on
a Redis queue: one consumer with 1 or 2 worker threads, two consumers (as two machines would run), each with
1 or one-per-core render processes per job; documents per second from the commit that queues the jobs to
the last one done. ``--postgres URL`` runs both on PostgreSQL: the
database named in the URL is dropped and made anew (give it one of its own); the default is a SQLite file."""

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


PARTS = ("render", "prerender", "export")
BASE_URL = "https://jk.example.gov.cn/"
#: The tests' fixed keys (TestingConfig), given to the consumers too: they must read what this process wrote.
HASH_KEY = "bench-documents-hash-key"


def fresh_postgres(url: str) -> str:
    """Drop and make the database named in ``url``; returns the URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=40)
    parser.add_argument("--workers", type=int, default=None, help="render_many's pool (default: one per core)")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this part (repeatable)")
    parser.add_argument("--downloads", type=int, default=8, help="prerender: cases (first downloads) per variant")
    parser.add_argument("--export-cases", type=int, default=40, help="export: documents per round")
    parser.add_argument("--exports", type=int, default=4, help="export: jobs per round (the cases split among them)")
    parser.add_argument("--queue", default="redis://127.0.0.1:6379/13", help="export: the consumers' Redis")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL whose database is dropped and made anew")
    args = parser.parse_args()
    parts = args.only or list(PARTS)
    os.environ["REFERRAL_INSTANCE_PATH"] = tempfile.mkdtemp()

    import flask_migrate

    from referral import create_app
    from referral.demo import seed
    from referral.extensions import db

    url = fresh_postgres(args.postgres) if args.postgres else \
        f"sqlite:///{os.environ['REFERRAL_INSTANCE_PATH']}/b.db"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, DEMAND_HASH_KEY=HASH_KEY, PUBLIC_URL=BASE_URL)
    with app.app_context():
        flask_migrate.upgrade()
        seed(password_factory=lambda: "bench password 1")
        db.session.commit()
        print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; load average before: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (other work on the machine slows every figure)")
        if "render" in parts:
            render_bench(args)
        if "prerender" in parts:
            prerender_bench(app, args)
    if "export" in parts:
        export_bench(url, args)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def render_bench(args) -> None:
    from referral.documents.catalog import DOCUMENTS, render_document, render_html
    from referral.documents.pdf import default_workers, render_many, render_pdf

    sources = {code: sources_of(document) for code, document in DOCUMENTS.items()}
    print("\n## Rendering\n")
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


# --- rendering ahead and exports (issue 14.4) ------------------------------------------------------------------

def officer():
    from referral.auth.models import User
    from referral.extensions import db

    return db.session.scalar(db.select(User).where(User.username == "demo-referral"))


def new_cases(count: int, offset: int) -> list:
    """``count`` applications entered by the demo referral officer (valid, distinct 身份证号)."""
    from stdnum.cn import ric

    from referral.cases import services as case_services
    from referral.demo import COUNTY
    from referral.extensions import db

    actor, made = officer(), []
    for i in range(count):
        base = f"{COUNTY}19{70 + i % 30:02d}0{1 + i % 9}1{i % 9}{(offset + i) % 1000:03d}"
        made.append(case_services.submit_application(actor=actor, data={
            "channel": "self", "name": f"测试{offset + i}", "id_number": base + ric.calc_check_digit(base + "0"),
            "division_code": COUNTY, "phone": "13800001234", "address": "南关区幸福街 8 号",
            "needs": "服药训练和社交技能训练", "service_types": ["服药训练"], "consent_signer": "applicant"}))
    db.session.commit()
    return made


def ms_table(rows: list[tuple[str, list[float]]]) -> None:
    print("| what | n | median (ms) | p90 (ms) | max (ms) |\n|---|---|---|---|---|")
    for label, samples in rows:
        samples = sorted(samples)
        print(f"| {label} | {len(samples)} | {statistics.median(samples):.0f} | {p90(samples):.0f} | "
              f"{samples[-1]:.0f} |")


def prerender_bench(app, args) -> None:
    from referral.cases import services as case_services
    from referral.documents import pdf, services
    from referral.extensions import db

    actor = officer()
    pdf.warm_up()  # a web worker has rendered before; the first render of a process is not what is measured
    print("\n## First download, with and without rendering ahead (issue 14.4)\n")
    results: dict[str, list[float]] = {"task": [], "off": [], "on": [], "again": []}
    renders = {"off": 0, "on": 0}
    for variant, offset in (("off", 0), ("on", 500)):
        app.config["DOCUMENT_PRERENDER"] = variant == "on"
        for case in new_cases(args.downloads, offset):
            case_services.update_person(case, actor=actor, data={"person": {"ethnicity": "02"}})
            start = time.perf_counter()
            db.session.commit()  # "on": the task runs here (immediate queue), as a consumer would after it
            if variant == "on":
                results["task"].append((time.perf_counter() - start) * 1000)
            target = services.target_for("application", "case", case)
            before = pdf.render_count()
            start = time.perf_counter()
            document = services.issue(target, actor=actor, base_url=BASE_URL)
            db.session.commit()
            results[variant].append((time.perf_counter() - start) * 1000)
            renders[variant] += pdf.render_count() - before
            assert document.version == 1
            if variant == "off":
                start = time.perf_counter()
                services.issue(target, actor=actor, base_url=BASE_URL)  # current: the stored version
                db.session.commit()
                results["again"].append((time.perf_counter() - start) * 1000)
    app.config["DOCUMENT_PRERENDER"] = False
    ms_table([("first download, rendering ahead off (renders)", results["off"]),
              ("first download, rendered ahead (stores the bytes)", results["on"]),
              ("a later download (the issued version)", results["again"]),
              ("the change's commit with the task (background work per change)", results["task"])])
    print(f"\nWeasyPrint renders during the downloads: {renders['off']} off, {renders['on']} rendered ahead "
          f"({args.downloads} downloads each).")


def export_bench(url: str, args) -> None:
    import subprocess

    from referral import create_app
    from referral.cases.models import Case
    from referral.documents import exports
    from referral.documents.models import DocumentExport
    from referral.documents.pdf import default_workers
    from referral.extensions import db
    from workflows.export import ExportState

    queue_name = f"bench-documents-{os.getpid()}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, DEMAND_HASH_KEY=HASH_KEY, PUBLIC_URL=BASE_URL,
                     TASK_QUEUE_URL=args.queue, TASK_QUEUE_NAME=queue_name, TASK_RUNNER="worker",
                     EXPORT_ROOT=os.path.join(os.environ["REFERRAL_INSTANCE_PATH"], "exports"))
    env = {**os.environ, "REFERRAL_CONFIG": "testing", "DATABASE_URL": url, "REFERRAL_TASK_QUEUE_URL": args.queue,
           "REFERRAL_TASK_QUEUE_NAME": queue_name, "REFERRAL_TASK_RUNNER": "worker",
           "REFERRAL_DEMAND_HASH_KEY": HASH_KEY, "REFERRAL_PUBLIC_URL": BASE_URL,
           "REFERRAL_EXPORT_ROOT": app.config["EXPORT_ROOT"], "FLASK_APP": "wsgi"}
    root = Path(__file__).resolve().parent.parent
    cores = default_workers()
    print(f"\n## Batch exports through the queue (issue 14.4): {args.export_cases} documents a round in "
          f"{args.exports} jobs, Redis {args.queue}, {cores} cores\n")
    print("| consumer processes | worker threads each | render processes per job | seconds | documents per second |\n"
          "|---|---|---|---|---|")
    with app.app_context():
        actor = officer()
        case_ids = [c.id for c in new_cases(args.export_cases, 800)]
        chunks = [case_ids[i::args.exports] for i in range(args.exports)]
        rounds = ((1, 1, 1), (1, 2, 1), (2, 1, 1), (1, 1, cores), (1, 2, cores))
        for round_no, (processes, workers, per_job) in enumerate(rounds, start=1):
            # Every document of the round is new: the cases' data changed since the last round.
            for case in db.session.scalars(db.select(Case).where(Case.id.in_(case_ids))):
                case.needs = f"服药训练和社交技能训练（第 {round_no} 轮）"
            db.session.commit()
            # Two consumer processes stand for two machines (or two systemd units) of one core each.
            consumers = [subprocess.Popen(
                [sys.executable, "-m", "flask", "tasks", "work", "--workers", str(workers), "--no-periodic"],
                cwd=root, env={**env, "REFERRAL_DOCUMENT_EXPORT_WORKERS": str(per_job)},
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(processes)]
            try:
                time.sleep(5)  # the consumers import the app and the tasks
                for consumer in consumers:
                    if consumer.poll() is not None:
                        raise SystemExit(f"a consumer stopped: {consumer.stderr.read().decode()[-2000:]}")
                ids = [exports.request_export(actor=actor, code="application", case_ids=chunk, filters={},
                                              base_url=BASE_URL).id for chunk in chunks]
                start = time.perf_counter()
                db.session.commit()  # the jobs are queued here
                deadline = start + 600
                while time.perf_counter() < deadline:
                    db.session.expire_all()
                    states = list(db.session.scalars(db.select(DocumentExport.state)
                                                     .where(DocumentExport.id.in_(ids))))
                    if all(s in (ExportState.DONE, ExportState.FAILED) for s in states):
                        break
                    time.sleep(0.1)
                elapsed = time.perf_counter() - start
                failed = [s for s in states if s != ExportState.DONE]
                if failed:
                    raise SystemExit(f"exports not done: {states}")
                print(f"| {processes} | {workers} | {per_job} | {elapsed:.1f} | {args.export_cases / elapsed:.1f} |")
            finally:
                for consumer in consumers:
                    consumer.terminate()
                    consumer.wait(timeout=60)


if __name__ == "__main__":
    main()
