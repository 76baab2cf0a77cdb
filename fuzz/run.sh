#!/usr/bin/env bash
# Runs one fuzz target for a given time on the stable toolchain:
#   fuzz/run.sh TARGET SECONDS [extra libFuzzer flags...]
# Builds the target (instrumented, see flags.sh), makes the seed corpus on
# first use (fuzz/corpus/TARGET, from fuzz/seeds/TARGET plus make_seeds), then
# runs libFuzzer on one core. Crashes land in fuzz/artifacts/TARGET/; the
# last status line (executions, cov, ft) is printed at the end.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/flags.sh"
target="${1:?usage: run.sh TARGET SECONDS [libFuzzer flags]}"
secs="${2:?usage: run.sh TARGET SECONDS [libFuzzer flags]}"
shift 2
case " $FUZZ_TARGETS " in
    *" $target "*) ;;
    *) echo "unknown target $target; one of: $FUZZ_TARGETS" >&2; exit 2 ;;
esac
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
    fuzz_build "$target" >&2
fi
corpus="${FUZZ_CORPUS_DIR:-$FUZZ_DIR/corpus}/$target"
artifacts="$FUZZ_DIR/artifacts/$target"
mkdir -p "$corpus" "$artifacts"
if [ -z "$(ls -A "$corpus")" ]; then
    [ -d "$FUZZ_DIR/seeds/$target" ] && cp "$FUZZ_DIR/seeds/$target"/* "$corpus"/ 2>/dev/null || true
    if [ -z "${FUZZ_NO_SEEDS:-}" ]; then
        make_seeds "$(dirname "$corpus")" >/dev/null
    fi
fi
log="$artifacts/last-run.log"
set +e
"$FUZZ_BIN_DIR/$target" "$corpus" \
    -artifact_prefix="$artifacts/" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 -print_final_stats=1 "$@" >"$log" 2>&1
rc=$?
set -e
status="$(grep -E '^#[0-9]+' "$log" | tail -1 || true)"
execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" || true)"
echo "$target: rc=$rc execs=${execs:-?} ${status#*	}"
if [ "$rc" -ne 0 ]; then
    grep -E -A1 'panicked|Test unit written' "$log" | head -6 || true
fi
exit "$rc"
