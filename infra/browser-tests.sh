#!/usr/bin/env bash
# Browser tests of the agent console: builds the local runner, installs playwright-core (pinned
# in tests/browser/package-lock.json) and Debian's chromium if missing, and runs the tests
# headless. `TURNO_SCREENSHOTS=1` also rewrites docs/screenshots/*.png.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "chromium is missing: installing it with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: $CHROMIUM is missing. Install Debian's chromium (sudo apt-get install -y chromium)" >&2
    echo "       or set CHROMIUM_PATH to a Chromium binary, then run ./infra/browser-tests.sh again." >&2
    exit 1
  fi
fi
if ! command -v npm >/dev/null; then
  echo "error: npm is missing; the browser tests need Node.js 18 or newer with npm." >&2
  exit 1
fi

cargo build --bin turno --locked
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && npm test)
