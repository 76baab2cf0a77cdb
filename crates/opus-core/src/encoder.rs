//! The Opus encoder (RFC 6716 section 5; libopus `src/opus_encoder.c`, float
//! build, without DRED and QEXT).
//!
//! [`OpusEncoder`] takes 2.5 to 120 ms of interleaved PCM per call and writes
//! one Opus packet into a caller buffer. Per packet it measures the input
//! (silence, energy, stereo width), turns the user bitrate into a budget,
//! decides the coded channels, the mode (SILK, hybrid or CELT, with
//! hysteresis), the bandwidth and FEC, then codes one frame or, for frames
//! longer than a mode allows, several frames joined with the
//! [`Repacketizer`](crate::packet::Repacketizer). Per frame it filters the
//! input (VoIP high-pass or DC blocker), keeps the 4 ms delay buffer that
//! aligns SILK and CELT, splits the bits between SILK and CELT, codes the
//! redundant CELT frames of mode switches, and decides DTX.
//!
//! The packets are meant to be byte-identical to libopus's generic float build
//! for the same input and settings; from complexity 7 at 16 kHz and up this
//! includes the tonality analysis of [`crate::analysis`]. The DRED encoder is
//! a later step; its seams are marked `DRED`.
//!
//! All buffers are allocated in [`OpusEncoder::new`]; encoding allocates
//! nothing and never panics on any PCM, NaN and infinities included.

mod config;
mod dsp;

pub use config::{Application, Bitrate, EncoderConfig, FrameDuration, InbandFec, Signal};

use config::{AUTO, BITRATE_MAX};
use dsp::StereoWidthState;

use crate::analysis::{AnalysisPcm, TonalityAnalysisState};
use crate::celt::encoder::CeltEncoder;
use crate::celt::encoder_analysis::{AnalysisInfo, SilkInfo};
use crate::celt::mathops::{celt_exp2, celt_inner_prod, max32};
use crate::celt::mode::mode48000_960;
use crate::packet::{packet_pad, Bandwidth, Repacketizer};
use crate::range_coder::RangeEncoder;
use crate::silk::enc::api::SilkEncoder;
use crate::silk::enc::structs::{
    EncControl, MAX_CONSECUTIVE_DTX, NB_SPEECH_FRAMES_BEFORE_DTX, VARIABLE_HP_MIN_CUTOFF_HZ,
};
use crate::silk::fixed::{fix_const, lin2log, log2lin, smlawb, smulwb};
use crate::silk::structs::TYPE_NO_VOICE_ACTIVITY;
use crate::Error;

const MODE_SILK_ONLY: i32 = 1000;
const MODE_HYBRID: i32 = 1001;
const MODE_CELT_ONLY: i32 = 1002;

const BW_NB: i32 = 1101;
const BW_MB: i32 = 1102;
const BW_WB: i32 = 1103;
const BW_SWB: i32 = 1104;
const BW_FB: i32 = 1105;

const APP_VOIP: i32 = 2048;
const APP_AUDIO: i32 = 2049;
const APP_LOWDELAY: i32 = 2051;
const APP_RESTRICTED_SILK: i32 = 2052;
const APP_RESTRICTED_CELT: i32 = 2053;

/// Whether `app` is one of the two applications that build only one codec.
fn single_codec(app: i32) -> bool {
    app == APP_RESTRICTED_SILK || app == APP_RESTRICTED_CELT
}

/// Samples per channel of filtered input kept between frames.
fn encoder_buffer_len(app: i32, fs: i32) -> usize {
    if app == APP_LOWDELAY || single_codec(app) {
        0
    } else {
        fs as usize / 100
    }
}

const SIGNAL_VOICE: i32 = 3001;
const SIGNAL_MUSIC: i32 = 3002;

/// Largest frame payload (libopus's `packet_size_cap` without QEXT).
const PACKET_SIZE_CAP: usize = 1276;
/// Samples of delay buffer per channel (libopus `MAX_ENCODER_BUFFER`).
const MAX_ENCODER_BUFFER: usize = 480;
/// Longest input per call: 120 ms at 48 kHz.
const MAX_FRAME_48K: usize = 5760;
/// Longest frame coded at once: 60 ms at 48 kHz.
const MAX_CODED_FRAME_48K: usize = 2880;
/// Longest redundant CELT frame, bytes.
const MAX_REDUNDANCY_BYTES: usize = 257;
/// Speech-activity probability below which a frame counts as inactive
/// (libopus `DTX_ACTIVITY_THRESHOLD`).
const DTX_ACTIVITY_THRESHOLD: f32 = 0.1;
/// A quiet frame still counts as active when the peak energy is less than
/// this many times its energy (libopus `PSEUDO_SNR_THRESHOLD`, 25 dB).
const PSEUDO_SNR_THRESHOLD: f32 = 316.23;
/// SILK's "no decision" activity value (libopus `VAD_NO_DECISION`).
const VAD_NO_DECISION: i32 = -1;

/// Bandwidth switching thresholds: per boundary (NB/MB, MB/WB, WB/SWB, SWB/FB)
/// the middle rate and the hysteresis, in b/s.
#[rustfmt::skip]
const MONO_VOICE_BANDWIDTH_THRESHOLDS: [i32; 8] = [9000, 700, 9000, 700, 13500, 1000, 14000, 2000];
#[rustfmt::skip]
const MONO_MUSIC_BANDWIDTH_THRESHOLDS: [i32; 8] = [9000, 700, 9000, 700, 11000, 1000, 12000, 2000];
#[rustfmt::skip]
const STEREO_VOICE_BANDWIDTH_THRESHOLDS: [i32; 8] = [9000, 700, 9000, 700, 13500, 1000, 14000, 2000];
#[rustfmt::skip]
const STEREO_MUSIC_BANDWIDTH_THRESHOLDS: [i32; 8] = [9000, 700, 9000, 700, 11000, 1000, 12000, 2000];
/// Mono/stereo switching rates for voice and music.
const STEREO_VOICE_THRESHOLD: i32 = 19000;
const STEREO_MUSIC_THRESHOLD: i32 = 17000;
/// SILK-or-hybrid versus CELT switching rates: `[mono, stereo][voice, music]`.
const MODE_THRESHOLDS: [[i32; 2]; 2] = [[64000, 10000], [44000, 10000]];
/// Rate above which LBRR is used, and its hysteresis, per bandwidth NB to FB.
#[rustfmt::skip]
const FEC_THRESHOLDS: [i32; 10] = [12000, 1000, 14000, 1000, 16000, 1000, 20000, 1000, 22000, 1000];

/// Rate given to SILK in hybrid mode, per total rate per channel: columns are
/// the total, then SILK without FEC (10 ms, 20 ms) and with FEC (10 ms, 20 ms).
#[rustfmt::skip]
const HYBRID_RATE_TABLE: [[i32; 5]; 7] = [
    [    0,     0,     0,     0,     0],
    [12000, 10000, 10000, 11000, 11000],
    [16000, 13500, 13500, 15000, 15000],
    [20000, 16000, 16000, 18000, 18000],
    [24000, 18000, 18000, 21000, 21000],
    [32000, 22000, 22000, 28000, 28000],
    [64000, 38000, 38000, 50000, 50000],
];

/// Per-channel bits of a frame at `bitrate` (libopus `bitrate_to_bits`).
fn bitrate_to_bits(bitrate: i32, fs: i32, frame_size: i32) -> i32 {
    bitrate * 6 / (6 * fs / frame_size)
}

/// Bitrate of `bits` per frame (libopus `bits_to_bitrate`).
fn bits_to_bitrate(bits: i32, fs: i32, frame_size: i32) -> i32 {
    bits * (6 * fs / frame_size) / 6
}

/// The TOC byte for a mode, frame rate, bandwidth and channel count (libopus
/// `gen_toc`).
fn gen_toc(mode: i32, mut framerate: i32, bandwidth: i32, channels: usize) -> u8 {
    let mut period = 0;
    while framerate < 400 {
        framerate <<= 1;
        period += 1;
    }
    let mut toc: i32 = if mode == MODE_SILK_ONLY {
        ((bandwidth - BW_NB) << 5) | ((period - 2) << 3)
    } else if mode == MODE_CELT_ONLY {
        let tmp = (bandwidth - BW_MB).max(0);
        0x80 | (tmp << 5) | (period << 3)
    } else {
        0x60 | ((bandwidth - BW_SWB) << 4) | ((period - 2) << 3)
    };
    toc |= i32::from(channels == 2) << 2;
    toc as u8
}

/// Whether to code LBRR, lowering the bandwidth when the loss is high and
/// the rate too low for FEC (libopus `decide_fec`).
fn decide_fec(
    use_in_band_fec: bool,
    packet_loss_perc: i32,
    last_fec: i32,
    mode: i32,
    bandwidth: &mut i32,
    rate: i32,
) -> i32 {
    if !use_in_band_fec || packet_loss_perc == 0 || mode == MODE_CELT_ONLY {
        return 0;
    }
    let orig_bandwidth = *bandwidth;
    loop {
        let idx = 2 * (*bandwidth - BW_NB) as usize;
        let mut thres = FEC_THRESHOLDS[idx];
        let hysteresis = FEC_THRESHOLDS[idx + 1];
        if last_fec == 1 {
            thres -= hysteresis;
        }
        if last_fec == 0 {
            thres += hysteresis;
        }
        thres = smulwb(thres * (125 - packet_loss_perc.min(25)), fix_const(0.01, 16));
        if rate > thres {
            return 1;
        } else if packet_loss_perc <= 5 {
            return 0;
        } else if *bandwidth > BW_NB {
            *bandwidth -= 1;
        } else {
            break;
        }
    }
    *bandwidth = orig_bandwidth;
    0
}

