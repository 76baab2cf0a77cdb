//! Lossy speech streams for the deep-PLC checks: the differential test
//! `tests/diff_deep_plc_streams.rs`, the `neural_quality` tool (PESQ and SIMD-vs-generic
//! figures for `docs/NEURAL.md`) and the deep-PLC rows of the benchmark.
//!
//! Two streams are encoded by libopus 1.6.1's generic-C encoder from the two CMU ARCTIC
//! fixtures (16 kHz, concatenated, looped, resampled to 48 kHz): SILK wideband at 16 kb/s and
//! CELT fullband at 64 kb/s, 20 ms packets. Packets are then lost at random or in bursts
//! (a Gilbert–Elliott channel), with fixed seeds, and the rest decoded by `dred_opus::Decoder`
//! or by libopus, at a given complexity (5 and above turn deep PLC on).

use std::path::Path;

use opus_oracle::{ctl, Build, Decoder as LibDecoder, Encoder};

use crate::signals::{self, Rng};
use crate::{wav, Error, Result};

/// Packet duration at 48 kHz (20 ms).
pub const FRAME_48K: usize = 960;

/// The rate of the clean speech and of the fixtures.
pub const SPEECH_RATE: u32 = 16_000;

/// The two coded configurations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamKind {
    /// SILK-only wideband, 16 kb/s, VoIP application.
    SilkWb16k,
    /// CELT-only fullband, 64 kb/s, audio application.
    CeltFb64k,
}

impl StreamKind {
    /// Both, SILK first.
    pub const ALL: [StreamKind; 2] = [StreamKind::SilkWb16k, StreamKind::CeltFb64k];

    /// Short identifier (file names).
    pub fn id(self) -> &'static str {
        match self {
            StreamKind::SilkWb16k => "silk_wb_16k",
            StreamKind::CeltFb64k => "celt_fb_64k",
        }
    }

    /// Human-readable name (tables).
    pub fn name(self) -> &'static str {
        match self {
            StreamKind::SilkWb16k => "SILK WB 16 kb/s",
            StreamKind::CeltFb64k => "CELT FB 64 kb/s",
        }
    }
}

/// How packets are lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LossKind {
    /// Independently, each with the same probability.
    Random,
    /// Gilbert–Elliott: a good state losing nothing and a bad state (mean stay 4 packets)
    /// losing 90 % of its packets, with the transition rate set for the target mean loss.
    Bursty,
}

/// A loss pattern: which packets of a stream are lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LossPattern {
    /// Random or bursty.
    pub kind: LossKind,
    /// Target loss rate, percent.
    pub percent: u32,
    /// `lost[k]`: packet `k` is not given to the decoder (the first never is lost).
    pub lost: Vec<bool>,
}

impl LossPattern {
    /// Identifier such as `random20` or `bursty10`.
    pub fn id(&self) -> String {
        match self.kind {
            LossKind::Random => format!("random{}", self.percent),
            LossKind::Bursty => format!("bursty{}", self.percent),
        }
    }

    /// The share of packets actually lost, percent.
    pub fn actual_percent(&self) -> f64 {
        if self.lost.is_empty() {
            return 0.0;
        }
        self.lost.iter().filter(|&&l| l).count() as f64 * 100.0 / self.lost.len() as f64
    }

    /// Losses of `packets` packets: `kind` at `percent` % (fixed seed per kind and rate).
    pub fn new(kind: LossKind, percent: u32, packets: usize) -> Self {
        let p = f64::from(percent) / 100.0;
        let lost = match kind {
            LossKind::Random => {
                let mut rng = Rng::new(0xdee9_91c0 ^ u64::from(percent));
                (0..packets).map(|k| k > 0 && rng.uniform() < p).collect()
            }
            LossKind::Bursty => {
                let mut rng = Rng::new(0x6e11_b0e5 ^ u64::from(percent));
                let loss_in_bad = 0.9;
                let leave_bad = 0.25;
                let pi_bad = p / loss_in_bad;
                let enter_bad = leave_bad * pi_bad / (1.0 - pi_bad);
                let mut bad = false;
                (0..packets)
                    .map(|k| {
                        bad = if bad { rng.uniform() >= leave_bad } else { rng.uniform() < enter_bad };
                        let l = bad && rng.uniform() < loss_in_bad;
                        k > 0 && l
                    })
                    .collect()
            }
        };
        LossPattern { kind, percent, lost }
    }

