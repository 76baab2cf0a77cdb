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
