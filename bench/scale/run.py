"""The runner of the issue-14 benchmark: gunicorn (2 sync workers, production config) on the bench database, sign-ins
as the bench accounts, wrk over each target interleaved with a trivial endpoint, then a mixed locust load.

    .venv/bin/python -m bench.scale.run [--seconds 10] [--warmup 2] [--mixed-seconds 300] [--no-mixed]

For each target: a check request (must answer 200, not a redirect), ``--warmup`` seconds of wrk whose figures are
dropped, ``--seconds`` measured; before every target and after the last one the trivial endpoint is measured the
same way, and a target's ratio is its req/s over the mean of the trivial runs right before and right after it
(the machine is shared: the ratio moves less than the absolute figures). The trivial endpoint is ``GET /ping`` when
the app answers it with 200, else a static file of the app (``/static/favicon.svg``: no database, no session).
wrk: 2 threads, 8 connections. Prints Markdown; ``bench.scale`` appends it to bench/RESULTS.md."""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import requests

from bench.scale import env

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


@dataclass
class Target:
    name: str
    path: str  # for the POST: a path with {id}, filled from ``ids`` in turn
    auth: str = "none"  # none | cookie:<who> | token:<who>
    method: str = "GET"
    body: dict | None = None
    ids: list[int] = field(default_factory=list)
    weight: int = 1  # in the mixed load
    alone: bool = False  # also measured with one connection: the time one official waits (the dashboards' target)


@dataclass
class Result:
    name: str
    p50: float
    p95: float
    rps: float
    requests: int
    errors: int
    non2xx: int
    ratio: float | None = None
    trivial_rps: float | None = None


# --- the app under test -------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    """gunicorn -w 2 on wsgi:app and one task consumer (``flask tasks work``), as docs/running.md runs production."""

    def __init__(self, workers: int = 2, task_worker: bool = True):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers, self.task_worker = workers, task_worker
        self.procs: list[subprocess.Popen] = []
        self.log = tempfile.NamedTemporaryFile(prefix="bench-scale-app-", suffix=".log", delete=False)

    def __enter__(self):
        environ = {**os.environ, **env.app_environ()}
        env.INSTANCE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "120",
             "--graceful-timeout", "5", "wsgi:app"], cwd=env.ROOT, env=environ, stdout=self.log, stderr=self.log)
        self.procs.append(self.gunicorn)
        if self.task_worker:
            self.procs.append(subprocess.Popen([str(BIN / "flask"), "tasks", "work", "--workers", "1"], cwd=env.ROOT,
                                               env=environ, stdout=self.log, stderr=self.log))
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/login", timeout=20).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.gunicorn.poll() is not None:
                break
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start: see {self.log.name}")

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def worker_pids(self) -> list[int]:
        out = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    status = (entry / "status").read_text()
                except OSError:
                    continue
                if re.search(rf"^PPid:\s+{self.gunicorn.pid}$", status, re.M):
                    out.append(int(entry.name))
        return out

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            try:
                match = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
            except OSError:
                continue
            if match:
                sizes.append(int(match.group(1)) / 1024)
        return sorted(sizes)


# --- signing in -----------------------------------------------------------------------------------------------------

def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    if not match:
        raise RuntimeError("no csrf_token in the page")
    return match.group(1)


def web_login(base: str, username: str, totp_secret: str | None = None) -> str:
    """The Cookie header of a signed-in browser: the login form with its CSRF token (referral/auth/views.py), and the
    TOTP step for the accounts that have one."""
    s = requests.Session()
    page = s.get(base + "/login")
    r = s.post(base + "/login", data={"username": username, "password": env.PASSWORD, "csrf_token": _csrf(page.text)},
               allow_redirects=False)
    if r.status_code != 302:
        raise RuntimeError(f"login {username}: {r.status_code}")
    if r.headers.get("Location", "").endswith("/login/totp"):
        page = s.get(base + "/login/totp")
        r = s.post(base + "/login/totp", data={"code": pyotp.TOTP(totp_secret).now(), "csrf_token": _csrf(page.text)},
                   allow_redirects=False)
        if r.status_code != 302 or "/login" in r.headers.get("Location", ""):
            raise RuntimeError(f"login {username} (TOTP step): {r.status_code} {r.headers.get('Location')}")
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


def api_token(base: str, username: str) -> str:
    r = requests.post(base + "/api/v1/tokens", json={"username": username, "password": env.PASSWORD})
    if r.status_code != 201:
        raise RuntimeError(f"token {username}: {r.status_code} {r.text[:200]}")
    return r.json()["token"]


# --- what to measure ---------------------------------------------------------------------------------------------