    /// The six patterns of the checks: random and bursty at 10, 20 and 30 %.
    pub fn all(packets: usize) -> Vec<LossPattern> {
        let mut v = Vec::new();
        for kind in [LossKind::Random, LossKind::Bursty] {
            for percent in [10, 20, 30] {
                v.push(LossPattern::new(kind, percent, packets));
            }
        }
        v
    }
}

/// `seconds` of clean speech at 16 kHz: `arctic_a0007` then `arctic_a0009`, looped.
///
/// # Errors
/// If a fixture cannot be read or is not 16-bit mono.
pub fn clean_speech_16k(seconds: f64) -> Result<Vec<i16>> {
    let mut base = Vec::new();
    for name in ["arctic_a0007.wav", "arctic_a0009.wav"] {
        let w = wav::parse(&crate::read_file(&crate::fixtures_dir().join(name))?)?;
        if w.channels != 1 || w.rate != SPEECH_RATE {
            return Err(Error::Wav(wav::WavError::Unsupported("fixture must be 16 kHz mono")));
        }
        base.extend(w.samples);
    }
    let n = (seconds * f64::from(SPEECH_RATE)).round() as usize;
    Ok(base.iter().copied().cycle().take(n).collect())
}

/// An encoded stream.
#[derive(Clone, Debug)]
pub struct Stream {
    /// Its configuration.
    pub kind: StreamKind,
    /// The packets (20 ms each).
    pub packets: Vec<Vec<u8>>,
}

fn opus(context: &'static str) -> impl Fn(i32) -> Error {
    move |code| Error::Opus { context, code }
}

/// Encodes `clean` (16 kHz speech, resampled here to 48 kHz) as `kind` with libopus's
/// generic-C encoder: complexity 10, VBR, mode and bandwidth forced, mono, no FEC, no DTX.
///
/// # Errors
/// If libopus refuses a setting.
pub fn encode(kind: StreamKind, clean: &[i16]) -> Result<Stream> {
    let pcm = signals::resample(clean, 1, SPEECH_RATE, 48_000);
    let (application, mode, bandwidth, bitrate) = match kind {
        StreamKind::SilkWb16k => (ctl::APPLICATION_VOIP, ctl::MODE_SILK_ONLY, ctl::BANDWIDTH_WIDEBAND, 16_000),
        StreamKind::CeltFb64k => (ctl::APPLICATION_AUDIO, ctl::MODE_CELT_ONLY, ctl::BANDWIDTH_FULLBAND, 64_000),
    };
    let mut enc = Encoder::new(Build::Generic, 48_000, 1, application).map_err(opus("creating the encoder"))?;
    let e = opus("configuring the encoder");
    enc.set(ctl::SET_COMPLEXITY, 10).map_err(&e)?;
    enc.set(ctl::SET_BITRATE, bitrate).map_err(&e)?;
    enc.set(ctl::SET_VBR, 1).map_err(&e)?;
    enc.set(ctl::SET_FORCE_CHANNELS, 1).map_err(&e)?;
    enc.set(ctl::SET_BANDWIDTH, bandwidth).map_err(&e)?;
    enc.set(ctl::SET_FORCE_MODE, mode).map_err(&e)?;
    let mut buf = vec![0u8; 1500];
    let packets = pcm
        .chunks_exact(FRAME_48K)
        .map(|x| {
            let n = enc.encode(x, FRAME_48K, &mut buf).map_err(opus("encoding"))?;
            Ok(buf[..n].to_vec())
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Stream { kind, packets })
}

/// A decode: 16-bit mono output and the final range after each packet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    /// The whole output.
    pub pcm: Vec<i16>,
    /// `final_range` after each packet (0 after a concealment).
    pub ranges: Vec<u32>,
}

