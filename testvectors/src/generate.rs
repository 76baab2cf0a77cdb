//! Bitstream generation and reference decoding into the cache directory.
//!
//! For each [`Vector`] the cache holds:
//! - `<name>.bit`: the `opus_demo` bitstream, made by libopus's generic-C encoder (lost
//!   packets written with length 0);
//! - `<name>.<rate>.<ch>.c<cx>.{generic,simd}.pcm`: the 16-bit little-endian output of
//!   `opus_demo -d <rate> <ch> -dec_complexity <cx>` with each oracle build;
//! - `<name>.<rate>.<ch>.c<cx>.{generic,simd}.rng`: the decoder's final range after each
//!   record, one hex number a line;
//! - `<name>.info`: how each decode produced its frames;
//! - `<name>.stamp`: the vector's hash, written last, so an interrupted run is redone.
//!
//! `manifest.txt` records the matrix hash and every vector's hash. A vector whose stamp
//! matches its current hash is skipped, so `generate` is idempotent and redoes only what the
//! matrix (or [`crate::matrix::GENERATOR_VERSION`]) changed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use opus_oracle::{ctl, Build, Encoder};

use crate::bitstream::{self, Record, MAX_PACKET};
use crate::demo_decode::{self, DecodeConfig, DemoOutput, OracleDecoder};
use crate::matrix::{matrix_hash, Loss, RateControl, Source, Step, Vector};
use crate::signals::{self, Clip, Rng};
use crate::{Error, Result};

/// The file-name tag of a build.
pub fn build_tag(build: Build) -> &'static str {
    match build {
        Build::Simd => "simd",
        Build::Generic => "generic",
    }
}

/// Paths inside a cache directory.
#[derive(Clone, Debug)]
pub struct Cache {
    /// The directory.
    pub dir: PathBuf,
}

impl Cache {
    /// A cache at `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Cache { dir: dir.into() }
    }

    /// `<name>.bit`.
    pub fn bit_path(&self, v: &Vector) -> PathBuf {
        self.dir.join(format!("{}.bit", v.name))
    }

    /// `<name>.<rate>.<ch>.c<cx>.<build>.pcm`.
    pub fn pcm_path(&self, v: &Vector, cfg: &DecodeConfig, build: Build) -> PathBuf {
        self.dir.join(format!("{}.{}.{}.pcm", v.name, cfg.stem(), build_tag(build)))
    }

    /// `<name>.<rate>.<ch>.c<cx>.<build>.rng`.
    pub fn rng_path(&self, v: &Vector, cfg: &DecodeConfig, build: Build) -> PathBuf {
        self.dir.join(format!("{}.{}.{}.rng", v.name, cfg.stem(), build_tag(build)))
    }

    fn stamp_path(&self, v: &Vector) -> PathBuf {
        self.dir.join(format!("{}.stamp", v.name))
    }

    fn info_path(&self, v: &Vector) -> PathBuf {
        self.dir.join(format!("{}.info", v.name))
    }

    /// `manifest.txt`.
    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join("manifest.txt")
    }

    /// Whether every file of `v` is present and stamped with its current hash.
    pub fn is_current(&self, v: &Vector) -> bool {
        let stamp = std::fs::read_to_string(self.stamp_path(v)).unwrap_or_default();
        if stamp.trim() != format!("{:016x}", v.hash()) || !self.bit_path(v).is_file() {
            return false;
        }
        v.decodes.iter().all(|cfg| {
            Build::ALL.iter().all(|&b| self.pcm_path(v, cfg, b).is_file() && self.rng_path(v, cfg, b).is_file())
        })
    }

    /// Reads a vector's bitstream.
    ///
    /// # Errors
    ///
    /// I/O or bitstream format errors.
    pub fn load_bitstream(&self, v: &Vector) -> Result<Vec<Record>> {
        Ok(bitstream::parse(&crate::read_file(&self.bit_path(v))?)?)
    }

    /// Reads one reference decode (PCM and final ranges).
    ///
    /// # Errors
    ///
    /// I/O errors, or a malformed range list.
    pub fn load_reference(&self, v: &Vector, cfg: &DecodeConfig, build: Build) -> Result<Reference> {
        let pcm = crate::pcm_from_bytes(&crate::read_file(&self.pcm_path(v, cfg, build))?);
        let path = self.rng_path(v, cfg, build);
        let text = String::from_utf8_lossy(&crate::read_file(&path)?).into_owned();
        let final_ranges = text
            .lines()
            .map(|l| u32::from_str_radix(l.trim(), 16))
            .collect::<std::result::Result<Vec<u32>, _>>()
            .map_err(|e| Error::Cache(format!("{}: {e}", path.display())))?;
        Ok(Reference { pcm, final_ranges })
    }

    /// Checks that the manifest was written for `vectors`.
    ///
    /// # Errors
    ///
    /// [`Error::Cache`] when the manifest is missing or its matrix hash differs.
    pub fn check_manifest(&self, vectors: &[Vector]) -> Result<()> {
        let text = std::fs::read_to_string(self.manifest_path())
            .map_err(|_| Error::Cache(format!("no manifest in {}; run `conformance generate`", self.dir.display())))?;
        let want = format!("matrix {:016x}", matrix_hash(vectors));
        if text.lines().any(|l| l.trim() == want) {
            Ok(())
        } else {
            Err(Error::Cache(format!("{} is stale (matrix changed); run `conformance generate`", self.dir.display())))
        }
    }
}

