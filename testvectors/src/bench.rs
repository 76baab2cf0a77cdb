//! Decoder speed: our [`OpusDecoder`] against libopus 1.6.1, side by side in one run.
//!
//! The streams are encoded once, before any timing, by the oracle's generic-C encoder with
//! fixed settings ([`rows`]), from the speech fixtures looped to the requested length. Each
//! stream is then decoded whole to 48 kHz float (`opus_decode_float`) by three decoders: ours,
//! libopus with its run-time SIMD dispatch ([`Build::Simd`], what users run) and libopus as
//! portable C ([`Build::Generic`], the build ours is bit-exact with). The three are timed in
//! interleaved repetitions (every repetition times every row with every decoder, the order of
//! the decoders rotating from one repetition to the next) and each figure is the median over
//! the repetitions, as time per second of audio. Decoders are created outside the timed part.
//!
//! Used by the `bench` binary (which writes `docs/BENCHMARKS.md`) and by the criterion bench
//! `benches/decode.rs`. Speed is reported as a ratio to libopus, never checked by a test.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use opus_core::decoder::OpusDecoder;
use opus_core::packet::{Bandwidth, Mode, Toc};
use opus_oracle::{ctl, Build, Decoder as LibDecoder, Encoder};

use crate::signals::{self, Clip, Rng};
use crate::{Error, Result};

/// The output rate of every decode.
pub const DECODE_RATE: u32 = 48_000;

/// The longest packet at 48 kHz, in samples per channel.
const MAX_FRAME: usize = 5760;

/// One benchmark row: an encoder configuration and a loss rate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Human-readable name (table row).
    pub name: &'static str,
    /// Short identifier (criterion group name).
    pub id: &'static str,
    /// Channels coded and decoded.
    pub channels: usize,
    /// `OPUS_SET_APPLICATION` value.
    pub application: i32,
    /// `OPUS_SET_FORCE_MODE` value (or `OPUS_AUTO`).
    pub mode: i32,
    /// `OPUS_SET_BANDWIDTH` value.
    pub bandwidth: i32,
    /// Bits per second.
    pub bitrate: i32,
    /// Frame size in samples per channel at 48 kHz.
    pub frame: usize,
    /// Percentage of packets lost (concealed by the decoder's PLC).
    pub loss_percent: u64,
    /// Decoder complexity (`OPUS_SET_COMPLEXITY`). 5 and above turn on deep PLC: ours is
    /// then `dred_opus::Decoder`, which carries the neural concealment.
    pub complexity: i32,
    /// What is timed: plain decoding, or one of the DRED rows.
    pub recovery: Recovery,
}

/// What a row times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// Decoding every packet, lost ones concealed (`None` packets).
    None,
    /// `opus_dred_parse` of every packet (max 1 s of history, not deferred, so the features
    /// are computed too) — no audio decoding. The stream carries DRED
    /// (`OPUS_SET_DRED_DURATION(104)`, `OPUS_SET_PACKET_LOSS_PERC(20)`).
    DredParse,
    /// Decoding with opus_demo's LBRR + DRED recovery of the lost packets
    /// ([`crate::neural::Strategy::LbrrDred`]), complexity 5. The stream carries DRED and LBRR.
    LbrrDred,
}

