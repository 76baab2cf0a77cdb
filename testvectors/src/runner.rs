//! Checking candidate decoders against the cached references, and the conformance report.
//!
//! For every vector and decoder configuration a candidate decoder runs `opus_demo -d`'s
//! receive logic ([`crate::demo_decode`]) over the vector's bitstream, and its output is
//! checked three ways:
//! - the decoder's final range after every record against libopus's (generic build);
//! - its 16-bit output sample for sample against libopus's generic-C build;
//! - the `opus_compare` criterion ([`crate::compare`]) against the SIMD build's decode of the
//!   same configuration (at 48 kHz exactly `opus_compare`, below it our same-rate extension),
//!   which decides the status; and, for information, RFC 8251's procedure proper: against the
//!   SIMD build's 48 kHz decode with the same channel count and complexity (`-r rate`). The
//!   RFC form also measures how a decode at a lower rate differs from one at 48 kHz, which for
//!   concealed frames is large even within one build, hence not the status criterion.
//!   For the SIMD build itself as candidate the generic build's decodes are the references
//!   instead, so that every column measures agreement between the two builds.
//!
//! A row's status is `bit-exact` (final ranges and samples identical), `pass` (final ranges
//! identical and `opus_compare` passes) or `FAIL` with the reason. Rows whose stream loses
//! packets that are concealed by a neural model (DRED at any complexity, deep PLC at
//! complexity 5 and up) are held to bit-exactness with the generic build, the port's target,
//! since the neural waveforms of libopus's own builds differ beyond what `opus_compare`
//! accepts; for the SIMD build such a row that is neither bit-exact nor passing is
//! `diverges (neural)`, which is expected and not a failure.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use opus_oracle::Build;

use crate::bitstream::Record;
use crate::compare::{self, CompareReference, CompareResult};
use crate::demo_decode::{self, DecodeConfig, DemoDecoder, DemoStats, OracleDecoder};
use crate::generate::{build_tag, parallel_map, Cache};
use crate::matrix::{compare_anchor, Vector};
use crate::{Error, Result};

/// A decoder under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Candidate {
    /// libopus's SIMD build (the default libopus): checks the reference's own determinism
    /// across builds.
    LibopusSimd,
    /// libopus's generic-C build run again: must be bit-exact with its own stored references.
    LibopusGeneric,
    /// The dred-opus decoder. Its facade decoder does not exist yet; every row reports
    /// [`NOT_DECODABLE`] until it implements [`DemoDecoder`] and [`Candidate::decoder`]
    /// returns it.
    DredOpus,
}

/// The status text of rows a candidate cannot decode yet.
pub const NOT_DECODABLE: &str = "not yet decodable by dred-opus";

impl Candidate {
    /// Every candidate.
    pub const ALL: [Candidate; 3] = [Candidate::LibopusSimd, Candidate::LibopusGeneric, Candidate::DredOpus];

    /// Command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Candidate::LibopusSimd => "libopus-simd",
            Candidate::LibopusGeneric => "libopus-generic",
            Candidate::DredOpus => "dred-opus",
        }
    }

    /// Parses a command-line name.
    pub fn from_name(name: &str) -> Option<Self> {
        Candidate::ALL.into_iter().find(|c| c.name() == name)
    }

    /// A decoder of this candidate for `cfg`, or `None` when the candidate cannot decode yet.
    ///
    /// # Errors
    ///
    /// A libopus error code from creating the decoder.
    pub fn decoder(self, cfg: DecodeConfig) -> Result<Option<Box<dyn DemoDecoder>>> {
        Ok(match self {
            Candidate::LibopusSimd => Some(Box::new(OracleDecoder::new(Build::Simd, cfg)?)),
            Candidate::LibopusGeneric => Some(Box::new(OracleDecoder::new(Build::Generic, cfg)?)),
            Candidate::DredOpus => Some(Box::new(crate::demo_decode::DredOpusDecoder::new(cfg)?)),
        })
    }

    /// The build whose 48 kHz stereo decode is this candidate's `opus_compare` reference.
    pub fn compare_build(self) -> Build {
        match self {
            Candidate::LibopusSimd => Build::Generic,
            _ => Build::Simd,
        }
    }
}

