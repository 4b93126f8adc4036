#!/usr/bin/env bash
# Builds the fuzz targets in fuzz/ and runs each for a bounded time from its seed corpus.
# libFuzzer (libfuzzer-sys) on the stable toolchain: rustc's SanitizerCoverage codegen
# flags are stable, only cargo-fuzz's default AddressSanitizer needs nightly, and safe Rust
# gains little from it. Needs only cargo and a C++ compiler (libfuzzer-sys builds libFuzzer).
#
#   infra/fuzz.sh                 every target, FUZZ_SECONDS (default 60) each
#   infra/fuzz.sh api             one target
#   FUZZ_SECONDS=600 infra/fuzz.sh
#   FUZZ_SEED=1 FUZZ_RUNS=300000 infra/fuzz.sh
#                                 a fixed amount of work: that many inputs from a fixed seed
#                                 and a fresh scratch corpus (what infra/test.sh runs), still
#                                 bounded by FUZZ_SECONDS
#
# A crash fails the run; its input is kept in fuzz/artifacts/<target>/ to replay with
# `fuzz/target/<triple>/release/<target> <file>`.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
repeatable=()
if [ -n "${FUZZ_RUNS:-}" ]; then
  repeatable=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}")
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(webhook api)

if ! command -v c++ >/dev/null 2>&1; then
  echo "fuzz: libfuzzer-sys needs a C++ compiler; install one (apt-get install g++)" >&2
  exit 1
fi

host="$(rustc -vV | sed -n 's/^host: //p')"
# --target keeps these flags off build scripts and proc macros, which must not be
# instrumented (they would not link without libFuzzer).
export RUSTFLAGS="-Cpasses=sancov-module \
  -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
  -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares \
  --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
cargo build --manifest-path fuzz/Cargo.toml --locked --release --target "$host" --bins

failed=0
for t in "${targets[@]}"; do
  corpus="fuzz/target/corpus/$t"
  artifacts="fuzz/artifacts/$t"
  if [ ${#repeatable[@]} -gt 0 ]; then
    # A fixed amount of work from the committed seeds alone, not from earlier runs' finds.
    rm -rf "$corpus"
  fi
  mkdir -p "$corpus" "$artifacts"
  log="fuzz/target/$t.log"
  echo "fuzz: $t for ${seconds}s"
  # New inputs go to the scratch corpus under target/; the committed seeds are read only.
  if "fuzz/target/$host/release/$t" "$corpus" "fuzz/corpus/$t" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      "${repeatable[@]}" \
      -artifact_prefix="$artifacts/" >"$log" 2>&1; then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    secs="$(sed -n 's/.*Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")"
    echo "fuzz: $t ok: ${runs:-?} executions in ${secs:-$seconds}s, $(ls "$corpus" | wc -l) inputs in the corpus, no crash"
  else
    failed=1
    echo "fuzz: $t FAILED; the end of its log ($log):" >&2
    tail -n 40 "$log" >&2
    ls "$artifacts" >&2
  fi
done
exit "$failed"