def pick_ids() -> dict:
    """Cases of 220102 to look at, post to and download: found in the database (the app's ids change with each run)."""
    import psycopg

    url = env.database_url()
    with psycopg.connect(url) as conn:
        def one(sql, *args):
            row = conn.execute(sql, args).fetchone()
            return row[0] if row else None

        staff_inst = one("SELECT institution_id FROM users WHERE username = %s", env.STAFF)
        # The case page: a case with a long history (closed and followed up), the newest such clone.
        page_case = one("SELECT id FROM cases WHERE division_code = %s AND state = 'completed' ORDER BY id DESC LIMIT 1",
                        env.COUNTY)
        # The event POST: staged reviews of the cases in service at the staff's institution, in turn.
        review_ids = [r[0] for r in conn.execute(
            "SELECT id FROM cases WHERE state = 'in_service' AND institution_id = %s ORDER BY id LIMIT 2000",
            (staff_inst,))]
        # The download: the 基本信息表 of a closed case (its data no longer changes), and for the first download one
        # that was never issued.
        closed = [r[0] for r in conn.execute(
            "SELECT id FROM cases c WHERE division_code = %s AND state IN ('closed', 'completed') AND NOT EXISTS "
            "(SELECT 1 FROM issued_documents d WHERE d.subject_type = 'case' AND d.subject_id = c.id) "
            "ORDER BY id DESC LIMIT 2", (env.COUNTY,))]
        version = one("SELECT version()")
        counts = {t: one(f"SELECT count(*) FROM {t}") for t in ("cases", "case_events", "audit_entries")}
    return {"page_case": page_case, "review_ids": review_ids, "download_case": closed[0],
            "first_download_case": closed[1], "pg_version": version, "counts": counts}


def targets(ids: dict) -> list[Target]:
    case = ids["page_case"]
    return [
        Target("tasks page `/cases/` (officer)", "/cases/", "cookie:officer", weight=10),
        Target("case list API `GET /api/v1/cases?per_page=50`", "/api/v1/cases?per_page=50", "token:officer", weight=5),
        Target("case page `/cases/<id>`", f"/cases/{case}", "cookie:officer", weight=10),
        Target("case API `GET /api/v1/cases/<id>`", f"/api/v1/cases/{case}", "token:officer", weight=4),
        Target("case history API `GET /api/v1/cases/<id>/history`", f"/api/v1/cases/{case}/history", "token:officer",
               weight=3),
        Target("`GET /api/v1/me`", "/api/v1/me", "token:officer", weight=2),
        Target("county dashboard `/stats/` (220102)", "/stats/", "cookie:county", weight=3, alone=True),
        Target("province dashboard `/stats/` (220000)", "/stats/", "cookie:province", weight=1, alone=True),
        Target("stats API `GET /api/v1/stats` (220102)", "/api/v1/stats", "token:county", weight=2, alone=True),
        Target("directory `/directory/`", "/directory/", "none", weight=3),
        Target("event POST `review` via `POST /api/v1/cases/<id>/events`", "/api/v1/cases/{id}/events", "token:staff",
               method="POST", ids=ids["review_ids"], weight=2,
               body={"event": "review", "assessment": {"risk_grade": 0, "plan": "压测：阶段性评估。"}}),
        Target("document download `/cases/<id>/documents/basic_file`",
               f"/cases/{ids['download_case']}/documents/basic_file", "cookie:officer", weight=1),
    ]


def headers_for(target: Target, creds: dict) -> dict[str, str]:
    kind, _, who = target.auth.partition(":")
    headers = {}
    if kind == "cookie":
        headers["Cookie"] = creds["cookies"][who]
    elif kind == "token":
        headers["Authorization"] = f"Bearer {creds['tokens'][who]}"
    if target.body is not None:
        headers["Content-Type"] = "application/json"
    return headers


def check(base: str, target: Target, creds: dict) -> None:
    path = target.path.replace("{id}", str(target.ids[-1])) if target.ids else target.path
    r = requests.request(target.method, base + path, headers=headers_for(target, creds),
                         data=json.dumps(target.body) if target.body is not None else None, allow_redirects=False)
    if r.status_code != 200:
        raise RuntimeError(f"{target.name}: {target.method} {path} answered {r.status_code} "
                           f"{r.headers.get('Location', '')} {r.text[:300]}")


# --- wrk ------------------------------------------------------------------------------------------------------------

