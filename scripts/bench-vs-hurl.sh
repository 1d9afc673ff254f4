#!/usr/bin/env bash
# Time the same N request+assert steps (default 1,000) run by samsvar and by hurl against
# the built-in FHIR simulator (`samsvar serve --sim fhir`), on this machine, in one run.
#
#   scripts/bench-vs-hurl.sh                 # build samsvar (release), generate, measure
#   STEPS=1000 RUNS=10 scripts/bench-vs-hurl.sh
#   SAMSVAR=/path/to/samsvar HURL=/path/to/hurl scripts/bench-vs-hurl.sh
#   KEEP=1 scripts/bench-vs-hurl.sh          # keep the generated suite and .hurl file
#
# Needs: cargo, curl; hurl (`cargo install hurl --version 8.0.1 --locked`, which needs
# libxml2-dev, libcurl4-openssl-dev, libclang-dev, pkg-config); hyperfine is used when
# installed, else a plain timing loop. Without hurl, samsvar alone is timed and the script
# says so.
#
# The steps cycle through four kinds, identical in both tools:
#   1. read      GET  Patient/bench-1        status 200, content type, resourceType, id
#   2. search    GET  Patient?family=…       status 200, Bundle type, total = 1
#   3. create    POST Observation            status 201, Location present, resourceType
#   4. metadata  GET  metadata               status 200, fhirVersion = 4.0.1
# Every step carries 2-4 assertions; both tools run the steps one after another on one
# kept-alive connection.
set -euo pipefail

STEPS=${STEPS:-1000}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/samsvar-bench.XXXXXX")
SERVE_PID=""

cleanup() {
    if [ -n "$SERVE_PID" ]; then
        kill -INT "$SERVE_PID" 2>/dev/null || true
        wait "$SERVE_PID" 2>/dev/null || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept generated files in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# --- tools -----------------------------------------------------------------------------

if [ -z "${SAMSVAR:-}" ]; then
    target_dir=${CARGO_TARGET_DIR:-$ROOT/target}
    echo "building samsvar (release) into $target_dir ..." >&2
    (cd "$ROOT" && cargo build --release -p samsvar --quiet)
    SAMSVAR=$target_dir/release/samsvar
fi
[ -x "$SAMSVAR" ] || { echo "error: samsvar binary not found at $SAMSVAR" >&2; exit 2; }

if [ -z "${HURL:-}" ]; then
    HURL=$(command -v hurl || true)
    [ -n "$HURL" ] || [ ! -x "$HOME/.cargo/bin/hurl" ] || HURL=$HOME/.cargo/bin/hurl
fi
if [ -n "$HURL" ] && [ ! -x "$HURL" ]; then HURL=""; fi
if [ -z "$HURL" ]; then
    echo "note: hurl not found (install: cargo install hurl --version 8.0.1 --locked); timing samsvar alone" >&2
fi
HYPERFINE=$(command -v hyperfine || true)

# --- simulator -------------------------------------------------------------------------

"$SAMSVAR" serve --sim fhir --addr 127.0.0.1:0 2>"$WORK/serve.log" &
SERVE_PID=$!
BASE=""
for _ in $(seq 1 100); do
    BASE=$(sed -n 's/^samsvar-sim fhir listening on //p' "$WORK/serve.log" | head -n1)
    [ -n "$BASE" ] && break
    sleep 0.1
done
[ -n "$BASE" ] || { echo "error: the simulator did not start:" >&2; cat "$WORK/serve.log" >&2; exit 2; }
echo "simulator: $BASE" >&2

# The resources the read and search steps expect.
curl -fsS -X PUT "$BASE/Patient/bench-1" -H 'Content-Type: application/fhir+json' \
    -d '{"resourceType":"Patient","id":"bench-1","name":[{"family":"Benchmark","given":["Kari"]}]}' \
    -o /dev/null

# --- generate the two equivalent inputs ------------------------------------------------

HURL_FILE=$WORK/bench.hurl
SUITE_DIR=$WORK/bench-suite
mkdir -p "$SUITE_DIR"
SUITE_FILE=$SUITE_DIR/suite.yaml

{
    cat <<EOF
suite:
  id: bench-$STEPS
  version: "1.0.0"
  title: $STEPS request+assert steps against the FHIR simulator
  ehds:
    component: interoperability
  verifies: [BENCH]
targets:
  fhir:
    kind: fhir
    description: The FHIR simulator.
tests:
  - id: bench
    title: $STEPS steps
    steps:
EOF
    : >"$HURL_FILE"
    for i in $(seq 0 $((STEPS - 1))); do
        case $((i % 4)) in
        0)
            cat <<'EOF'
      - request: GET {{fhir}}/Patient/bench-1
        assert:
          - status: 200
          - content_type: application/fhir+json
          - fhirpath: "resourceType = 'Patient'"
          - fhirpath: { expr: id, equals: bench-1 }
EOF
            cat >>"$HURL_FILE" <<'EOF'
GET {{base}}/Patient/bench-1
HTTP 200
[Asserts]
header "Content-Type" contains "application/fhir+json"
jsonpath "$.resourceType" == "Patient"
jsonpath "$.id" == "bench-1"

EOF
            ;;
        1)
            cat <<'EOF'
      - request: GET {{fhir}}/Patient?family=Benchmark
        assert:
          - status: 200
          - fhirpath: "type = 'searchset'"
          - fhirpath: { expr: total, equals: "1" }