/// Decodes `s` at `rate` Hz with `dred_opus::Decoder` at `complexity`, concealing the lost
/// packets: through [`decode`](dred_opus::Decoder::decode) and
/// [`conceal`](dred_opus::Decoder::conceal), or, with `raw`, through
/// [`decode_raw`](dred_opus::Decoder::decode_raw) (a `None` packet for a loss).
///
/// # Errors
/// If a call fails.
pub fn decode_ours(s: &Stream, lost: &[bool], rate: u32, complexity: i32, raw: bool) -> Result<Decoded> {
    let ours = |e: dred_opus::decoder::Error| Error::Opus { context: "decoding with dred-opus", code: e.libopus_code() };
    let mut dec = dred_opus::Decoder::new(rate, 1).map_err(ours)?;
    dec.set_complexity(complexity).map_err(ours)?;
    let frame = FRAME_48K * rate as usize / 48_000;
    let mut pcm = vec![0i16; frame];
    let mut out = Decoded::default();
    for (p, &l) in s.packets.iter().zip(lost) {
        let n = match (raw, l) {
            (false, false) => dec.decode(p, &mut pcm),
            (false, true) => dec.conceal(frame, &mut pcm),
            (true, _) => dec.decode_raw(if l { None } else { Some(p.as_slice()) }, &mut pcm, frame, false),
        }
        .map_err(ours)?;
        out.pcm.extend_from_slice(&pcm[..n]);
        out.ranges.push(dec.final_range());
    }
    Ok(out)
}

/// [`decode_ours`] with libopus's `build` (`OPUS_SET_COMPLEXITY(complexity)`, `opus_decode`).
///
/// # Errors
/// If a call fails.
pub fn decode_libopus(build: Build, s: &Stream, lost: &[bool], rate: u32, complexity: i32) -> Result<Decoded> {
    let mut dec = LibDecoder::new(build, rate as i32, 1).map_err(opus("creating a libopus decoder"))?;
    dec.set(ctl::SET_COMPLEXITY, complexity).map_err(opus("setting the complexity"))?;
    let frame = FRAME_48K * rate as usize / 48_000;
    let mut pcm = vec![0i16; frame];
    let mut out = Decoded::default();
    for (p, &l) in s.packets.iter().zip(lost) {
        let data = if l { None } else { Some(p.as_slice()) };
        let n = dec.decode(data, &mut pcm, frame, false).map_err(opus("decoding with libopus"))?;
        out.pcm.extend_from_slice(&pcm[..n]);
        out.ranges.push(dec.final_range());
    }
    Ok(out)
}

/// How lost packets are recovered (the "Recovery strategies" table of `docs/NEURAL.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Classic PLC: complexity 0, neither LBRR nor DRED used.
    ClassicPlc,
    /// Deep PLC: complexity 5, neither LBRR nor DRED used.
    DeepPlc,
    /// Complexity 5; the newest lost packet of a gap is recovered from the next packet's
    /// LBRR (`decode_fec`) when it has some, every other lost packet is concealed.
    Lbrr,
    /// Complexity 5; every lost packet the next packet's DRED covers is recovered from it
    /// (`dred_decode`), the others are concealed.
    Dred,
    /// Complexity 5; opus_demo's policy: LBRR for the newest lost packet when there is some,
    /// else `dred_decode` whenever the next packet has DRED (beyond its reach that call
    /// predicts with the neural PLC), else concealment.
    LbrrDred,
}

impl Strategy {
    /// All five, in table order.
    pub const ALL: [Strategy; 5] = [Strategy::ClassicPlc, Strategy::DeepPlc, Strategy::Lbrr, Strategy::Dred, Strategy::LbrrDred];

    /// Short identifier (file names).
    pub fn id(self) -> &'static str {
        match self {
            Strategy::ClassicPlc => "classic",
            Strategy::DeepPlc => "deepplc",
            Strategy::Lbrr => "lbrr",
            Strategy::Dred => "dred",
            Strategy::LbrrDred => "lbrr_dred",
        }
    }

    /// Human-readable name (tables).
    pub fn name(self) -> &'static str {
        match self {
            Strategy::ClassicPlc => "classic PLC (c0)",
            Strategy::DeepPlc => "deep PLC (c5)",
            Strategy::Lbrr => "LBRR + deep PLC",
            Strategy::Dred => "DRED + deep PLC",
            Strategy::LbrrDred => "LBRR + DRED (opus_demo)",
        }
    }

    /// Decoder complexity.
    pub fn complexity(self) -> i32 {
        if self == Strategy::ClassicPlc {
            0
        } else {
            5
        }
    }
}

