//! The conformance vector matrix.
//!
//! Each [`Vector`] names an input signal, encoder settings, a frame size, an optional
//! switching sweep, an optional packet-loss pattern, and the decoder configurations its
//! reference decodes are made for. Bitstreams come from libopus's generic-C encoder, so the
//! whole matrix is deterministic.
//!
//! Coverage (see [`full`]):
//! - SILK NB/MB/WB at 10/20/40/60 ms; hybrid SWB/FB at 10/20 ms; CELT NB/WB/SWB/FB at
//!   2.5/5/10/20 ms (CELT has no mediumband); multi-frame packets of 40 to 120 ms in each mode;
//! - mono and stereo inputs, CBR, VBR and constrained VBR, encoder complexity 0 to 10;
//! - DTX on speech and on noise bursts separated by silence;
//! - in-band FEC with 10-20 % loss; DRED (1 s of redundancy, 20 % expected loss) with bursty
//!   loss; plain PLC with loss;
//! - mode, bandwidth, frame-size and channel-count sweeps (CTLs changed every N packets).
//!
//! Decoder configurations: decoding every vector at every rate (8/12/16/24/48 kHz), both
//! channel counts and complexities 0/5/10 would be 30 decodes per build; instead each vector
//! gets a covering subset chosen by [`decode_configs`]:
//! - always 48 kHz stereo at complexity 0 (`opus_demo`'s default complexity) and at 10;
//! - one mono and one stereo decode at complexity 0 at lower rates, rotating through
//!   8/12/16/24 kHz with the vector's index, so every rate meets every mode in both channel
//!   counts, and one more at complexity 10 (mono on even indices, stereo on odd ones);
//! - with packet loss (where deep PLC, DRED and their complexity thresholds matter): 48 kHz
//!   stereo and 16 kHz mono at complexity 5, and 16 kHz mono at complexity 10;
//! - and, for every configuration, the 48 kHz decode with the same channel count and
//!   complexity, which is the reference `opus_compare` needs ([`compare_anchor`]).

use opus_oracle::ctl;

use crate::demo_decode::DecodeConfig;
use crate::signals::{Clip, Synth};

/// Bumped whenever the generator's output for an unchanged matrix entry changes (signal
/// synthesis, resampling, encoding loop, reference decoding): it is part of every hash.
pub const GENERATOR_VERSION: u32 = 1;

/// Frame sizes in samples per channel at 48 kHz.
pub mod frame {
    /// 2.5 ms.
    pub const MS2_5: usize = 120;
    /// 5 ms.
    pub const MS5: usize = 240;
    /// 10 ms.
    pub const MS10: usize = 480;
    /// 20 ms.
    pub const MS20: usize = 960;
    /// 40 ms.
    pub const MS40: usize = 1920;
    /// 60 ms.
    pub const MS60: usize = 2880;
    /// 80 ms.
    pub const MS80: usize = 3840;
    /// 100 ms.
    pub const MS100: usize = 4800;
    /// 120 ms.
    pub const MS120: usize = 5760;
}

/// Where a vector's audio comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Source {
    /// One CMU ARCTIC clip.
    Speech(Clip),
    /// Both clips, one per channel (two talkers; mono inputs average them).
    SpeechPair,
    /// A synthetic signal with its seed.
    Synth(Synth, u64),
}

/// Rate control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateControl {
    /// Constant bit rate (`OPUS_SET_VBR(0)`).
    Cbr,
    /// Unconstrained VBR.
    Vbr,
    /// Constrained VBR.
    Cvbr,
}

/// Encoder settings applied once before the first frame.
#[derive(Clone, Debug, PartialEq)]
pub struct EncoderSettings {
    /// `OPUS_APPLICATION_*`.
    pub application: i32,
    /// Bits per second.
    pub bitrate: i32,
    /// Rate control.
    pub rate_control: RateControl,
    /// Encoder complexity 0..=10.
    pub complexity: i32,
    /// `OPUS_SET_FORCE_MODE` (`MODE_*`), or `None` for the encoder's choice.
    pub mode: Option<i32>,
    /// `OPUS_SET_BANDWIDTH`, or `None` for `OPUS_AUTO`.
    pub bandwidth: Option<i32>,
    /// In-band FEC (LBRR).
    pub fec: bool,
    /// Discontinuous transmission.
    pub dtx: bool,
    /// `OPUS_SET_PACKET_LOSS_PERC`.
    pub loss_perc: i32,
    /// `OPUS_SET_DRED_DURATION` in 10 ms units (0 = off).
    pub dred_frames: i32,
}