/// Outcome of one row.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Final ranges and samples identical to the generic build.
    BitExact,
    /// Final ranges identical and `opus_compare` passes.
    Pass,
    /// Something failed; the text says what.
    Fail(String),
    /// The SIMD build's neural concealment differs from the generic build's (expected).
    NeuralDiverges,
    /// The candidate cannot decode yet.
    NotDecodable,
    /// dred-opus: a row whose output differs where libopus runs a neural model; today only
    /// rows whose losses libopus recovers from DRED data, which the dred-opus decoder does not
    /// use yet.
    PendingNeural,
}

impl Status {
    /// Short text for the report.
    pub fn text(&self) -> String {
        match self {
            Status::BitExact => "bit-exact".into(),
            Status::Pass => "pass".into(),
            Status::Fail(why) => format!("FAIL: {why}"),
            Status::NeuralDiverges => "diverges (neural)".into(),
            Status::NotDecodable => NOT_DECODABLE.into(),
            Status::PendingNeural => "pending (DRED recovery not yet wired into the decoder)".into(),
        }
    }
}

/// Measurements of one decode against the references.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// Records whose final range differs from the generic build's.
    pub range_mismatches: usize,
    /// Records in the stream.
    pub records: usize,
    /// Candidate and reference output lengths (samples, all channels).
    pub lengths: (usize, usize),
    /// Samples that differ from the generic build's output.
    pub differing: usize,
    /// Largest absolute sample difference from the generic build's output.
    pub max_abs: u32,
    /// SNR in dB against the generic build's output of the same configuration.
    pub snr_db: f64,
    /// `opus_compare` against the compare build's decode of the same configuration.
    pub compare: std::result::Result<CompareResult, compare::CompareError>,
    /// `opus_compare -r rate` against the compare build's 48 kHz decode (RFC 8251 procedure).
    pub compare_rfc: std::result::Result<CompareResult, compare::CompareError>,
    /// How the candidate produced its frames.
    pub stats: DemoStats,
    /// Whether lost packets were concealed by a neural model (DRED, or deep PLC at
    /// complexity 5 and up).
    pub neural: bool,
}

/// One row: a vector under one decoder configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Vector name.
    pub vector: String,
    /// Decoder configuration.
    pub config: DecodeConfig,
    /// Measurements, when the candidate could decode.
    pub measured: Option<Measured>,
    /// The row's status.
    pub status: Status,
}

fn status_of(m: &Measured, candidate: Candidate) -> Status {
    if m.range_mismatches > 0 {
        return Status::Fail(format!("final range differs on {}/{} records", m.range_mismatches, m.records));
    }
    if m.lengths.0 != m.lengths.1 {
        return Status::Fail(format!("length {} vs {}", m.lengths.0, m.lengths.1));
    }
    if m.differing == 0 {
        return Status::BitExact;
    }
    let passes = matches!(&m.compare, Ok(c) if c.pass);
    if m.neural {
        return match candidate {
            Candidate::LibopusSimd if passes => Status::Pass,
            Candidate::LibopusSimd => Status::NeuralDiverges,
            Candidate::DredOpus => Status::PendingNeural,
            _ => Status::Fail(format!("neural concealment differs from generic on {} samples", m.differing)),
        };
    }
    match &m.compare {
        Ok(c) if c.pass => Status::Pass,
        Ok(c) => Status::Fail(format!("opus_compare quality {:.1}", c.quality)),
        Err(e) => Status::Fail(format!("opus_compare: {e}")),
    }
}