/// The decoder calls a recovery policy needs, on float output; implemented for ours
/// ([`OursRecovery`]) and libopus ([`LibRecovery`]) so that both run the same calls.
pub trait RecoveryDecoder {
    /// Decodes a packet.
    fn decode(&mut self, packet: &[u8], pcm: &mut [f32], frame: usize) -> Result<usize>;
    /// Conceals `frame` samples.
    fn conceal(&mut self, pcm: &mut [f32], frame: usize) -> Result<usize>;
    /// Recovers the frame before `next` from its LBRR.
    fn decode_fec(&mut self, next: &[u8], pcm: &mut [f32], frame: usize) -> Result<usize>;
    /// Whether `packet` carries LBRR.
    fn has_lbrr(&self, packet: &[u8]) -> bool;
    /// Parses (and processes) the DRED of `packet`, up to `max_samples` of history; returns the
    /// samples covered (0 without DRED or on error).
    fn dred_parse(&mut self, packet: &[u8], max_samples: i32) -> i32;
    /// Synthesises `frame` samples from the DRED last parsed, `offset` samples before its packet.
    fn dred_decode(&mut self, offset: i32, pcm: &mut [f32], frame: usize) -> Result<usize>;
    /// The last packet's duration (0 if none yet).
    fn last_packet_duration(&mut self) -> usize;
    /// The output rate.
    fn rate(&self) -> i32;
}

fn ours_err(context: &'static str) -> impl Fn(dred_opus::decoder::Error) -> Error {
    move |e| Error::Opus { context, code: e.libopus_code() }
}

/// `dred_opus::Decoder` with a `dred::Dred`.
pub struct OursRecovery {
    /// The decoder.
    pub dec: dred_opus::Decoder,
    /// The DRED state.
    pub dred: dred::Dred,
}

impl OursRecovery {
    /// Mono at `rate` Hz and `complexity`.
    ///
    /// # Errors
    /// If a setting is refused.
    pub fn new(rate: u32, complexity: i32) -> Result<Self> {
        let mut dec = dred_opus::Decoder::new(rate, 1).map_err(ours_err("creating our decoder"))?;
        dec.set_complexity(complexity).map_err(ours_err("setting the complexity"))?;
        let dred = dred::Dred::with_default_model().map_err(|_| Error::Opus { context: "loading the DRED model", code: -3 })?;
        Ok(OursRecovery { dec, dred })
    }
}

impl RecoveryDecoder for OursRecovery {
    fn decode(&mut self, packet: &[u8], pcm: &mut [f32], _frame: usize) -> Result<usize> {
        self.dec.decode(packet, pcm).map_err(ours_err("decoding with dred-opus"))
    }
    fn conceal(&mut self, pcm: &mut [f32], frame: usize) -> Result<usize> {
        self.dec.conceal(frame, pcm).map_err(ours_err("concealing with dred-opus"))
    }
    fn decode_fec(&mut self, next: &[u8], pcm: &mut [f32], frame: usize) -> Result<usize> {
        self.dec.decode_fec(next, frame, pcm).map_err(ours_err("LBRR with dred-opus"))
    }
    fn has_lbrr(&self, packet: &[u8]) -> bool {
        opus_core::packet::has_lbrr(packet).unwrap_or(false)
    }
    fn dred_parse(&mut self, packet: &[u8], max_samples: i32) -> i32 {
        let rate = self.rate();
        self.dred.parse(packet, max_samples, rate, false).map_or(0, |p| p.samples.max(0))
    }
    fn dred_decode(&mut self, offset: i32, pcm: &mut [f32], frame: usize) -> Result<usize> {
        self.dec.dred_decode(&self.dred, offset, pcm, frame).map_err(ours_err("DRED with dred-opus"))
    }
    fn last_packet_duration(&mut self) -> usize {
        self.dec.last_packet_duration()
    }
    fn rate(&self) -> i32 {
        self.dec.sample_rate() as i32
    }
}

/// A libopus decoder of one build with its DRED decoder and state.
pub struct LibRecovery {
    /// The build.
    pub build: Build,
    /// The decoder.
    pub dec: LibDecoder,
    /// `OpusDREDDecoder`.
    pub dred_dec: opus_oracle::DredDecoder,
    /// `OpusDRED`.
    pub dred: opus_oracle::Dred,
    rate: i32,
}

impl LibRecovery {
    /// Mono at `rate` Hz and `complexity`.
    ///
    /// # Errors
    /// If libopus refuses a setting.
    pub fn new(build: Build, rate: u32, complexity: i32) -> Result<Self> {
        let mut dec = LibDecoder::new(build, rate as i32, 1).map_err(opus("creating a libopus decoder"))?;
        dec.set(ctl::SET_COMPLEXITY, complexity).map_err(opus("setting the complexity"))?;
        let dred_dec = opus_oracle::DredDecoder::new(build).map_err(opus("creating a DRED decoder"))?;
        let dred = opus_oracle::Dred::new(build).map_err(opus("allocating an OpusDRED"))?;
        Ok(LibRecovery { build, dec, dred_dec, dred, rate: rate as i32 })
    }
}