/// One step of a sweep: the CTLs to set when it starts (`None` leaves a setting alone).
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// `OPUS_SET_FORCE_MODE`.
    pub mode: Option<i32>,
    /// `OPUS_SET_BANDWIDTH`.
    pub bandwidth: Option<i32>,
    /// Frame size in samples at 48 kHz.
    pub frame: Option<usize>,
    /// `OPUS_SET_FORCE_CHANNELS`.
    pub channels: Option<i32>,
    /// `OPUS_SET_BITRATE`.
    pub bitrate: Option<i32>,
}

/// CTL changes every `every` packets, cycling through `steps`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// Packets per step.
    pub every: usize,
    /// The steps, in order, repeated.
    pub steps: Vec<Step>,
}

/// A fixed-seed two-state (Gilbert) loss pattern.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Loss {
    /// Long-run fraction of lost packets, in percent.
    pub percent: u32,
    /// Mean length of a run of losses, in packets (1 = independent losses).
    pub mean_burst: u32,
    /// Seed of the pattern.
    pub seed: u64,
}

/// One entry of the matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Vector {
    /// File-name stem, unique in the matrix.
    pub name: String,
    /// The audio.
    pub source: Source,
    /// Input (and encoder) channels.
    pub channels: usize,
    /// Seconds of input to encode (clips are cut or padded with silence).
    pub seconds: f64,
    /// Encoder settings.
    pub encoder: EncoderSettings,
    /// Frame size in samples at 48 kHz (the first one, when a sweep changes it).
    pub frame: usize,
    /// CTL changes during the stream.
    pub sweep: Option<Sweep>,
    /// Packets dropped from the stream (written as length 0).
    pub loss: Option<Loss>,
    /// The decoder configurations to make references for.
    pub decodes: Vec<DecodeConfig>,
}

impl Vector {
    /// The hash that decides whether cached files of this vector are current: the entry
    /// itself, the generator version and libopus's version.
    pub fn hash(&self) -> u64 {
        let text = format!("{GENERATOR_VERSION}|{}|{:?}", opus_oracle::Build::Generic.version(), self);
        crate::fnv1a64(text.as_bytes())
    }

    /// Whether the vector's stream has lost packets.
    pub fn is_lossy(&self) -> bool {
        self.loss.is_some()
    }
}

/// The hash of a whole matrix.
pub fn matrix_hash(vectors: &[Vector]) -> u64 {
    let all: String = vectors.iter().map(|v| format!("{}:{:016x};", v.name, v.hash())).collect();
    crate::fnv1a64(all.as_bytes())
}

const LOW_RATES: [u32; 4] = [8000, 12000, 16000, 24000];

/// The covering subset of decoder configurations for the vector at `index` (module docs).
pub fn decode_configs(index: usize, lossy: bool) -> Vec<DecodeConfig> {
    let mut v = vec![
        DecodeConfig::new(48000, 2, 0),
        DecodeConfig::new(48000, 2, 10),
        DecodeConfig::new(LOW_RATES[index % 4], 1, 0),
        DecodeConfig::new(LOW_RATES[(index + 2) % 4], 2, 0),
    ];
    if index % 2 == 0 {
        v.push(DecodeConfig::new(LOW_RATES[(index + 3) % 4], 1, 10));
    } else {
        v.push(DecodeConfig::new(LOW_RATES[(index + 1) % 4], 2, 10));
    }
    if lossy {
        v.push(DecodeConfig::new(48000, 2, 5));
        v.push(DecodeConfig::new(16000, 1, 5));
        v.push(DecodeConfig::new(16000, 1, 10));
    }
    with_compare_anchors(v)
}

/// Adds the `opus_compare` reference of every configuration ([`compare_anchor`]), sorts and
/// removes duplicates.
pub fn with_compare_anchors(mut v: Vec<DecodeConfig>) -> Vec<DecodeConfig> {
    let anchors: Vec<DecodeConfig> = v.iter().map(compare_anchor).collect();
    v.extend(anchors);
    v.sort();
    v.dedup();
    v
}

