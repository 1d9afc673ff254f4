#!/usr/bin/env bash
# Runs sekmet-fhir (PyPI) on loopback for samsvar's interoperability runs.
#
#   scripts/interop/start-sekmet.sh [--secure] [--port N]   start, print base=…, ready
#   scripts/interop/start-sekmet.sh --install | --check
#
# Plain mode: http://127.0.0.1:N/fhir, no authentication, the built-in workflow simulator
# off (`simulator.enabled: false`, so that nothing but the requests samsvar sends changes the
# store). --secure: https with a throw-away CA made here, SMART Backend Services only
# (`server_auth.types: [smart]`) with one confidential client whose secret is generated per
# start and kept in a file; it also prints config=<samsvar.toml> for `samsvar run --config`.
# Every other setting is sekmet's default (sekmet/config.py in the installed package).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REQUIREMENTS="$INTEROP_ROOT/scripts/interop/sekmet/requirements.txt"
VENV="$INTEROP_CACHE/sekmet-venv"
STAMP="$VENV/.samsvar-requirements.sha256"

wanted_stamp() {
  sha256sum "$REQUIREMENTS" | cut -d' ' -f1
}

installed() {
  [ -x "$VENV/bin/sekmet" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(wanted_stamp)" ]
}

install() {
  if installed; then
    return 0
  fi
  command -v python3 >/dev/null || { interop_log "python3 is needed to install sekmet-fhir"; exit 1; }
  interop_log "installing sekmet-fhir into $VENV"
  rm -rf "$VENV"
  mkdir -p "$INTEROP_CACHE"
  python3 -m venv "$VENV"
  # The list is a complete pip freeze, so the resolver has nothing to do (--no-deps);
  # Python compiles the modules on first import (--no-compile): both halve the install.
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input --no-deps --no-compile \
    -r "$REQUIREMENTS"
  wanted_stamp >"$STAMP"
}

check() {
  interop_check_installed sekmet-fhir "$VENV"
}

# A CA and a server certificate for 127.0.0.1, valid for two days, in $1.
make_certificates() {
  local dir=$1
  command -v openssl >/dev/null || { interop_log "openssl is needed for --secure"; exit 1; }
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=samsvar interop test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
  chmod 600 "$dir/ca.key" "$dir/server.key"
}

write_settings() {
  local dir=$1 base=$2 secure=$3
  {
    echo "base_url: $base"
    echo "host: 127.0.0.1"
    echo "data_dir: $dir/data"
    echo "own_private_key_path: $dir/keys/sekmet_private.pem"
    echo "simulator:"
    echo "  enabled: false"
    if [ "$secure" = 1 ]; then
      echo "tls_certfile: $dir/server.pem"
      echo "tls_keyfile: $dir/server.key"
      echo "server_auth:"
      echo "  types: [smart]"
      echo "  smart_clients:"
      echo "    - client_id: samsvar-interop"
      echo "      client_secret: $(cat "$dir/client-secret")"
      echo "      scopes: system/Patient.rs system/Observation.rs"
    fi
  } >"$dir/settings.yaml"
  chmod 600 "$dir/settings.yaml"
}

# The samsvar.toml that reaches the secure server: discovery, the client secret by file,
# the throw-away CA.
write_samsvar_config() {
  local dir=$1 base=$2
  cat >"$dir/samsvar.toml" <<TOML
[targets.fhir]
url = "$base"

[targets.fhir.auth]
type = "client_credentials"
client_id = "samsvar-interop"
client_secret = { file = "$dir/client-secret" }
discover = true
scope = "system/Patient.rs"

[targets.fhir.tls]
ca_file = "$dir/ca.pem"
TOML
}

start() {
  local port=$1 secure=0
  shift
  [ $# -le 1 ] || { interop_log "unknown argument $2"; exit 2; }
  case "${1:-}" in
    "") ;;
    --secure) secure=1 ;;
    *) interop_log "unknown argument $1"; exit 2 ;;
  esac
  check
  local dir scheme=http curl_tls=() attempt base
  dir="$(interop_state_dir sekmet)"
  interop_track "$dir"
  if [ "$secure" = 1 ]; then
    scheme=https
    make_certificates "$dir"
    (umask 077 && openssl rand -hex 24 >"$dir/client-secret")
    curl_tls=(--cacert "$dir/ca.pem")
  fi
  # A free port can be taken by someone else before sekmet binds it; then another server may
  # answer on it, so readiness also needs sekmet's own "running on" line. Three tries.
  for attempt in 1 2 3; do
    local try_port=${port:-$(interop_free_port)}
    base="$scheme://127.0.0.1:$try_port/fhir"
    write_settings "$dir" "$base" "$secure"
    # sekmet writes its database, keys and reports relative to its working folder.
    (cd "$dir" && exec "$VENV/bin/sekmet" serve -c "$dir/settings.yaml" --host 127.0.0.1 --port "$try_port") \
      >"$dir/server.log" 2>&1 &
    INTEROP_SERVER_PID=$!
    if interop_wait_for_metadata "$base" "$INTEROP_SERVER_PID" 90 "${curl_tls[@]}" &&
      grep -q "Uvicorn running on $scheme://127.0.0.1:$try_port " "$dir/server.log"; then
      break
    fi
    kill -TERM "$INTEROP_SERVER_PID" 2>/dev/null || true
    wait "$INTEROP_SERVER_PID" 2>/dev/null || true
    if [ -n "$port" ] || [ "$attempt" = 3 ]; then
      interop_fail_with_log "$dir/server.log"
    fi
    interop_log "port $try_port did not work out; trying another"
  done
  echo "base=$base"
  if [ "$secure" = 1 ]; then
    write_samsvar_config "$dir" "$base"
    echo "config=$dir/samsvar.toml"
  fi
  echo "ready"
  interop_serve_until_stopped
}

interop_main "$@"
