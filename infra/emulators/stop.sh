#!/usr/bin/env bash
# Stops the emulators infra/emulators/start.sh started (by their pid files). Idempotent.
set -euo pipefail
state="$(cd "$(dirname "$0")/../.." && pwd)/.turno-emulators"
for name in dynamodb moto; do
  pidfile="$state/$name.pid"
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$pidfile"
done
rm -f "$state/env"