LUA = r"""
local out = "%(out)s"
local method, body = "%(method)s", %(body)s
local paths = %(paths)s
local counter = 0
wrk.method = method
%(headers)s
if body ~= nil then wrk.body = body end

function setup(thread)
  thread:set("offset", math.random(#paths))
end

function request()
  counter = counter + 1
  local i = ((offset or 1) + counter) %% #paths + 1
  return wrk.format(method, paths[i], nil, body)
end

function done(summary, latency, requests)
  local f = io.open(out, "w")
  f:write(string.format('{"p50": %%f, "p95": %%f, "requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, '
    .. '"write": %%d, "status": %%d, "timeout": %%d}', latency:percentile(50), latency:percentile(95),
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  f:close()
end
"""


def _lua_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid Lua string literal for what we send


def wrk(base: str, target: Target, creds: dict, seconds: float, *, threads: int = 2, connections: int = 8) -> Result:
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-wrk-"))
    out = workdir / "result.json"
    paths = [target.path.replace("{id}", str(i)) for i in target.ids] if target.ids else [target.path]
    headers = "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in
                        headers_for(target, creds).items())
    script = workdir / "script.lua"
    script.write_text(LUA % {"out": out, "method": target.method,
                             "body": _lua_string(json.dumps(target.body, ensure_ascii=False)) if target.body else "nil",
                             "paths": "{" + ", ".join(_lua_string(p) for p in paths) + "}", "headers": headers})
    subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
                    "-s", str(script), base], check=True, capture_output=True, text=True)
    data = json.loads(out.read_text())
    shutil.rmtree(workdir, ignore_errors=True)
    rps = data["requests"] / (data["duration_us"] / 1e6) if data["duration_us"] else 0.0
    errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    return Result(target.name, data["p50"] / 1000, data["p95"] / 1000, rps, data["requests"], errors, data["status"])


def drain(base: str, path: str, limit: float = 120) -> None:
    """Wait until the workers are idle: after a slow target gunicorn still holds the requests wrk gave up on, and the
    trivial run after it would queue behind them."""
    deadline = time.time() + limit
    while time.time() < deadline:
        start = time.perf_counter()
        try:
            requests.get(base + path, timeout=limit)
        except requests.RequestException:
            pass
        if time.perf_counter() - start < 0.25:  # a queued page takes longer than this; the static file far less
            return
        time.sleep(0.2)


def trivial_target(base: str) -> Target:
    try:
        if requests.get(base + "/ping", timeout=5).status_code == 200:
            return Target("trivial `/ping`", "/ping")
    except requests.RequestException:
        pass
    return Target("trivial `/static/favicon.svg`", "/static/favicon.svg")


def first_download_ms(base: str, case_id: int, creds: dict) -> float:
    start = time.perf_counter()
    r = requests.get(f"{base}/cases/{case_id}/documents/basic_file", headers={"Cookie": creds["cookies"]["officer"]})
    took = (time.perf_counter() - start) * 1000
    if r.status_code != 200:
        raise RuntimeError(f"first download: {r.status_code}")
    return took


# --- py-spy (--profile) ----------------------------------------------------------------------------------------------

def start_profile(app: App, directory: str | None, target: Target, seconds: float):
    """py-spy samples both workers while wrk measures ``target`` (collapsed stacks, one file per target): where a
    request's time goes under load, Python and the C calls beneath it (--native is not needed for that)."""
    if not directory:
        return None
    Path(directory).mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", target.name.lower()).strip("-")[:60]
    out = str(Path(directory) / f"{name}.txt")
    return subprocess.Popen([str(BIN / "py-spy"), "record", "--subprocesses", "-p", str(app.gunicorn.pid), "-f", "raw",
                             "-r", "250", "-d", str(max(1, round(seconds))), "-o", out, "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarise_profile(path: str, top: int = 25) -> str:
    """The functions that hold the most samples, inclusive (a function counted once per stack), with the file: the
    first place to look."""
    inclusive: dict[str, int] = {}
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        if any("wait" in f and ("select" in f or "accept" in f) for f in frames[-2:]):
            continue  # an idle worker waiting for a connection
        total += n
        for frame in {f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0] for f in frames if " (" in f}:
            inclusive[frame] = inclusive.get(frame, 0) + n
    rows = sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]
    return f"[profile] {path}: {total} busy samples\n" + "\n".join(
        f"[profile]   {100 * n / max(total, 1):5.1f}%  {name}" for name, n in rows)


# --- locust -----------------------------------------------------------------------------------------------------------

