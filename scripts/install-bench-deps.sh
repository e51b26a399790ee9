#!/usr/bin/env bash
# What the issue-14 benchmark needs beyond the app (bench/scale/README.md), installed only when missing (root or
# sudo needed the first time):
# - wrk: the HTTP load generator of the per-target figures (Debian package);
# - redis-server: the task queue and the rate limits of the production-like app under test (often there already);
# - the Python side (locust, py-spy; gunicorn is a dependency of the app): the `bench` extra of pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

wanted=(wrk)
# A Redis already listening (another package, a container) will do.
if ! { command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; }; then
  wanted+=(redis-server)
fi
./scripts/install-system-deps.sh "${wanted[@]}"

VENV=${VENV:-.venv}
if [ -x "$VENV/bin/pip" ] && { ! "$VENV/bin/python" -c "import locust, gunicorn" 2>/dev/null || [ ! -x "$VENV/bin/py-spy" ]; }; then
  "$VENV/bin/pip" install --quiet -c requirements.lock -e '.[bench]'
fi