fn check_vector(cache: &Cache, v: &Vector, candidate: Candidate) -> Result<Vec<Row>> {
    let records: Vec<Record> = cache.load_bitstream(v)?;
    let mut anchors: BTreeMap<DecodeConfig, CompareReference> = BTreeMap::new();
    let mut rows = Vec::new();
    for cfg in &v.decodes {
        let Some(mut dec) = candidate.decoder(*cfg)? else {
            rows.push(Row { vector: v.name.clone(), config: *cfg, measured: None, status: Status::NotDecodable });
            continue;
        };
        let out = demo_decode::run(dec.as_mut(), &records);
        let generic = cache.load_reference(v, cfg, Build::Generic)?;
        let stereo = cfg.channels == 2;
        let key = compare_anchor(cfg);
        let anchor = match anchors.entry(key) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let anchor = cache.load_reference(v, &key, candidate.compare_build())?;
                let pcm = if stereo { anchor.pcm } else { compare::mono_to_stereo(&anchor.pcm) };
                e.insert(CompareReference::new(&pcm, stereo)?)
            }
        };
        let compare_rfc = anchor.compare(&out.pcm, cfg.rate);
        let compare = if cfg.rate == 48000 {
            compare_rfc.clone()
        } else {
            let same = cache.load_reference(v, cfg, candidate.compare_build())?;
            CompareReference::new_at_rate(&same.pcm, stereo, cfg.rate)?.compare(&out.pcm, cfg.rate)
        };
        let range_mismatches = out
            .final_ranges
            .iter()
            .zip(&generic.final_ranges)
            .filter(|(a, b)| a != b)
            .count()
            + out.final_ranges.len().abs_diff(generic.final_ranges.len());
        let m = Measured {
            range_mismatches,
            records: records.len(),
            lengths: (out.pcm.len(), generic.pcm.len()),
            differing: compare::differing_samples(&generic.pcm, &out.pcm) + out.pcm.len().abs_diff(generic.pcm.len()),
            max_abs: compare::max_abs_error(&generic.pcm, &out.pcm),
            snr_db: compare::snr_db(&generic.pcm, &out.pcm),
            compare,
            compare_rfc,
            stats: out.stats,
            // libopus may run a neural model wherever it conceals (lost packets, DTX packets of
            // at most one byte, the 5 ms of PLC on a mode switch without redundancy) when deep
            // PLC is on (decoder complexity 5 and up), and on losses covered by DRED data.
            neural: cfg.complexity >= 5 || out.stats.dred > 0 || (v.encoder.dred_frames > 0 && out.stats.lost > 0),
        };
        let status = status_of(&m, candidate);
        rows.push(Row { vector: v.name.clone(), config: *cfg, measured: Some(m), status });
    }
    Ok(rows)
}

/// Checks `candidate` on every vector and configuration of `vectors` on `jobs` threads.
///
/// # Errors
///
/// A stale or incomplete cache, I/O errors, or libopus errors creating decoders.
pub fn check(cache_dir: &Path, vectors: &[Vector], candidate: Candidate, jobs: usize) -> Result<Vec<Row>> {
    let cache = Cache::new(cache_dir);
    cache.check_manifest(vectors)?;
    for v in vectors {
        if !cache.is_current(v) {
            return Err(Error::Cache(format!("{} is missing or stale; run `conformance generate`", v.name)));
        }
    }
    let per_vector = parallel_map(vectors, jobs, |v| check_vector(&cache, v, candidate));
    let mut rows = Vec::new();
    for r in per_vector {
        rows.extend(r?);
    }
    Ok(rows)
}

/// Counts of statuses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Bit-exact rows.
    pub bit_exact: usize,
    /// Passing (not bit-exact) rows.
    pub pass: usize,
    /// Failing rows.
    pub fail: usize,
    /// Rows where the SIMD build's neural concealment diverges (expected).
    pub diverges: usize,
    /// Rows the candidate could not decode.
    pub not_decodable: usize,
    /// dred-opus rows waiting for neural concealment.
    pub pending: usize,
}

impl Tally {
    /// Counts `rows`.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a Row>) -> Self {
        let mut t = Tally::default();
        for r in rows {
            match r.status {
                Status::BitExact => t.bit_exact += 1,
                Status::Pass => t.pass += 1,
                Status::Fail(_) => t.fail += 1,
                Status::NeuralDiverges => t.diverges += 1,
                Status::NotDecodable => t.not_decodable += 1,
                Status::PendingNeural => t.pending += 1,
            }
        }
        t
    }

    /// All rows.
    pub fn total(&self) -> usize {
        self.bit_exact + self.pass + self.fail + self.diverges + self.not_decodable + self.pending
    }
}

/// The family of a vector: the part of its name before the first `_`.
pub fn family(name: &str) -> &str {
    name.split('_').next().unwrap_or(name)
}

fn fmt_snr(db: f64) -> String {
    if db.is_infinite() {
        "∞".into()
    } else {
        format!("{db:.1}")
    }
}