impl RecoveryDecoder for LibRecovery {
    fn decode(&mut self, packet: &[u8], pcm: &mut [f32], frame: usize) -> Result<usize> {
        let _ = frame;
        let cap = pcm.len();
        self.dec.decode_float(Some(packet), pcm, cap, false).map_err(opus("decoding with libopus"))
    }
    fn conceal(&mut self, pcm: &mut [f32], frame: usize) -> Result<usize> {
        self.dec.decode_float(None, pcm, frame, false).map_err(opus("concealing with libopus"))
    }
    fn decode_fec(&mut self, next: &[u8], pcm: &mut [f32], frame: usize) -> Result<usize> {
        self.dec.decode_float(Some(next), pcm, frame, true).map_err(opus("LBRR with libopus"))
    }
    fn has_lbrr(&self, packet: &[u8]) -> bool {
        opus_oracle::packet_has_lbrr(self.build, packet).unwrap_or(false)
    }
    fn dred_parse(&mut self, packet: &[u8], max_samples: i32) -> i32 {
        self.dred_dec.parse(&mut self.dred, packet, max_samples, self.rate, false).map_or(0, |(n, _)| n.max(0))
    }
    fn dred_decode(&mut self, offset: i32, pcm: &mut [f32], frame: usize) -> Result<usize> {
        self.dec.dred_decode_float(&self.dred, offset, pcm, frame).map_err(opus("DRED with libopus"))
    }
    fn last_packet_duration(&mut self) -> usize {
        self.dec.last_packet_duration().max(0) as usize
    }
    fn rate(&self) -> i32 {
        self.rate
    }
}

/// How each packet's audio was obtained, counted by [`decode_with_strategy`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecoveryCounts {
    /// Packets decoded.
    pub decoded: usize,
    /// Recovered from LBRR.
    pub lbrr: usize,
    /// `dred_decode` calls.
    pub dred: usize,
    /// Concealed.
    pub plc: usize,
}

/// Decodes `packets` (mono, `frame` samples each at the decoder's rate) with `lost` ones
/// recovered by `strategy`, as opus_demo does: a gap is recovered when the packet after it
/// arrives (parsing that packet's DRED once, for as much history as the gap needs, at most
/// 1 s), trailing losses are concealed. `visit` sees every call's output, in order.
///
/// # Errors
/// If a decoder call fails.
pub fn decode_with_strategy<D: RecoveryDecoder>(
    dec: &mut D,
    strategy: Strategy,
    packets: &[Vec<u8>],
    lost: &[bool],
    frame: usize,
    pcm: &mut [f32],
    mut visit: impl FnMut(&[f32]),
) -> Result<RecoveryCounts> {
    let mut c = RecoveryCounts::default();
    let mut gap = 0usize;
    for (p, &l) in packets.iter().zip(lost) {
        if l {
            gap += 1;
            continue;
        }
        if gap > 0 {
            let n = match dec.last_packet_duration() {
                0 => frame,
                n => n,
            };
            let use_lbrr = matches!(strategy, Strategy::Lbrr | Strategy::LbrrDred) && dec.has_lbrr(p);
            let dred_samples = if matches!(strategy, Strategy::Dred | Strategy::LbrrDred) {
                dec.dred_parse(p, ((gap * n) as i32).min(dec.rate()))
            } else {
                0
            };
            for fr in 0..gap {
                let offset = ((gap - fr) * n) as i32;
                let got = if fr == gap - 1 && use_lbrr {
                    c.lbrr += 1;
                    dec.decode_fec(p, pcm, n)?
                } else if dred_samples > 0 && (strategy == Strategy::LbrrDred || offset - (n as i32) < dred_samples) {
                    c.dred += 1;
                    dec.dred_decode(offset, pcm, n)?
                } else {
                    c.plc += 1;
                    dec.conceal(pcm, n)?
                };
                visit(&pcm[..got]);
            }
            gap = 0;
        }
        let got = dec.decode(p, pcm, frame)?;
        c.decoded += 1;
        visit(&pcm[..got]);
    }
    for _ in 0..gap {
        let n = match dec.last_packet_duration() {
            0 => frame,
            n => n,
        };
        let got = dec.conceal(pcm, n)?;
        c.plc += 1;
        visit(&pcm[..got]);
    }
    Ok(c)
}

