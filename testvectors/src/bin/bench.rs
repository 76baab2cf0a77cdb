//! `bench`: times our Opus decoder against libopus 1.6.1 (SIMD and generic builds) in one run
//! and prints a table; `--write FILE` also regenerates the report (`docs/BENCHMARKS.md`).
//!
//! ```text
//! cargo run --release -p dred-opus-testvectors --bin bench -- [--reps N] [--seconds S] [--rows ID_SUBSTRING] [--write docs/BENCHMARKS.md]
//! ```
//!
//! Build it with `--release`: a debug build times nothing useful.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use dred_opus_testvectors::bench::{self, Environment};
use dred_opus_testvectors::{write_file, Error, Result};

struct Args {
    reps: usize,
    seconds: f64,
    write: Option<PathBuf>,
    rows: Option<String>,
}

fn parse_args() -> Result<Args> {
    let mut a = Args { reps: 61, seconds: 12.0, write: None, rows: None };
    let mut it = std::env::args().skip(1);
    while let Some(opt) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| Error::Usage(format!("{name} needs a value")));
        match opt.as_str() {
            "--reps" => {
                a.reps = value("--reps")?.parse().map_err(|_| Error::Usage("--reps takes a number".into()))?;
            }
            "--seconds" => {
                a.seconds = value("--seconds")?.parse().map_err(|_| Error::Usage("--seconds takes a number".into()))?;
            }
            "--write" => a.write = Some(PathBuf::from(value("--write")?)),
            "--rows" => a.rows = Some(value("--rows")?),
            other => return Err(Error::Usage(format!("unknown option {other}; options: --reps N, --seconds S, --rows ID_SUBSTRING, --write FILE"))),
        }
    }
    if a.reps == 0 || a.seconds <= 0.0 {
        return Err(Error::Usage("--reps and --seconds must be positive".into()));
    }
    Ok(a)
}

fn run() -> Result<()> {
    let args = parse_args()?;
    if cfg!(debug_assertions) {
        eprintln!("warning: debug build; run with --release for meaningful timings");
    }
    let env = Environment::detect();
    eprintln!("CPU: {} ({} logical CPUs); libopus SIMD level: {}", env.cpu, env.cpus, env.libopus_simd_level);
    let t = Instant::now();
    let mut streams = bench::all_streams(args.seconds)?;
    if let Some(filter) = &args.rows {
        streams.retain(|s| s.row.id.contains(filter.as_str()));
        if streams.is_empty() {
            return Err(Error::Usage(format!("no row id contains {filter}")));
        }
    }
    eprintln!("encoded {} streams of {:.1} s in {:.1} s", streams.len(), args.seconds, t.elapsed().as_secs_f64());
    let t = Instant::now();
    let results = bench::run(&streams, args.reps, |rep| {
        eprintln!("repetition {rep}/{} ({:.0} s)", args.reps, t.elapsed().as_secs_f64());
    })?;
    println!("{}", bench::table(&results));
    if let Some(path) = args.write {
        write_file(&path, bench::report(&env, &results, args.reps).as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}
