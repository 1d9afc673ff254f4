#!/usr/bin/env bash
# Runs @medplum/fhir-router over its MemoryRepository behind scripts/interop/medplum/server.js
# on loopback for samsvar's interoperability runs. Base URL http://127.0.0.1:N/fhir/R4
# (Medplum's own base path), FHIR R4 JSON, no authentication.
#
#   scripts/interop/start-medplum.sh [--port N]    start, print base=…, ready
#   scripts/interop/start-medplum.sh --install | --check
#
# The exact package versions are pinned in scripts/interop/medplum/package-lock.json and
# installed with `npm ci` into target/interop/medplum.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SOURCE="$INTEROP_ROOT/scripts/interop/medplum"
PREFIX="$INTEROP_CACHE/medplum"
STAMP="$PREFIX/.samsvar-lock.sha256"
# @medplum/fhir-router 4.5.2 declares node ^20.19.0 || >=22.12.0.
MIN_NODE=20.19.0

wanted_stamp() {
  cat "$SOURCE/package.json" "$SOURCE/package-lock.json" | sha256sum | cut -d' ' -f1
}

installed() {
  [ -d "$PREFIX/node_modules/@medplum/fhir-router" ] && [ -f "$STAMP" ] &&
    [ "$(cat "$STAMP")" = "$(wanted_stamp)" ]
}

node_new_enough() {
  command -v node >/dev/null || return 1
  node -e '
    const want = process.argv[1].split(".").map(Number);
    const have = process.versions.node.split(".").map(Number);
    for (let i = 0; i < 3; i++) {
      if (have[i] !== want[i]) process.exit(have[i] > want[i] ? 0 : 1);
    }' "$MIN_NODE"
}

install() {
  if installed; then
    return 0
  fi
  command -v npm >/dev/null || { interop_log "npm is needed to install the Medplum router"; exit 1; }
  interop_log "installing the Medplum router into $PREFIX (npm ci)"
  rm -rf "$PREFIX"
  mkdir -p "$PREFIX"
  cp "$SOURCE/package.json" "$SOURCE/package-lock.json" "$PREFIX/"
  (cd "$PREFIX" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  wanted_stamp >"$STAMP"
}

check() {
  if ! node_new_enough; then
    echo "Node.js $MIN_NODE or newer is needed (found: $(node --version 2>/dev/null || echo none))" >&2
    exit "$NOT_INSTALLED"
  fi
  interop_check_installed "the Medplum router" "$PREFIX"
}

start() {
  local port=$1
  [ $# -eq 1 ] || { interop_log "unknown argument $2"; exit 2; }
  check
  local dir
  dir="$(interop_state_dir medplum)"
  interop_track "$dir"
  : >"$dir/server.log"
  NODE_PATH="$PREFIX/node_modules" node "$SOURCE/server.js" --host 127.0.0.1 --port "${port:-0}" \
    >"$dir/server.log" 2>&1 &
  local pid=$!
  INTEROP_SERVER_PID=$pid
  # server.js prints its base URL once it listens (port 0 lets the kernel pick a free one).
  local base="" waited=0
  while [ -z "$base" ] && ((waited < 600)); do
    kill -0 "$pid" 2>/dev/null || interop_fail_with_log "$dir/server.log"
    base="$(sed -n 's/^medplum fhir-router listening on //p' "$dir/server.log")"
    [ -n "$base" ] || { sleep 0.1; waited=$((waited + 1)); }
  done
  [ -n "$base" ] || interop_fail_with_log "$dir/server.log"
  interop_wait_for_metadata "$base" "$pid" 30 || interop_fail_with_log "$dir/server.log"
  echo "base=$base"
  echo "ready"
  interop_serve_until_stopped
}

interop_main "$@"
