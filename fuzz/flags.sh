# Sourced by run.sh, run-all.sh and ci-smoke.sh: the build settings of the fuzz
# targets on a stable toolchain (see docs/FUZZING.md for why each flag is there).
FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FUZZ_TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$FUZZ_DIR/target}"
# SanitizerCoverage, as cargo-fuzz sets it up, through stable codegen options.
export RUSTFLAGS="-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
-Cllvm-args=-simplifycfg-branch-fold-threshold=0 \
--cfg fuzzing -Cdebug-assertions -Coverflow-checks -Cforce-frame-pointers=yes"
# Every fuzz target, in the order run-all.sh runs them.
FUZZ_TARGETS="range_decoder packet_parse extensions repacketizer dred_find_payload bitstream_inspect demo_args decoder_packet decoder_stateful decoder_diff"
FUZZ_BIN_DIR="$CARGO_TARGET_DIR/$FUZZ_TRIPLE/release"
# Builds the named targets (all when none is named). --target keeps RUSTFLAGS
# away from build scripts and proc macros; make_seeds is left out, as it has
# no libFuzzer to provide the coverage callbacks.
fuzz_build() {
    local bins=()
    for t in ${@:-$FUZZ_TARGETS}; do bins+=(--bin "$t"); done
    cargo build --manifest-path "$FUZZ_DIR/Cargo.toml" --release --target "$FUZZ_TRIPLE" "${bins[@]}"
}
# Writes seed corpora into $1 (an uninstrumented build, in its own folder).
make_seeds() {
    env -u RUSTFLAGS cargo run --quiet --manifest-path "$FUZZ_DIR/Cargo.toml" --release --bin make_seeds -- "$@"
}