def mixed(base: str, tlist: list[Target], creds: dict, seconds: int, users: int, wait: tuple[float, float]) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-locust-"))
    config = [{"name": t.name, "method": t.method, "paths": [t.path.replace("{id}", str(i)) for i in t.ids] or [t.path],
               "headers": headers_for(t, creds), "body": t.body, "weight": t.weight} for t in tlist]
    (workdir / "targets.json").write_text(json.dumps(config, ensure_ascii=False))
    environ = {**os.environ, "BENCH_LOCUST_TARGETS": str(workdir / "targets.json"),
               "BENCH_LOCUST_WAIT": f"{wait[0]},{wait[1]}"}
    proc = subprocess.run([str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(users),
                           "-r", str(max(1, users // 10)), "-t", f"{seconds}s", "--host", base, "--csv",
                           str(workdir / "mixed"), "--only-summary", "--stop-timeout", "30", "--loglevel", "WARNING"],
                          env=environ, capture_output=True, text=True)
    rows = list(csv.DictReader((workdir / "mixed_stats.csv").open()))
    failures = [dict(r) for r in csv.DictReader((workdir / "mixed_failures.csv").open())] \
        if (workdir / "mixed_failures.csv").exists() else []
    shutil.rmtree(workdir, ignore_errors=True)
    out = {"rows": [], "failures": failures, "returncode": proc.returncode}
    for row in rows:
        out["rows"].append({"name": row["Name"], "requests": int(row["Request Count"]),
                            "failures": int(row["Failure Count"]), "p50": float(row["50%"] or 0),
                            "p95": float(row["95%"] or 0), "rps": float(row["Requests/s"] or 0)})
    return out


# --- the run ------------------------------------------------------------------------------------------------------------

def run(*, seconds: float = 10, warmup: float = 2, mixed_seconds: int = 300, mixed_users: int = 100,
        mixed_wait: tuple[float, float] = (2.0, 8.0), task_worker: bool = True, only: str | None = None,
        profile: str | None = None) -> dict:
    subprocess.run(["redis-cli", "-u", env.redis_url(), "FLUSHDB"], check=False, capture_output=True)
    ids = pick_ids()
    report: dict = {"ids": ids, "results": [], "trivial": [], "seconds": seconds}
    with App(task_worker=task_worker) as app:
        base = app.url
        creds = {"cookies": {"officer": web_login(base, env.OFFICER), "county": web_login(base, env.COUNTY_OFFICIAL),
                             "province": web_login(base, env.PROVINCE_OFFICIAL, env.TOTP_SECRET)},
                 "tokens": {"officer": api_token(base, env.OFFICER), "county": api_token(base, env.COUNTY_OFFICIAL),
                            "staff": api_token(base, env.STAFF)}}
        trivial = trivial_target(base)
        report["trivial_name"] = trivial.name
        report["first_download_ms"] = first_download_ms(base, ids["first_download_case"], creds)
        tlist = [t for t in targets(ids) if not only or re.search(only, t.name)]
        for t in tlist:
            check(base, t, creds)
        print(f"[run] {len(tlist)} targets, {seconds:g} s each after {warmup:g} s of warm-up; trivial: {trivial.name}",
              flush=True)
        wrk(base, trivial, creds, warmup)
        before = wrk(base, trivial, creds, seconds)
        report["trivial"].append(before)
        for t in tlist:
            drain(base, trivial.path)
            wrk(base, t, creds, warmup)
            spy = start_profile(app, profile, t, seconds)
            result = wrk(base, t, creds, seconds)
            if spy:
                spy.wait(timeout=seconds + 60)
                print(summarise_profile(spy.args[spy.args.index("-o") + 1]), flush=True)
            drain(base, trivial.path)
            wrk(base, trivial, creds, warmup)
            after = wrk(base, trivial, creds, seconds)
            report["trivial"].append(after)
            result.trivial_rps = (before.rps + after.rps) / 2
            result.ratio = result.rps / result.trivial_rps if result.trivial_rps else None
            print(f"[run]   {t.name}: p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms, {result.rps:.1f} req/s, "
                  f"ratio {result.ratio or 0:.3f} (trivial {result.trivial_rps:.0f} req/s); errors {result.errors}, "
                  f"non-2xx {result.non2xx}", flush=True)
            report["results"].append(result)
            before = after
        report["rss_after_wrk"] = app.worker_rss_mb()
        report["alone"] = []
        for t in (t for t in tlist if t.alone):
            drain(base, trivial.path)
            wrk(base, t, creds, warmup, threads=1, connections=1)
            result = wrk(base, t, creds, seconds, threads=1, connections=1)
            print(f"[run]   alone (1 connection) {t.name}: p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms", flush=True)
            report["alone"].append(result)
        if mixed_seconds:
            print(f"[run] mixed load: {mixed_users} users, {mixed_seconds} s, think time {mixed_wait[0]:g}–"
                  f"{mixed_wait[1]:g} s", flush=True)
            report["mixed"] = mixed(base, tlist, creds, mixed_seconds, mixed_users, mixed_wait)
            report["mixed"].update(users=mixed_users, seconds=mixed_seconds, wait=mixed_wait)
            report["rss_after_mixed"] = app.worker_rss_mb()
    return report


def markdown(report: dict, title: str) -> str:
    lines = [f"### {title}", ""]
    c = report["ids"]["counts"]
    lines.append(f"Rows: {c['cases']:,} cases, {c['case_events']:,} history rows, {c['audit_entries']:,} audit rows. "
                 f"Trivial endpoint: {report['trivial_name']}; wrk 2 threads, 8 connections, "
                 f"{report['seconds']:g} s per target.")
    lines += ["", "| target | p50 ms | p95 ms | req/s | requests | ratio to trivial | trivial req/s | errors / non-2xx |",
              "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in report["results"]:
        lines.append(f"| {r.name} | {r.p50:.1f} | {r.p95:.1f} | {r.rps:.1f} | {r.requests} | "
                     f"{(r.ratio or 0):.3f} | {(r.trivial_rps or 0):.0f} | {r.errors} / {r.non2xx} |")
    if report.get("alone"):
        lines += ["", "One connection (the time one official waits for a dashboard, no queue in front of it):", "",
                  "| target | p50 ms | p95 ms | requests |", "|---|---:|---:|---:|"]
        lines += [f"| {r.name} | {r.p50:.1f} | {r.p95:.1f} | {r.requests} |" for r in report["alone"]]
    triv = report["trivial"]
    lines += ["", f"Trivial endpoint over the run: p50 {statistics.median(t.p50 for t in triv):.2f} ms, "
                  f"req/s min {min(t.rps for t in triv):.0f} / median {statistics.median(t.rps for t in triv):.0f} / "
                  f"max {max(t.rps for t in triv):.0f}.",
              f"First download of a document (render and store, one request): {report['first_download_ms']:.0f} ms.",
              "Worker RSS after the wrk targets: " + ", ".join(f"{m:.0f} MB" for m in report["rss_after_wrk"]) + "."]
    if "mixed" in report:
        m = report["mixed"]
        lines += ["", f"Mixed load (locust, {m['users']} users, think time {m['wait'][0]:g}–{m['wait'][1]:g} s, "
                      f"{m['seconds']} s):", "",
                  "| request | requests | failures | p50 ms | p95 ms | req/s |", "|---|---:|---:|---:|---:|---:|"]
        for row in m["rows"]:
            lines.append(f"| {row['name']} | {row['requests']} | {row['failures']} | {row['p50']:.0f} | "
                         f"{row['p95']:.0f} | {row['rps']:.1f} |")
        if m["failures"]:
            lines += ["", "Failures: " + "; ".join(f"{f.get('Name')}: {f.get('Error')} ×{f.get('Occurrences')}"
                                                 for f in m["failures"])]
        lines.append("")
        lines.append("Worker RSS after the mixed load: " + ", ".join(f"{x:.0f} MB" for x in
                                                                      report.get("rss_after_mixed", [])) + ".")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_run_arguments(parser)
    args = parser.parse_args(argv)
    report = run(**run_kwargs(args))
    print(markdown(report, f"{report['ids']['counts']['cases']:,} cases"))
    return 0


def add_run_arguments(parser) -> None:
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per target (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds per target (default 2)")
    parser.add_argument("--mixed-seconds", type=int, default=300, help="mixed locust load (default 300 s)")
    parser.add_argument("--mixed-users", type=int, default=100)
    parser.add_argument("--mixed-wait", type=float, nargs=2, default=(2.0, 8.0), metavar=("MIN", "MAX"),
                        help="think time of a simulated user between requests, seconds (default 2 8)")
    parser.add_argument("--no-mixed", action="store_true", help="skip the mixed load")
    parser.add_argument("--no-task-worker", action="store_true", help="do not start `flask tasks work`")
    parser.add_argument("--profile", metavar="DIR", help="py-spy both workers during each target; stacks into DIR")
    parser.add_argument("--only", help="measure only the targets whose name matches this regular expression")


def run_kwargs(args) -> dict:
    return {"seconds": args.seconds, "warmup": args.warmup, "mixed_seconds": 0 if args.no_mixed else args.mixed_seconds,
            "mixed_users": args.mixed_users, "mixed_wait": tuple(args.mixed_wait),
            "task_worker": not args.no_task_worker, "only": args.only, "profile": args.profile}


if __name__ == "__main__":
    sys.exit(main())