/// SILK's share of a hybrid frame's rate (libopus `compute_silk_rate_for_hybrid`).
fn compute_silk_rate_for_hybrid(
    rate: i32,
    bandwidth: i32,
    frame20ms: bool,
    vbr: bool,
    fec: bool,
    channels: usize,
) -> i32 {
    let channels = channels as i32;
    let rate = rate / channels;
    let entry = 1 + usize::from(frame20ms) + 2 * usize::from(fec);
    let n = HYBRID_RATE_TABLE.len();
    let i = (1..n).find(|&i| HYBRID_RATE_TABLE[i][0] > rate).unwrap_or(n);
    let mut silk_rate = if i == n {
        HYBRID_RATE_TABLE[i - 1][entry] + (rate - HYBRID_RATE_TABLE[i - 1][0]) / 2
    } else {
        let lo = HYBRID_RATE_TABLE[i - 1][entry];
        let hi = HYBRID_RATE_TABLE[i][entry];
        let x0 = HYBRID_RATE_TABLE[i - 1][0];
        let x1 = HYBRID_RATE_TABLE[i][0];
        (lo * (x1 - rate) + hi * (rate - x0)) / (x1 - x0)
    };
    if !vbr {
        silk_rate += 100;
    }
    if bandwidth == BW_SWB {
        silk_rate += 300;
    }
    silk_rate *= channels;
    if channels == 2 && rate >= 12000 {
        silk_rate -= 1000;
    }
    silk_rate
}

/// The rate of 20 ms, complexity-10 VBR coding that gives about the same
/// quality (libopus `compute_equiv_rate`). `mode` 0 means not decided yet.
fn compute_equiv_rate(
    bitrate: i32,
    channels: usize,
    frame_rate: i32,
    vbr: bool,
    mode: i32,
    complexity: i32,
    loss: i32,
) -> i32 {
    let channels = channels as i32;
    let mut equiv = bitrate;
    if frame_rate > 50 {
        equiv -= (40 * channels + 20) * (frame_rate - 50);
    }
    if !vbr {
        equiv -= equiv / 12;
    }
    equiv = equiv * (90 + complexity) / 100;
    if mode == MODE_SILK_ONLY || mode == MODE_HYBRID {
        if complexity < 2 {
            equiv = equiv * 4 / 5;
        }
        equiv -= equiv * loss / (6 * loss + 10);
    } else if mode == MODE_CELT_ONLY {
        if complexity < 5 {
            equiv = equiv * 9 / 10;
        }
    } else {
        equiv -= equiv * loss / (12 * loss + 20);
    }
    equiv
}

/// Counts inactive time and says whether this frame may be dropped for DTX
/// (libopus `decide_dtx_mode`).
fn decide_dtx_mode(activity: i32, nb_no_activity_ms_q1: &mut i32, frame_size_ms_q1: i32) -> bool {
    if activity == 0 {
        *nb_no_activity_ms_q1 += frame_size_ms_q1;
        if *nb_no_activity_ms_q1 > NB_SPEECH_FRAMES_BEFORE_DTX * 20 * 2 {
            if *nb_no_activity_ms_q1 <= (NB_SPEECH_FRAMES_BEFORE_DTX + MAX_CONSECUTIVE_DTX) * 20 * 2 {
                return true;
            }
            *nb_no_activity_ms_q1 = NB_SPEECH_FRAMES_BEFORE_DTX * 20 * 2;
        }
    } else {
        *nb_no_activity_ms_q1 = 0;
    }
    false
}

/// Bytes for a redundant 5 ms CELT frame at a mode switch, 0 when too few
/// are available (libopus `compute_redundancy_bytes`).
fn compute_redundancy_bytes(max_data_bytes: i32, bitrate_bps: i32, frame_rate: i32, channels: usize) -> i32 {
    let channels = channels as i32;
    let base_bits = 40 * channels + 20;
    let redundancy_rate = bitrate_bps + base_bits * (200 - frame_rate);
    let redundancy_rate = 3 * redundancy_rate / 2;
    let mut redundancy_bytes = redundancy_rate / 1600;
    let available_bits = max_data_bytes * 8 - 2 * base_bits;
    let cap = (available_bits * 240 / (240 + 48000 / frame_rate) + base_bits) / 8;
    redundancy_bytes = redundancy_bytes.min(cap);
    if redundancy_bytes > 4 + 8 * channels {
        redundancy_bytes.min(257)
    } else {
        0
    }
}

/// The frame size to code for `frame_size` input samples, or `None` when
/// the combination is invalid (libopus `frame_size_select`).
fn frame_size_select(application: i32, frame_size: i32, variable_duration: i32, fs: i32) -> Option<i32> {
    if frame_size < fs / 400 {
        return None;
    }
    let new_size = if variable_duration == 5000 {
        frame_size
    } else if (5001..=5009).contains(&variable_duration) {
        if variable_duration <= 5005 {
            (fs / 400) << (variable_duration - 5001)
        } else {
            (variable_duration - 5001 - 2) * fs / 50
        }
    } else {
        return None;
    };
    if new_size > frame_size {
        return None;
    }
    let ok = 400 * new_size == fs
        || 200 * new_size == fs
        || 100 * new_size == fs
        || 50 * new_size == fs
        || 25 * new_size == fs
        || 50 * new_size == 3 * fs
        || 50 * new_size == 4 * fs
        || 50 * new_size == 5 * fs
        || 50 * new_size == 6 * fs;
    if !ok || (application == APP_RESTRICTED_SILK && new_size < fs / 100) {
        return None;
    }
    Some(new_size)
}

/// The part of the encoder a reset returns to its initial values (libopus:
/// the fields from `stream_channels` on).
#[derive(Debug, Clone)]
struct State {
    stream_channels: usize,
    hybrid_stereo_width_q14: i32,
    variable_hp_smth2_q15: i32,
    prev_hb_gain: f32,
    hp_mem: [f32; 4],
    mode: i32,
    prev_mode: i32,
    prev_channels: usize,
    prev_framesize: usize,
    bandwidth: i32,
    auto_bandwidth: i32,
    silk_bw_switch: bool,
    first: bool,
    width_mem: StereoWidthState,
    detected_bandwidth: i32,
    nb_no_activity_ms_q1: i32,
    peak_signal_energy: f32,
    nonfinal_frame: bool,
    range_final: u32,
    delay_buffer: [f32; MAX_ENCODER_BUFFER * 2],
}

impl State {
    fn new(channels: usize) -> Self {
        State {
            stream_channels: channels,
            hybrid_stereo_width_q14: 1 << 14,
            variable_hp_smth2_q15: lin2log(VARIABLE_HP_MIN_CUTOFF_HZ) << 8,
            prev_hb_gain: 1.0,
            hp_mem: [0.0; 4],
            mode: MODE_HYBRID,
            prev_mode: 0,
            prev_channels: 0,
            prev_framesize: 0,
            bandwidth: BW_FB,
            auto_bandwidth: 0,
            silk_bw_switch: false,
            first: true,
            width_mem: StereoWidthState::default(),
            detected_bandwidth: 0,
            nb_no_activity_ms_q1: 0,
            peak_signal_energy: 0.0,
            nonfinal_frame: false,
            range_final: 0,
            delay_buffer: [0.0; MAX_ENCODER_BUFFER * 2],
        }
    }
}

/// Work buffers, sized once in [`OpusEncoder::new`].
#[derive(Debug, Clone, Default)]
struct Scratch {
    /// Converted `i16` input of one call.
    pcm_in: Vec<f32>,
    /// Delay-compensated, filtered input of one coded frame.
    pcm_buf: Vec<f32>,
    /// Frames of a multi-frame packet before repacketizing.
    multi: Vec<u8>,
    /// A packet copied out before padding.
    pad: Vec<u8>,
    /// Target of SILK's prefill, which codes nothing.
    silk_dummy: Vec<u8>,
}

/// Per-frame decisions handed from the packet level to the frame coder.
#[derive(Debug, Clone, Copy)]
struct FrameParams {
    first_frame: bool,
    is_silence: bool,
    redundancy: bool,
    celt_to_silk: bool,
    prefill: i32,
    equiv_rate: i32,
    to_celt: bool,
    float_api: bool,
}

/// An Opus encoder for 1 or 2 channels at 8, 12, 16, 24 or 48 kHz (libopus
/// `OpusEncoder`).
#[derive(Debug, Clone)]
pub struct OpusEncoder {
    fs: i32,
    channels: usize,
    application: i32,
    cfg: EncoderConfig,
    /// libopus `force_channels`: from the config, but a stereo-to-mono switch
    /// inside a multi-frame packet pins it to 1, as libopus does.
    force_channels: i32,
    delay_compensation: usize,
    encoder_buffer: usize,
    /// SILK's control block; kept across resets as in libopus.
    silk_mode: EncControl,
    voice_ratio: i32,
    bitrate_bps: i32,
    silk: SilkEncoder,
    celt: CeltEncoder,
    /// Tonality and speech/music analysis, run from complexity 7 at 16 kHz and up.
    analysis: Box<TonalityAnalysisState>,
    st: State,
    scratch: Scratch,
}

impl OpusEncoder {
    /// An encoder with libopus's default settings for `application`
    /// (libopus `opus_encoder_create`).
    ///
    /// # Errors
    ///
    /// [`Error::BadArg`] for a rate other than 8, 12, 16, 24 or 48 kHz, or a
    /// channel count other than 1 or 2.
    pub fn new(fs: u32, channels: usize, application: Application) -> Result<Self, Error> {
        Self::with_config(fs, channels, &EncoderConfig::new(application))
    }