/// 16 kHz mono speech `clean` encoded as SILK/hybrid VoIP at `bitrate` by libopus's generic
/// encoder (complexity 10, VBR, mono, 20 ms), with `fec`: in-band FEC on, DRED for 100 ms
/// (`OPUS_SET_DRED_DURATION(100)`) and `OPUS_SET_PACKET_LOSS_PERC(loss_percent)`.
///
/// # Errors
/// If libopus refuses a setting.
pub fn encode_voip(clean: &[i16], bitrate: i32, fec: bool, loss_percent: i32) -> Result<Vec<Vec<u8>>> {
    let mut enc = Encoder::new(Build::Generic, SPEECH_RATE as i32, 1, ctl::APPLICATION_VOIP).map_err(opus("creating the encoder"))?;
    let e = opus("configuring the encoder");
    enc.set(ctl::SET_COMPLEXITY, 10).map_err(&e)?;
    enc.set(ctl::SET_BITRATE, bitrate).map_err(&e)?;
    enc.set(ctl::SET_VBR, 1).map_err(&e)?;
    if fec {
        enc.set(ctl::SET_INBAND_FEC, 1).map_err(&e)?;
        enc.set(ctl::SET_DRED_DURATION, 100).map_err(&e)?;
        enc.set(ctl::SET_PACKET_LOSS_PERC, loss_percent).map_err(&e)?;
    }
    let frame = SPEECH_RATE as usize / 50;
    let mut buf = vec![0u8; 1500];
    clean
        .chunks_exact(frame)
        .map(|x| {
            let n = enc.encode(x, frame, &mut buf).map_err(opus("encoding"))?;
            Ok(buf[..n].to_vec())
        })
        .collect()
}

/// Float samples to 16-bit (rounded, clamped).
pub fn to_i16(x: &[f32]) -> Vec<i16> {
    x.iter().map(|&v| (v * 32768.0).round().clamp(-32768.0, 32767.0) as i16).collect()
}

/// Signal-to-noise ratio of `test` against `reference` in dB (infinite when identical; over
/// the common length).
pub fn snr_db(reference: &[i16], test: &[i16]) -> f64 {
    let (mut sig, mut noise) = (0.0f64, 0.0f64);
    for (&r, &t) in reference.iter().zip(test) {
        sig += f64::from(r) * f64::from(r);
        let d = f64::from(r) - f64::from(t);
        noise += d * d;
    }
    if noise == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (sig / noise).log10()
    }
}

/// Largest absolute sample difference.
pub fn max_abs_diff(a: &[i16], b: &[i16]) -> i32 {
    a.iter().zip(b).map(|(&x, &y)| (i32::from(x) - i32::from(y)).abs()).max().unwrap_or(0)
}

/// A 16-bit PCM WAV file.
pub fn wav_bytes(rate: u32, channels: u16, samples: &[i16]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut b = Vec::with_capacity(44 + samples.len() * 2);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
    b.extend_from_slice(&(channels * 2).to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    b.extend_from_slice(&crate::pcm_to_bytes(samples));
    b
}

/// Writes a mono 16-bit WAV file.
///
/// # Errors
/// If the file cannot be written.
pub fn write_wav(path: &Path, rate: u32, samples: &[i16]) -> Result<()> {
    crate::write_file(path, &wav_bytes(rate, 1, samples))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_patterns_hit_their_rates() {
        for p in LossPattern::all(20_000) {
            let a = p.actual_percent();
            assert!((a - f64::from(p.percent)).abs() < 2.0, "{}: {a}", p.id());
            assert!(!p.lost[0]);
        }
        // Bursty losses come in runs.
        let runs = |l: &[bool]| l.windows(2).filter(|w| w[0] && w[1]).count();
        let r = LossPattern::new(LossKind::Random, 20, 20_000);
        let b = LossPattern::new(LossKind::Bursty, 20, 20_000);
        assert!(runs(&b.lost) > 2 * runs(&r.lost));
    }

    #[test]
    fn wav_round_trip() {
        let x = [1i16, -2, 300, -32768];
        let w = wav::parse(&wav_bytes(16_000, 1, &x)).unwrap();
        assert_eq!((w.rate, w.channels, w.samples.as_slice()), (16_000, 1, &x[..]));
    }
}
