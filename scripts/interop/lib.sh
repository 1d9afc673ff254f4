# Shared by the start-*.sh scripts: where things are installed, how a server is waited for
# and how it is stopped. Sourced, not run.
#
# Contract of every start-*.sh script (crates/samsvar/tests/interop_servers.rs relies on it):
#   --install   install into the cache if needed, then exit 0
#   --check     exit 0 when installed and runnable; else print why on stderr and exit 3
#   (default)   start the server on a free loopback port, wait until [base]/metadata answers,
#               print `base=<URL>` (and `config=<samsvar.toml>` where the server needs one),
#               then `ready`, and stay in the foreground until SIGTERM or SIGINT, which stop
#               the server cleanly.

interop_repo_root() {
  cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd
}

INTEROP_ROOT="$(interop_repo_root)"
INTEROP_CACHE="${SAMSVAR_INTEROP_CACHE:-$INTEROP_ROOT/target/interop}"
NOT_INSTALLED=3

interop_log() {
  printf '%s: %s\n' "$(basename "$0")" "$*" >&2
}

# interop_check_installed WHAT WHERE: exits 3 with a hint unless the calling script's
# `installed` says yes and curl (to wait for the server) is there.
interop_check_installed() {
  if ! installed; then
    echo "$1 is not installed in $2 (run scripts/interop/$(basename "$0") --install)" >&2
    exit "$NOT_INSTALLED"
  fi
  command -v curl >/dev/null || { echo "curl is needed to wait for the server" >&2; exit "$NOT_INSTALLED"; }
}

# A fresh folder for one server's state (configuration, database, log, certificates).
interop_state_dir() {
  mkdir -p "$INTEROP_CACHE/run"
  mktemp -d "$INTEROP_CACHE/run/$1.XXXXXX"
}

# Asks the kernel for a free loopback port. Another process may take it before the server
# binds it; the start scripts therefore check that their own server answers.
interop_free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# interop_wait_for_metadata BASE PID SECONDS [curl options…]
# Polls BASE/metadata until it answers 200, the server process PID exits, or SECONDS pass.
interop_wait_for_metadata() {
  local base=$1 pid=$2 seconds=$3
  shift 3
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      interop_log "the server exited before $base/metadata answered"
      return 1
    fi
    if curl -fsS -o /dev/null --max-time 5 "$@" "$base/metadata" 2>/dev/null; then
      return 0
    fi
    sleep 0.3
  done
  interop_log "$base/metadata did not answer within ${seconds}s"
  return 1
}

# interop_track STATE_DIR: from now on, leaving the script (however) stops the server
# recorded in INTEROP_SERVER_PID and removes STATE_DIR unless SAMSVAR_INTEROP_KEEP=1.
interop_track() {
  INTEROP_STATE=$1
  INTEROP_SERVER_PID=""
  trap interop_cleanup EXIT
  trap interop_stop TERM INT HUP
}

# interop_serve_until_stopped: waits in the foreground for SIGTERM/SIGINT (interop_stop then
# stops the server process this script started, by its id) or for the server's own exit.
interop_serve_until_stopped() {
  wait "$INTEROP_SERVER_PID"
}

interop_stop() {
  if [ -n "${INTEROP_SERVER_PID:-}" ] && kill -0 "$INTEROP_SERVER_PID" 2>/dev/null; then
    kill -TERM "$INTEROP_SERVER_PID" 2>/dev/null || true
    local waited=0
    while kill -0 "$INTEROP_SERVER_PID" 2>/dev/null && ((waited < 50)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    kill -KILL "$INTEROP_SERVER_PID" 2>/dev/null || true
  fi
  exit 0
}

interop_cleanup() {
  if [ -n "${INTEROP_SERVER_PID:-}" ]; then
    kill -TERM "$INTEROP_SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "${INTEROP_STATE:-}" ] && [ "${SAMSVAR_INTEROP_KEEP:-0}" != 1 ]; then
    rm -rf "$INTEROP_STATE"
  fi
}

# Prints the last lines of the server log when it failed to come up.
interop_fail_with_log() {
  local log=$1
  interop_log "last lines of $log:"
  tail -n 30 "$log" >&2 || true
  exit 1
}

# interop_main ARGS…: the command line every start script shares. --install and --check call
# the script's `install` and `check`; otherwise it installs if needed and calls
# `start PORT [ARGS…]` with --port's value (empty: a free one) and every other argument.
interop_main() {
  local mode=start port="" extra=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --install) mode=install ;;
      --check) mode=check ;;
      --port) port=${2:?--port needs a number}; shift ;;
      *) extra+=("$1") ;;
    esac
    shift
  done
  case "$mode" in
    install) install ;;
    check) check ;;
    start)
      install
      start "$port" "${extra[@]}"
      ;;
  esac
}