fn compare_cell(c: &std::result::Result<CompareResult, compare::CompareError>) -> String {
    match c {
        Ok(c) => format!("{} {:.5} (Q {:.1})", if c.pass { "pass" } else { "FAIL" }, c.error, c.quality),
        Err(e) => format!("error: {e}"),
    }
}

fn rfc_cell(c: &std::result::Result<CompareResult, compare::CompareError>) -> String {
    match c {
        Ok(c) => format!("{} {:.5}", if c.pass { "pass" } else { "fail" }, c.error),
        Err(e) => format!("error: {e}"),
    }
}

/// Renders the table of one candidate.
pub fn render_rows(candidate: Candidate, rows: &[Row]) -> String {
    let mut s = String::new();
    let t = Tally::of(rows);
    let _ = writeln!(
        s,
        "{} rows: {} bit-exact, {} pass, {} diverge (neural, expected), {} pending (DRED recovery not yet wired), {} fail, {} not decodable.\n",
        t.total(),
        t.bit_exact,
        t.pass,
        t.diverges,
        t.pending,
        t.fail,
        t.not_decodable
    );
    if t.not_decodable == t.total() {
        let _ = writeln!(s, "| Vector | Decode | Status |\n|---|---|---|");
        for r in rows {
            let _ = writeln!(s, "| {} | {} | {} |", r.vector, r.config.stem(), r.status.text());
        }
        return s;
    }
    let cmp = build_tag(candidate.compare_build());
    let _ = writeln!(s, "By family:\n\n| Family | Rows | Bit-exact | Pass | Diverges (neural) | Pending (neural) | Fail |\n|---|---|---|---|---|---|---|");
    let mut fams: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        fams.entry(family(&r.vector)).or_default().push(r);
    }
    for (f, rs) in &fams {
        let t = Tally::of(rs.iter().copied());
        let _ = writeln!(s, "| {f} | {} | {} | {} | {} | {} | {} |", t.total(), t.bit_exact, t.pass, t.diverges, t.pending, t.fail);
    }
    let _ = writeln!(
        s,
        "\n| Vector | Decode | Lost: fec/dred/plc | Final range | Bit-exact vs generic (differing samples, max) | SNR vs generic (dB) | opus_compare vs {cmp}, same config (error) | RFC procedure vs {cmp} 48 kHz | Status |\n|---|---|---|---|---|---|---|---|---|"
    );
    for r in rows {
        match &r.measured {
            None => {
                let _ = writeln!(s, "| {} | {} | – | – | – | – | – | – | {} |", r.vector, r.config.stem(), r.status.text());
            }
            Some(m) => {
                let ranges = if m.range_mismatches == 0 {
                    format!("{}/{} ok", m.records, m.records)
                } else {
                    format!("{} differ", m.range_mismatches)
                };
                let exact = if m.differing == 0 {
                    "yes".to_string()
                } else {
                    format!("no ({}, {})", m.differing, m.max_abs)
                };
                let st = m.stats;
                let loss = if st.lost == 0 { "–".to_string() } else { format!("{}: {}/{}/{}", st.lost, st.fec, st.dred, st.plc) };
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    r.vector,
                    r.config.stem(),
                    loss,
                    ranges,
                    exact,
                    fmt_snr(m.snr_db),
                    compare_cell(&m.compare),
                    rfc_cell(&m.compare_rfc),
                    r.status.text()
                );
            }
        }
    }
    s
}

