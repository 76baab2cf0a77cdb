//! Encoder speed: our [`OpusEncoder`] against libopus 1.6.1, side by side in one run.
//!
//! The input is speech at 48 kHz ([`crate::bench::speech`]: `arctic_a0007` looped, with
//! `arctic_a0009` on the right channel for stereo rows), made once before any timing. Each
//! row ([`rows`]) encodes the whole input in 20 ms frames from 16-bit PCM (`opus_encode`) with
//! three encoders configured alike: ours, libopus with its run-time SIMD dispatch
//! ([`Build::Simd`]) and libopus as portable C ([`Build::Generic`], the build ours is
//! byte-identical with). They are timed in interleaved repetitions (every repetition times
//! every row with every encoder, the order of the encoders rotating from one repetition to
//! the next); each figure is the median over the repetitions, as time per second of audio.
//! Encoders are created outside the timed part.
//!
//! Used by the `bench_encode` binary (which writes `docs/BENCHMARKS_ENCODER.md`). Speed is
//! reported as a ratio to libopus, never checked by a test.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use opus_core::encoder::{Application, Bitrate, EncoderConfig, FrameDuration, InbandFec, OpusEncoder};
use opus_core::packet::{Bandwidth, Mode};
use opus_oracle::{ctl, Build, Encoder};

use crate::bench::{describe, median, speech, Environment};
use crate::{Error, Result};

/// Frame size of every row, samples per channel at 48 kHz (20 ms).
pub const FRAME: usize = 960;

/// Output buffer per packet (the encoders' upper limit, as `opus_demo` gives it).
const MAX_PACKET: usize = 1500;

/// One benchmark row: an encoder configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Human-readable name (table row).
    pub name: &'static str,
    /// Short identifier (for `--rows`).
    pub id: &'static str,
    /// Channels coded.
    pub channels: usize,
    /// Application.
    pub application: Application,
    /// Forced mode.
    pub mode: Mode,
    /// Forced bandwidth.
    pub bandwidth: Bandwidth,
    /// Bits per second (VBR).
    pub bitrate: i32,
    /// Encoder complexity.
    pub complexity: i32,
    /// In-band FEC (LBRR) on, with `OPUS_SET_PACKET_LOSS_PERC(loss_percent)`.
    pub fec: bool,
    /// Expected loss given to the encoder, percent.
    pub loss_percent: i32,
}

impl Row {
    /// Our encoder's configuration for the row.
    pub fn config(&self) -> EncoderConfig {
        EncoderConfig::new(self.application)
            .complexity(self.complexity)
            .bitrate(Bitrate::Bps(self.bitrate))
            .vbr(true)
            .force_channels(Some(self.channels))
            .bandwidth(Some(self.bandwidth))
            .force_mode(Some(self.mode))
            .inband_fec(if self.fec { InbandFec::On } else { InbandFec::Off })
            .packet_loss_perc(self.loss_percent)
            .frame_duration(FrameDuration::Arg)
    }

    /// A libopus encoder of `build` set up as [`Row::config`], CTL by CTL.
    ///
    /// # Errors
    /// If libopus refuses a setting.
    pub fn libopus(&self, build: Build) -> Result<Encoder> {
        let e = opus("configuring a libopus encoder");
        let mut enc = Encoder::new(build, 48_000, self.channels, self.application.libopus_value()).map_err(opus("creating a libopus encoder"))?;
        enc.set(ctl::SET_COMPLEXITY, self.complexity).map_err(&e)?;
        enc.set(ctl::SET_BITRATE, self.bitrate).map_err(&e)?;
        enc.set(ctl::SET_VBR, 1).map_err(&e)?;
        enc.set(ctl::SET_FORCE_CHANNELS, self.channels as i32).map_err(&e)?;
        enc.set(ctl::SET_BANDWIDTH, self.bandwidth.libopus_value()).map_err(&e)?;
        enc.set(ctl::SET_FORCE_MODE, self.mode.libopus_value()).map_err(&e)?;
        enc.set(ctl::SET_INBAND_FEC, i32::from(self.fec)).map_err(&e)?;
        enc.set(ctl::SET_PACKET_LOSS_PERC, self.loss_percent).map_err(&e)?;
        Ok(enc)
    }

