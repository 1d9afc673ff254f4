#!/usr/bin/env bash
# Installs every third-party server the interoperability tests run (crates/samsvar/tests/
# interop_servers.rs) into target/interop, and says how long each took. Run by .ci/run.
set -euo pipefail
dir="$(dirname "${BASH_SOURCE[0]}")"
for script in start-sekmet.sh start-medplum.sh; do
  started=$SECONDS
  bash "$dir/$script" --install
  bash "$dir/$script" --check
  echo "$script: installed in $((SECONDS - started)) s"
done