/// Renders `docs/CONFORMANCE.md` from the results of each candidate.
pub fn render_report(vectors: &[Vector], results: &[(Candidate, Vec<Row>)], extra: &str) -> String {
    let mut s = String::new();
    let configs: usize = vectors.iter().map(|v| v.decodes.len()).sum();
    let _ = writeln!(s, "# Conformance report\n");
    let _ = writeln!(
        s,
        "Generated by `cargo run --release -p dred-opus-testvectors --bin conformance -- report`; do not edit by hand.\n"
    );
    let _ = writeln!(
        s,
        "Reference: {} (SIMD build) and its generic-C build (`-ffp-contract=off`). Matrix: {} bitstreams, {} decoder configurations (hash `{:016x}`), each decoded as `opus_demo -d <rate> <channels> -dec_complexity <cx>` does it. Decode names read `<rate>.<channels>.c<complexity>`.\n",
        Build::Simd.version(),
        vectors.len(),
        configs,
        crate::matrix::matrix_hash(vectors)
    );
    let _ = writeln!(
        s,
        "Columns: *Lost* counts lost packets and how they were recovered (LBRR / DRED / PLC). *Final range* compares the decoder's range coder state after every record with the generic build's. *Bit-exact* compares the 16-bit output with the generic build's. *opus_compare, same config* is the RFC 6716 §6 / RFC 8251 criterion (our implementation, identical to libopus's program at 48 kHz, extended to two signals at the same lower rate) against the SIMD build's decode of the same configuration, or the generic build's when the candidate is the SIMD build itself; it decides `pass`. *RFC procedure* is `opus_compare [-s] -r rate` against the 48 kHz decode with the same channels and complexity, as RFC 8251 runs the official vectors; it is for information, since concealed frames decoded at a lower rate legitimately differ from 48 kHz ones. Status: `bit-exact`; `pass` (ranges identical, opus_compare passes); `diverges (neural)` where lost packets were concealed by DRED or deep PLC (complexity 5 and up) and the SIMD build's neural output differs from the generic build's beyond opus_compare (expected: their float kernels differ; the dred-opus port is held to bit-exactness with the generic build on these rows); or `FAIL`.\n"
    );
    if !extra.is_empty() {
        let _ = writeln!(s, "{extra}\n");
    }
    for (candidate, rows) in results {
        let title = match candidate {
            Candidate::LibopusSimd => "libopus SIMD build vs libopus generic build",
            Candidate::LibopusGeneric => "libopus generic build, run again",
            Candidate::DredOpus => "dred-opus",
        };
        let _ = writeln!(s, "## {title} (`{}`)\n", candidate.name());
        s.push_str(&render_rows(*candidate, rows));
        s.push('\n');
    }
    s
}

/// Packet-parser agreement over every packet of the matrix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParserAgreement {
    /// Packets compared.
    pub packets: usize,
    /// Packets where `opus_core::packet::parse` and libopus's `opus_packet_parse_impl`
    /// disagree (TOC, frame offsets and lengths, payload offset, padding, packet length, or
    /// accepting versus rejecting).
    pub parse_disagreements: usize,
    /// Packets where `opus_core::packet::has_lbrr` and `opus_packet_has_lbrr` disagree.
    pub lbrr_disagreements: usize,
    /// The first few disagreeing packets, as `vector#record`.
    pub examples: Vec<String>,
}

/// `opus_core::packet::parse` in the shape of the oracle's result.
pub fn opus_core_parse(data: &[u8]) -> Option<opus_oracle::ParsedPacket> {
    let p = opus_core::packet::parse(data).ok()?;
    Some(opus_oracle::ParsedPacket {
        toc: p.toc().0,
        frames: p.frame_offsets().iter().zip(p.frame_sizes()).map(|(&o, &l)| (o, usize::from(l))).collect(),
        payload_offset: p.payload_offset(),
        packet_offset: p.packet_len(),
        padding: Some((p.padding_offset(), p.padding_len())),
    })
}

/// Compares our packet parser with libopus's on every packet of every cached bitstream.
///
/// # Errors
///
/// Cache I/O errors.
pub fn parser_agreement(cache_dir: &Path, vectors: &[Vector]) -> Result<ParserAgreement> {
    let cache = Cache::new(cache_dir);
    let mut a = ParserAgreement::default();
    for v in vectors {
        for (i, r) in cache.load_bitstream(v)?.iter().enumerate() {
            if r.is_lost() {
                continue;
            }
            a.packets += 1;
            let theirs = opus_oracle::packet_parse(Build::Generic, &r.payload, false).ok();
            let mut bad = false;
            if theirs != opus_core_parse(&r.payload) {
                a.parse_disagreements += 1;
                bad = true;
            }
            let lbrr_theirs = opus_oracle::packet_has_lbrr(Build::Generic, &r.payload).ok();
            if lbrr_theirs != opus_core::packet::has_lbrr(&r.payload).ok() {
                a.lbrr_disagreements += 1;
                bad = true;
            }
            if bad && a.examples.len() < 5 {
                a.examples.push(format!("{}#{i}", v.name));
            }
        }
    }
    Ok(a)
}