/// The benchmark rows.
pub fn rows() -> Vec<Row> {
    let base = Row {
        name: "",
        id: "",
        channels: 1,
        application: ctl::APPLICATION_AUDIO,
        mode: ctl::MODE_CELT_ONLY,
        bandwidth: ctl::BANDWIDTH_FULLBAND,
        bitrate: 64_000,
        frame: 960,
        loss_percent: 0,
        complexity: 0,
        recovery: Recovery::None,
    };
    let dred = Row {
        application: ctl::APPLICATION_VOIP,
        mode: ctl::AUTO,
        loss_percent: 20,
        ..base.clone()
    };
    let silk = Row {
        application: ctl::APPLICATION_VOIP,
        mode: ctl::MODE_SILK_ONLY,
        bandwidth: ctl::BANDWIDTH_WIDEBAND,
        bitrate: 16_000,
        ..base.clone()
    };
    vec![
        Row { name: "CELT FB mono 64 kb/s 20 ms", id: "celt_fb_mono_64k_20ms", ..base.clone() },
        Row {
            name: "CELT FB stereo 128 kb/s 20 ms",
            id: "celt_fb_stereo_128k_20ms",
            channels: 2,
            bitrate: 128_000,
            ..base.clone()
        },
        Row {
            name: "CELT low-delay stereo 128 kb/s 2.5 ms",
            id: "celt_lowdelay_stereo_128k_2_5ms",
            channels: 2,
            application: ctl::APPLICATION_RESTRICTED_LOWDELAY,
            bitrate: 128_000,
            frame: 120,
            ..base.clone()
        },
        Row { name: "SILK WB mono 16 kb/s 20 ms", id: "silk_wb_mono_16k_20ms", ..silk.clone() },
        Row {
            name: "Hybrid FB mono 32 kb/s 20 ms",
            id: "hybrid_fb_mono_32k_20ms",
            application: ctl::APPLICATION_VOIP,
            mode: ctl::MODE_HYBRID,
            bitrate: 32_000,
            ..base.clone()
        },
        Row {
            name: "Hybrid FB stereo 48 kb/s 20 ms",
            id: "hybrid_fb_stereo_48k_20ms",
            channels: 2,
            application: ctl::APPLICATION_VOIP,
            mode: ctl::MODE_HYBRID,
            bitrate: 48_000,
            ..base.clone()
        },
        Row {
            name: "PLC: CELT FB mono 64 kb/s, 20 % loss",
            id: "plc_celt_fb_mono_64k_loss20",
            loss_percent: 20,
            ..base.clone()
        },
        Row {
            name: "PLC: SILK WB mono 16 kb/s, 20 % loss",
            id: "plc_silk_wb_mono_16k_loss20",
            loss_percent: 20,
            ..silk.clone()
        },
        Row {
            name: "Deep PLC: SILK WB 16 kb/s, 20 % loss, complexity 5",
            id: "deep_plc_silk_wb_mono_16k_loss20_c5",
            loss_percent: 20,
            complexity: 5,
            ..silk
        },
        Row {
            name: "Deep PLC: CELT FB 64 kb/s, 20 % loss, complexity 5",
            id: "deep_plc_celt_fb_mono_64k_loss20_c5",
            loss_percent: 20,
            complexity: 5,
            ..base
        },
        Row {
            name: "DRED parse+process, up to 1.04 s (26 latents) per payload (128 kb/s FB, VoIP, 40 % expected loss; per packet)",
            id: "dred_parse_128k_1040ms",
            recovery: Recovery::DredParse,
            bitrate: 128_000,
            loss_percent: 40,
            ..dred.clone()
        },
        Row {
            name: "DRED-recovered decoding (LBRR+DRED, opus_demo), 64 kb/s FB, 20 % loss, complexity 5",
            id: "dred_decode_64k_loss20_c5",
            complexity: 5,
            recovery: Recovery::LbrrDred,
            ..dred
        },
    ]
}

/// An encoded stream with its loss pattern.
#[derive(Clone, Debug)]
pub struct Stream {
    /// The row it was made for.
    pub row: Row,
    /// The packets, in order.
    pub packets: Vec<Vec<u8>>,
    /// `lost[k]`: packet `k` is not given to the decoder (concealed instead).
    pub lost: Vec<bool>,
    /// Duration of the stream in seconds.
    pub seconds: f64,
    /// Modes and bandwidths found in the packets' TOC bytes, e.g. "CELT FB x250".
    pub content: String,
}

impl Stream {
    /// Samples per channel of the whole stream at [`DECODE_RATE`].
    pub fn samples(&self) -> usize {
        self.packets.len() * self.row.frame
    }
}

/// Speech at 48 kHz for `seconds`: `arctic_a0007` looped (mono), or `arctic_a0007` left and
/// `arctic_a0009` right, each looped (stereo).
///
/// # Errors
/// If a fixture cannot be read.
pub fn speech(channels: usize, seconds: f64) -> Result<Vec<i16>> {
    let n = (seconds * f64::from(signals::RATE)).round() as usize;
    let looped = |clip: Clip| -> Result<Vec<i16>> {
        let x = clip.load_48k()?;
        if x.is_empty() {
            return Err(Error::Cache("empty fixture".into()));
        }
        Ok(x.iter().copied().cycle().take(n).collect())
    };
    let left = looped(Clip::A0007)?;
    if channels == 1 {
        Ok(left)
    } else {
        Ok(signals::stereo_pair(&left, &looped(Clip::A0009)?))
    }
}

fn opus(context: &'static str) -> impl Fn(i32) -> Error {
    move |code| Error::Opus { context, code }
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::SilkOnly => "SILK",
        Mode::Hybrid => "Hybrid",
        Mode::CeltOnly => "CELT",
    }
}

fn bandwidth_name(b: Bandwidth) -> &'static str {
    match b {
        Bandwidth::Narrowband => "NB",
        Bandwidth::Mediumband => "MB",
        Bandwidth::Wideband => "WB",
        Bandwidth::Superwideband => "SWB",
        Bandwidth::Fullband => "FB",
    }
}

