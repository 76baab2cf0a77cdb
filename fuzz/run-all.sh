#!/usr/bin/env bash
# Runs every fuzz target, one after another, for SECONDS each:
#   fuzz/run-all.sh SECONDS
# and prints executions and coverage per target at the end. Exits non-zero if
# any target found a crash (see fuzz/artifacts/TARGET/).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/flags.sh"
secs="${1:?usage: run-all.sh SECONDS}"
shift
fuzz_build >&2 || exit 1
summary=()
failed=0
for t in $FUZZ_TARGETS; do
    line="$(FUZZ_NO_BUILD=1 "$FUZZ_DIR/run.sh" "$t" "$secs" "$@")"
    rc=$?
    echo "$line"
    summary+=("$(echo "$line" | head -1)")
    [ "$rc" -ne 0 ] && failed=1
done
echo "== summary ($secs s per target) =="
printf '%s\n' "${summary[@]}"
exit "$failed"