/// The configuration whose decode is the `opus_compare` reference of `cfg`: 48 kHz with the
/// same channel count and complexity. As in RFC 8251's test procedure, stereo decodes are
/// compared with a 48 kHz stereo decode (`opus_compare -s`) and mono decodes with a 48 kHz
/// mono decode (the RFC's `testvectorNNm.dec`), since a mono decoder's downmix of a stereo
/// stream is not the average of the stereo decoder's channels.
pub const fn compare_anchor(cfg: &DecodeConfig) -> DecodeConfig {
    DecodeConfig::new(48000, cfg.channels, cfg.complexity)
}

struct B {
    list: Vec<Vector>,
}

fn enc(application: i32, bitrate: i32, mode: Option<i32>, bandwidth: Option<i32>) -> EncoderSettings {
    EncoderSettings {
        application,
        bitrate,
        rate_control: RateControl::Vbr,
        complexity: 10,
        mode,
        bandwidth,
        fec: false,
        dtx: false,
        loss_perc: 0,
        dred_frames: 0,
    }
}

fn step(mode: Option<i32>, bandwidth: Option<i32>, frame: Option<usize>) -> Step {
    Step { mode, bandwidth, frame, channels: None, bitrate: None }
}

impl B {
    fn add(&mut self, name: &str, source: Source, channels: usize, seconds: f64, encoder: EncoderSettings, frame: usize) -> &mut Vector {
        self.list.push(Vector {
            name: name.to_string(),
            source,
            channels,
            seconds,
            encoder,
            frame,
            sweep: None,
            loss: None,
            decodes: Vec::new(),
        });
        let n = self.list.len();
        &mut self.list[n - 1]
    }
}

