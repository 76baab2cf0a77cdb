//! End-to-end test of the harness on the quick subset of the matrix (runs in `cargo test`).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use dred_opus_testvectors::bitstream;
use dred_opus_testvectors::generate::{self, Cache};
use dred_opus_testvectors::matrix;
use dred_opus_testvectors::runner::{self, Candidate, Status};
use opus_oracle::Build;

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn quick_matrix_end_to_end() {
    let dir = TempDir(std::env::temp_dir().join(format!("dred-opus-testvectors-{}", std::process::id())));
    let vectors = matrix::quick();
    assert_eq!(vectors.len(), 8);

    let first = generate::generate(&dir.0, &vectors, 2, false, &|_| {}).unwrap();
    assert_eq!(first.generated, vectors.len());
    let again = generate::generate(&dir.0, &vectors, 2, false, &|_| {}).unwrap();
    assert_eq!((again.generated, again.skipped), (0, vectors.len()), "generate is idempotent");

    let cache = Cache::new(&dir.0);
    for v in &vectors {
        // Bitstream files round-trip, and encoding is deterministic.
        let bytes = std::fs::read(cache.bit_path(v)).unwrap();
        let records = bitstream::parse(&bytes).unwrap();
        assert_eq!(bitstream::serialize(&records), bytes, "{}", v.name);
        assert_eq!(generate::encode(v).unwrap(), records, "{}: encoder not deterministic", v.name);
        if v.loss.is_some() {
            assert!(records.iter().any(|r| r.is_lost()), "{}", v.name);
        }
        for cfg in &v.decodes {
            for build in Build::ALL {
                // Reference decodes are deterministic across runs.
                let out = generate::reference_decode(&records, *cfg, build).unwrap();
                let stored = cache.load_reference(v, cfg, build).unwrap();
                assert_eq!(out.pcm, stored.pcm, "{} {} {build:?}", v.name, cfg.stem());
                assert_eq!(out.final_ranges, stored.final_ranges, "{} {} {build:?}", v.name, cfg.stem());
                assert_eq!(out.final_ranges.len(), records.len());
                assert_eq!(out.stats.errors, 0, "{} {}", v.name, cfg.stem());
            }
            // SILK-only streams are bit-exact between the two builds.
            if v.name.starts_with("silk_") {
                let a = cache.load_reference(v, cfg, Build::Simd).unwrap();
                let b = cache.load_reference(v, cfg, Build::Generic).unwrap();
                assert!(a == b, "{} {}: SILK differs between builds", v.name, cfg.stem());
            }
        }
    }

    // The runner: SIMD vs generic passes everywhere (neural concealment may only diverge).
    let rows = runner::check(&dir.0, &vectors, Candidate::LibopusSimd, 2).unwrap();
    assert_eq!(rows.len(), vectors.iter().map(|v| v.decodes.len()).sum::<usize>());
    for r in &rows {
        let m = r.measured.as_ref().unwrap();
        assert_eq!(m.range_mismatches, 0, "{} {}", r.vector, r.config.stem());
        assert!(!matches!(r.status, Status::Fail(_) | Status::NotDecodable), "{} {}: {:?}", r.vector, r.config.stem(), r.status);
        if !m.neural {
            assert!(m.compare.as_ref().unwrap().pass, "{} {}", r.vector, r.config.stem());
        }
        if r.vector.starts_with("silk_") {
            assert_eq!(r.status, Status::BitExact);
        }
    }
    // The generic build run again is bit-exact with its stored references.
    let rows = runner::check(&dir.0, &vectors, Candidate::LibopusGeneric, 2).unwrap();
    assert!(rows.iter().all(|r| r.status == Status::BitExact));
    // dred-opus: bit-exact wherever no neural model conceals.
    let rows_dred = runner::check(&dir.0, &vectors, Candidate::DredOpus, 2).unwrap();
    for r in &rows_dred {
        assert!(
            matches!(r.status, Status::BitExact | Status::PendingNeural),
            "{} {}: {:?}",
            r.vector,
            r.config.stem(),
            r.status
        );
    }
    assert!(rows_dred.iter().filter(|r| r.status == Status::BitExact).count() > rows_dred.len() / 2);
    let report = runner::render_report(&vectors, &[(Candidate::DredOpus, rows_dred)], "");
    assert!(report.contains("bit-exact"));

    // Our packet parser agrees with libopus on every packet.
    let parser = runner::parser_agreement(&dir.0, &vectors).unwrap();
    assert!(parser.packets > 300);
    assert_eq!((parser.parse_disagreements, parser.lbrr_disagreements), (0, 0), "{:?}", parser.examples);

    // A changed matrix makes the cache stale.
    let mut changed = vectors.clone();
    changed[0].encoder.bitrate += 1000;
    assert!(runner::check(&dir.0, &changed, Candidate::LibopusSimd, 2).is_err());
}

/// The whole matrix through the dred-opus decoder (deep PLC and DRED recovery included): every
/// row must be bit-exact with libopus's generic-C build, final range included.
#[test]
fn full_matrix_dred_opus_conformance() {
    let dir = TempDir(std::env::temp_dir().join(format!("dred-opus-full-matrix-{}", std::process::id())));
    let vectors = matrix::full();
    generate::generate(&dir.0, &vectors, 2, false, &|_| {}).unwrap();
    let rows = runner::check(&dir.0, &vectors, Candidate::DredOpus, 2).unwrap();
    let mut bit_exact = 0;
    for r in &rows {
        let m = r.measured.as_ref().unwrap();
        let neural = m.neural;
        let _ = neural;
        assert_eq!(r.status, Status::BitExact, "{} {}", r.vector, r.config.stem());
        if r.status == Status::BitExact {
            bit_exact += 1;
        }
        if r.status == Status::PendingNeural {
            // Even where concealment differs, every packet's final range must match.
            assert_eq!(m.range_mismatches, 0, "{} {}", r.vector, r.config.stem());
        }
    }
    eprintln!("dred-opus conformance: {bit_exact}/{} rows bit-exact", rows.len());
    assert_eq!(bit_exact, rows.len());
}