    /// An encoder with the settings of `config`.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), and those of [`set_config`](Self::set_config).
    pub fn with_config(fs: u32, channels: usize, config: &EncoderConfig) -> Result<Self, Error> {
        if !matches!(fs, 8000 | 12000 | 16000 | 24000 | 48000) {
            return Err(Error::BadArg("opus encoder: unsupported sample rate"));
        }
        if !(1..=2).contains(&channels) {
            return Err(Error::BadArg("opus encoder: channels must be 1 or 2"));
        }
        let fs_i = fs as i32;
        let silk = SilkEncoder::new(channels)?;
        let mut silk_mode = silk.query();
        silk_mode.n_channels_api = channels as i32;
        silk_mode.n_channels_internal = channels as i32;
        silk_mode.api_sample_rate = fs_i;
        silk_mode.max_internal_sample_rate = 16000;
        silk_mode.min_internal_sample_rate = 8000;
        silk_mode.desired_internal_sample_rate = 16000;
        silk_mode.payload_size_ms = 20;
        silk_mode.bit_rate = 25000;
        silk_mode.packet_loss_percentage = 0;
        silk_mode.complexity = 9;
        silk_mode.use_in_band_fec = 0;
        silk_mode.use_dred = 0;
        silk_mode.use_dtx = 0;
        silk_mode.use_cbr = 0;
        silk_mode.reduced_dependency = 0;
        let mut celt = CeltEncoder::new(fs, channels)?;
        celt.set_signalling(false);
        celt.set_complexity(9)?;
        let application = config.application.libopus_value();
        let encoder_buffer = encoder_buffer_len(application, fs_i);
        let mut enc = OpusEncoder {
            fs: fs_i,
            channels,
            application,
            cfg: EncoderConfig::new(config.application),
            force_channels: AUTO,
            delay_compensation: fs as usize / 250,
            encoder_buffer,
            silk_mode,
            voice_ratio: -1,
            bitrate_bps: 3000 + fs_i * channels as i32,
            silk,
            celt,
            analysis: Box::new(TonalityAnalysisState::new(fs_i)),
            st: State::new(channels),
            scratch: Scratch {
                pcm_in: vec![0.0; MAX_FRAME_48K * channels],
                pcm_buf: vec![0.0; (MAX_CODED_FRAME_48K + 192) * channels],
                multi: vec![0; PACKET_SIZE_CAP * 6 + 64],
                pad: vec![0; PACKET_SIZE_CAP * 6 + 64],
                silk_dummy: vec![0; PACKET_SIZE_CAP],
            },
        };
        enc.set_config(config)?;
        Ok(enc)
    }

    /// Applies new settings, as the matching `OPUS_SET_*` requests would.
    ///
    /// # Errors
    ///
    /// [`Error::BadArg`] for a value out of range (complexity 0–10, loss
    /// 0–100 %, depth 8–24, a positive bitrate, forced channels within the
    /// encoder's), or for a change of application after the first frame.
    /// Nothing changes then.
    pub fn set_config(&mut self, config: &EncoderConfig) -> Result<(), Error> {
        config.validate(self.channels)?;
        let app = config.application.libopus_value();
        if app != self.application && !self.st.first {
            return Err(Error::BadArg("opus encoder: application fixed after the first frame"));
        }
        if app != self.application && (single_codec(app) || single_codec(self.application)) {
            return Err(Error::BadArg("opus encoder: restricted SILK or CELT application cannot change"));
        }
        self.encoder_buffer = encoder_buffer_len(app, self.fs);
        self.application = app;
        let mut cfg = *config;
        if let Bitrate::Bps(_) = cfg.bitrate {
            cfg.bitrate = Bitrate::Bps(cfg.user_bitrate(self.channels));
        }
        // Bandwidth limits steer SILK's top internal rate, the last one set winning.
        for bw in [Some(cfg.max_bandwidth), cfg.bandwidth] {
            self.silk_mode.max_internal_sample_rate = match bw {
                Some(Bandwidth::Narrowband) => 8000,
                Some(Bandwidth::Mediumband) => 12000,
                _ => 16000,
            };
        }
        self.silk_mode.complexity = cfg.complexity;
        self.celt.set_complexity(cfg.complexity)?;
        self.silk_mode.use_in_band_fec = i32::from(cfg.inband_fec != InbandFec::Off);
        self.silk_mode.packet_loss_percentage = cfg.packet_loss_perc;
        self.celt.set_packet_loss_perc(cfg.packet_loss_perc)?;
        self.silk_mode.use_cbr = i32::from(!cfg.vbr);
        self.silk_mode.reduced_dependency = i32::from(cfg.prediction_disabled);
        self.celt.set_phase_inversion_disabled(cfg.phase_inversion_disabled);
        if cfg.force_channels != self.cfg.force_channels || self.st.first {
            self.force_channels = cfg.force_channels.map_or(AUTO, |c| c as i32);
        }
        self.cfg = cfg;
        Ok(())
    }

    /// The current settings.
    pub fn config(&self) -> &EncoderConfig {
        &self.cfg
    }

    /// Input sample rate, Hz.
    pub fn sample_rate(&self) -> u32 {
        self.fs as u32
    }

    /// Input channels.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Look-ahead in samples per channel at the input rate (libopus
    /// `OPUS_GET_LOOKAHEAD`): 2.5 ms, plus 4 ms outside restricted low delay.
    pub fn lookahead(&self) -> usize {
        let mut v = self.fs as usize / 400;
        if self.application != APP_LOWDELAY && self.application != APP_RESTRICTED_CELT {
            v += self.delay_compensation;
        }
        v
    }

    /// The final range of the last packet's range coder, 0 after DTX or a
    /// packet with no coded data (libopus `OPUS_GET_FINAL_RANGE`).
    pub fn final_range(&self) -> u32 {
        self.st.range_final
    }

    /// The bitrate the encoder aims for with the last frame size (libopus
    /// `OPUS_GET_BITRATE`).
    pub fn bitrate(&self) -> i32 {
        self.user_bitrate_to_bitrate(self.st.prev_framesize, 1276)
    }

    /// The bandwidth of the last packet (libopus `OPUS_GET_BANDWIDTH`).
    pub fn bandwidth(&self) -> Bandwidth {
        Bandwidth::from_libopus(self.st.bandwidth).unwrap_or(Bandwidth::Fullband)
    }

    /// Whether the encoder is in DTX, sending only occasional packets (libopus
    /// `OPUS_GET_IN_DTX`).
    pub fn in_dtx(&self) -> bool {
        let prev = self.st.prev_mode;
        if self.silk_mode.use_dtx != 0 && (prev == MODE_SILK_ONLY || prev == MODE_HYBRID) {
            let s = self.silk.state();
            let mut v = s.state_fxx[0].s_cmn.no_speech_counter >= NB_SPEECH_FRAMES_BEFORE_DTX;
            if v && self.silk_mode.n_channels_internal == 2 && !s.prev_decode_only_middle {
                v = s.state_fxx[1].s_cmn.no_speech_counter >= NB_SPEECH_FRAMES_BEFORE_DTX;
            }
            v
        } else if self.cfg.dtx {
            self.st.nb_no_activity_ms_q1 >= NB_SPEECH_FRAMES_BEFORE_DTX * 20 * 2
        } else {
            false
        }
    }

    /// Back to the state of a new encoder with the same settings, without
    /// allocating (libopus `OPUS_RESET_STATE`).
    pub fn reset(&mut self) {
        self.analysis.reset();
        self.st = State::new(self.channels);
        self.celt.reset();
        self.silk.reset();
        // DRED: the DRED encoder resets here.
    }

    /// Encodes `pcm` (interleaved, `channels` values per sample) into `out`
    /// and returns the packet length (libopus `opus_encode`). With
    /// [`FrameDuration::Arg`] the length of `pcm` is the frame size (2.5 to
    /// 120 ms); with a fixed duration, `pcm` must hold at least that much and
    /// only the first frame is coded, while all of `pcm` (up to the
    /// analysis's limit) is looked ahead at by the speech/music analysis,
    /// as opus_demo's `-delayed-decision` does. `out.len()` is the most bytes the
    /// packet may take; in CBR it is also the size aimed for.
    ///
    /// # Errors
    ///
    /// [`Error::BadArg`] for an invalid frame size or an empty `out`;
    /// [`Error::BufferTooSmall`] when `out` cannot hold a packet;
    /// [`Error::Internal`] when a stage fails.
    pub fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, Error> {
        let frame_size = self.select_frame_size(pcm.len())?;
        let n = frame_size * self.channels;
        let mut buf = std::mem::take(&mut self.scratch.pcm_in);
        for (d, &s) in buf[..n].iter_mut().zip(&pcm[..n]) {
            *d = f32::from(s) * (1.0 / 32768.0);
        }
        let r = self.encode_native(&buf[..n], frame_size, out, 16, true, AnalysisPcm::Int16(pcm));
        self.scratch.pcm_in = buf;
        r
    }

    /// As [`encode`](Self::encode) for float input at ±1.0 full scale
    /// (libopus `opus_encode_float`). Frames with NaN, infinities or absurd
    /// energy are coded as silence.
    ///
    /// # Errors
    ///
    /// As [`encode`](Self::encode).
    pub fn encode_float(&mut self, pcm: &[f32], out: &mut [u8]) -> Result<usize, Error> {
        let frame_size = self.select_frame_size(pcm.len())?;
        let n = frame_size * self.channels;
        self.encode_native(&pcm[..n], frame_size, out, 24, true, AnalysisPcm::Float(pcm))
    }

    fn select_frame_size(&self, len: usize) -> Result<usize, Error> {
        // No upper bound of its own: with a fixed frame duration, the input may run past the
        // coded frame and the rest only feeds the tonality analysis (capped there).
        if len % self.channels != 0 {
            return Err(Error::BadArg("opus encoder: invalid input length"));
        }
        let per_channel = i32::try_from(len / self.channels)
            .map_err(|_| Error::BadArg("opus encoder: invalid input length"))?;
        let fs = frame_size_select(
            self.application,
            per_channel,
            self.cfg.frame_duration.libopus_value(),
            self.fs,
        )
        .ok_or(Error::BadArg("opus encoder: invalid frame size"))?;
        Ok(fs as usize)
    }