    /// Our encoder for the row.
    ///
    /// # Errors
    /// Never for the rows here.
    pub fn ours(&self) -> Result<OpusEncoder> {
        OpusEncoder::with_config(48_000, self.channels, &self.config())
            .map_err(|err| Error::Opus { context: "creating our encoder", code: err.libopus_code() })
    }
}

fn opus(context: &'static str) -> impl Fn(i32) -> Error {
    move |code| Error::Opus { context, code }
}

/// The benchmark rows: SILK WB 16 kb/s, hybrid FB 32 kb/s and CELT FB stereo 128 kb/s, each at
/// complexity 10 and 5, and SILK WB 16 and 24 kb/s with in-band FEC at 10 % expected loss.
pub fn rows() -> Vec<Row> {
    let silk = Row {
        name: "",
        id: "",
        channels: 1,
        application: Application::Voip,
        mode: Mode::SilkOnly,
        bandwidth: Bandwidth::Wideband,
        bitrate: 16_000,
        complexity: 10,
        fec: false,
        loss_percent: 0,
    };
    let hybrid = Row { mode: Mode::Hybrid, bandwidth: Bandwidth::Fullband, bitrate: 32_000, ..silk.clone() };
    let celt = Row {
        channels: 2,
        application: Application::Audio,
        mode: Mode::CeltOnly,
        bandwidth: Bandwidth::Fullband,
        bitrate: 128_000,
        ..silk.clone()
    };
    vec![
        Row { name: "SILK WB mono 16 kb/s, complexity 10", id: "silk_wb_16k_c10", ..silk.clone() },
        Row { name: "SILK WB mono 16 kb/s, complexity 5", id: "silk_wb_16k_c5", complexity: 5, ..silk.clone() },
        Row { name: "Hybrid FB mono 32 kb/s, complexity 10", id: "hybrid_fb_32k_c10", ..hybrid.clone() },
        Row { name: "Hybrid FB mono 32 kb/s, complexity 5", id: "hybrid_fb_32k_c5", complexity: 5, ..hybrid },
        Row { name: "CELT FB stereo 128 kb/s, complexity 10", id: "celt_fb_stereo_128k_c10", ..celt.clone() },
        Row { name: "CELT FB stereo 128 kb/s, complexity 5", id: "celt_fb_stereo_128k_c5", complexity: 5, ..celt },
        Row {
            name: "SILK WB mono 16 kb/s, FEC on, 10 % loss (no LBRR coded), complexity 10",
            id: "silk_wb_16k_fec10_c10",
            fec: true,
            loss_percent: 10,
            ..silk.clone()
        },
        // At 16 kb/s libopus's `decide_fec` finds the rate too low for LBRR at any bandwidth
        // (the FEC row above codes none); at 24 kb/s it codes LBRR at WB.
        Row {
            name: "SILK WB mono 24 kb/s + FEC (LBRR), 10 % loss, complexity 10",
            id: "silk_wb_24k_fec10_c10",
            bitrate: 24_000,
            fec: true,
            loss_percent: 10,
            ..silk
        },
    ]
}

/// A row with its input.
#[derive(Clone, Debug)]
pub struct Input {
    /// The row.
    pub row: Row,
    /// Interleaved 16-bit PCM, a whole number of frames.
    pub pcm: Vec<i16>,
    /// Duration in seconds.
    pub seconds: f64,
}

/// The inputs of `rows`, `seconds` of speech each (cut to whole 20 ms frames).
///
/// # Errors
/// If a fixture cannot be read.
pub fn inputs(rows: &[Row], seconds: f64) -> Result<Vec<Input>> {
    rows.iter()
        .map(|r| {
            let mut pcm = speech(r.channels, seconds)?;
            let frames = pcm.len() / r.channels / FRAME;
            pcm.truncate(frames * FRAME * r.channels);
            Ok(Input { row: r.clone(), pcm, seconds: (frames * FRAME) as f64 / 48_000.0 })
        })
        .collect()
}

/// The encoders compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contender {
    /// `opus_core::encoder::OpusEncoder`.
    Ours,
    /// libopus 1.6.1, run-time SIMD dispatch.
    LibopusSimd,
    /// libopus 1.6.1, portable C.
    LibopusGeneric,
}

