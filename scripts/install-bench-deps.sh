#!/usr/bin/env bash
# What the issue-14 benchmark needs beyond the app (bench/scale/README.md), installed only when missing (root or
# sudo needed the first time):
# - wrk: the HTTP load generator of the per-target figures (Debian package);
# - redis-server: the task queue and the rate limits of the production-like app under test (often there already);
# - the Python side (gunicorn, locust): the `bench` extra of pyproject.toml, into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

wanted=(wrk redis-server)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# A Redis already listening (another package, a container) will do.
if [ ${#missing[@]} -gt 0 ] && command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  missing=("${missing[@]/redis-server}")
  missing=(${missing[@]})
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
  elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "Missing system packages: ${missing[*]}. Install them as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

VENV=${VENV:-.venv}
if [ -x "$VENV/bin/pip" ] && { ! "$VENV/bin/python" -c "import locust, gunicorn" 2>/dev/null || [ ! -x "$VENV/bin/py-spy" ]; }; then
  "$VENV/bin/pip" install --quiet -c requirements.lock -e '.[bench]'
fi
