#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers of untrusted input with AFL++ (cargo-afl): the
# suite loader, the FHIR JSON reader and validator, the XDS XML/SOAP readers and rules, and
# the MTOM decoder (fuzz/src/bin/). Prints, per target, executions per second, the corpus
# AFL built, and the crashes and hangs it saved (none is the pass). docs/robustness.md.
#
#   scripts/fuzz-afl.sh                       # 60 s per target, all four
#   scripts/fuzz-afl.sh 600 fhir_json         # ten minutes on one target
#   SAVE=1 scripts/fuzz-afl.sh                # also keep what found new coverage in fuzz/corpus/<target>/
#
# Needs cargo-afl once: `cargo install cargo-afl --locked && cargo afl config --build`.
# Seeds: crates/samsvar/tests/fuzz_corpus/<reader>/ (the property-based fuzzers' seeds,
# which CI runs) and fuzz/corpus/<target>/ (what earlier campaigns found). A crash is in
# target/afl/<target>/default/crashes/: reproduce it with
# `fuzz/target/release/<target> < FILE`, fix it, and add the file to the seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=${*:-suite fhir_json xds_xml mtom}
out=${OUT:-target/afl}

command -v cargo-afl >/dev/null || {
    echo "error: cargo-afl is not installed (cargo install cargo-afl --locked && cargo afl config --build)" >&2
    exit 2
}
(cd fuzz && cargo afl build --release --locked --quiet)

seeds_of() {
    case "$1" in
        suite) echo suite ;;
        fhir_json) echo fhir-json ;;
        xds_xml) echo xds-xml ;;
        mtom) echo mtom ;;
        *) echo "error: unknown target $1" >&2; exit 2 ;;
    esac
}

# AFL's environment checks that do not apply to a short campaign on a shared VM.
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_QUIET=1

status=0
for t in $targets; do
    in="$out/$t-seeds"
    rm -rf "$in" "$out/$t"
    mkdir -p "$in"
    cp "crates/samsvar/tests/fuzz_corpus/$(seeds_of "$t")"/* "$in/"
    if [ -d "fuzz/corpus/$t" ]; then cp fuzz/corpus/"$t"/* "$in/"; fi
    cargo afl fuzz -V "$secs" -i "$in" -o "$out/$t" "fuzz/target/release/$t" >"$out/$t.log" 2>&1 || {
        echo "error: afl-fuzz failed on $t; see $out/$t.log" >&2
        status=1
        continue
    }
    stats="$out/$t/default/fuzzer_stats"
    get() { sed -n "s/^$1 *: //p" "$stats"; }
    crashes=$(get saved_crashes)
    hangs=$(get saved_hangs)
    printf '%-10s %6s s  %8s execs/s  %7s execs  corpus %5s  crashes %s  hangs %s\n' \
        "$t" "$(get run_time)" "$(get execs_per_sec)" "$(get execs_done)" \
        "$(get corpus_count)" "$crashes" "$hangs"
    if [ "$crashes" != 0 ] || [ "$hangs" != 0 ]; then status=1; fi
    if [ "${SAVE:-0}" = 1 ]; then
        # What is committed stays small: the queue entries that found new coverage, up to
        # 16 KiB each, the 50 smallest. AFL's names carry ':' and ','; keep them portable.
        rm -rf "fuzz/corpus/$t"
        mkdir -p "fuzz/corpus/$t"
        find "$out/$t/default/queue" -maxdepth 1 -type f -name 'id:*+cov*' -size -16385c -printf '%s %p\n' |
            sort -n | head -n 50 | while read -r _ f; do
                cp "$f" "fuzz/corpus/$t/$(basename "$f" | tr ':,' '__')"
            done
    fi
done
exit $status
