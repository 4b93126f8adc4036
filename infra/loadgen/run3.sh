#!/usr/bin/env bash
# Runs a load scenario three times (RUNS=n for another count), each in a fresh process, and
# prints each figure's min, median and max, with the machine's load average before each run.
#
#   cargo build --profile measure -p turno-loadgen
#   infra/loadgen/run3.sh --customers 10000
#   infra/loadgen/run3.sh --mode sustained --rate 2000 --status-ratio 3 --duration 60s
#
# LOADGEN_BIN picks the binary (default target/measure/turno-loadgen).
set -euo pipefail
bin=${LOADGEN_BIN:-target/measure/turno-loadgen}
runs=${RUNS:-3}
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for i in $(seq "$runs"); do
    echo "run $i/$runs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    "$bin" "$@" --json | tail -n 1 | tee -a "$results" >&2
done
python3 - "$results" <<'PY'
import json, statistics, sys

runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print(f"{len(runs)} runs of mode {runs[0].get('mode')}")
print(f"{'figure':<28} {'min':>12} {'median':>12} {'max':>12}")
for key, first in runs[0].items():
    if not isinstance(first, (int, float)) or isinstance(first, bool):
        continue
    values = sorted(r[key] for r in runs if isinstance(r.get(key), (int, float)))
    if not values:
        continue
    fmt = lambda v: f"{v:,.1f}" if isinstance(v, float) else f"{v:,}"
    print(f"{key:<28} {fmt(values[0]):>12} {fmt(statistics.median(values)):>12} {fmt(values[-1]):>12}")
PY