/// What the packets hold, by mode and bandwidth ("CELT FB x500", "Hybrid FB x498, SILK WB x2").
pub fn describe(packets: &[Vec<u8>]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for p in packets {
        let Some(&b) = p.first() else { continue };
        let toc = Toc(b);
        let key = format!("{} {}", mode_name(toc.mode()), bandwidth_name(toc.bandwidth()));
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts.iter().map(|(k, n)| format!("{k} x{n}")).collect::<Vec<_>>().join(", ")
}

/// Encodes `seconds` of speech for `row` with libopus's generic-C encoder: complexity 10,
/// VBR, mode, bandwidth and channel count forced, no FEC, no DTX. Packets are then marked lost
/// at random (fixed seed) at the row's loss rate; the first packet is never lost.
///
/// # Errors
/// If a fixture cannot be read or libopus refuses a setting.
pub fn encode(row: &Row, seconds: f64) -> Result<Stream> {
    let ch = row.channels;
    let pcm = speech(ch, seconds)?;
    let mut enc = Encoder::new(Build::Generic, 48_000, ch, row.application).map_err(opus("creating the encoder"))?;
    let e = opus("configuring the encoder");
    enc.set(ctl::SET_COMPLEXITY, 10).map_err(&e)?;
    enc.set(ctl::SET_BITRATE, row.bitrate).map_err(&e)?;
    enc.set(ctl::SET_VBR, 1).map_err(&e)?;
    enc.set(ctl::SET_FORCE_CHANNELS, ch as i32).map_err(&e)?;
    enc.set(ctl::SET_BANDWIDTH, row.bandwidth).map_err(&e)?;
    if row.application != ctl::APPLICATION_RESTRICTED_LOWDELAY && row.mode != ctl::AUTO {
        enc.set(ctl::SET_FORCE_MODE, row.mode).map_err(&e)?;
    }
    if row.recovery != Recovery::None {
        enc.set(ctl::SET_INBAND_FEC, i32::from(row.recovery == Recovery::LbrrDred)).map_err(&e)?;
        enc.set(ctl::SET_DRED_DURATION, 104).map_err(&e)?;
        enc.set(ctl::SET_PACKET_LOSS_PERC, row.loss_percent as i32).map_err(&e)?;
    }
    let frames = pcm.len() / ch / row.frame;
    let mut buf = vec![0u8; 1500];
    let mut packets = Vec::with_capacity(frames);
    for k in 0..frames {
        let x = &pcm[k * row.frame * ch..(k + 1) * row.frame * ch];
        let n = enc.encode(x, row.frame, &mut buf).map_err(opus("encoding"))?;
        packets.push(buf[..n].to_vec());
    }
    let mut rng = Rng::new(0xbe7c_4000 ^ row.loss_percent);
    let lost = (0..frames).map(|k| k > 0 && rng.below(100) < row.loss_percent).collect();
    let mut content = describe(&packets);
    if row.recovery == Recovery::DredParse {
        let mut d = dred::Dred::with_default_model().map_err(|_| Error::Opus { context: "loading the DRED model", code: -3 })?;
        let latents: Vec<usize> = packets
            .iter()
            .map(|p| d.parse(p, 48_000, 48_000, false).map_or(0, |_| d.nb_latents()))
            .collect();
        let with = latents.iter().filter(|&&n| n > 0).count();
        let mean = latents.iter().sum::<usize>() as f64 / latents.len().max(1) as f64;
        let max = latents.iter().copied().max().unwrap_or(0);
        eprintln!("{}: nb_latents mean {mean:.1}, max {max}, {with}/{} packets with DRED", row.id, latents.len());
        let _ = write!(content, "; DRED in {with}/{} packets, nb_latents mean {mean:.1}, max {max}", latents.len());
    }
    Ok(Stream {
        row: row.clone(),
        seconds: (frames * row.frame) as f64 / 48_000.0,
        packets,
        lost,
        content,
    })
}

/// Encodes the plain decoding rows ([`rows`] without the DRED rows, which
/// [`decode_ours`] / [`decode_libopus`] do not time) with `seconds` of audio each.
///
/// # Errors
/// As [`encode`].
pub fn streams(seconds: f64) -> Result<Vec<Stream>> {
    rows().iter().filter(|r| r.recovery == Recovery::None).map(|r| encode(r, seconds)).collect()
}

/// Encodes every row ([`rows`]), DRED rows included (timed by [`time_once`] / [`run`]).
///
/// # Errors
/// As [`encode`].
pub fn all_streams(seconds: f64) -> Result<Vec<Stream>> {
    rows().iter().map(|r| encode(r, seconds)).collect()
}

/// Parses every packet's DRED (max 1 s, not deferred) with ours; `visit` sees each result.
fn parse_ours(d: &mut dred::Dred, s: &Stream, mut visit: impl FnMut(&dred::Dred)) {
    for p in &s.packets {
        let _ = black_box(d.parse(black_box(p), 48_000, 48_000, false));
        visit(d);
    }
}

/// [`parse_ours`] with libopus.
fn parse_libopus(dd: &mut opus_oracle::DredDecoder, d: &mut opus_oracle::Dred, s: &Stream, mut visit: impl FnMut(&opus_oracle::Dred)) {
    for p in &s.packets {
        let _ = black_box(dd.parse(d, black_box(p), 48_000, 48_000, false));
        visit(d);
    }
}

fn dred_model() -> Result<dred::Dred> {
    dred::Dred::with_default_model().map_err(|_| Error::Opus { context: "loading the DRED model", code: -3 })
}

fn lib_dred(build: Build) -> Result<(opus_oracle::DredDecoder, opus_oracle::Dred)> {
    Ok((
        opus_oracle::DredDecoder::new(build).map_err(opus("creating a DRED decoder"))?,
        opus_oracle::Dred::new(build).map_err(opus("allocating an OpusDRED"))?,
    ))
}

/// Decodes a [`Recovery::LbrrDred`] stream with `dec`.
fn decode_recovery<D: crate::neural::RecoveryDecoder>(dec: &mut D, s: &Stream, pcm: &mut [f32], visit: impl FnMut(&[f32])) -> Result<()> {
    crate::neural::decode_with_strategy(dec, crate::neural::Strategy::LbrrDred, &s.packets, &s.lost, s.row.frame, pcm, visit).map(|_| ())
}

/// An output buffer for one packet of any stream.
pub fn pcm_buffer() -> Vec<f32> {
    vec![0.0; MAX_FRAME * 2]
}

/// Our decoder for a row: the core decoder, or the facade with its neural concealment for
/// the deep-PLC rows (complexity 5 and above).
#[derive(Debug)]
pub enum OursDecoder {
    /// `opus_core::decoder::OpusDecoder` (no neural concealment attached).
    Core(Box<OpusDecoder>),
    /// `dred_opus::Decoder` (deep PLC at complexity 5 and above).
    Facade(Box<dred_opus::Decoder>),
}

impl OursDecoder {
    /// Clears the stream state (settings kept).
    pub fn reset(&mut self) {
        match self {
            OursDecoder::Core(d) => d.reset(),
            OursDecoder::Facade(d) => d.reset(),
        }
    }
}

fn ours_error(context: &'static str) -> impl Fn(opus_core::Error) -> Error {
    move |e| Error::Opus { context, code: e.libopus_code() }
}

/// A fresh decoder of ours for `s` (48 kHz, the stream's channels, the row's complexity).
///
/// # Errors
/// Never for the rows here.
pub fn new_ours(s: &Stream) -> Result<OursDecoder> {
    let e = ours_error("creating our decoder");
    if s.row.complexity > 0 {
        let mut d = dred_opus::Decoder::new(DECODE_RATE, s.row.channels).map_err(&e)?;
        d.set_complexity(s.row.complexity).map_err(&e)?;
        Ok(OursDecoder::Facade(Box::new(d)))
    } else {
        Ok(OursDecoder::Core(Box::new(OpusDecoder::new(DECODE_RATE, s.row.channels).map_err(&e)?)))
    }
}

/// A fresh libopus decoder of `build` for `s` (with the row's complexity).
///
/// # Errors
/// Never for the rows here.
pub fn new_libopus(build: Build, s: &Stream) -> Result<LibDecoder> {
    let mut d = LibDecoder::new(build, DECODE_RATE as i32, s.row.channels).map_err(opus("creating a libopus decoder"))?;
    if s.row.complexity > 0 {
        d.set(ctl::SET_COMPLEXITY, s.row.complexity).map_err(opus("setting the complexity"))?;
    }
    Ok(d)
}

/// Decodes the whole stream with our decoder (float); `visit` sees each call's output.
/// Returns the samples decoded per channel.
///
/// # Errors
/// If a call fails.
pub fn decode_ours(dec: &mut OursDecoder, s: &Stream, pcm: &mut [f32], mut visit: impl FnMut(&[f32])) -> Result<usize> {
    let f = s.row.frame;
    let ch = s.row.channels;
    let mut total = 0;
    for (p, &lost) in s.packets.iter().zip(&s.lost) {
        let data = if lost { None } else { Some(p.as_slice()) };
        let n = match dec {
            OursDecoder::Core(d) => d.decode_float(data, pcm, f, false),
            OursDecoder::Facade(d) => d.decode_raw(data, pcm, f, false),
        }
        .map_err(ours_error("decoding with dred-opus"))?;
        visit(&pcm[..n * ch]);
        total += n;
    }
    Ok(total)
}

/// [`decode_ours`] with libopus.
///
/// # Errors
/// If a call fails.
pub fn decode_libopus(dec: &mut LibDecoder, s: &Stream, pcm: &mut [f32], mut visit: impl FnMut(&[f32])) -> Result<usize> {
    let f = s.row.frame;
    let ch = s.row.channels;
    let mut total = 0;
    for (p, &lost) in s.packets.iter().zip(&s.lost) {
        let data = if lost { None } else { Some(p.as_slice()) };
        let n = dec.decode_float(data, pcm, f, false).map_err(opus("decoding with libopus"))?;
        visit(&pcm[..n * ch]);
        total += n;
    }
    Ok(total)
}

/// Whether our float output is bit-identical with libopus generic's for the whole stream.
///
/// # Errors
/// If a decoder fails.
pub fn bit_exact(s: &Stream) -> Result<bool> {
    let mut pcm = pcm_buffer();
    match s.row.recovery {
        Recovery::None => {}
        Recovery::DredParse => {
            let mut ours = Vec::new();
            parse_ours(&mut dred_model()?, s, |d| {
                // Only a processed payload has defined contents (libopus leaves the fields of a
                // packet without DRED as the previous parse left them).
                let stage = d.process_stage().libopus_value();
                let n = if stage == 2 { d.nb_latents() } else { 0 };
                ours.push((stage, n as i32, d.fec_features()[..n * 4 * 20].iter().map(|x| x.to_bits()).collect::<Vec<_>>()));
            });
            let (mut dd, mut d) = lib_dred(Build::Generic)?;
            let mut theirs = Vec::new();
            parse_libopus(&mut dd, &mut d, s, |d| {
                let f = d.fields();
                let stage = f.process_stage;
                let n = if stage == 2 { f.nb_latents.max(0) as usize } else { 0 };
                theirs.push((stage, n as i32, f.fec_features[..n * 4 * 20].iter().map(|x| x.to_bits()).collect::<Vec<_>>()));
            });
            return Ok(ours == theirs);
        }
        Recovery::LbrrDred => {
            let mut ours = Vec::new();
            decode_recovery(&mut crate::neural::OursRecovery::new(DECODE_RATE, s.row.complexity)?, s, &mut pcm, |x| ours.extend_from_slice(x))?;
            let mut theirs = Vec::new();
            decode_recovery(&mut crate::neural::LibRecovery::new(Build::Generic, DECODE_RATE, s.row.complexity)?, s, &mut pcm, |x| theirs.extend_from_slice(x))?;
            return Ok(ours.len() == theirs.len() && ours.iter().zip(&theirs).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }
    let mut ours = Vec::with_capacity(s.samples() * s.row.channels);
    decode_ours(&mut new_ours(s)?, s, &mut pcm, |x| ours.extend_from_slice(x))?;
    let mut theirs = Vec::with_capacity(ours.len());
    decode_libopus(&mut new_libopus(Build::Generic, s)?, s, &mut pcm, |x| theirs.extend_from_slice(x))?;
    Ok(ours.len() == theirs.len() && ours.iter().zip(&theirs).all(|(a, b)| a.to_bits() == b.to_bits()))
}

/// The decoders compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contender {
    /// `opus_core::decoder::OpusDecoder` (`dred_opus::Decoder` for the deep-PLC rows).
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

/// Times one whole-stream decode in seconds (decoder creation not included).
///
/// # Errors
/// If a decoder fails.
pub fn time_once(who: Contender, s: &Stream, pcm: &mut [f32]) -> Result<f64> {
    let sink = |x: &[f32]| {
        black_box(x);
    };
    let build = if who == Contender::LibopusSimd { Build::Simd } else { Build::Generic };
    match (s.row.recovery, who) {
        (Recovery::None, _) => {}
        (Recovery::DredParse, Contender::Ours) => {
            let mut d = dred_model()?;
            let t = Instant::now();
            parse_ours(&mut d, s, |d| {
                black_box(d);
            });
            return Ok(t.elapsed().as_secs_f64());
        }
        (Recovery::DredParse, _) => {
            let (mut dd, mut d) = lib_dred(build)?;
            let t = Instant::now();
            parse_libopus(&mut dd, &mut d, s, |d| {
                black_box(d);
            });
            return Ok(t.elapsed().as_secs_f64());
        }
        (Recovery::LbrrDred, Contender::Ours) => {
            let mut d = crate::neural::OursRecovery::new(DECODE_RATE, s.row.complexity)?;
            let t = Instant::now();
            decode_recovery(&mut d, s, pcm, sink)?;
            return Ok(t.elapsed().as_secs_f64());
        }
        (Recovery::LbrrDred, _) => {
            let mut d = crate::neural::LibRecovery::new(build, DECODE_RATE, s.row.complexity)?;
            let t = Instant::now();
            decode_recovery(&mut d, s, pcm, sink)?;
            return Ok(t.elapsed().as_secs_f64());
        }
    }
    match who {
        Contender::Ours => {
            let mut d = new_ours(s)?;
            let t = Instant::now();
            black_box(decode_ours(&mut d, s, pcm, sink)?);
            Ok(t.elapsed().as_secs_f64())
        }
        Contender::LibopusSimd | Contender::LibopusGeneric => {
            let build = if who == Contender::LibopusSimd { Build::Simd } else { Build::Generic };
            let mut d = new_libopus(build, s)?;
            let t = Instant::now();
            black_box(decode_libopus(&mut d, s, pcm, sink)?);
            Ok(t.elapsed().as_secs_f64())
        }
    }
}

/// The measurements of one row.
#[derive(Clone, Debug)]
pub struct RowResult {
    /// The row.
    pub row: Row,
    /// Modes and bandwidths of the packets.
    pub content: String,
    /// Audio decoded per pass, seconds.
    pub seconds: f64,
    /// Our float output is bit-identical with libopus generic's.
    pub bit_exact: bool,
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
}

/// The median of `x` (the mean of the two middle values for an even count); 0 when empty.
pub fn median(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

/// Runs the benchmark: one untimed warm-up pass of every decoder on every stream, then `reps`
/// interleaved repetitions. `progress` is called after each repetition.
///
/// # Errors
/// If a decoder fails.
pub fn run(streams: &[Stream], reps: usize, mut progress: impl FnMut(usize)) -> Result<Vec<RowResult>> {
    let mut pcm = pcm_buffer();
    let mut results = Vec::with_capacity(streams.len());
    for s in streams {
        for who in Contender::ALL {
            time_once(who, s, &mut pcm)?;
        }
        results.push(RowResult {
            row: s.row.clone(),
            content: s.content.clone(),
            seconds: s.seconds,
            bit_exact: bit_exact(s)?,
            times: [Vec::with_capacity(reps), Vec::with_capacity(reps), Vec::with_capacity(reps)],
        });
    }
    for rep in 0..reps {
        for (s, r) in streams.iter().zip(results.iter_mut()) {
            for j in 0..3 {
                let i = (rep + j) % 3;
                r.times[i].push(time_once(Contender::ALL[i], s, &mut pcm)?);
            }
        }
        progress(rep + 1);
    }
    Ok(results)
}

/// The results as a Markdown table.
pub fn table(results: &[RowResult]) -> String {
    let mut t = String::new();
    t.push_str("| Stream (decoded to 48 kHz float) | ours ms/s | libopus SIMD ms/s | libopus generic ms/s | ours / SIMD | ours / generic | bit-exact vs generic |\n");
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
            if r.bit_exact { "yes" } else { "NO" },
        );
    }
    t
}

/// Facts about the machine and the build, for the report.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// CPU model name (`/proc/cpuinfo`).
    pub cpu: String,
    /// Logical CPUs.
    pub cpus: usize,
    /// What libopus's run-time CPU detection picks here.
    pub libopus_simd_level: String,
    /// libopus version strings, SIMD then generic.
    pub libopus_versions: [String; 2],
    /// `rustc --version`, when it can be run.
    pub rustc: String,
    /// `git rev-parse --short HEAD`, with "+ uncommitted changes" when the tree is dirty.
    pub commit: String,
    /// UTC date, YYYY-MM-DD.
    pub date: String,
}

fn command_output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The level libopus 1.6.1's x86 run-time detection (`celt/x86/x86cpu.c`) selects on this
/// CPU, and the decoder kernels that level replaces in the float build.
pub fn libopus_simd_level() -> String {
    #[cfg(target_arch = "x86_64")]
    {
        let avx2 = is_x86_feature_detected!("avx") && is_x86_feature_detected!("fma") && is_x86_feature_detected!("avx2");
        let sse41 = is_x86_feature_detected!("sse4.1");
        let level = if avx2 {
            "AVX2 (CPU has AVX, FMA and AVX2)"
        } else if sse41 {
            "SSE4.1 (no AVX2)"
        } else {
            "SSE2"
        };
        format!(
            "{level}; float decoder kernels: SSE `xcorr_kernel`, `celt_inner_prod`, `dual_inner_prod`, \
             `comb_filter_const` (always), {} `celt_pitch_xcorr` (PLC pitch search); the rest is C at -O3, x86-64 baseline",
            if avx2 { "AVX2" } else { "SSE" }
        )
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        format!("{} (not x86-64: see libopus's arm/ dispatch)", std::env::consts::ARCH)
    }
}

/// Civil date (UTC) of a Unix time, YYYY-MM-DD.
fn civil_date(unix_secs: u64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = (unix_secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

impl Environment {
    /// Collects what can be found; unknown fields say "unknown".
    pub fn detect() -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| s.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|s| s.trim().to_string()))
            .unwrap_or_else(|| "unknown".into());
        let commit = match command_output("git", &["rev-parse", "--short", "HEAD"]) {
            Some(c) => {
                let dirty = command_output("git", &["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
                if dirty {
                    format!("{c} + uncommitted changes")
                } else {
                    c
                }
            }
            None => "unknown".into(),
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Environment {
            cpu,
            cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            libopus_simd_level: libopus_simd_level(),
            libopus_versions: [Build::Simd.version(), Build::Generic.version()],
            rustc: command_output("rustc", &["--version"]).unwrap_or_else(|| "unknown".into()),
            commit,
            date: civil_date(now),
        }
    }
}

/// The `docs/BENCHMARKS.md` report.
pub fn report(env: &Environment, results: &[RowResult], reps: usize) -> String {
    let mut s = String::new();
    s.push_str("# Decoder benchmarks\n\n");
    s.push_str(
        "Generated by `cargo run --release -p dred-opus-testvectors --bin bench -- --write docs/BENCHMARKS.md`; \
         do not edit by hand. Speed is measured here, side by side with libopus in one run, and \
         reported as ratios: no test checks it.\n\n",
    );
    s.push_str("## Machine\n\n");
    let _ = writeln!(s, "- Date: {} (UTC); commit: {}", env.date, env.commit);
    let _ = writeln!(s, "- CPU: {} ({} logical CPUs, shared with other jobs while measuring)", env.cpu, env.cpus);
    let _ = writeln!(s, "- Compiler: {} (release profile)", env.rustc);
    let _ = writeln!(
        s,
        "- libopus SIMD: `{}`, as opusic-sys 0.7.7 builds it with CMake (-O3, float, run-time CPU detection, \
         SSE/SSE2 presumed, SSE4.1/AVX2 dispatched). Level selected on this CPU: {}.",
        env.libopus_versions[0], env.libopus_simd_level
    );
    let _ = writeln!(
        s,
        "- libopus generic: `{}`, the same source as portable C (-O2, no intrinsics, `-ffp-contract=off`): \
         the build our decoder is bit-exact with.",
        env.libopus_versions[1]
    );
    s.push_str("\n## Method\n\n");
    s.push_str(
        "- Streams: speech (`arctic_a0007`, resampled to 48 kHz and looped; stereo rows put `arctic_a0009` \
         on the right channel), encoded once before timing by libopus's generic-C encoder: complexity 10, VBR, \
         the row's bitrate, mode (`OPUS_SET_FORCE_MODE`, or `OPUS_APPLICATION_RESTRICTED_LOWDELAY` for the \
         2.5 ms row), bandwidth and channel count forced; no FEC, no DTX.\n",
    );
    s.push_str(
        "- Decoding: every packet, whole stream, to **48 kHz float** (`opus_decode_float` / `OpusDecoder::decode_float`), \
         decoder complexity 0. PLC rows drop 20 % of the packets at random (fixed seed) and pass `None` \
         (a NULL packet) for them: classic concealment, no FEC, no neural PLC.\n",
    );
    s.push_str(
        "- Deep PLC rows: the same losses, decoder complexity 5 (`OPUS_SET_COMPLEXITY(5)` for libopus), which turns \
         on neural concealment (PLC predictor + FARGAN; the feature analysis with PitchDNN also runs on every \
         received frame). Ours is the facade `dred_opus::Decoder` (`decode_raw`), which carries the neural \
         state; the other rows time the core `OpusDecoder`. libopus SIMD runs its neural kernels with AVX2 where \
         the CPU has it; ours and libopus generic run the portable float/int8 arithmetic (see `docs/NEURAL.md`).\n",
    );
    let _ = writeln!(
        s,
        "- Timing: one untimed warm-up pass, then {reps} interleaved repetitions; each repetition decodes every \
         stream with each of the three decoders (order rotated per repetition), each pass with a freshly \
         created decoder (creation not timed). Figures are medians of wall-clock time, as milliseconds per \
         second of audio (ms/s; 10 ms/s = 1 % of one core in real time). Ratios above 1 mean we are slower."
    );
    s.push_str(
        "- DRED rows: a fullband VoIP stream (mode left to the encoder) with `OPUS_SET_DRED_DURATION(104)`: 128 kb/s \
         and `OPUS_SET_PACKET_LOSS_PERC(40)` for *DRED parse+process* (so libopus's rate control fills up to 26 \
         latents, 1.04 s, per payload), 64 kb/s and 20 % for *DRED-recovered decoding*. *DRED parse+process* times `opus_dred_parse` (max 1 s of history, \
         48 kHz, not deferred, so it includes `opus_dred_process`: RDOVAE decoding of the latents into features) \
         on every packet, against `dred::Dred::parse(…, 48000, 48000, false)`; no audio is decoded; bit-exact \
         there means equal `nb_latents` and features for every packet. *DRED-recovered decoding* (stream also \
         with in-band FEC) decodes the stream with 20 % random losses at complexity 5 with opus_demo's policy: \
         LBRR for the newest lost packet when the next packet has some, else `opus_decoder_dred_decode` from \
         the next packet's DRED (parsed once per gap), else concealment; ours is `dred_opus::Decoder` + `dred::Dred` \
         doing the same calls (`testvectors/src/neural.rs`, `decode_with_strategy`).\n",
    );
    s.push_str(
        "- Bit-exact: our float output compared bit for bit with libopus generic's on the same stream \
         (a sanity check that both did the same work; the differential tests are the real check).\n",
    );
    s.push_str("\n## Results\n\n");
    s.push_str(&table(results));
    for r in results.iter().filter(|r| r.row.recovery == Recovery::DredParse) {
        let packets = (r.seconds * 48_000.0 / r.row.frame as f64).round().max(1.0);
        let us = |i: usize| median(&r.times[i]) / packets * 1e6;
        let _ = writeln!(
            s,
            "\n{}: per packet, ours {:.0} µs, libopus SIMD {:.0} µs, libopus generic {:.0} µs ({}).",
            r.row.name,
            us(0),
            us(1),
            us(2),
            r.content
        );
    }
    s.push_str("\nStreams, and the spread of the repetitions (interquartile range / median: ours, SIMD, generic):\n\n");
    s.push_str("| Stream | seconds | packets (mode, bandwidth) | spread |\n|---|---:|---|---|\n");
    for r in results {
        let _ = writeln!(
            s,
            "| {} | {:.1} | {} | {:.0} %, {:.0} %, {:.0} % |",
            r.row.name,
            r.seconds,
            r.content,
            r.spread_percent(0),
            r.spread_percent(1),
            r.spread_percent(2)
        );
    }
    s.push_str(
        "\nThe criterion bench `testvectors/benches/decode.rs` (`cargo bench -p dred-opus-testvectors --bench decode`) \
         times the same rows (`ours` and `libopus_simd`) with criterion's statistics, except the two DRED rows.\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(951_782_400), "2000-02-29");
        assert_eq!(civil_date(1_767_225_600), "2026-01-01");
    }

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }

    /// Smoke: a short stream per row encodes as configured, decodes with all three decoders
    /// bit-exactly with generic, and the report renders. No timing is checked.
    #[test]
    fn smoke() {
        let streams = all_streams(0.4).unwrap();
        assert_eq!(streams.len(), rows().len());
        for s in &streams {
            assert!(!s.packets.is_empty(), "{}", s.row.name);
            if s.row.recovery != Recovery::None {
                // DRED rows leave the mode to the encoder; they must carry DRED.
                assert!(s.content.contains("DRED in") || s.content.contains("Hybrid") || s.content.contains("SILK"), "{}", s.content);
                continue;
            }
            let want = match s.row.mode {
                m if s.row.application == ctl::APPLICATION_RESTRICTED_LOWDELAY || m == ctl::MODE_CELT_ONLY => "CELT",
                m if m == ctl::MODE_HYBRID => "Hybrid",
                _ => "SILK",
            };
            assert!(s.content.starts_with(want), "{}: {}", s.row.name, s.content);
        }
        let mut picked: Vec<Stream> = streams[..2].to_vec();
        picked.extend(streams.iter().filter(|s| s.row.recovery != Recovery::None).cloned());
        let results = run(&picked, 1, |_| {}).unwrap();
        assert!(results.iter().all(|r| r.bit_exact), "{:?}", results.iter().map(|r| (r.row.name, r.bit_exact)).collect::<Vec<_>>());
        let text = report(&Environment::detect(), &results, 1);
        assert!(text.contains("CELT FB mono 64 kb/s 20 ms"));
    }
}