    /// libopus `user_bitrate_to_bitrate`.
    fn user_bitrate_to_bitrate(&self, frame_size: usize, max_data_bytes: usize) -> i32 {
        let frame_size = if frame_size == 0 { self.fs / 400 } else { frame_size as i32 };
        let max_bitrate = bits_to_bitrate(max_data_bytes as i32 * 8, self.fs, frame_size);
        let user = match self.cfg.user_bitrate(self.channels) {
            AUTO => 60 * self.fs / frame_size + self.fs * self.channels as i32,
            BITRATE_MAX => 1_500_000,
            b => b,
        };
        user.min(max_bitrate)
    }

    fn use_vbr(&self) -> bool {
        self.cfg.vbr
    }

    /// One call of libopus `opus_encode_native`: the packet-level decisions,
    /// then one frame or a multi-frame packet.
    fn encode_native(
        &mut self,
        pcm: &[f32],
        frame_size: usize,
        data: &mut [u8],
        lsb_depth: i32,
        float_api: bool,
        analysis_pcm: AnalysisPcm<'_>,
    ) -> Result<usize, Error> {
        let fs = self.fs;
        let ch = self.channels;
        let fsz = frame_size as i32;
        let out_data_bytes = data.len();
        let mut max_data_bytes = (PACKET_SIZE_CAP * 6).min(out_data_bytes) as i32;
        self.st.range_final = 0;
        if frame_size == 0 || max_data_bytes <= 0 {
            return Err(Error::BadArg("opus encoder: empty frame or output"));
        }
        if max_data_bytes == 1 && fs == fsz * 10 {
            return Err(Error::BufferTooSmall { needed: 2, got: 1 });
        }
        let lsb_depth = lsb_depth.min(self.cfg.lsb_depth);
        let is_silence = dsp::is_digital_silence(&pcm[..frame_size * ch], lsb_depth);

        let mut analysis_info = AnalysisInfo::default();
        let mut analysis_bak = None;
        if self.silk_mode.complexity >= 7 && fs >= 16000 && self.application != APP_RESTRICTED_SILK {
            analysis_bak = Some((self.analysis.read_pos, self.analysis.read_subframe));
            let analysis_size = match analysis_pcm {
                AnalysisPcm::Float(x) => x.len(),
                AnalysisPcm::Int16(x) => x.len(),
                AnalysisPcm::Int24(x) => x.len(),
            } / ch;
            analysis_info = self.analysis.run_analysis(
                Some(analysis_pcm),
                analysis_size as i32,
                fsz,
                0,
                -2,
                ch as i32,
                lsb_depth,
            );
        } else if self.analysis.initialized {
            self.analysis.reset();
        }

        if !is_silence {
            self.voice_ratio = -1;
        }
        self.st.detected_bandwidth = 0;
        if analysis_info.valid {
            if self.cfg.signal == Signal::Auto {
                let prob = if self.st.prev_mode == 0 {
                    analysis_info.music_prob
                } else if self.st.prev_mode == MODE_CELT_ONLY {
                    analysis_info.music_prob_max
                } else {
                    analysis_info.music_prob_min
                };
                self.voice_ratio = (0.5 + f64::from(100.0f32 * (1.0 - prob))).floor() as i32;
            }
            let ab = analysis_info.bandwidth;
            self.st.detected_bandwidth = if ab <= 12 {
                BW_NB
            } else if ab <= 14 {
                BW_MB
            } else if ab <= 16 {
                BW_WB
            } else if ab <= 18 {
                BW_SWB
            } else {
                BW_FB
            };
        }

        if (!analysis_info.valid || analysis_info.activity_probability > DTX_ACTIVITY_THRESHOLD)
            && !is_silence
        {
            self.st.peak_signal_energy = max32(
                0.999f32 * self.st.peak_signal_energy,
                dsp::compute_frame_energy(&pcm[..frame_size * ch]),
            );
        }
        let stereo_width = if ch == 2 && self.force_channels != 1 {
            dsp::compute_stereo_width(pcm, frame_size, fs, &mut self.st.width_mem)
        } else {
            0.0
        };
        self.bitrate_bps = self.user_bitrate_to_bitrate(frame_size, max_data_bytes as usize);

        let frame_rate = fs / fsz;
        let use_vbr = self.use_vbr();
        let mut cbr_bytes = -1;
        if !use_vbr {
            cbr_bytes = ((bitrate_to_bits(self.bitrate_bps, fs, fsz) + 4) / 8).min(max_data_bytes);
            self.bitrate_bps = bits_to_bitrate(cbr_bytes * 8, fs, fsz);
            max_data_bytes = cbr_bytes.max(1);
        }
        // DRED: libopus takes `compute_dred_bitrate` off `bitrate_bps` here;
        // it is 0 without a DRED duration.

        if max_data_bytes < 3
            || self.bitrate_bps < 3 * frame_rate * 8
            || (frame_rate < 50 && (max_data_bytes * frame_rate < 300 || self.bitrate_bps < 2400))
        {
            return self.encode_plc_packet(data, frame_rate, max_data_bytes, out_data_bytes);
        }
        let max_rate = bits_to_bitrate(max_data_bytes * 8, fs, fsz);

        let complexity = self.silk_mode.complexity;
        let loss = self.silk_mode.packet_loss_percentage;
        let mut equiv_rate = compute_equiv_rate(self.bitrate_bps, ch, fs / fsz, use_vbr, 0, complexity, loss);

        let signal = self.cfg.signal_value();
        let voice_est = if signal == SIGNAL_VOICE {
            127
        } else if signal == SIGNAL_MUSIC {
            0
        } else if self.voice_ratio >= 0 {
            let v = (self.voice_ratio * 327) >> 8;
            if self.application == APP_AUDIO {
                v.min(115)
            } else {
                v
            }
        } else if self.application == APP_VOIP {
            115
        } else {
            48
        };

        if self.force_channels != AUTO && ch == 2 {
            self.st.stream_channels = self.force_channels as usize;
        } else if ch == 2 {
            let mut stereo_threshold = STEREO_MUSIC_THRESHOLD
                + ((voice_est * voice_est * (STEREO_VOICE_THRESHOLD - STEREO_MUSIC_THRESHOLD)) >> 14);
            if self.st.stream_channels == 2 {
                stereo_threshold -= 1000;
            } else {
                stereo_threshold += 1000;
            }
            self.st.stream_channels = if equiv_rate > stereo_threshold { 2 } else { 1 };
        } else {
            self.st.stream_channels = ch;
        }
        equiv_rate = compute_equiv_rate(
            self.bitrate_bps,
            self.st.stream_channels,
            fs / fsz,
            use_vbr,
            0,
            complexity,
            loss,
        );

        self.silk_mode.use_dtx = i32::from(self.cfg.dtx && !(analysis_info.valid || is_silence));

        // Mode decision.
        if self.application == APP_RESTRICTED_SILK {
            self.st.mode = MODE_SILK_ONLY;
        } else if self.application == APP_LOWDELAY || self.application == APP_RESTRICTED_CELT {
            self.st.mode = MODE_CELT_ONLY;
        } else if let Some(m) = self.cfg.force_mode {
            self.st.mode = m.libopus_value();
        } else {
            let w = stereo_width;
            let mode_voice = ((1.0 - w) * MODE_THRESHOLDS[0][0] as f32
                + w * MODE_THRESHOLDS[1][0] as f32) as i32;
            // libopus interpolates the music threshold between the same entry twice.
            let mode_music = ((1.0 - w) * MODE_THRESHOLDS[1][1] as f32
                + w * MODE_THRESHOLDS[1][1] as f32) as i32;
            let mut threshold = mode_music + ((voice_est * voice_est * (mode_voice - mode_music)) >> 14);
            if self.application == APP_VOIP {
                threshold += 8000;
            }
            if self.st.prev_mode == MODE_CELT_ONLY {
                threshold -= 4000;
            } else if self.st.prev_mode > 0 {
                threshold += 4000;
            }
            self.st.mode = if equiv_rate >= threshold { MODE_CELT_ONLY } else { MODE_SILK_ONLY };
            if self.silk_mode.use_in_band_fec != 0
                && self.silk_mode.packet_loss_percentage > (128 - voice_est) >> 4
                && (self.cfg.fec_value() != 2 || voice_est > 25)
            {
                self.st.mode = MODE_SILK_ONLY;
            }
            if self.silk_mode.use_dtx != 0 && voice_est > 100 {
                self.st.mode = MODE_SILK_ONLY;
            }
            let min_rate = if frame_rate > 50 { 9000 } else { 6000 };
            if max_data_bytes < bitrate_to_bits(min_rate, fs, fsz) / 8 {
                self.st.mode = MODE_CELT_ONLY;
            }
        }
        if self.st.mode != MODE_CELT_ONLY && fsz < fs / 100 {
            self.st.mode = MODE_CELT_ONLY;
        }

        let mut redundancy = false;
        let mut celt_to_silk = false;
        let mut to_celt = false;
        let prev_mode = self.st.prev_mode;
        if prev_mode > 0
            && ((self.st.mode != MODE_CELT_ONLY && prev_mode == MODE_CELT_ONLY)
                || (self.st.mode == MODE_CELT_ONLY && prev_mode != MODE_CELT_ONLY))
        {
            redundancy = true;
            celt_to_silk = self.st.mode != MODE_CELT_ONLY;
            if !celt_to_silk {
                if fsz >= fs / 100 {
                    self.st.mode = prev_mode;
                    to_celt = true;
                } else {
                    redundancy = false;
                }
            }
        }

        if self.st.stream_channels == 1
            && self.st.prev_channels == 2
            && self.silk_mode.to_mono == 0
            && self.st.mode != MODE_CELT_ONLY
            && prev_mode != MODE_CELT_ONLY
        {
            self.silk_mode.to_mono = 1;
            self.st.stream_channels = 2;
        } else {
            self.silk_mode.to_mono = 0;
        }

        equiv_rate = compute_equiv_rate(
            self.bitrate_bps,
            self.st.stream_channels,
            fs / fsz,
            use_vbr,
            self.st.mode,
            complexity,
            loss,
        );

        let mut prefill = 0;
        if self.st.mode != MODE_CELT_ONLY && prev_mode == MODE_CELT_ONLY {
            self.silk.reset();
            prefill = 1;
        }

        self.decide_bandwidth(voice_est, equiv_rate, max_rate);

        let mut bw = self.st.bandwidth;
        self.silk_mode.lbrr_coded = decide_fec(
            self.silk_mode.use_in_band_fec != 0,
            self.silk_mode.packet_loss_percentage,
            self.silk_mode.lbrr_coded,
            self.st.mode,
            &mut bw,
            equiv_rate,
        );
        self.st.bandwidth = bw;
        let _ = self.celt.set_lsb_depth(lsb_depth);

        if self.st.mode == MODE_CELT_ONLY && self.st.bandwidth == BW_MB {
            self.st.bandwidth = BW_WB;
        }
        if self.application == APP_RESTRICTED_SILK && self.st.bandwidth > BW_WB {
            self.st.bandwidth = BW_WB;
        }
        let curr_bandwidth = self.st.bandwidth;
        if self.st.mode == MODE_SILK_ONLY && curr_bandwidth > BW_WB {
            self.st.mode = MODE_HYBRID;
        }
        if self.st.mode == MODE_HYBRID && curr_bandwidth <= BW_WB {
            self.st.mode = MODE_SILK_ONLY;
        }

        let mut params = FrameParams {
            first_frame: true,
            is_silence,
            redundancy,
            celt_to_silk,
            prefill,
            equiv_rate,
            to_celt,
            float_api,
        };

        if (fsz > fs / 50 && self.st.mode != MODE_SILK_ONLY) || fsz > 3 * fs / 50 {
            // Multi-frame packet.
            let enc_frame_size = if self.st.mode == MODE_SILK_ONLY {
                if fsz == 2 * fs / 25 {
                    fs / 25
                } else if fsz == 3 * fs / 25 {
                    3 * fs / 50
                } else {
                    fs / 50
                }
            } else {
                fs / 50
            };
            let nb_frames = (fsz / enc_frame_size) as usize;
            if let Some((pos, sub)) = analysis_bak {
                self.analysis.read_pos = pos;
                self.analysis.read_subframe = sub;
            }
            let max_header_bytes = if nb_frames == 2 { 3 } else { 2 + (nb_frames as i32 - 1) * 2 };
            let repacketize_len = if use_vbr || self.cfg.bitrate == Bitrate::Max {
                out_data_bytes as i32
            } else {
                cbr_bytes.min(out_data_bytes as i32)
            };
            let mut multi = std::mem::take(&mut self.scratch.multi);
            let max_len_sum = (nb_frames as i32 + repacketize_len - max_header_bytes).min(multi.len() as i32);
            let bak_to_mono = self.silk_mode.to_mono;
            if bak_to_mono != 0 {
                self.force_channels = 1;
            } else {
                self.st.prev_channels = self.st.stream_channels;
            }
            let mut tot_size = 0i32;
            let mut dtx_count = 0usize;
            let mut ends = [0usize; 6];
            let mut result = Ok(());
            let efs = enc_frame_size as usize;
            for i in 0..nb_frames {
                params.first_frame = i == 0 || i == dtx_count;
                self.silk_mode.to_mono = 0;
                self.st.nonfinal_frame = i < nb_frames - 1;
                let frame_to_celt = to_celt && i == nb_frames - 1;
                params.to_celt = frame_to_celt;
                params.redundancy = redundancy && (frame_to_celt || (!to_celt && i == 0));
                let mut curr_max =
                    (bitrate_to_bits(self.bitrate_bps, fs, enc_frame_size) / 8).min(max_len_sum / nb_frames as i32);
                // DRED: libopus reserves the DRED bytes of the first frame here.
                curr_max = (max_len_sum - tot_size).min(curr_max);
                if analysis_bak.is_some() {
                    analysis_info = self.analysis.get_info(enc_frame_size);
                }
                let frame_pcm = &pcm[i * ch * efs..(i + 1) * ch * efs];
                params.is_silence = dsp::is_digital_silence(frame_pcm, lsb_depth);
                if curr_max <= 0 {
                    result = Err(Error::Internal("opus encoder: no room for a frame"));
                    break;
                }
                let start = tot_size as usize;
                let buf = &mut multi[start..start + curr_max as usize];
                match self.encode_frame_native(frame_pcm, efs, buf, &analysis_info, params) {
                    Ok(len) => {
                        if len == 1 {
                            dtx_count += 1;
                        }
                        tot_size += len as i32;
                        ends[i] = tot_size as usize;
                    }
                    Err(_) => {
                        result = Err(Error::Internal("opus encoder: frame coding failed"));
                        break;
                    }
                }
            }
            let ret = result.and_then(|()| {
                let mut rp = Repacketizer::new();
                let mut start = 0;
                for &end in &ends[..nb_frames] {
                    rp.cat(&multi[start..end])
                        .map_err(|_| Error::Internal("opus encoder: repacketizer refused a frame"))?;
                    start = end;
                }
                let pad = !use_vbr && dtx_count != nb_frames;
                rp.out_range_with(0, nb_frames, &mut data[..repacketize_len as usize], false, pad, &[])
                    .map_err(|_| Error::Internal("opus encoder: repacketizing failed"))
            });
            self.scratch.multi = multi;
            self.silk_mode.to_mono = bak_to_mono;
            ret
        } else {
            let n = max_data_bytes as usize;
            self.encode_frame_native(&pcm[..frame_size * ch], frame_size, &mut data[..n], &analysis_info, params)
        }
    }

