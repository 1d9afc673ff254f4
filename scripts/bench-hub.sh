#!/usr/bin/env bash
# Hub benchmarks (docs/benchmarks.md, "Hub"): the scoreboard for 200 systems x 50 suites
# with 10,000 stored runs (SQLite and PostgreSQL), 1,000 bundle uploads, and N workers on
# PostgreSQL draining queued simulator runs (1 vs 4).
#
#   PROFILE=release|dev   build profile (default release)
#   RUNS=500              simulator runs to drain
#   UPLOADS=1000          bundle uploads
#   WORKERS="1 4"         worker counts to compare
#   CARGO_TARGET_DIR      where cargo builds (default ./target)
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-release}
RUNS=${RUNS:-500}
UPLOADS=${UPLOADS:-1000}
WORKERS=${WORKERS:-"1 4"}
flag=$([ "$PROFILE" = release ] && echo --release || echo)
dir=$([ "$PROFILE" = release ] && echo release || echo debug)

cargo build $flag -p samsvar -p samsvar-hub --example hub_bench
target=${CARGO_TARGET_DIR:-$PWD/target}
samsvar="$target/$dir/samsvar"
bench="$target/$dir/examples/hub_bench"
work=$(mktemp -d)
chmod 755 "$work"

pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work/pg"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$pg_bin/initdb" -D "$work/pg" -U hub -A trust -E UTF8 --no-sync >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w -o "-p $port -c listen_addresses=127.0.0.1 -k $work/pg" start >/dev/null
trap 'as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null; rm -rf "$work"' EXIT
pg() { as_pg "$pg_bin/dropdb" --if-exists -h 127.0.0.1 -p "$port" -U hub "$1" >/dev/null; as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U hub "$1"; echo "postgres://hub@127.0.0.1:$port/$1"; }

echo "== scoreboard, SQLite"
"$bench" scoreboard --db "sqlite://$work/scoreboard.db"
echo "== scoreboard, PostgreSQL"
"$bench" scoreboard --db "$(pg scoreboard)"

echo "== $UPLOADS bundle uploads"
"$samsvar" keygen --out "$work/vendor.pem" >/dev/null
"$samsvar" run testsuites/fhir-rest-basics --target sim --sign-key "$work/vendor.pem" --format json --out "$work/reports" >/dev/null
bundle=$(ls -d "$work"/reports/*/)
"$bench" uploads "$bundle" "$work/vendor.pub.pem" --count "$UPLOADS" --db "sqlite://$work/uploads.db"
"$bench" uploads "$bundle" "$work/vendor.pub.pem" --count "$UPLOADS" --db "$(pg uploads)"

for n in $WORKERS; do
  echo "== $n worker(s) draining $RUNS simulator runs on PostgreSQL"
  "$bench" drain --db "$(pg "drain$n")" --exe "$samsvar" --workers "$n" --runs "$RUNS"
done