impl Contender {
    /// All three, in table order.
    pub const ALL: [Contender; 3] = [Contender::Ours, Contender::LibopusSimd, Contender::LibopusGeneric];
}

/// A packet and the encoder's final range after it.
pub type Packet = (Vec<u8>, u32);

fn encode_ours(enc: &mut OpusEncoder, input: &Input, buf: &mut [u8], mut visit: impl FnMut(&[u8], &mut OpusEncoder)) -> Result<()> {
    for x in input.pcm.chunks_exact(FRAME * input.row.channels) {
        let n = enc.encode(x, buf).map_err(|err| Error::Opus { context: "encoding with dred-opus", code: err.libopus_code() })?;
        visit(&buf[..n], enc);
    }
    Ok(())
}

fn encode_libopus(enc: &mut Encoder, input: &Input, buf: &mut [u8], mut visit: impl FnMut(&[u8], &mut Encoder)) -> Result<()> {
    for x in input.pcm.chunks_exact(FRAME * input.row.channels) {
        let n = enc.encode(x, FRAME, buf).map_err(opus("encoding with libopus"))?;
        visit(&buf[..n], enc);
    }
    Ok(())
}

/// Every packet (with its final range) of our encoder and of libopus generic's.
///
/// # Errors
/// If an encoder fails.
pub fn packets(input: &Input) -> Result<[Vec<Packet>; 2]> {
    let mut buf = vec![0u8; MAX_PACKET];
    let mut ours = Vec::new();
    encode_ours(&mut input.row.ours()?, input, &mut buf, |p, e| ours.push((p.to_vec(), e.final_range())))?;
    let mut theirs = Vec::new();
    encode_libopus(&mut input.row.libopus(Build::Generic)?, input, &mut buf, |p, e| theirs.push((p.to_vec(), e.final_range())))?;
    Ok([ours, theirs])
}

/// Times one whole-input encode in seconds (encoder creation not included).
///
/// # Errors
/// If an encoder fails.
pub fn time_once(who: Contender, input: &Input, buf: &mut [u8]) -> Result<f64> {
    match who {
        Contender::Ours => {
            let mut e = input.row.ours()?;
            let t = Instant::now();
            encode_ours(&mut e, input, buf, |p, _| {
                black_box(p);
            })?;
            Ok(t.elapsed().as_secs_f64())
        }
        Contender::LibopusSimd | Contender::LibopusGeneric => {
            let build = if who == Contender::LibopusSimd { Build::Simd } else { Build::Generic };
            let mut e = input.row.libopus(build)?;
            let t = Instant::now();
            encode_libopus(&mut e, input, buf, |p, _| {
                black_box(p);
            })?;
            Ok(t.elapsed().as_secs_f64())
        }
    }
}

/// The measurements of one row.
#[derive(Clone, Debug)]
pub struct RowResult {
    /// The row.
    pub row: Row,
    /// Modes and bandwidths of our packets.
    pub content: String,
    /// Audio encoded per pass, seconds.
    pub seconds: f64,
    /// Packets per pass.
    pub packets: usize,
    /// Mean packet size of ours, bytes.
    pub mean_bytes: f64,
    /// Packets of ours carrying SILK LBRR (in-band FEC) data, by libopus's
    /// `opus_packet_has_lbrr`.
    pub lbrr: usize,
    /// Packets of ours byte-identical (with the same final range) with libopus generic's.
    pub identical: usize,
    /// Seconds per pass, per contender (in [`Contender::ALL`] order), one per repetition.
    pub times: [Vec<f64>; 3],
}

impl RowResult {
    /// Median time per second of audio, in milliseconds, for contender `i`.
    pub fn ms_per_s(&self, i: usize) -> f64 {
        median(&self.times[i]) / self.seconds * 1000.0
    }

    /// Ratio of our median time to contender `i`'s.
    pub fn ratio(&self, i: usize) -> f64 {
        median(&self.times[0]) / median(&self.times[i])
    }

    /// Spread of contender `i`'s times: interquartile range over the median, in percent.
    pub fn spread_percent(&self, i: usize) -> f64 {
        let mut t = self.times[i].clone();
        if t.is_empty() {
            return 0.0;
        }
        t.sort_by(f64::total_cmp);
        let q = |p: f64| t[((t.len() - 1) as f64 * p).round() as usize];
        (q(0.75) - q(0.25)) / median(&t) * 100.0
    }

