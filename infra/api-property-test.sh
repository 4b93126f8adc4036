#!/usr/bin/env bash
# Property-based API test: schemathesis generates requests from the OpenAPI document that the
# local runner serves, once per role (agent, supervisor, admin), with every check on (no
# 5xx, documented status codes, content types and headers, response schemas, negative data
# rejected, positive data accepted, auth enforced...). Zero failures or it fails.
#
#   infra/api-property-test.sh                  ST_MAX_EXAMPLES (default 25) per operation
#   ST_MAX_EXAMPLES=200 infra/api-property-test.sh
#
# Needs the .venv from infra/requirements-dev.txt (infra/test.sh makes it).
set -euo pipefail
cd "$(dirname "$0")/.."

st=.venv/bin/schemathesis
if [ ! -x "$st" ]; then
  echo "api-property-test: no $st; run infra/test.sh once, or:" >&2
  echo "  python3 -m venv .venv && .venv/bin/pip install -r infra/requirements-dev.txt" >&2
  exit 1
fi
max_examples="${ST_MAX_EXAMPLES:-25}"
seed="${ST_SEED:-$RANDOM}"

cargo build --locked --bin turno
data="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port/api/v1"
TURNO_ADDR="127.0.0.1:$port" TURNO_DATA_DIR="$data" TURNO_JWT_SECRET="$(printf 'x%.0s' {1..40})" \
  RUST_LOG=warn target/debug/turno >"$data/turno.log" 2>&1 &
turno_pid=$!
cleanup() {
  kill "$turno_pid" 2>/dev/null || true
  wait "$turno_pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 100); do
  curl -fsS -o /dev/null "$base/openapi.json" 2>/dev/null && break
  kill -0 "$turno_pid" 2>/dev/null || { cat "$data/turno.log" >&2; exit 1; }
  sleep 0.1
done

token() {
  curl -fsS -X POST "$base/auth/dev-login" -H 'content-type: application/json' \
    -d "{\"agent_id\": \"$1\"}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

echo "api-property-test: seed $seed, $max_examples examples per operation"
failed=0
for who in ana:agent bruno:supervisor diego:admin; do
  agent="${who%%:*}"
  echo "api-property-test: as $agent (${who##*:})"
  # The SSE stream never ends, so a generated request to it would only time out.
  if ! "$st" run "$base/openapi.json" \
      --checks all --max-examples "$max_examples" --seed "$seed" --workers 1 \
      --request-timeout 10 --suppress-health-check too_slow,filter_too_much \
      --exclude-path /events/stream \
      -H "Authorization: Bearer $(token "$agent")"; then
    failed=1
  fi
done
if grep -q "panicked" "$data/turno.log"; then
  grep -B2 -A5 "panicked" "$data/turno.log" >&2
  failed=1
fi
exit "$failed"