    /// Automatic bandwidth from the rate and the voice estimate, then the
    /// user's limits and the input rate's (part of libopus `opus_encode_native`).
    fn decide_bandwidth(&mut self, voice_est: i32, equiv_rate: i32, max_rate: i32) {
        let st = &mut self.st;
        if st.mode == MODE_CELT_ONLY || st.first || self.silk_mode.allow_bandwidth_switch != 0 {
            let (voice, music) = if self.channels == 2 && self.force_channels != 1 {
                (&STEREO_VOICE_BANDWIDTH_THRESHOLDS, &STEREO_MUSIC_BANDWIDTH_THRESHOLDS)
            } else {
                (&MONO_VOICE_BANDWIDTH_THRESHOLDS, &MONO_MUSIC_BANDWIDTH_THRESHOLDS)
            };
            let mut thresholds = [0i32; 8];
            for i in 0..8 {
                thresholds[i] = music[i] + ((voice_est * voice_est * (voice[i] - music[i])) >> 14);
            }
            let mut bandwidth = BW_FB;
            loop {
                let idx = 2 * (bandwidth - BW_MB) as usize;
                let mut threshold = thresholds[idx];
                let hysteresis = thresholds[idx + 1];
                if !st.first {
                    if st.auto_bandwidth >= bandwidth {
                        threshold -= hysteresis;
                    } else {
                        threshold += hysteresis;
                    }
                }
                if equiv_rate >= threshold {
                    break;
                }
                bandwidth -= 1;
                if bandwidth <= BW_NB {
                    break;
                }
            }
            if bandwidth == BW_MB {
                bandwidth = BW_WB;
            }
            st.bandwidth = bandwidth;
            st.auto_bandwidth = bandwidth;
            if !st.first
                && st.mode != MODE_CELT_ONLY
                && self.silk_mode.in_wb_mode_without_variable_lp == 0
                && st.bandwidth > BW_WB
            {
                st.bandwidth = BW_WB;
            }
        }
        let max_bw = self.cfg.max_bandwidth.libopus_value();
        if st.bandwidth > max_bw {
            st.bandwidth = max_bw;
        }
        if let Some(b) = self.cfg.bandwidth {
            st.bandwidth = b.libopus_value();
        }
        if st.mode != MODE_CELT_ONLY && max_rate < 15000 {
            st.bandwidth = st.bandwidth.min(BW_WB);
        }
        let fs = self.fs;
        if fs <= 24000 && st.bandwidth > BW_SWB {
            st.bandwidth = BW_SWB;
        }
        if fs <= 16000 && st.bandwidth > BW_WB {
            st.bandwidth = BW_WB;
        }
        if fs <= 12000 && st.bandwidth > BW_MB {
            st.bandwidth = BW_MB;
        }
        if fs <= 8000 && st.bandwidth > BW_NB {
            st.bandwidth = BW_NB;
        }
        if st.detected_bandwidth != 0 && self.cfg.bandwidth.is_none() {
            let sc = st.stream_channels as i32;
            let min_detected = if equiv_rate <= 18000 * sc && st.mode == MODE_CELT_ONLY {
                BW_NB
            } else if equiv_rate <= 24000 * sc && st.mode == MODE_CELT_ONLY {
                BW_MB
            } else if equiv_rate <= 30000 * sc {
                BW_WB
            } else if equiv_rate <= 44000 * sc {
                BW_SWB
            } else {
                BW_FB
            };
            st.detected_bandwidth = st.detected_bandwidth.max(min_detected);
            st.bandwidth = st.bandwidth.min(st.detected_bandwidth);
        }
    }