    /// Whether every packet was byte-identical with libopus generic's.
    pub fn byte_identical(&self) -> bool {
        self.identical == self.packets
    }
}

/// Runs the benchmark: the byte-identity check and one untimed warm-up pass of every encoder
/// on every row, then `reps` interleaved repetitions. `progress` is called after each one.
///
/// # Errors
/// If an encoder fails.
pub fn run(inputs: &[Input], reps: usize, mut progress: impl FnMut(usize)) -> Result<Vec<RowResult>> {
    let mut buf = vec![0u8; MAX_PACKET];
    let mut results = Vec::with_capacity(inputs.len());
    for input in inputs {
        let [ours, theirs] = packets(input)?;
        let identical = ours.iter().zip(&theirs).filter(|(a, b)| a == b).count();
        let bytes: usize = ours.iter().map(|p| p.0.len()).sum();
        let data: Vec<Vec<u8>> = ours.iter().map(|p| p.0.clone()).collect();
        for who in Contender::ALL {
            time_once(who, input, &mut buf)?;
        }
        results.push(RowResult {
            row: input.row.clone(),
            content: describe(&data),
            seconds: input.seconds,
            packets: ours.len().max(theirs.len()),
            mean_bytes: bytes as f64 / ours.len().max(1) as f64,
            lbrr: data.iter().filter(|p| opus_oracle::packet_has_lbrr(Build::Generic, p).unwrap_or(false)).count(),
            identical,
            times: [Vec::with_capacity(reps), Vec::with_capacity(reps), Vec::with_capacity(reps)],
        });
    }
    for rep in 0..reps {
        for (input, r) in inputs.iter().zip(results.iter_mut()) {
            for j in 0..3 {
                let i = (rep + j) % 3;
                r.times[i].push(time_once(Contender::ALL[i], input, &mut buf)?);
            }
        }
        progress(rep + 1);
    }
    Ok(results)
}

/// The results as a Markdown table.
pub fn table(results: &[RowResult]) -> String {
    let mut t = String::new();
    t.push_str("| Encoding 48 kHz speech, 20 ms frames | ours ms/s | libopus SIMD ms/s | libopus generic ms/s | ours / SIMD | ours / generic | byte-identical vs generic |\n");
    t.push_str("|---|---:|---:|---:|---:|---:|:---:|\n");
    for r in results {
        let _ = writeln!(
            t,
            "| {} | {:.2} | {:.2} | {:.2} | **{:.2}x** | {:.2}x | {} |",
            r.row.name,
            r.ms_per_s(0),
            r.ms_per_s(1),
            r.ms_per_s(2),
            r.ratio(1),
            r.ratio(2),
            if r.byte_identical() { format!("yes ({}/{})", r.identical, r.packets) } else { format!("NO ({}/{})", r.identical, r.packets) },
        );
    }
    t
}

/// The level libopus 1.6.1's x86 run-time detection selects on this CPU.
pub fn simd_level() -> String {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx") && is_x86_feature_detected!("fma") && is_x86_feature_detected!("avx2") {
            "AVX2 (CPU has AVX, FMA and AVX2)".into()
        } else if is_x86_feature_detected!("sse4.1") {
            "SSE4.1 (no AVX2)".into()
        } else {
            "SSE2".into()
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        format!("{} (not x86-64: see libopus's arm/ dispatch)", std::env::consts::ARCH)
    }
}

