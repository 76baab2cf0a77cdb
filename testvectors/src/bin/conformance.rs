//! `conformance`: fills the vector cache, checks candidate decoders, writes the report.
//!
//! ```text
//! conformance generate [--cache DIR] [--jobs N] [--force] [--quick]
//! conformance check    [--cache DIR] [--jobs N] [--quick] [--candidate libopus-simd|libopus-generic|dred-opus]
//! conformance report   [--cache DIR] [--jobs N] [--quick] [--out FILE]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use dred_opus_testvectors::matrix::{self, Vector};
use dred_opus_testvectors::runner::{self, Candidate, Tally};
use dred_opus_testvectors::{generate, Error, Result};

struct Args {
    command: String,
    cache: PathBuf,
    jobs: usize,
    force: bool,
    quick: bool,
    candidate: Candidate,
    out: PathBuf,
}

fn parse_args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let command = it.next().ok_or_else(|| Error::Usage("conformance generate|check|report [options]".into()))?;
    let mut a = Args {
        command,
        cache: dred_opus_testvectors::default_cache_dir(),
        jobs: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).min(2),
        force: false,
        quick: false,
        candidate: Candidate::LibopusSimd,
        out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("docs").join("CONFORMANCE.md"),
    };
    while let Some(opt) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| Error::Usage(format!("{name} needs a value")));
        match opt.as_str() {
            "--cache" => a.cache = PathBuf::from(value("--cache")?),
            "--out" => a.out = PathBuf::from(value("--out")?),
            "--jobs" => {
                a.jobs = value("--jobs")?.parse().map_err(|_| Error::Usage("--jobs takes a number".into()))?;
            }
            "--candidate" => {
                let n = value("--candidate")?;
                a.candidate = Candidate::from_name(&n).ok_or_else(|| Error::Usage(format!("unknown candidate {n}")))?;
            }
            "--force" => a.force = true,
            "--quick" => a.quick = true,
            other => return Err(Error::Usage(format!("unknown option {other}"))),
        }
    }
    Ok(a)
}

fn print_tally(candidate: Candidate, rows: &[runner::Row]) {
    let t = Tally::of(rows);
    println!(
        "{}: {} rows, {} bit-exact, {} pass, {} diverge (neural, expected), {} pending (neural), {} fail, {} not decodable",
        candidate.name(),
        t.total(),
        t.bit_exact,
        t.pass,
        t.diverges,
        t.pending,
        t.fail,
        t.not_decodable
    );
    for r in rows.iter().filter(|r| matches!(r.status, runner::Status::Fail(_))) {
        println!("  {} {}: {}", r.vector, r.config.stem(), r.status.text());
    }
}

fn run(a: &Args) -> Result<ExitCode> {
    let vectors: Vec<Vector> = if a.quick { matrix::quick() } else { matrix::full() };
    match a.command.as_str() {
        "generate" => {
            let s = generate::generate(&a.cache, &vectors, a.jobs, a.force, &|line| println!("{line}"))?;
            println!(
                "{} vectors: {} generated ({} reference decodes), {} already current, {:.1} s",
                vectors.len(),
                s.generated,
                s.decodes,
                s.skipped,
                s.seconds
            );
            Ok(ExitCode::SUCCESS)
        }
        "check" => {
            let t = Instant::now();
            let rows = runner::check(&a.cache, &vectors, a.candidate, a.jobs)?;
            print_tally(a.candidate, &rows);
            let parser = runner::parser_agreement(&a.cache, &vectors)?;
            parser_line(&parser);
            let parser_failed = parser.parse_disagreements + parser.lbrr_disagreements > 0;
            println!("{:.1} s", t.elapsed().as_secs_f64());
            Ok(if Tally::of(&rows).fail > 0 || parser_failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        "report" => {
            let t = Instant::now();
            generate::generate(&a.cache, &vectors, a.jobs, false, &|line| println!("{line}"))?;
            let mut results = Vec::new();
            for c in [Candidate::LibopusSimd, Candidate::DredOpus] {
                let rows = runner::check(&a.cache, &vectors, c, a.jobs)?;
                print_tally(c, &rows);
                results.push((c, rows));
            }
            let extra = parser_line(&runner::parser_agreement(&a.cache, &vectors)?);
            let text = runner::render_report(&vectors, &results, &extra);
            dred_opus_testvectors::write_file(&a.out, text.as_bytes())?;
            println!("wrote {} ({:.1} s)", a.out.display(), t.elapsed().as_secs_f64());
            Ok(ExitCode::SUCCESS)
        }
        other => Err(Error::Usage(format!("unknown command {other}; use generate, check or report"))),
    }
}

fn parser_line(a: &runner::ParserAgreement) -> String {
    let line = format!(
        "Packet parser: `opus_core::packet::parse` and `has_lbrr` against libopus's `opus_packet_parse_impl` and `opus_packet_has_lbrr` on all {} packets of the matrix: {} parse disagreements, {} LBRR-flag disagreements{}.",
        a.packets,
        a.parse_disagreements,
        a.lbrr_disagreements,
        if a.examples.is_empty() { String::new() } else { format!(" (first: {})", a.examples.join(", ")) }
    );
    println!("{line}");
    line
}

fn main() -> ExitCode {
    match parse_args().and_then(|a| run(&a)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("conformance: {e}");
            ExitCode::FAILURE
        }
    }
}