    /// The TOC-only (or TOC plus frame count) packet libopus sends when the
    /// budget is too small to code anything; the decoder conceals it.
    fn encode_plc_packet(
        &mut self,
        data: &mut [u8],
        mut frame_rate: i32,
        mut max_data_bytes: i32,
        out_data_bytes: usize,
    ) -> Result<usize, Error> {
        let mut tocmode = self.st.mode;
        let mut bw = if self.st.bandwidth == 0 { BW_NB } else { self.st.bandwidth };
        let mut packet_code = 0u8;
        let mut num_multiframes = 0;
        if tocmode == 0 {
            tocmode = MODE_SILK_ONLY;
        }
        if frame_rate > 100 {
            tocmode = MODE_CELT_ONLY;
        }
        if frame_rate == 25 && tocmode != MODE_SILK_ONLY {
            frame_rate = 50;
            packet_code = 1;
        }
        if frame_rate <= 16 {
            if out_data_bytes == 1 || (tocmode == MODE_SILK_ONLY && frame_rate != 10) {
                tocmode = MODE_SILK_ONLY;
                packet_code = u8::from(frame_rate <= 12);
                frame_rate = if frame_rate == 12 { 25 } else { 16 };
            } else {
                num_multiframes = 50 / frame_rate;
                frame_rate = 50;
                packet_code = 3;
            }
        }
        if tocmode == MODE_SILK_ONLY && bw > BW_WB {
            bw = BW_WB;
        } else if tocmode == MODE_CELT_ONLY && bw == BW_MB {
            bw = BW_NB;
        } else if tocmode == MODE_HYBRID && bw <= BW_SWB {
            bw = BW_SWB;
        }
        let toc = gen_toc(tocmode, frame_rate, bw, self.st.stream_channels) | packet_code;
        let ret = if packet_code <= 1 { 1 } else { 2 };
        if data.len() < ret {
            return Err(Error::BufferTooSmall { needed: ret, got: data.len() });
        }
        data[0] = toc;
        max_data_bytes = max_data_bytes.max(ret as i32);
        if packet_code == 3 {
            data[1] = num_multiframes as u8;
        }
        if !self.use_vbr() {
            self.pad_in_place(data, ret, max_data_bytes as usize)
        } else {
            Ok(ret)
        }
    }

    /// Pads the `len`-byte packet at the front of `data` to `new_len` bytes
    /// (libopus `opus_packet_pad`).
    fn pad_in_place(&mut self, data: &mut [u8], len: usize, new_len: usize) -> Result<usize, Error> {
        if len == new_len {
            return Ok(len);
        }
        if new_len > data.len() || len > self.scratch.pad.len() {
            return Err(Error::Internal("opus encoder: padding past the buffer"));
        }
        self.scratch.pad[..len].copy_from_slice(&data[..len]);
        packet_pad(&self.scratch.pad[..len], &mut data[..new_len], new_len)
            .map_err(|_| Error::Internal("opus encoder: padding failed"))
    }

    /// Codes one frame of `frame_size` samples per channel into `data`, whose
    /// length is the most the frame may take (libopus `opus_encode_frame_native`).
    fn encode_frame_native(
        &mut self,
        pcm: &[f32],
        frame_size: usize,
        data: &mut [u8],
        analysis_info: &AnalysisInfo,
        params: FrameParams,
    ) -> Result<usize, Error> {
        let mut pcm_buf = std::mem::take(&mut self.scratch.pcm_buf);
        let r = self.encode_frame_inner(pcm, frame_size, data, analysis_info, params, &mut pcm_buf);
        self.scratch.pcm_buf = pcm_buf;
        r
    }

