#!/usr/bin/env bash
# System packages the project needs on Debian/Ubuntu, installed only when missing (root or sudo needed the
# first time):
# - chromium: the browser tests (driven by Playwright's Python package; Playwright's own browser download
#   does not work offline);
# - Pango, fontconfig and HarfBuzz-Subset for WeasyPrint's PDFs (without libharfbuzz-subset0 a Chinese PDF
#   takes ~8 s instead of ~0.25 s). The CJK font itself comes from a pinned wheel, not from the system.
# With arguments, those packages instead (scripts/install-bench-deps.sh).
set -euo pipefail

if [ $# -gt 0 ]; then
  wanted=("$@")
else
  wanted=(chromium libpango-1.0-0 libpangoft2-1.0-0 fontconfig libharfbuzz-subset0)
fi
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

[ ${#missing[@]} -eq 0 ] && exit 0

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