EOF
            cat >>"$HURL_FILE" <<'EOF'
GET {{base}}/Patient?family=Benchmark
HTTP 200
[Asserts]
jsonpath "$.type" == "searchset"
jsonpath "$.total" == 1

EOF
            ;;
        2)
            cat <<'EOF'
      - request:
          method: POST
          url: "{{fhir}}/Observation"
          headers: { Content-Type: application/fhir+json }
          json: { resourceType: Observation, status: final, code: { text: bench } }
        assert:
          - status: 201
          - header: { name: Location }
          - fhirpath: "resourceType = 'Observation'"
EOF
            cat >>"$HURL_FILE" <<'EOF'
POST {{base}}/Observation
Content-Type: application/fhir+json
{"resourceType":"Observation","status":"final","code":{"text":"bench"}}
HTTP 201
[Asserts]
header "Location" exists
jsonpath "$.resourceType" == "Observation"

EOF
            ;;
        3)
            cat <<'EOF'
      - request: GET {{fhir}}/metadata
        assert:
          - status: 200
          - fhirpath: { expr: fhirVersion, equals: "4.0.1" }
EOF
            cat >>"$HURL_FILE" <<'EOF'
GET {{base}}/metadata
HTTP 200
[Asserts]
jsonpath "$.fhirVersion" == "4.0.1"

EOF
            ;;
        esac
    done
} >"$SUITE_FILE"

SAMSVAR_CMD="$SAMSVAR run $SUITE_DIR --target fhir=$BASE --out $WORK/reports --format json"
HURL_CMD="$HURL --test --variable base=$BASE $HURL_FILE"

# --- check both pass once (a benchmark of failing runs would be meaningless) ------------

echo "checking the samsvar suite passes ..." >&2
if ! $SAMSVAR_CMD >"$WORK/samsvar-check.log" 2>&1; then
    echo "error: the samsvar run did not pass; see below" >&2
    tail -n 40 "$WORK/samsvar-check.log" >&2
    exit 1
fi
if [ -n "$HURL" ]; then
    echo "checking the hurl file passes ..." >&2
    if ! $HURL_CMD >"$WORK/hurl-check.log" 2>&1; then
        echo "error: the hurl run did not pass; see below" >&2
        tail -n 40 "$WORK/hurl-check.log" >&2
        exit 1
    fi
fi

# --- measure ---------------------------------------------------------------------------

echo "machine: $(nproc) cores, $(uname -srm); samsvar $("$SAMSVAR" --version | awk '{print $2}')${HURL:+; $("$HURL" --version | head -n1)}" >&2
echo "steps: $STEPS per run; runs: $RUNS (+$WARMUP warm-up)" >&2

if [ -n "$HYPERFINE" ]; then
    args=(--warmup "$WARMUP" --runs "$RUNS" --export-markdown "$WORK/result.md" -n samsvar "$SAMSVAR_CMD")
    [ -n "$HURL" ] && args+=(-n hurl "$HURL_CMD")
    "$HYPERFINE" "${args[@]}"
    echo
    cat "$WORK/result.md"
else
    measure() {
        local name=$1 cmd=$2 start end
        for _ in $(seq 1 "$WARMUP"); do $cmd >/dev/null 2>&1; done
        start=$(date +%s.%N)
        for _ in $(seq 1 "$RUNS"); do $cmd >/dev/null 2>&1; done
        end=$(date +%s.%N)
        awk -v n="$name" -v s="$start" -v e="$end" -v r="$RUNS" -v k="$STEPS" \
            'BEGIN { m = (e - s) / r; printf "%-8s mean %.3f s per run, %.0f steps/s\n", n, m, k / m }'
    }
    measure samsvar "$SAMSVAR_CMD"
    [ -n "$HURL" ] && measure hurl "$HURL_CMD"
fi
