//! Prints Rust tables taken from libopus 1.6.1's C sources.
//!
//! ```text
//! cargo run -p dred-opus-testvectors --bin gen_tables -- --list
//! cargo run -p dred-opus-testvectors --bin gen_tables -- <key>...
//! ```
//!
//! `<key>` names a table file of the manifest in `testvectors/src/ctables.rs` (for example
//! `celt-tables` for `crates/opus-core/src/celt/tables.rs`); its `const` items are printed to
//! stdout, each with a doc line naming the libopus symbol. The libopus source is found as the
//! oracle's build script finds it (`$OPUS_ORACLE_SRC`, else cargo's registry copy of
//! opusic-sys 0.7.7). `tests/tables_match_libopus.rs` checks the committed files value for
//! value against the same parse.

use std::process::ExitCode;

use dred_opus_testvectors::ctables::{libopus_source_dir, render_file, Loader, MANIFEST};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args.iter().any(|a| a == "--help" || a == "-h") {
        eprintln!("usage: gen_tables --list | gen_tables <key>...");
        return if args.is_empty() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        };
    }
    if args.iter().any(|a| a == "--list") {
        for f in MANIFEST.iter().filter(|f| f.generated) {
            println!("{:<20} {} ({} tables)", f.key, f.path, f.tables.len());
        }
        return ExitCode::SUCCESS;
    }
    let root = match libopus_source_dir() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gen_tables: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut loader = Loader::new(root);
    for (i, key) in args.iter().enumerate() {
        match render_file(&mut loader, key) {
            Ok(s) => {
                if i > 0 {
                    println!();
                }
                print!("{s}");
            }
            Err(e) => {
                eprintln!("gen_tables: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