/// A stored reference decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// Interleaved 16-bit output.
    pub pcm: Vec<i16>,
    /// Final range after each record.
    pub final_ranges: Vec<u32>,
}

/// The 48 kHz input of a vector, interleaved with `v.channels` channels.
///
/// # Errors
///
/// If a speech fixture cannot be read.
pub fn input_signal(v: &Vector) -> Result<Vec<i16>> {
    let frames = (v.seconds * f64::from(signals::RATE)).round() as usize;
    let (mut pcm, ch) = match v.source {
        Source::Speech(clip) => (clip.load_48k()?, 1),
        Source::SpeechPair => (signals::stereo_pair(&Clip::A0007.load_48k()?, &Clip::A0009.load_48k()?), 2),
        Source::Synth(kind, seed) => (signals::synth(kind, seed, v.seconds, v.channels), v.channels),
    };
    if ch != v.channels {
        pcm = if ch == 1 {
            pcm.iter().flat_map(|&s| [s, s]).collect()
        } else {
            pcm.chunks_exact(2).map(|c| ((i32::from(c[0]) + i32::from(c[1])) >> 1) as i16).collect()
        };
    }
    pcm.resize(frames * v.channels, 0);
    Ok(pcm)
}

/// The fixed-seed Gilbert loss pattern: `true` marks a lost packet. The first packet is
/// always received, so every decode starts from a real packet.
pub fn loss_pattern(loss: &Loss, packets: usize) -> Vec<bool> {
    let p = f64::from(loss.percent.min(90)) / 100.0;
    let burst = f64::from(loss.mean_burst.max(1));
    // Stay-lost probability gives the mean burst; the enter probability gives the mean loss.
    let stay = 1.0 - 1.0 / burst;
    let enter = (p / (burst * (1.0 - p))).min(1.0);
    let mut rng = Rng::new(loss.seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x1055);
    let mut lost = false;
    (0..packets)
        .map(|i| {
            let u = rng.uniform();
            lost = i > 0 && if lost { u < stay } else { u < enter };
            lost
        })
        .collect()
}

fn opus(context: &'static str) -> impl Fn(i32) -> Error {
    move |code| Error::Opus { context, code }
}

fn apply_step(enc: &mut Encoder, s: &Step) -> Result<()> {
    if let Some(m) = s.mode {
        enc.set(ctl::SET_FORCE_MODE, m).map_err(opus("forcing mode"))?;
    }
    if let Some(b) = s.bandwidth {
        enc.set(ctl::SET_BANDWIDTH, b).map_err(opus("setting bandwidth"))?;
    }
    if let Some(c) = s.channels {
        enc.set(ctl::SET_FORCE_CHANNELS, c).map_err(opus("forcing channels"))?;
    }
    if let Some(r) = s.bitrate {
        enc.set(ctl::SET_BITRATE, r).map_err(opus("setting bitrate"))?;
    }
    Ok(())
}

