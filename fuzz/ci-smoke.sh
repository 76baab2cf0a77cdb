#!/usr/bin/env bash
# CI smoke test of the fuzz targets: builds them and runs each for a few
# seconds (FUZZ_SMOKE_SECONDS, default 10) from the committed seeds only.
#   bash fuzz/ci-smoke.sh
# It needs nothing beyond the stable toolchain, a C++ compiler (libFuzzer is
# built from the libfuzzer-sys crate) and crates.io (or a filled cargo cache).
# When one of those is missing it says so and exits 0, so CI never depends on
# installing anything. Set FUZZ_SMOKE=0 to skip it outright.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
secs="${FUZZ_SMOKE_SECONDS:-10}"
skip() { echo "fuzz smoke: skipped ($1)"; exit 0; }
[ "${FUZZ_SMOKE:-1}" = 0 ] && skip "FUZZ_SMOKE=0"
command -v c++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1 || command -v clang++ >/dev/null 2>&1 \
    || skip "no C++ compiler to build libFuzzer"
cargo fetch --manifest-path "$here/Cargo.toml" >/dev/null 2>&1 || skip "libfuzzer-sys cannot be fetched"
source "$here/flags.sh"
start=$(date +%s)
fuzz_build >/dev/null 2>&1 || { echo "fuzz smoke: build FAILED"; fuzz_build; exit 1; }
echo "fuzz smoke: built $(echo $FUZZ_TARGETS | wc -w) targets in $(( $(date +%s) - start )) s"
failed=0
for t in $FUZZ_TARGETS; do
    # A fresh corpus from the committed seeds, so the run is the same everywhere.
    export FUZZ_CORPUS_DIR
    FUZZ_CORPUS_DIR="$(mktemp -d)"
    if ! FUZZ_NO_BUILD=1 FUZZ_NO_SEEDS=1 "$here/run.sh" "$t" "$secs"; then
        failed=$((failed + 1))
    fi
    rm -rf "$FUZZ_CORPUS_DIR"
done
n=$(echo $FUZZ_TARGETS | wc -w)
echo "fuzz smoke: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
