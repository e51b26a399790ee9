"""One command for the issue-14 benchmark: generate (cumulatively) and measure at each scale, append to bench/RESULTS.md.

    .venv/bin/python -m bench.scale --scales 10k 100k 1m         # wipe bench_scale, seed, grow 10k → 100k → 1m
    .venv/bin/python -m bench.scale --scales 1m --keep            # grow the existing database (no wipe) and measure
    .venv/bin/python -m bench.scale --reuse                       # existing database: migrations + ANALYZE + measure

See bench/scale/README.md."""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import subprocess
import sys
import time

from bench.scale import env, generate, run

RESULTS = env.ROOT / "bench" / "RESULTS.md"


def machine() -> str:
    mem = next((line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal:")), "0")
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return f"{os.cpu_count()} CPUs ({model}), {int(mem) / 1024 / 1024:.1f} GB RAM, {platform.platform()}"


def commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=env.ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return head + (" (with uncommitted changes)" if dirty else "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", nargs="*", default=[], help="sizes to measure at, ascending: 10k 100k 1m")
    parser.add_argument("--reuse", "--no-generate", action="store_true", dest="reuse",
                        help="measure the existing bench database as it is (after migrations and ANALYZE)")
    parser.add_argument("--keep", action="store_true", help="grow the existing database instead of wiping it")
    parser.add_argument("--label", default="", help="a note for the results' heading (e.g. 'baseline')")
    parser.add_argument("--no-results", action="store_true", help="print only; do not append to bench/RESULTS.md")
    run.add_run_arguments(parser)
    args = parser.parse_args(argv)
    if not args.reuse and not args.scales:
        parser.error("give --scales (e.g. 10k 100k 1m) or --reuse")
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "-m", "bench.scale", *sys.argv[1:]])
    app = generate.make_app()
    timings: dict = {}
    head = commit()
    sections = []
    started = datetime.datetime.now(datetime.UTC)
    if args.reuse:
        with generate.phase("migrations (flask db upgrade)", timings):
            generate.migrate_only(app)
        with generate.phase("VACUUM ANALYZE", timings):
            generate.analyze(app)
        plan = [None]
    else:
        if not args.keep:
            generate.fresh(app, timings)
        else:
            with generate.phase("migrations (flask db upgrade)", timings):
                generate.migrate_only(app)
        plan = [generate.parse_scale(s) for s in args.scales]
    for target in plan:
        if target is not None:
            generate.grow(app, target, timings)
        t0 = time.perf_counter()
        report = run.run(**run.run_kwargs(args))
        timings[f"measure at {report['ids']['counts']['cases']:,} cases"] = time.perf_counter() - t0
        section = run.markdown(report, f"{report['ids']['counts']['cases']:,} cases")
        print(section, flush=True)
        sections.append((section, report))
    pg = sections[0][1]["ids"]["pg_version"].split(" on ")[0] if sections else "?"
    header = [f"## {started:%Y-%m-%d %H:%M} UTC — commit {head}" + (f" — {args.label}" if args.label else ""), "",
              f"- command: `{command}`", f"- machine: {machine()}; {pg}; gunicorn 2 sync workers; shared with other "
              "work, so absolute figures are noisy — compare the ratios", f"- database: `{env.database_url()}`",
              "- phases: " + "; ".join(f"{name} {secs:.0f} s" for name, secs in timings.items()), ""]
    text = "\n".join(header) + "\n" + "\n".join(s for s, _r in sections)
    if not args.no_results:
        if not RESULTS.exists():
            RESULTS.write_text("# Benchmark results (issue 14)\n\nAppended by `make bench` (bench/scale/README.md); "
                               "newest last.\n\n")
        with RESULTS.open("a") as fh:
            fh.write("\n" + text)
        print(f"[bench] appended to {RESULTS.relative_to(env.ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