/// Encodes a vector with libopus's generic-C build, set up as `opus_demo` sets up its encoder,
/// and applies its loss pattern.
///
/// # Errors
///
/// Fixture I/O errors, or a libopus error code.
pub fn encode(v: &Vector) -> Result<Vec<Record>> {
    let pcm = input_signal(v)?;
    let ch = v.channels;
    let e = &v.encoder;
    let mut enc = Encoder::new(Build::Generic, 48000, ch, e.application).map_err(opus("creating encoder"))?;
    let (vbr, constraint) = match e.rate_control {
        RateControl::Cbr => (0, 0),
        RateControl::Vbr => (1, 0),
        RateControl::Cvbr => (1, 1),
    };
    let settings = [
        (ctl::SET_BITRATE, e.bitrate),
        (ctl::SET_BANDWIDTH, e.bandwidth.unwrap_or(ctl::AUTO)),
        (ctl::SET_VBR, vbr),
        (ctl::SET_VBR_CONSTRAINT, constraint),
        (ctl::SET_COMPLEXITY, e.complexity),
        (ctl::SET_INBAND_FEC, i32::from(e.fec)),
        (ctl::SET_FORCE_CHANNELS, ctl::AUTO),
        (ctl::SET_DTX, i32::from(e.dtx)),
        (ctl::SET_PACKET_LOSS_PERC, e.loss_perc),
        (ctl::SET_LSB_DEPTH, 16),
        (ctl::SET_EXPERT_FRAME_DURATION, ctl::FRAMESIZE_ARG),
    ];
    for (request, value) in settings {
        enc.set(request, value).map_err(opus("configuring encoder"))?;
    }
    if e.dred_frames > 0 {
        enc.set(ctl::SET_DRED_DURATION, e.dred_frames).map_err(opus("setting DRED duration"))?;
    }
    if let Some(m) = e.mode {
        enc.set(ctl::SET_FORCE_MODE, m).map_err(opus("forcing mode"))?;
    }
    let total = pcm.len() / ch;
    let mut records = Vec::new();
    let mut frame = v.frame;
    let mut pos = 0usize;
    let mut packet = vec![0u8; MAX_PACKET];
    let mut block = Vec::new();
    while pos < total {
        let k = records.len();
        if let Some(sweep) = &v.sweep {
            if k % sweep.every.max(1) == 0 && !sweep.steps.is_empty() {
                let s = &sweep.steps[(k / sweep.every.max(1)) % sweep.steps.len()];
                apply_step(&mut enc, s)?;
                if let Some(f) = s.frame {
                    frame = f;
                }
            }
        }
        // The last frame is padded with silence, as opus_demo pads it.
        block.clear();
        let end = (pos + frame).min(total);
        block.extend_from_slice(&pcm[pos * ch..end * ch]);
        block.resize(frame * ch, 0);
        let n = enc.encode(&block, frame, &mut packet).map_err(opus("encoding"))?;
        records.push(Record { payload: packet[..n].to_vec(), final_range: enc.final_range() });
        pos += frame;
    }
    if let Some(loss) = &v.loss {
        let pattern = loss_pattern(loss, records.len());
        for (r, lost) in records.iter_mut().zip(pattern) {
            if lost {
                *r = Record::lost();
            }
        }
    }
    Ok(records)
}

/// Decodes `records` as `opus_demo -d` does with `build` under `cfg`.
///
/// # Errors
///
/// A libopus error code from creating or configuring the decoder.
pub fn reference_decode(records: &[Record], cfg: DecodeConfig, build: Build) -> Result<DemoOutput> {
    let mut dec = OracleDecoder::new(build, cfg)?;
    Ok(demo_decode::run(&mut dec, records))
}

fn ranges_text(ranges: &[u32]) -> String {
    let mut s = String::with_capacity(ranges.len() * 9);
    for r in ranges {
        let _ = writeln!(s, "{r:08x}");
    }
    s
}