    #[allow(clippy::too_many_lines)]
    fn encode_frame_inner(
        &mut self,
        pcm: &[f32],
        frame_size: usize,
        data: &mut [u8],
        analysis_info: &AnalysisInfo,
        params: FrameParams,
        pcm_buf: &mut [f32],
    ) -> Result<usize, Error> {
        let FrameParams { is_silence, mut redundancy, mut celt_to_silk, mut prefill, equiv_rate, to_celt, .. } =
            params;
        let _ = params.first_frame; // DRED: only the first frame of a packet carries DRED.
        let orig_max_data_bytes = data.len();
        if orig_max_data_bytes < 1 {
            return Err(Error::BufferTooSmall { needed: 1, got: 0 });
        }
        let fs = self.fs;
        let ch = self.channels;
        let fsz = frame_size as i32;
        let use_vbr = self.use_vbr();
        let celt_mode = mode48000_960();
        let max_data_bytes = orig_max_data_bytes.min(PACKET_SIZE_CAP) as i32;
        self.st.range_final = 0;
        let mut curr_bandwidth = self.st.bandwidth;
        let delay_compensation =
            if self.application == APP_LOWDELAY || single_codec(self.application) { 0 } else { self.delay_compensation };
        let total_buffer = delay_compensation;
        let frame_rate = fs / fsz;
        let mode = self.st.mode;

        let mut activity = VAD_NO_DECISION;
        if is_silence {
            activity = 0;
        } else if analysis_info.valid {
            activity = i32::from(analysis_info.activity_probability >= DTX_ACTIVITY_THRESHOLD);
            if activity == 0 {
                let noise_energy = dsp::compute_frame_energy(pcm);
                activity = i32::from(self.st.peak_signal_energy < PSEUDO_SNR_THRESHOLD * noise_energy);
            }
        } else if mode == MODE_CELT_ONLY {
            let noise_energy = dsp::compute_frame_energy(pcm);
            activity = i32::from(self.st.peak_signal_energy < PSEUDO_SNR_THRESHOLD * (0.5 * noise_energy));
        }

        if self.st.silk_bw_switch {
            redundancy = true;
            celt_to_silk = true;
            self.st.silk_bw_switch = false;
            prefill = 2;
        }
        if mode == MODE_CELT_ONLY {
            redundancy = false;
        }
        let mut redundancy_bytes = 0i32;
        if redundancy {
            redundancy_bytes =
                compute_redundancy_bytes(max_data_bytes, self.bitrate_bps, frame_rate, self.st.stream_channels);
            if redundancy_bytes == 0 {
                redundancy = false;
            }
        }
        if self.application == APP_RESTRICTED_SILK {
            redundancy = false;
            redundancy_bytes = 0;
        }
        let bits_target =
            (8 * (max_data_bytes - redundancy_bytes)).min(bitrate_to_bits(self.bitrate_bps, fs, fsz)) - 8;

        // Delay compensation: the last `total_buffer` samples of the previous
        // input come first.
        let tb = total_buffer * ch;
        let db_start = (self.encoder_buffer - total_buffer) * ch;
        pcm_buf[..tb].copy_from_slice(&self.st.delay_buffer[db_start..db_start + tb]);

        let hp_freq_smth1 = if mode == MODE_CELT_ONLY {
            lin2log(VARIABLE_HP_MIN_CUTOFF_HZ) << 8
        } else {
            self.silk.state().state_fxx[0].s_cmn.variable_hp_smth1_q15
        };
        self.st.variable_hp_smth2_q15 = smlawb(
            self.st.variable_hp_smth2_q15,
            hp_freq_smth1 - self.st.variable_hp_smth2_q15,
            fix_const(0.015, 16),
        );
        let cutoff_hz = log2lin(self.st.variable_hp_smth2_q15 >> 8);
        let n = frame_size * ch;
        if self.application == APP_VOIP {
            dsp::hp_cutoff(pcm, cutoff_hz, &mut pcm_buf[tb..tb + n], &mut self.st.hp_mem, frame_size, ch, fs);
        } else {
            dsp::dc_reject(pcm, 3, &mut pcm_buf[tb..tb + n], &mut self.st.hp_mem, frame_size, ch, fs);
        }
        if params.float_api {
            let x = &pcm_buf[tb..tb + n];
            let sum = celt_inner_prod(x, x, n);
            // Written as libopus does, so that NaN sums also clear the frame.
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            let bad = !(sum < 1e9) || sum.is_nan();
            if bad {
                pcm_buf[tb..tb + n].fill(0.0);
                self.st.hp_mem = [0.0; 4];
            }
        }
        // DRED: libopus computes the DRED latents from `pcm_buf` here (before
        // SILK, because of DTX) and keeps the activity history.

        let (toc_byte, payload) = data.split_at_mut(1);
        let mut enc = RangeEncoder::new(&mut payload[..orig_max_data_bytes - 1]);
        let mut hb_gain = 1.0f32;
        let mut red_buf = [0u8; MAX_REDUNDANCY_BYTES];
        let mut redundant_rng = 0u32;
        let mut red_pos = 0usize;
        let mut ret: i32 = 0;

        if mode != MODE_CELT_ONLY {
            let total_bitrate = bits_to_bitrate(bits_target, fs, fsz);
            let sc = self.st.stream_channels;
            if mode == MODE_HYBRID {
                self.silk_mode.bit_rate = compute_silk_rate_for_hybrid(
                    total_bitrate,
                    curr_bandwidth,
                    fs == 50 * fsz,
                    use_vbr,
                    self.silk_mode.lbrr_coded != 0,
                    sc,
                );
                let celt_rate = total_bitrate - self.silk_mode.bit_rate;
                hb_gain = 1.0 - celt_exp2(-celt_rate as f32 * (1.0 / 1024.0));
            } else {
                self.silk_mode.bit_rate = total_bitrate;
            }
            let sm = &mut self.silk_mode;
            sm.payload_size_ms = 1000 * fsz / fs;
            sm.n_channels_api = ch as i32;
            sm.n_channels_internal = sc as i32;
            sm.desired_internal_sample_rate = match curr_bandwidth {
                BW_NB => 8000,
                BW_MB => 12000,
                _ => 16000,
            };
            sm.min_internal_sample_rate = if mode == MODE_HYBRID { 16000 } else { 8000 };
            sm.max_internal_sample_rate = 16000;
            if mode == MODE_SILK_ONLY {
                let mut effective_max_rate = bits_to_bitrate(max_data_bytes * 8, fs, fsz);
                if frame_rate > 50 {
                    effective_max_rate = effective_max_rate * 2 / 3;
                }
                if effective_max_rate < 8000 {
                    sm.max_internal_sample_rate = 12000;
                    sm.desired_internal_sample_rate = sm.desired_internal_sample_rate.min(12000);
                }
                if effective_max_rate < 7000 {
                    sm.max_internal_sample_rate = 8000;
                    sm.desired_internal_sample_rate = sm.desired_internal_sample_rate.min(8000);
                }
            }
            sm.use_cbr = i32::from(!use_vbr);
            sm.max_bits = (max_data_bytes - 1) * 8;
            if redundancy && redundancy_bytes >= 2 {
                sm.max_bits -= redundancy_bytes * 8 + 1;
                if mode == MODE_HYBRID {
                    sm.max_bits -= 20;
                }
            }
            if sm.use_cbr != 0 {
                // DRED: with DRED in CBR, SILK also goes capped VBR here.
                if mode == MODE_HYBRID {
                    let other_bits = (sm.max_bits - sm.bit_rate * fsz / fs).max(0) as i16 as i32;
                    sm.max_bits = (sm.max_bits - other_bits * 3 / 4).max(0);
                    sm.use_cbr = 0;
                }
            } else if mode == MODE_HYBRID {
                let max_bit_rate = compute_silk_rate_for_hybrid(
                    sm.max_bits * fs / fsz,
                    curr_bandwidth,
                    fs == 50 * fsz,
                    use_vbr,
                    sm.lbrr_coded != 0,
                    sc,
                );
                sm.max_bits = bitrate_to_bits(max_bit_rate, fs, fsz);
            }

            if prefill != 0 && self.application != APP_RESTRICTED_SILK {
                // A smooth onset for the prefill, so SILK does not code a step.
                let prefill_offset = ch * (self.encoder_buffer - self.delay_compensation - fs as usize / 400);
                dsp::gain_fade(
                    &mut self.st.delay_buffer[prefill_offset..],
                    0.0,
                    1.0,
                    celt_mode.overlap,
                    fs as usize / 400,
                    ch,
                    celt_mode.window,
                    fs,
                );
                self.st.delay_buffer[..prefill_offset].fill(0.0);
                let mut dummy = RangeEncoder::new(&mut self.scratch.silk_dummy);
                let eb = self.encoder_buffer;
                self.silk
                    .encode(&mut self.silk_mode, &self.st.delay_buffer[..eb * ch], eb, &mut dummy, prefill, activity)
                    .map_err(|_| Error::Internal("opus encoder: SILK prefill failed"))?;
                self.silk_mode.opus_can_switch = 0;
            }

            let n_bytes = self
                .silk
                .encode(&mut self.silk_mode, &pcm_buf[tb..tb + n], frame_size, &mut enc, 0, activity)
                .map_err(|_| Error::Internal("opus encoder: SILK failed"))?;

            if mode == MODE_SILK_ONLY {
                curr_bandwidth = match self.silk_mode.internal_sample_rate {
                    8000 => BW_NB,
                    12000 => BW_MB,
                    16000 => BW_WB,
                    _ => curr_bandwidth,
                };
            }
            self.silk_mode.opus_can_switch =
                i32::from(self.silk_mode.switch_ready != 0 && !self.st.nonfinal_frame);
            if activity == VAD_NO_DECISION {
                activity = i32::from(self.silk_mode.signal_type != TYPE_NO_VOICE_ACTIVITY);
                // DRED: the activity history takes this value.
            }
            if n_bytes == 0 {
                self.st.range_final = 0;
                toc_byte[0] = gen_toc(mode, fs / fsz, curr_bandwidth, self.st.stream_channels);
                return Ok(1);
            }
            if self.silk_mode.opus_can_switch != 0 {
                if self.application != APP_RESTRICTED_SILK {
                    redundancy_bytes = compute_redundancy_bytes(
                        max_data_bytes,
                        self.bitrate_bps,
                        frame_rate,
                        self.st.stream_channels,
                    );
                    redundancy = redundancy_bytes != 0;
                }
                celt_to_silk = false;
                self.st.silk_bw_switch = true;
            }
        }

        // CELT settings for this frame.
        let endband = match curr_bandwidth {
            BW_NB => 13,
            BW_MB | BW_WB => 17,
            BW_SWB => 19,
            _ => 21,
        };
        let celt = &mut self.celt;
        let _ = celt.set_end_band(endband);
        let _ = celt.set_stream_channels(self.st.stream_channels);
        let _ = celt.set_bitrate(BITRATE_MAX);
        if mode != MODE_SILK_ONLY {
            let pred = if self.silk_mode.reduced_dependency != 0 { 0 } else { 2 };
            let _ = celt.set_prediction(pred);
        }

        let n4 = fs as usize / 400;
        let mut tmp_prefill = [0.0f32; 240];
        let prev_mode = self.st.prev_mode;
        if mode != MODE_SILK_ONLY && mode != prev_mode && prev_mode > 0 && self.application != APP_RESTRICTED_CELT {
            if let Some(start) = (self.encoder_buffer).checked_sub(total_buffer + n4) {
                let s = start * ch;
                tmp_prefill[..ch * n4].copy_from_slice(&self.st.delay_buffer[s..s + ch * n4]);
            }
        }

        // Keep the last `encoder_buffer` samples of filtered input.
        let eb = self.encoder_buffer;
        if eb > frame_size + total_buffer {
            let keep = ch * (eb - frame_size - total_buffer);
            self.st.delay_buffer.copy_within(ch * frame_size..ch * frame_size + keep, 0);
            self.st.delay_buffer[keep..keep + (frame_size + total_buffer) * ch]
                .copy_from_slice(&pcm_buf[..(frame_size + total_buffer) * ch]);
        } else {
            let s = (frame_size + total_buffer - eb) * ch;
            self.st.delay_buffer[..eb * ch].copy_from_slice(&pcm_buf[s..s + eb * ch]);
        }

        if self.st.prev_hb_gain < 1.0 || hb_gain < 1.0 {
            dsp::gain_fade(
                pcm_buf,
                self.st.prev_hb_gain,
                hb_gain,
                celt_mode.overlap,
                frame_size,
                ch,
                celt_mode.window,
                fs,
            );
        }
        self.st.prev_hb_gain = hb_gain;
        if mode != MODE_HYBRID || self.st.stream_channels == 1 {
            self.silk_mode.stereo_width_q14 = if equiv_rate > 32000 {
                16384
            } else if equiv_rate < 16000 {
                0
            } else {
                16384 - 2048 * (32000 - equiv_rate) / (equiv_rate - 14000)
            };
        }
        if ch == 2
            && (self.st.hybrid_stereo_width_q14 < (1 << 14) || self.silk_mode.stereo_width_q14 < (1 << 14))
        {
            let g1 = self.st.hybrid_stereo_width_q14 as f32 * (1.0 / 16384.0);
            let g2 = self.silk_mode.stereo_width_q14 as f32 * (1.0 / 16384.0);
            dsp::stereo_fade(pcm_buf, g1, g2, celt_mode.overlap, frame_size, ch, celt_mode.window, fs);
            self.st.hybrid_stereo_width_q14 = self.silk_mode.stereo_width_q14;
        }

        // Redundancy signalling.
        if mode != MODE_CELT_ONLY
            && enc.tell() + 17 + 20 * i32::from(mode == MODE_HYBRID) <= 8 * (max_data_bytes - 1)
        {
            if mode == MODE_HYBRID {
                enc.bit_logp(redundancy, 12);
            }
            if redundancy {
                enc.bit_logp(celt_to_silk, 1);
                let max_redundancy = if mode == MODE_HYBRID {
                    (max_data_bytes - 1) - ((enc.tell() + 8 + 3 + 7) >> 3)
                } else {
                    (max_data_bytes - 1) - ((enc.tell() + 7) >> 3)
                };
                redundancy_bytes = max_redundancy.min(redundancy_bytes);
                redundancy_bytes = 257.min(2.max(redundancy_bytes));
                if mode == MODE_HYBRID {
                    enc.uint((redundancy_bytes - 2) as u32, 256);
                }
            }
        } else {
            redundancy = false;
        }
        if !redundancy {
            self.st.silk_bw_switch = false;
            redundancy_bytes = 0;
        }
        let start_band = if mode != MODE_CELT_ONLY { 17 } else { 0 };

        let mut nb_compr_bytes;
        if mode == MODE_SILK_ONLY {
            ret = (enc.tell() + 7) >> 3;
            enc.done();
            nb_compr_bytes = ret;
        } else {
            nb_compr_bytes = (max_data_bytes - 1) - redundancy_bytes;
            // DRED: with DRED on, CELT may give up to 3/4 of the DRED bytes here.
            shrink_checked(&mut enc, nb_compr_bytes);
        }

        let celt = &mut self.celt;
        if redundancy || mode != MODE_SILK_ONLY {
            celt.set_analysis(analysis_info);
        }
        if mode == MODE_HYBRID {
            celt.set_silk_info(&SilkInfo {
                signal_type: self.silk_mode.signal_type,
                offset: self.silk_mode.offset,
            });
        }

        let rb = redundancy_bytes.max(0) as usize;
        if redundancy && celt_to_silk {
            // 5 ms CELT frame ahead of the switch to SILK.
            let _ = celt.set_start_band(0);
            celt.set_vbr(false);
            let _ = celt.set_bitrate(BITRATE_MAX);
            celt.encode_with_ec(&pcm_buf[..(fs as usize / 200) * ch], fs as usize / 200, None, &mut red_buf[..rb], rb)
                .map_err(|_| Error::Internal("opus encoder: redundant CELT frame failed"))?;
            red_pos = nb_compr_bytes.max(0) as usize;
            redundant_rng = celt.final_range();
            celt.reset();
        }
        let _ = celt.set_start_band(start_band);

        if mode != MODE_SILK_ONLY {
            celt.set_vbr(use_vbr);
            if mode == MODE_HYBRID {
                if use_vbr {
                    let _ = celt.set_bitrate(self.bitrate_bps - self.silk_mode.bit_rate);
                    celt.set_vbr_constraint(false);
                }
            } else if use_vbr {
                celt.set_vbr(true);
                celt.set_vbr_constraint(self.cfg.vbr_constraint);
                let _ = celt.set_bitrate(self.bitrate_bps);
            }
            // DRED: in CBR with DRED, CELT goes unconstrained VBR here.
            if mode != prev_mode && prev_mode > 0 && self.application != APP_RESTRICTED_CELT {
                let mut dummy = [0u8; 2];
                celt.reset();
                let _ = celt.encode_with_ec(&tmp_prefill[..ch * n4], n4, None, &mut dummy, 2);
                let _ = celt.set_prediction(0);
            }
            if enc.tell() <= 8 * nb_compr_bytes {
                let r = celt
                    .encode_with_ec(&pcm_buf[..n], frame_size, Some(&mut enc), &mut [], nb_compr_bytes as usize)
                    .map_err(|_| Error::Internal("opus encoder: CELT failed"))?;
                ret = r as i32;
                if redundancy && celt_to_silk && mode == MODE_HYBRID && nb_compr_bytes != ret {
                    red_pos = ret as usize;
                    nb_compr_bytes = ret + redundancy_bytes;
                }
            }
            self.st.range_final = celt.final_range();
        } else {
            self.st.range_final = enc.final_range();
        }

        if redundancy && !celt_to_silk {
            // 5 ms CELT frame after the switch away from SILK.
            let n2 = fs as usize / 200;
            celt.reset();
            let _ = celt.set_start_band(0);
            let _ = celt.set_prediction(0);
            celt.set_vbr(false);
            let _ = celt.set_bitrate(BITRATE_MAX);
            if mode == MODE_HYBRID {
                nb_compr_bytes = ret;
                shrink_checked(&mut enc, nb_compr_bytes);
            }
            let mut dummy = [0u8; 2];
            let s = ch * (frame_size - n2 - n4);
            let _ = celt.encode_with_ec(&pcm_buf[s..s + ch * n4], n4, None, &mut dummy, 2);
            let s = ch * (frame_size - n2);
            celt.encode_with_ec(&pcm_buf[s..s + ch * n2], n2, None, &mut red_buf[..rb], rb)
                .map_err(|_| Error::Internal("opus encoder: redundant CELT frame failed"))?;
            red_pos = nb_compr_bytes.max(0) as usize;
            redundant_rng = celt.final_range();
        }
        let final_tell = enc.tell();
        if redundancy && rb > 0 {
            let end = (red_pos + rb).min(payload.len());
            let k = end.saturating_sub(red_pos);
            payload[red_pos..red_pos + k].copy_from_slice(&red_buf[..k]);
        }

        let toc = gen_toc(mode, fs / fsz, curr_bandwidth, self.st.stream_channels);
        toc_byte[0] = toc;
        self.st.range_final ^= redundant_rng;
        self.st.prev_mode = if to_celt { MODE_CELT_ONLY } else { mode };
        self.st.prev_channels = self.st.stream_channels;
        self.st.prev_framesize = frame_size;
        self.st.first = false;

        if self.cfg.dtx && self.silk_mode.use_dtx == 0 {
            if decide_dtx_mode(activity, &mut self.st.nb_no_activity_ms_q1, 2 * 1000 * fsz / fs) {
                self.st.range_final = 0;
                data[0] = toc;
                return Ok(1);
            }
        } else {
            self.st.nb_no_activity_ms_q1 = 0;
        }

        if final_tell > (max_data_bytes - 1) * 8 {
            if max_data_bytes < 2 {
                return Err(Error::BufferTooSmall { needed: 2, got: max_data_bytes as usize });
            }
            data[1] = 0;
            ret = 1;
            self.st.range_final = 0;
        } else if mode == MODE_SILK_ONLY && !redundancy {
            while ret > 2 && data[ret as usize] == 0 {
                ret -= 1;
            }
        }
        let mut ret = (ret + 1 + redundancy_bytes) as usize;
        // DRED: the DRED extension is added here (first frame only), which
        // also does the padding.
        if !use_vbr {
            ret = self.pad_in_place(data, ret, orig_max_data_bytes)?;
        }
        Ok(ret)
    }
}