/// The full matrix.
pub fn full() -> Vec<Vector> {
    use ctl::*;
    use frame::*;
    let mut b = B { list: Vec::new() };
    let speech7 = Source::Speech(Clip::A0007);
    let speech9 = Source::Speech(Clip::A0009);
    let silk = Some(MODE_SILK_ONLY);
    let hybrid = Some(MODE_HYBRID);
    let celt = Some(MODE_CELT_ONLY);
    let (nb, mb, wb, swb, fb) = (
        Some(BANDWIDTH_NARROWBAND),
        Some(BANDWIDTH_MEDIUMBAND),
        Some(BANDWIDTH_WIDEBAND),
        Some(BANDWIDTH_SUPERWIDEBAND),
        Some(BANDWIDTH_FULLBAND),
    );

    // SILK: every bandwidth at every frame size.
    for (bw_name, bw, rate) in [("nb", nb, 12000), ("mb", mb, 16000), ("wb", wb, 20000)] {
        for (ms, fr) in [("10", MS10), ("20", MS20), ("40", MS40), ("60", MS60)] {
            let src = if fr == MS20 || fr == MS60 { speech7 } else { speech9 };
            b.add(&format!("silk_{bw_name}_{ms}ms"), src, 1, 2.5, enc(APPLICATION_VOIP, rate, silk, bw), fr);
        }
    }
    b.add("silk_wb_20ms_stereo", Source::SpeechPair, 2, 2.5, enc(APPLICATION_VOIP, 32000, silk, wb), MS20);
    b.add("silk_mb_20ms_stereo", Source::SpeechPair, 2, 2.0, enc(APPLICATION_VOIP, 24000, silk, mb), MS20).encoder.complexity = 0;
    b.add("silk_nb_20ms_cx0", speech9, 1, 2.0, enc(APPLICATION_VOIP, 8000, silk, nb), MS20).encoder.complexity = 0;

    // Hybrid: SWB and FB at 10 and 20 ms.
    for (bw_name, bw, rate) in [("swb", swb, 28000), ("fb", fb, 36000)] {
        for (ms, fr) in [("10", MS10), ("20", MS20)] {
            b.add(&format!("hybrid_{bw_name}_{ms}ms"), speech7, 1, 2.5, enc(APPLICATION_VOIP, rate, hybrid, bw), fr);
        }
    }
    b.add("hybrid_fb_20ms_stereo", Source::SpeechPair, 2, 2.5, enc(APPLICATION_AUDIO, 48000, hybrid, fb), MS20);
    b.add("hybrid_swb_20ms_music", Source::Synth(Synth::Chords, 11), 1, 2.0, enc(APPLICATION_AUDIO, 32000, hybrid, swb), MS20);
    b.add("hybrid_fb_10ms_stereo_music", Source::Synth(Synth::Panning, 12), 2, 2.0, enc(APPLICATION_AUDIO, 40000, hybrid, fb), MS10)
        .encoder
        .complexity = 5;

    // CELT: NB, WB, SWB, FB at 2.5, 5, 10 and 20 ms, over the music-like signals.
    let music = [Synth::Chords, Synth::Notes, Synth::Sweep, Synth::NoiseBursts, Synth::Panning];
    let mut k = 0usize;
    for (bw_name, bw, rate) in [("nb", nb, 24000), ("wb", wb, 40000), ("swb", swb, 56000), ("fb", fb, 72000)] {
        for (ms, fr) in [("2.5", MS2_5), ("5", MS5), ("10", MS10), ("20", MS20)] {
            let kind = music[k % music.len()];
            let stereo = kind == Synth::Panning || k % 3 == 1;
            let ch = if stereo { 2 } else { 1 };
            let name = format!("celt_{bw_name}_{ms}ms{}", if stereo { "_stereo" } else { "" });
            let v = b.add(&name, Source::Synth(kind, 100 + k as u64), ch, 1.5, enc(APPLICATION_AUDIO, rate * ch as i32 * 3 / 4 + 8000, celt, bw), fr);
            if k % 4 == 3 {
                v.encoder.complexity = [0, 3, 6, 8][(k / 4) % 4];
            }
            k += 1;
        }
    }
    b.add("celt_fb_5ms_lowdelay", Source::Synth(Synth::Notes, 40), 2, 1.5, enc(APPLICATION_RESTRICTED_LOWDELAY, 96000, None, None), MS5);
    b.add("celt_fb_20ms_speech", speech9, 1, 2.0, enc(APPLICATION_AUDIO, 64000, celt, fb), MS20);

    // Multi-frame packets (code 1/2/3), up to 120 ms.
    for (ms, fr) in [("40", MS40), ("60", MS60), ("80", MS80), ("120", MS120)] {
        b.add(&format!("multi_celt_fb_{ms}ms"), Source::Synth(Synth::Chords, 50), 2, 2.0, enc(APPLICATION_AUDIO, 64000, celt, fb), fr);
    }
    for (ms, fr) in [("80", MS80), ("100", MS100), ("120", MS120)] {
        b.add(&format!("multi_silk_wb_{ms}ms"), speech7, 1, 2.5, enc(APPLICATION_VOIP, 20000, silk, wb), fr);
    }
    b.add("multi_hybrid_fb_40ms", speech9, 1, 2.0, enc(APPLICATION_VOIP, 32000, hybrid, fb), MS40);
    b.add("multi_hybrid_swb_120ms_stereo", Source::SpeechPair, 2, 2.5, enc(APPLICATION_AUDIO, 40000, hybrid, swb), MS120);
    b.add("multi_auto_100ms", Source::Synth(Synth::Notes, 51), 1, 2.0, enc(APPLICATION_AUDIO, 48000, None, None), MS100);

    // Rate control.
    for (name, rc, src, mode, bw, rate, ch) in [
        ("rc_cbr_celt_fb_20ms", RateControl::Cbr, Source::Synth(Synth::Notes, 60), celt, fb, 64000, 2),
        ("rc_cvbr_celt_swb_10ms", RateControl::Cvbr, Source::Synth(Synth::Chords, 61), celt, swb, 48000, 1),
        ("rc_cbr_silk_wb_20ms", RateControl::Cbr, speech7, silk, wb, 16000, 1),
        ("rc_cvbr_hybrid_fb_20ms", RateControl::Cvbr, speech9, hybrid, fb, 32000, 1),
        ("rc_cbr_auto_stereo", RateControl::Cbr, Source::SpeechPair, None, None, 48000, 2),
    ] {
        b.add(name, src, ch, 2.0, enc(APPLICATION_AUDIO, rate, mode, bw), MS20).encoder.rate_control = rc;
    }

    // DTX.
    b.add("dtx_silk_wb_20ms", speech7, 1, 4.0, enc(APPLICATION_VOIP, 16000, silk, wb), MS20).encoder.dtx = true;
    b.add("dtx_celt_fb_20ms", Source::Synth(Synth::NoiseBursts, 70), 1, 3.0, enc(APPLICATION_AUDIO, 48000, celt, fb), MS20).encoder.dtx = true;
    b.add("dtx_auto_voip_stereo", Source::SpeechPair, 2, 4.0, enc(APPLICATION_VOIP, 24000, None, None), MS20).encoder.dtx = true;

    // In-band FEC with loss.
    for (name, src, ch, mode, bw, rate, fr, pct, seed) in [
        ("fec_silk_nb_20ms", speech9, 1, silk, nb, 12000, MS20, 15, 1),
        ("fec_silk_wb_20ms", speech7, 1, silk, wb, 20000, MS20, 20, 2),
        ("fec_silk_wb_60ms", speech7, 1, silk, wb, 20000, MS60, 10, 3),
        ("fec_hybrid_swb_20ms", speech7, 1, hybrid, swb, 32000, MS20, 15, 4),
        ("fec_silk_wb_20ms_stereo", Source::SpeechPair, 2, silk, wb, 32000, MS20, 15, 5),
        ("fec_silk_mb_10ms", speech9, 1, silk, mb, 16000, MS10, 12, 6),
    ] {
        let v = b.add(name, src, ch, 4.0, enc(APPLICATION_VOIP, rate, mode, bw), fr);
        v.encoder.fec = true;
        v.encoder.loss_perc = 20;
        v.loss = Some(Loss { percent: pct, mean_burst: 1, seed });
    }

    // DRED with (bursty) loss.
    for (name, src, ch, mode, bw, rate, fr, pct, burst, fec, seed) in [
        ("dred_silk_wb_20ms", speech7, 1, silk, wb, 24000, MS20, 15, 3, false, 11),
        ("dred_hybrid_fb_20ms", speech7, 1, hybrid, fb, 32000, MS20, 20, 4, false, 12),
        ("dred_fec_silk_wb_20ms", speech9, 1, silk, wb, 24000, MS20, 15, 2, true, 13),
        ("dred_celt_fb_20ms", speech9, 1, celt, fb, 48000, MS20, 15, 3, false, 14),
        ("dred_auto_voip_40ms", speech7, 1, None, None, 32000, MS40, 15, 2, false, 15),
        ("dred_silk_wb_20ms_stereo", Source::SpeechPair, 2, silk, wb, 32000, MS20, 12, 3, false, 16),
    ] {
        let v = b.add(name, src, ch, 4.0, enc(APPLICATION_VOIP, rate, mode, bw), fr);
        v.encoder.dred_frames = 100;
        v.encoder.loss_perc = 20;
        v.encoder.fec = fec;
        v.loss = Some(Loss { percent: pct, mean_burst: burst, seed });
    }

    // Plain concealment.
    for (name, src, ch, mode, bw, rate, fr, pct, burst, seed) in [
        ("plc_celt_fb_20ms", Source::Synth(Synth::Chords, 80), 2, celt, fb, 64000, MS20, 10, 1, 21),
        ("plc_silk_wb_20ms", speech7, 1, silk, wb, 20000, MS20, 15, 2, 22),
        ("plc_hybrid_swb_10ms", speech9, 1, hybrid, swb, 28000, MS10, 15, 1, 23),
        ("plc_celt_wb_5ms", Source::Synth(Synth::Notes, 81), 1, celt, wb, 48000, MS5, 10, 2, 24),
    ] {
        let v = b.add(name, src, ch, 3.0, enc(APPLICATION_AUDIO, rate, mode, bw), fr);
        v.loss = Some(Loss { percent: pct, mean_burst: burst, seed });
    }

    // Switching sweeps.
    b.add("sweep_mode", speech7, 1, 4.0, enc(APPLICATION_AUDIO, 40000, silk, wb), MS20).sweep = Some(Sweep {
        every: 20,
        steps: vec![
            step(silk, wb, None),
            step(hybrid, swb, None),
            step(celt, fb, None),
            step(hybrid, fb, None),
            step(silk, nb, None),
            step(celt, wb, None),
        ],
    });
    b.add("sweep_bandwidth", speech9, 1, 3.0, enc(APPLICATION_AUDIO, 36000, None, nb), MS20).sweep = Some(Sweep {
        every: 15,
        steps: vec![step(None, nb, None), step(None, mb, None), step(None, wb, None), step(None, swb, None), step(None, fb, None)],
    });
    b.add("sweep_frame_celt", Source::Synth(Synth::Notes, 90), 2, 3.0, enc(APPLICATION_AUDIO, 80000, celt, fb), MS2_5).sweep =
        Some(Sweep {
            every: 12,
            steps: [MS2_5, MS5, MS10, MS20, MS40, MS60, MS10, MS2_5]
                .iter()
                .map(|&f| step(None, None, Some(f)))
                .collect(),
        });
    b.add("sweep_frame_silk", speech7, 1, 4.0, enc(APPLICATION_VOIP, 20000, silk, wb), MS10).sweep = Some(Sweep {
        every: 10,
        steps: [MS10, MS20, MS40, MS60, MS20].iter().map(|&f| step(None, None, Some(f))).collect(),
    });
    b.add("sweep_mode_frame", Source::Synth(Synth::Chords, 91), 1, 3.0, enc(APPLICATION_AUDIO, 48000, celt, fb), MS20).sweep =
        Some(Sweep {
            every: 8,
            steps: vec![
                step(celt, fb, Some(MS5)),
                step(celt, fb, Some(MS20)),
                step(hybrid, swb, Some(MS20)),
                step(silk, wb, Some(MS60)),
                step(hybrid, fb, Some(MS10)),
                step(celt, nb, Some(MS2_5)),
                step(celt, swb, Some(MS10)),
                step(silk, mb, Some(MS40)),
            ],
        });
    let v = b.add("sweep_channels", Source::Synth(Synth::Panning, 92), 2, 3.0, enc(APPLICATION_AUDIO, 64000, None, None), MS20);
    v.sweep = Some(Sweep {
        every: 10,
        steps: [(1, 64000), (2, 64000), (2, 24000), (1, 16000), (2, 96000)]
            .iter()
            .map(|&(ch, rate)| Step { mode: None, bandwidth: None, frame: None, channels: Some(ch), bitrate: Some(rate) })
            .collect(),
    });
    b.add("sweep_bitrate_auto", Source::SpeechPair, 2, 4.0, enc(APPLICATION_AUDIO, 6000, None, None), MS20).sweep = Some(Sweep {
        every: 10,
        steps: [6000, 10000, 16000, 24000, 32000, 48000, 64000, 96000, 128000, 12000]
            .iter()
            .map(|&r| Step { mode: None, bandwidth: None, frame: None, channels: None, bitrate: Some(r) })
            .collect(),
    });

    let mut list = b.list;
    for (i, v) in list.iter_mut().enumerate() {
        v.decodes = decode_configs(i, v.loss.is_some());
    }
    list
}