/// The `docs/BENCHMARKS_ENCODER.md` report.
pub fn report(env: &Environment, results: &[RowResult], reps: usize) -> String {
    let mut s = String::new();
    s.push_str("# Encoder benchmarks\n\n");
    s.push_str(
        "Generated by `cargo run --release -p dred-opus-testvectors --bin bench_encode -- --write docs/BENCHMARKS_ENCODER.md`; \
         do not edit by hand. Speed is measured here, side by side with libopus in one run, and \
         reported as ratios: no test checks it. The decoder's figures are in `docs/BENCHMARKS.md`.\n\n",
    );
    s.push_str("## Machine\n\n");
    let _ = writeln!(s, "- Date: {} (UTC); commit: {}", env.date, env.commit);
    let _ = writeln!(s, "- CPU: {} ({} logical CPUs, shared with other jobs while measuring)", env.cpu, env.cpus);
    let _ = writeln!(s, "- Compiler: {} (release profile)", env.rustc);
    let _ = writeln!(
        s,
        "- libopus SIMD: `{}`, as opusic-sys 0.7.7 builds it with CMake (-O3, float, run-time CPU detection, \
         SSE/SSE2 presumed, SSE4.1/AVX2 dispatched). Level selected on this CPU: {}.",
        env.libopus_versions[0],
        simd_level()
    );
    let _ = writeln!(
        s,
        "- libopus generic: `{}`, the same source as portable C (-O2, no intrinsics, `-ffp-contract=off`): \
         the build our encoder is byte-identical with.",
        env.libopus_versions[1]
    );
    s.push_str("\n## Method\n\n");
    let secs = results.first().map_or(0.0, |r| r.seconds);
    let _ = writeln!(
        s,
        "- Input: {secs:.1} s of speech at 48 kHz (`arctic_a0007`, resampled to 48 kHz and looped; the stereo rows put \
         `arctic_a0009` on the right channel), 16-bit PCM (`opus_encode` / `OpusEncoder::encode`), 20 ms frames."
    );
    s.push_str(
        "- Settings, the same for the three encoders: the row's application (VoIP for SILK and hybrid, audio for CELT), \
         complexity, bitrate with VBR (`OPUS_SET_VBR(1)`, constrained as by default), mode \
         (`OPUS_SET_FORCE_MODE`), bandwidth and channel count forced; the FEC rows set `OPUS_SET_INBAND_FEC(1)` and \
         `OPUS_SET_PACKET_LOSS_PERC(10)`; libopus then codes LBRR frames only where the rate allows \
         (`decide_fec`: not at 16 kb/s, whose row therefore times FEC turned on but unused; at 24 kb/s, yes: \
         see the LBRR column below); no DTX, no DRED.\n",
    );
    let _ = writeln!(
        s,
        "- Timing: one untimed warm-up pass, then {reps} interleaved repetitions; each repetition encodes every \
         row's input with each of the three encoders (order rotated per repetition), each pass with a freshly \
         created encoder (creation not timed). Figures are medians of wall-clock time, as milliseconds per \
         second of audio (ms/s; 10 ms/s = 1 % of one core in real time). Ratios above 1 mean we are slower."
    );
    s.push_str(
        "- Byte-identical: every packet of ours compared with libopus generic's, bytes and final range \
         (the differential tests `diff_opus_encoder` and `encoder_matrix` are the real check).\n",
    );
    s.push_str("\n## Results\n\n");
    s.push_str(&table(results));
    s.push_str("\nPackets, and the spread of the repetitions (interquartile range / median: ours, SIMD, generic):\n\n");
    s.push_str("| Row | seconds | packets (mode, bandwidth) | with LBRR | mean bytes | spread |\n|---|---:|---|---:|---:|---|\n");
    for r in results {
        let _ = writeln!(
            s,
            "| {} | {:.1} | {} | {} | {:.1} | {:.0} %, {:.0} %, {:.0} % |",
            r.row.name,
            r.seconds,
            r.content,
            r.lbrr,
            r.mean_bytes,
            r.spread_percent(0),
            r.spread_percent(1),
            r.spread_percent(2)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Smoke: a short input per row encodes with the forced mode, byte-identically with
    /// libopus generic, and the report renders. No timing is checked.
    #[test]
    fn smoke() {
        let inputs = inputs(&rows(), 0.2).unwrap();
        for i in &inputs {
            let [ours, theirs] = packets(i).unwrap();
            assert_eq!(ours, theirs, "{}", i.row.name);
            let data: Vec<Vec<u8>> = ours.into_iter().map(|p| p.0).collect();
            let want = match i.row.mode {
                Mode::SilkOnly => "SILK",
                Mode::Hybrid => "Hybrid",
                Mode::CeltOnly => "CELT",
            };
            assert!(describe(&data).starts_with(want), "{}", i.row.name);
        }
        let results = run(&inputs[..1], 1, |_| {}).unwrap();
        assert!(results[0].byte_identical());
        assert!(report(&Environment::detect(), &results, 1).contains("SILK WB mono 16 kb/s"));
    }
}