/// Encodes one vector and writes its bitstream and every reference decode into `cache`.
///
/// # Errors
///
/// I/O errors, libopus errors, or [`Error::Cache`] when a decoder's final range disagrees
/// with the encoder's on a packet `opus_demo` checks (it would abort there).
pub fn generate_vector(cache: &Cache, v: &Vector) -> Result<()> {
    let records = encode(v)?;
    crate::write_file(&cache.bit_path(v), &bitstream::serialize(&records))?;
    let mut info = format!("{}\n", v.name);
    for cfg in &v.decodes {
        for build in Build::ALL {
            let out = reference_decode(&records, *cfg, build)?;
            if out.encoder_range_mismatches > 0 {
                return Err(Error::Cache(format!(
                    "{} {} {}: {} packets whose decoder final range differs from the encoder's",
                    v.name,
                    cfg.stem(),
                    build_tag(build),
                    out.encoder_range_mismatches
                )));
            }
            crate::write_file(&cache.pcm_path(v, cfg, build), &crate::pcm_to_bytes(&out.pcm))?;
            crate::write_file(&cache.rng_path(v, cfg, build), ranges_text(&out.final_ranges).as_bytes())?;
            let s = out.stats;
            let _ = writeln!(
                info,
                "{} {} packets={} lost={} fec={} dred={} plc={} errors={} samples={}",
                cfg.stem(),
                build_tag(build),
                s.packets,
                s.lost,
                s.fec,
                s.dred,
                s.plc,
                s.errors,
                out.pcm.len() / cfg.channels
            );
        }
    }
    crate::write_file(&cache.info_path(v), info.as_bytes())?;
    crate::write_file(&cache.stamp_path(v), format!("{:016x}\n", v.hash()).as_bytes())
}

/// What a `generate` run did.
#[derive(Clone, Debug, Default)]
pub struct GenerateSummary {
    /// Vectors (re)generated.
    pub generated: usize,
    /// Vectors already current.
    pub skipped: usize,
    /// Reference decodes written (configurations times builds).
    pub decodes: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Runs `f` over `items` on `jobs` threads, in index order of results.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<usize, R>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                if let Ok(mut m) = results.lock() {
                    m.insert(i, r);
                }
            });
        }
    });
    results.into_inner().map(|m| m.into_values().collect()).unwrap_or_default()
}

/// Fills `cache_dir` for `vectors` on `jobs` threads, skipping current vectors unless
/// `force`; `progress` gets one line per vector.
///
/// # Errors
///
/// The first error of any vector (the others still run); the manifest is then not written.
pub fn generate(cache_dir: &Path, vectors: &[Vector], jobs: usize, force: bool, progress: &(dyn Fn(&str) + Sync)) -> Result<GenerateSummary> {
    let start = Instant::now();
    let cache = Cache::new(cache_dir);
    std::fs::create_dir_all(cache_dir).map_err(|e| crate::io_error(cache_dir, &e))?;
    // Longest first: lossy vectors decode more configurations.
    let mut order: Vec<&Vector> = vectors.iter().collect();
    order.sort_by_key(|v| std::cmp::Reverse((v.decodes.len() as f64 * v.seconds * 1000.0) as u64));
    let results = parallel_map(&order, jobs, |v| {
        if !force && cache.is_current(v) {
            return Ok(false);
        }
        let t = Instant::now();
        let r = generate_vector(&cache, v);
        progress(&format!(
            "{:<32} {} decodes {:>6.2} s{}",
            v.name,
            2 * v.decodes.len(),
            t.elapsed().as_secs_f64(),
            if r.is_err() { "  FAILED" } else { "" }
        ));
        r.map(|()| true)
    });
    let mut summary = GenerateSummary::default();
    for (v, r) in order.iter().zip(results) {
        if r? {
            summary.generated += 1;
            summary.decodes += 2 * v.decodes.len();
        } else {
            summary.skipped += 1;
        }
    }
    let mut manifest = format!("# dred-opus conformance cache ({})\n", opus_oracle::Build::Generic.version());
    let _ = writeln!(manifest, "matrix {:016x}", matrix_hash(vectors));
    for v in vectors {
        let _ = writeln!(manifest, "vector {} {:016x}", v.name, v.hash());
    }
    crate::write_file(&cache.manifest_path(), manifest.as_bytes())?;
    summary.seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_pattern_is_fixed_and_near_its_rate() {
        let l = Loss { percent: 15, mean_burst: 3, seed: 4 };
        let a = loss_pattern(&l, 4000);
        assert_eq!(a, loss_pattern(&l, 4000));
        assert!(!a[0]);
        let rate = a.iter().filter(|&&x| x).count() as f64 / 4000.0;
        assert!((0.10..0.20).contains(&rate), "{rate}");
        let runs = a.windows(2).filter(|w| !w[0] && w[1]).count();
        let mean_burst = a.iter().filter(|&&x| x).count() as f64 / runs as f64;
        assert!((2.0..4.5).contains(&mean_burst), "{mean_burst}");
    }
}