/// The small subset the fast test uses: one short vector per kind (SILK, hybrid, CELT,
/// multi-frame, FEC with loss, DRED with loss, a sweep), with few decode configurations.
pub fn quick() -> Vec<Vector> {
    let wanted = [
        "silk_wb_20ms",
        "silk_nb_60ms",
        "hybrid_fb_20ms_stereo",
        "celt_fb_5ms_stereo",
        "multi_celt_fb_120ms",
        "fec_silk_wb_20ms",
        "dred_silk_wb_20ms",
        "sweep_mode_frame",
    ];
    full()
        .into_iter()
        .filter(|v| wanted.contains(&v.name.as_str()))
        .map(|mut v| {
            v.seconds = v.seconds.min(if v.loss.is_some() { 1.5 } else { 1.0 });
            let lossy = v.loss.is_some();
            v.decodes = with_compare_anchors(if lossy {
                vec![DecodeConfig::new(48000, 2, 0), DecodeConfig::new(16000, 1, 5)]
            } else {
                vec![DecodeConfig::new(48000, 2, 0), DecodeConfig::new(12000, 1, 0)]
            });
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_anchors_present() {
        let m = full();
        let mut names: Vec<&str> = m.iter().map(|v| v.name.as_str()).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
        for v in &m {
            for d in &v.decodes {
                assert!(v.decodes.contains(&compare_anchor(d)), "{}", v.name);
            }
        }
        assert_eq!(quick().len(), 8);
    }
}