/// `ec_enc_shrink`, skipped when the packet would not fit (libopus asserts
/// that it does).
fn shrink_checked(enc: &mut RangeEncoder<'_>, size: i32) {
    if size >= 0 && (size as u32) >= enc.range_bytes() && (size as u32) <= enc.storage() {
        enc.shrink(size as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::Mode;

    #[test]
    fn toc_matches_libopus_layout() {
        // SILK WB 20 ms mono: config 9.
        assert_eq!(gen_toc(MODE_SILK_ONLY, 50, BW_WB, 1), 9 << 3);
        // CELT FB 20 ms stereo: config 31.
        assert_eq!(gen_toc(MODE_CELT_ONLY, 50, BW_FB, 2), (31 << 3) | 4);
        // Hybrid FB 10 ms: config 14.
        assert_eq!(gen_toc(MODE_HYBRID, 100, BW_FB, 1), 14 << 3);
    }

    #[test]
    fn frame_size_select_rules() {
        assert_eq!(frame_size_select(APP_AUDIO, 960, 5000, 48000), Some(960));
        assert_eq!(frame_size_select(APP_AUDIO, 961, 5000, 48000), None);
        assert_eq!(frame_size_select(APP_AUDIO, 5760, 5009, 48000), Some(5760));
        assert_eq!(frame_size_select(APP_AUDIO, 960, 5001, 48000), Some(120));
        assert_eq!(frame_size_select(APP_AUDIO, 960, 5005, 48000), None);
    }

    fn noise(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                ((s >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 0.3
            })
            .collect()
    }

    #[test]
    fn every_mode_codes_and_survives_nan() {
        for app in [Application::Voip, Application::Audio, Application::RestrictedLowDelay] {
            for ch in [1usize, 2] {
                for bitrate in [Bitrate::Bps(8000), Bitrate::Bps(24000), Bitrate::Bps(64000), Bitrate::Max] {
                    let cfg = EncoderConfig::new(app).bitrate(bitrate).complexity(5);
                    let mut e = OpusEncoder::with_config(48000, ch, &cfg).expect("encoder");
                    let mut out = [0u8; 1500];
                    for k in 0..20u32 {
                        let mut pcm = noise(960 * ch, k);
                        if k == 7 {
                            pcm[3] = f32::NAN;
                        }
                        if k == 8 {
                            pcm.fill(f32::INFINITY);
                        }
                        let len = e.encode_float(&pcm, &mut out).expect("encode");
                        assert!(len >= 1 && len <= out.len());
                    }
                }
            }
        }
    }

    #[test]
    fn restricted_silk_and_celt() {
        assert_eq!(frame_size_select(APP_RESTRICTED_SILK, 480, 5000, 48000), Some(480));
        assert_eq!(frame_size_select(APP_RESTRICTED_SILK, 240, 5000, 48000), None);
        assert_eq!(frame_size_select(APP_RESTRICTED_CELT, 120, 5000, 48000), Some(120));
        let mut silk = OpusEncoder::new(48000, 1, Application::RestrictedSilk).expect("silk");
        let mut celt = OpusEncoder::new(48000, 2, Application::RestrictedCelt).expect("celt");
        assert_eq!(silk.lookahead(), 120 + 192);
        assert_eq!(celt.lookahead(), 120);
        let mut out = [0u8; 1500];
        assert!(silk.encode_float(&noise(240, 1), &mut out).is_err());
        for k in 0..10 {
            let len = silk.encode_float(&noise(960, k), &mut out).expect("silk frame");
            let toc = crate::packet::Toc(out[0]);
            assert_eq!(toc.mode(), Mode::SilkOnly);
            assert!(len >= 1 && toc.bandwidth() <= Bandwidth::Wideband);
            let len = celt.encode_float(&noise(240, k), &mut out).expect("celt frame");
            assert!(len >= 1 && crate::packet::Toc(out[0]).mode() == Mode::CeltOnly);
        }
        let cfg = *silk.config();
        assert!(silk.set_config(&EncoderConfig { application: Application::Voip, ..cfg }).is_err());
        let mut voip = OpusEncoder::new(16000, 1, Application::Voip).expect("voip");
        let cfg = *voip.config();
        assert!(voip.set_config(&EncoderConfig { application: Application::RestrictedCelt, ..cfg }).is_err());
        assert!(voip.set_config(&cfg.force_mode(Some(Mode::CeltOnly))).is_ok());
    }

    #[test]
    fn reset_matches_fresh_encoder() {
        let cfg = EncoderConfig::new(Application::Audio).bitrate(Bitrate::Bps(32000)).complexity(4);
        let mut a = OpusEncoder::with_config(48000, 1, &cfg).expect("encoder");
        let mut b = OpusEncoder::with_config(48000, 1, &cfg).expect("encoder");
        let mut out_a = [0u8; 1500];
        let mut out_b = [0u8; 1500];
        for k in 0..5 {
            let _ = a.encode_float(&noise(960, 100 + k), &mut out_a);
        }
        a.reset();
        for k in 0..5 {
            let pcm = noise(960, k);
            let la = a.encode_float(&pcm, &mut out_a).expect("a");
            let lb = b.encode_float(&pcm, &mut out_b).expect("b");
            assert_eq!(out_a[..la], out_b[..lb]);
            assert_eq!(a.final_range(), b.final_range());
        }
    }

    #[test]
    fn multiframe_packets() {
        for (dur, n) in [(FrameDuration::Ms40, 1920), (FrameDuration::Ms120, 5760)] {
            let cfg = EncoderConfig::new(Application::Audio)
                .bitrate(Bitrate::Bps(64000))
                .complexity(3)
                .frame_duration(dur);
            let mut e = OpusEncoder::with_config(48000, 1, &cfg).expect("encoder");
            let mut out = [0u8; 4000];
            for k in 0..4 {
                let len = e.encode_float(&noise(n, k), &mut out).expect("encode");
                let parsed = crate::packet::parse(&out[..len]).expect("valid packet");
                assert_eq!(parsed.samples(48000), n);
            }
        }
    }
}
