//! The CELT frame encoder (RFC 6716 section 5.3; libopus `celt/celt_encoder.c`,
//! float build).
//!
//! [`CeltEncoder::encode_with_ec`] turns one frame of 2.5 to 20 ms of float PCM
//! into a CELT frame: pre-emphasis, pitch pre-filter, transient decision, MDCT,
//! band energies and shapes, then the symbols in bitstream order (silence,
//! post-filter, transient, coarse energy, TF, spreading, dynamic allocation,
//! trim, allocation, fine energy, PVQ shapes, anti-collapse, final energy bits).
//! The analysis steps live in [`super::encoder_analysis`].
//!
//! The output is byte-identical to libopus's generic C float build for the same
//! input and settings. The encoder allocates its state and scratch once, in
//! [`CeltEncoder::new`].

use super::alloc::{clt_compute_allocation_enc, init_caps, BITRES};
use super::bands::{
    compute_band_energies, hysteresis_decision, normalise_bands, quant_all_bands,
    spreading_decision, BandCoder,
};
use super::decoder::resampling_factor;
use super::encoder_analysis::{
    alloc_trim_analysis, compute_vbr, dynalloc_analysis, patch_transient_decision,
    stereo_analysis, tf_analysis, tf_encode, tone_detect, transient_analysis, AnalysisInfo,
    DynallocParams, SilkInfo, VbrParams,
};
use super::energy::{amp2log2, quant_coarse_energy, quant_energy_finalise, quant_fine_energy};
use super::kiss_fft::Complex;
use super::mathops::{ec_ilog, max32, min32};
use super::mdct::MDCT_48000_960;
use super::mode::{mode48000_960, CeltMode, MAX_FRAME_SIZE};
use super::pitch::{pitch_downsample, pitch_search, remove_doubling};
use super::postfilter::{comb_filter, CombParams, COMBFILTER_MAXPERIOD, COMBFILTER_MINPERIOD};
use super::tables::{NB_EBANDS, SPREAD_ICDF, TAPSET_ICDF, TRIM_ICDF};
use super::vq::{SPREAD_AGGRESSIVE, SPREAD_NONE, SPREAD_NORMAL};
use crate::range_coder::RangeEncoder;
use crate::Error;

/// `OPUS_BITRATE_MAX`: no bitrate limit, use the whole buffer.
pub const BITRATE_MAX: i32 = -1;

/// Largest CELT frame payload (libopus's packet size cap without QEXT).
const PACKET_SIZE_CAP: usize = 1275;

/// Intensity stereo thresholds in kb/s, per start band (libopus
/// `intensity_thresholds`).
#[rustfmt::skip]
const INTENSITY_THRESHOLDS: [f32; 21] = [
    1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 16.0, 24.0, 36.0, 44.0, 50.0, 56.0, 62.0, 67.0,
    72.0, 79.0, 88.0, 106.0, 134.0,
];
/// Hysteresis of [`INTENSITY_THRESHOLDS`] (libopus `intensity_histeresis`).
#[rustfmt::skip]
const INTENSITY_HYSTERESIS: [f32; 21] = [
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0,
    4.0, 5.0, 6.0, 8.0, 8.0,
];

/// The part of the encoder that a reset clears (libopus: everything from `rng`).
#[derive(Debug, Clone)]
struct EncoderState {
    rng: u32,
    spread_decision: i32,
    delayed_intra: f32,
    tonal_average: i32,
    last_coded_bands: i32,
    hf_average: i32,
    tapset_decision: i32,
    prefilter_period: i32,
    prefilter_gain: f32,
    prefilter_tapset: i32,
    consec_transient: i32,
    analysis: AnalysisInfo,
    silk_info: SilkInfo,
    preemph_mem_e: [f32; 2],
    preemph_mem_d: [f32; 2],
    vbr_reservoir: i32,
    vbr_drift: i32,
    vbr_offset: i32,
    vbr_count: i32,
    overlap_max: f32,
    stereo_saving: f32,
    intensity: i32,
    energy_mask: Option<[f32; 2 * NB_EBANDS]>,
    spec_avg: f32,
    /// Last `overlap` pre-filtered samples per channel.
    in_mem: Vec<f32>,
    /// Last `COMBFILTER_MAXPERIOD` pre-emphasised samples per channel.
    prefilter_mem: Vec<f32>,
    old_band_e: [f32; 2 * NB_EBANDS],
    old_log_e: [f32; 2 * NB_EBANDS],
    old_log_e2: [f32; 2 * NB_EBANDS],
    energy_error: [f32; 2 * NB_EBANDS],
}

impl EncoderState {
    fn new(channels: usize, overlap: usize) -> Self {
        let mut st = EncoderState {
            rng: 0,
            spread_decision: 0,
            delayed_intra: 0.0,
            tonal_average: 0,
            last_coded_bands: 0,
            hf_average: 0,
            tapset_decision: 0,
            prefilter_period: 0,
            prefilter_gain: 0.0,
            prefilter_tapset: 0,
            consec_transient: 0,
            analysis: AnalysisInfo::default(),
            silk_info: SilkInfo::default(),
            preemph_mem_e: [0.0; 2],
            preemph_mem_d: [0.0; 2],
            vbr_reservoir: 0,
            vbr_drift: 0,
            vbr_offset: 0,
            vbr_count: 0,
            overlap_max: 0.0,
            stereo_saving: 0.0,
            intensity: 0,
            energy_mask: None,
            spec_avg: 0.0,
            in_mem: vec![0.0; channels * overlap],
            prefilter_mem: vec![0.0; channels * COMBFILTER_MAXPERIOD],
            old_band_e: [0.0; 2 * NB_EBANDS],
            old_log_e: [0.0; 2 * NB_EBANDS],
            old_log_e2: [0.0; 2 * NB_EBANDS],
            energy_error: [0.0; 2 * NB_EBANDS],
        };
        st.reset();
        st
    }

    /// libopus `OPUS_RESET_STATE`: zero everything, then the non-zero defaults.
    fn reset(&mut self) {
        self.rng = 0;
        self.tonal_average = 256;
        self.delayed_intra = 1.0;
        self.spread_decision = SPREAD_NORMAL;
        self.last_coded_bands = 0;
        self.hf_average = 0;
        self.tapset_decision = 0;
        self.prefilter_period = 0;
        self.prefilter_gain = 0.0;
        self.prefilter_tapset = 0;
        self.consec_transient = 0;
        self.analysis = AnalysisInfo::default();
        self.silk_info = SilkInfo::default();
        self.preemph_mem_e = [0.0; 2];
        self.preemph_mem_d = [0.0; 2];
        self.vbr_reservoir = 0;
        self.vbr_drift = 0;
        self.vbr_offset = 0;
        self.vbr_count = 0;
        self.overlap_max = 0.0;
        self.stereo_saving = 0.0;
        self.intensity = 0;
        self.energy_mask = None;
        self.spec_avg = 0.0;
        self.in_mem.fill(0.0);
        self.prefilter_mem.fill(0.0);
        self.old_band_e = [0.0; 2 * NB_EBANDS];
        self.old_log_e = [-28.0; 2 * NB_EBANDS];
        self.old_log_e2 = [-28.0; 2 * NB_EBANDS];
        self.energy_error = [0.0; 2 * NB_EBANDS];
    }
}

/// Per-frame work buffers, sized once for the largest frame.
#[derive(Debug, Clone)]
struct Scratch {
    /// Pre-emphasised input with `overlap` samples of history, per channel.
    input: Vec<f32>,
    /// MDCT coefficients per channel.
    freq: Vec<f32>,
    /// Normalised band shapes per channel.
    x: Vec<f32>,
    /// Pre-filter input with `COMBFILTER_MAXPERIOD` samples of history.
    pre: Vec<f32>,
    pitch_buf: Vec<f32>,
    mdct: Vec<Complex>,
    analysis: Vec<f32>,
}

/// A CELT encoder (libopus `CELTEncoder`).
#[derive(Debug, Clone)]
pub struct CeltEncoder {
    mode: &'static CeltMode,
    channels: usize,
    stream_channels: usize,
    force_intra: bool,
    clip: bool,
    disable_pf: bool,
    complexity: i32,
    upsample: usize,
    start: usize,
    end: usize,
    bitrate: i32,
    vbr: bool,
    signalling: bool,
    constrained_vbr: bool,
    loss_rate: i32,
    lsb_depth: i32,
    lfe: bool,
    disable_inv: bool,
    st: EncoderState,
    scratch: Scratch,
}

impl CeltEncoder {
    /// An encoder for `channels` (1 or 2) channels of input at `sample_rate`
    /// (48000, 24000, 16000, 12000 or 8000 Hz) (libopus `celt_encoder_init`).
    ///
    /// Defaults as libopus: complexity 5, no bitrate limit, CBR (constrained VBR
    /// once VBR is on), 24-bit depth, prediction on, signalling off (the Opus
    /// layer writes the TOC byte).
    ///
    /// # Errors
    /// [`Error::BadArg`] for another rate or channel count.
    pub fn new(sample_rate: u32, channels: usize) -> Result<Self, Error> {
        if !(1..=2).contains(&channels) {
            return Err(Error::BadArg("celt: channels must be 1 or 2"));
        }
        let upsample =
            resampling_factor(sample_rate).ok_or(Error::BadArg("celt: unsupported sample rate"))?;
        let mode = mode48000_960();
        let overlap = mode.overlap;
        let n = MAX_FRAME_SIZE;
        Ok(CeltEncoder {
            mode,
            channels,
            stream_channels: channels,
            force_intra: false,
            clip: true,
            disable_pf: false,
            complexity: 5,
            upsample,
            start: 0,
            end: mode.eff_ebands,
            bitrate: BITRATE_MAX,
            vbr: false,
            signalling: false,
            constrained_vbr: true,
            loss_rate: 0,
            lsb_depth: 24,
            lfe: false,
            disable_inv: false,
            st: EncoderState::new(channels, overlap),
            scratch: Scratch {
                input: vec![0.0; channels * (n + overlap)],
                freq: vec![0.0; channels * n],
                x: vec![0.0; channels * n],
                pre: vec![0.0; channels * (n + COMBFILTER_MAXPERIOD)],
                pitch_buf: vec![0.0; (COMBFILTER_MAXPERIOD + n) >> 1],
                mdct: vec![Complex::default(); MDCT_48000_960.scratch_len()],
                analysis: vec![0.0; n + overlap],
            },
        })
    }

    /// The CELT mode in use.
    pub fn mode(&self) -> &'static CeltMode {
        self.mode
    }

    /// Input channels.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Clears the stream state, keeping the configuration (libopus
    /// `OPUS_RESET_STATE`). Does not allocate.
    pub fn reset(&mut self) {
        self.st.reset();
    }

    /// Sets the complexity, 0 to 10 (`OPUS_SET_COMPLEXITY`).
    ///
    /// # Errors
    /// [`Error::BadArg`] outside 0 to 10.
    pub fn set_complexity(&mut self, complexity: i32) -> Result<(), Error> {
        if !(0..=10).contains(&complexity) {
            return Err(Error::BadArg("celt: complexity must be 0 to 10"));
        }
        self.complexity = complexity;
        Ok(())
    }

    /// The complexity.
    pub fn complexity(&self) -> i32 {
        self.complexity
    }

    /// Sets the first coded band (`CELT_SET_START_BAND`; 17 for hybrid frames).
    ///
    /// # Errors
    /// [`Error::BadArg`] at or above the band count.
    pub fn set_start_band(&mut self, band: usize) -> Result<(), Error> {
        if band >= self.mode.nb_ebands {
            return Err(Error::BadArg("celt: start band out of range"));
        }
        self.start = band;
        Ok(())
    }

    /// Sets the end of the coded bands (`CELT_SET_END_BAND`; 13 NB, 17 WB, 19 SWB,
    /// 21 FB).
    ///
    /// # Errors
    /// [`Error::BadArg`] outside 1 to the band count.
    pub fn set_end_band(&mut self, band: usize) -> Result<(), Error> {
        if band < 1 || band > self.mode.nb_ebands {
            return Err(Error::BadArg("celt: end band out of range"));
        }
        self.end = band;
        Ok(())
    }

    /// Controls prediction (`CELT_SET_PREDICTION`): 0 makes every frame intra and
    /// disables the pre-filter, 1 disables the pre-filter, 2 allows both.
    ///
    /// # Errors
    /// [`Error::BadArg`] outside 0 to 2.
    pub fn set_prediction(&mut self, value: i32) -> Result<(), Error> {
        if !(0..=2).contains(&value) {
            return Err(Error::BadArg("celt: prediction must be 0 to 2"));
        }
        self.disable_pf = value <= 1;
        self.force_intra = value == 0;
        Ok(())
    }

    /// Sets the expected packet loss in percent (`OPUS_SET_PACKET_LOSS_PERC`).
    ///
    /// # Errors
    /// [`Error::BadArg`] outside 0 to 100.
    pub fn set_packet_loss_perc(&mut self, value: i32) -> Result<(), Error> {
        if !(0..=100).contains(&value) {
            return Err(Error::BadArg("celt: loss must be 0 to 100"));
        }
        self.loss_rate = value;
        Ok(())
    }

    /// Constrained VBR on or off (`OPUS_SET_VBR_CONSTRAINT`).
    pub fn set_vbr_constraint(&mut self, on: bool) {
        self.constrained_vbr = on;
    }

    /// VBR on or off (`OPUS_SET_VBR`).
    pub fn set_vbr(&mut self, on: bool) {
        self.vbr = on;
    }

    /// Sets the bitrate in bits per second, or [`BITRATE_MAX`]
    /// (`OPUS_SET_BITRATE`). Capped at 750 kb/s per channel.
    ///
    /// # Errors
    /// [`Error::BadArg`] for 500 b/s or less.
    pub fn set_bitrate(&mut self, bitrate: i32) -> Result<(), Error> {
        if bitrate <= 500 && bitrate != BITRATE_MAX {
            return Err(Error::BadArg("celt: bitrate too low"));
        }
        self.bitrate = bitrate.min(750_000 * self.channels as i32);
        Ok(())
    }

    /// Sets the number of coded channels, 1 (downmix) or 2 (`CELT_SET_CHANNELS`).
    ///
    /// # Errors
    /// [`Error::BadArg`] outside 1 to 2.
    pub fn set_stream_channels(&mut self, channels: usize) -> Result<(), Error> {
        if !(1..=2).contains(&channels) {
            return Err(Error::BadArg("celt: stream channels must be 1 or 2"));
        }
        self.stream_channels = channels;
        Ok(())
    }

    /// Sets the input depth in bits, 8 to 24 (`OPUS_SET_LSB_DEPTH`).
    ///
    /// # Errors
    /// [`Error::BadArg`] outside 8 to 24.
    pub fn set_lsb_depth(&mut self, depth: i32) -> Result<(), Error> {
        if !(8..=24).contains(&depth) {
            return Err(Error::BadArg("celt: lsb depth must be 8 to 24"));
        }
        self.lsb_depth = depth;
        Ok(())
    }

    /// The input depth in bits.
    pub fn lsb_depth(&self) -> i32 {
        self.lsb_depth
    }

    /// Disables stereo phase inversion (`OPUS_SET_PHASE_INVERSION_DISABLED`).
    pub fn set_phase_inversion_disabled(&mut self, disabled: bool) {
        self.disable_inv = disabled;
    }

    /// Whether phase inversion is disabled.
    pub fn phase_inversion_disabled(&self) -> bool {
        self.disable_inv
    }

    /// Input clipping to +-2 (`CELT_SET_INPUT_CLIPPING`), on by default.
    pub fn set_input_clipping(&mut self, on: bool) {
        self.clip = on;
    }

    /// In-band mode signalling (`CELT_SET_SIGNALLING`). Only the Opus-layer
    /// framing (off, the default) is implemented: with it on and no range encoder
    /// passed in, [`encode_with_ec`](Self::encode_with_ec) returns
    /// [`Error::Unsupported`], as libopus without custom modes refuses it.
    pub fn set_signalling(&mut self, on: bool) {
        self.signalling = on;
    }

    /// Hands over the Opus layer's tonality analysis of the next frame
    /// (`CELT_SET_ANALYSIS`).
    pub fn set_analysis(&mut self, info: &AnalysisInfo) {
        self.st.analysis = *info;
    }

    /// Hands over SILK's parameters of the next hybrid frame
    /// (`CELT_SET_SILK_INFO`).
    pub fn set_silk_info(&mut self, info: &SilkInfo) {
        self.st.silk_info = *info;
    }

    /// Sets or clears the surround energy mask, `channels * 21` values
    /// (`OPUS_SET_ENERGY_MASK`). Shorter slices are padded with zeros.
    pub fn set_energy_mask(&mut self, mask: Option<&[f32]>) {
        self.st.energy_mask = mask.map(|m| {
            let mut a = [0.0f32; 2 * NB_EBANDS];
            let k = m.len().min(a.len());
            a[..k].copy_from_slice(&m[..k]);
            a
        });
    }

    /// Marks the stream as an LFE channel (`OPUS_SET_LFE`).
    pub fn set_lfe(&mut self, on: bool) {
        self.lfe = on;
    }

    /// The final range of the last frame (`OPUS_GET_FINAL_RANGE`).
    pub fn final_range(&self) -> u32 {
        self.st.rng
    }

    /// Look-ahead of the encoder in samples at its input rate: the MDCT overlap.
    pub fn lookahead(&self) -> usize {
        self.mode.overlap / self.upsample
    }

    /// Pitch period chosen for the last frame's pre-filter.
    pub fn pitch(&self) -> i32 {
        self.st.prefilter_period
    }

    /// Encodes one frame of `frame_size` samples per channel of interleaved
    /// `pcm` (nominally within -1 to 1) into at most `nb_compressed_bytes` bytes
    /// (libopus `celt_encode_with_ec`).
    ///
    /// With `enc`, the frame continues that range encoder (the Opus layer's, which
    /// may already hold SILK data); `out` is then unused. Without, the frame is
    /// written to the front of `out`. Returns the frame size in bytes, which the
    /// bitrate and VBR settings may make smaller than `nb_compressed_bytes`.
    ///
    /// # Errors
    /// [`Error::BadArg`] for a frame size other than 2.5, 5, 10 or 20 ms, fewer
    /// than 2 bytes, a short `pcm` or `out`; [`Error::Internal`] if the range
    /// coder overflowed.
    pub fn encode_with_ec(
        &mut self,
        pcm: &[f32],
        frame_size: usize,
        enc: Option<&mut RangeEncoder<'_>>,
        out: &mut [u8],
        nb_compressed_bytes: usize,
    ) -> Result<usize, Error> {
        if nb_compressed_bytes < 2 {
            return Err(Error::BadArg("celt: at least 2 bytes needed"));
        }
        let frame_size = frame_size * self.upsample;
        let lm = (0..=self.mode.max_lm)
            .find(|&lm| self.mode.short_mdct_size << lm == frame_size)
            .ok_or(Error::BadArg("celt: unsupported frame size"))?;
        if pcm.len() < self.channels * frame_size / self.upsample {
            return Err(Error::BadArg("celt: pcm too short"));
        }
        if enc.is_none() && self.signalling {
            return Err(Error::Unsupported("celt: in-band signalling"));
        }
        let mut nb_compressed = nb_compressed_bytes.min(PACKET_SIZE_CAP) as i32;
        let (tell0_frac, tell, nb_filled) = match &enc {
            None => (1i32, 1i32, 0i32),
            Some(e) => {
                let t = e.tell();
                (e.tell_frac() as i32, t, (t + 4) >> 3)
            }
        };
        let mode = self.mode;
        let c = self.stream_channels as i32;
        let n = (mode.short_mdct_size << lm) as i32;
        let vbr_rate;
        let effective_bytes;
        if self.vbr && self.bitrate != BITRATE_MAX {
            vbr_rate = bitrate_to_bits(self.bitrate, mode.fs, n) << BITRES;
            effective_bytes = vbr_rate >> (3 + BITRES);
        } else {
            vbr_rate = 0;
            let mut tmp = self.bitrate.wrapping_mul(n);
            if tell > 1 {
                tmp += tell * mode.fs;
            }
            if self.bitrate != BITRATE_MAX {
                nb_compressed = 2.max(
                    nb_compressed.min((tmp + 4 * mode.fs) / (8 * mode.fs) - i32::from(self.signalling)),
                );
            }
            effective_bytes = nb_compressed - nb_filled;
        }
        let mut equiv_rate = ((nb_compressed * 8 * 50) << (3 - lm))
            - (40 * c + 20) * ((400 >> lm) - 50);
        if self.bitrate != BITRATE_MAX {
            equiv_rate = equiv_rate.min(self.bitrate - (40 * c + 20) * ((400 >> lm) - 50));
        }
        let pre = Prelude {
            lm,
            vbr_rate,
            effective_bytes,
            equiv_rate,
            nb_compressed,
            nb_filled,
            tell,
            tell0_frac,
        };
        match enc {
            Some(e) => {
                if vbr_rate == 0 && self.bitrate != BITRATE_MAX {
                    e.shrink(nb_compressed as u32);
                }
                self.encode_frame(pcm, e, pre)
            }
            None => {
                if out.len() < nb_compressed as usize {
                    return Err(Error::BufferTooSmall {
                        needed: nb_compressed as usize,
                        got: out.len(),
                    });
                }
                let mut e = RangeEncoder::new(&mut out[..nb_compressed as usize]);
                self.encode_frame(pcm, &mut e, pre)
            }
        }
    }
}

/// Frame parameters settled before the range encoder exists.
#[derive(Debug, Clone, Copy)]
struct Prelude {
    lm: usize,
    vbr_rate: i32,
    effective_bytes: i32,
    equiv_rate: i32,
    nb_compressed: i32,
    nb_filled: i32,
    tell: i32,
    tell0_frac: i32,
}

/// Bits per frame of `frame_size` samples at `bitrate` (libopus `bitrate_to_bits`).
fn bitrate_to_bits(bitrate: i32, fs: i32, frame_size: i32) -> i32 {
    bitrate * 6 / (6 * fs / frame_size)
}

/// Largest absolute value of `x` (libopus `celt_maxabs16`).
fn maxabs(x: &[f32]) -> f32 {
    let mut maxval = 0.0f32;
    let mut minval = 0.0f32;
    for &v in x {
        maxval = max32(maxval, v);
        minval = min32(minval, v);
    }
    max32(maxval, -minval)
}

/// Pre-emphasis of one channel: `n` samples from `pcm` (stride `cc`, scaled to
/// 16-bit range) into `inp`, updating `mem` (libopus `celt_preemphasis`, with the
/// standard mode's single coefficient).
#[allow(clippy::too_many_arguments)]
fn celt_preemphasis(
    pcm: &[f32],
    inp: &mut [f32],
    n: usize,
    cc: usize,
    upsample: usize,
    coef0: f32,
    mem: &mut f32,
    clip: bool,
) {
    let mut m = *mem;
    if upsample == 1 && !clip {
        for i in 0..n {
            let x = 32768.0f32 * pcm[cc * i];
            inp[i] = x - m;
            m = coef0 * x;
        }
        *mem = m;
        return;
    }
    let nu = n / upsample;
    if upsample != 1 {
        inp[..n].fill(0.0);
    }
    for i in 0..nu {
        inp[i * upsample] = 32768.0f32 * pcm[cc * i];
    }
    if clip {
        // Keep the input portable.
        for i in 0..nu {
            inp[i * upsample] = max32(-65536.0, min32(65536.0, inp[i * upsample]));
        }
    }
    for v in inp[..n].iter_mut() {
        let x = *v;
        *v = x - m;
        m = coef0 * x;
    }
    *mem = m;
}

/// Windowed MDCTs of every block and channel of `input` into `out`, interleaving
/// the short blocks, downmixed to mono when `c < cc` (libopus `compute_mdcts`).
#[allow(clippy::too_many_arguments)]
fn compute_mdcts(
    mode: &CeltMode,
    short_blocks: usize,
    input: &[f32],
    out: &mut [f32],
    c: usize,
    cc: usize,
    lm: usize,
    upsample: usize,
    scratch: &mut [Complex],
) {
    let overlap = mode.overlap;
    let (b, n, shift) = if short_blocks != 0 {
        (short_blocks, mode.short_mdct_size, mode.max_lm)
    } else {
        (1, mode.short_mdct_size << lm, mode.max_lm - lm)
    };
    for ch in 0..cc {
        for blk in 0..b {
            let ib = ch * (b * n + overlap) + blk * n;
            MDCT_48000_960.forward(
                &input[ib..],
                &mut out[blk + ch * n * b..],
                mode.window,
                overlap,
                shift,
                b,
                scratch,
            );
        }
    }
    if cc == 2 && c == 1 {
        for i in 0..b * n {
            out[i] = 0.5f32 * out[i] + 0.5f32 * out[b * n + i];
        }
    }
    if upsample != 1 {
        for ch in 0..c {
            let bound = b * n / upsample;
            for v in out[ch * b * n..ch * b * n + bound].iter_mut() {
                *v *= upsample as f32;
            }
            out[ch * b * n + bound..(ch + 1) * b * n].fill(0.0);
        }
    }
}

impl CeltEncoder {
    /// The pitch pre-filter (libopus `run_prefilter`): finds the pitch and gain,
    /// filters `input` in place, updates the pre-filter history. Returns
    /// `(pf_on, pitch_index, gain, qgain)`.
    // libopus's pi-like literals are thresholds, kept as written.
    #[allow(clippy::too_many_arguments, clippy::approx_constant)]
    fn run_prefilter(
        &mut self,
        n: usize,
        prefilter_tapset: i32,
        enabled: bool,
        tf_estimate: f32,
        nb_available_bytes: i32,
        tone_freq: f32,
        toneishness: f32,
    ) -> (bool, i32, f32, i32) {
        let mode = self.mode;
        let cc = self.channels;
        let overlap = mode.overlap;
        let max_period = COMBFILTER_MAXPERIOD;
        let min_period = COMBFILTER_MINPERIOD as i32;
        let st = &mut self.st;
        let sc = &mut self.scratch;
        let stride = n + max_period;
        for ch in 0..cc {
            let pre = &mut sc.pre[ch * stride..(ch + 1) * stride];
            pre[..max_period]
                .copy_from_slice(&st.prefilter_mem[ch * max_period..(ch + 1) * max_period]);
            let ib = ch * (n + overlap) + overlap;
            pre[max_period..].copy_from_slice(&sc.input[ib..ib + n]);
        }
        let mut pitch_index: i32;
        let mut gain1: f32;
        let mut tone_freq = tone_freq;
        if enabled && toneishness > 0.99f32 {
            // A single tone: derive the period from its frequency.
            let mut multiple = 1i32;
            if tone_freq >= 3.1416f32 {
                tone_freq = 3.141593f32 - tone_freq;
            }
            while tone_freq >= multiple as f32 * 0.39f32 {
                multiple += 1;
            }
            if tone_freq > 0.006148f32 {
                pitch_index = ((0.5
                    + 2.0f64 * std::f64::consts::PI * f64::from(multiple) / f64::from(tone_freq))
                .floor() as i32)
                    .min(max_period as i32 - 2);
            } else {
                pitch_index = min_period;
            }
            gain1 = 0.75;
        } else if enabled && self.complexity >= 5 {
            let half = (max_period + n) >> 1;
            {
                let (p0, p1) = sc.pre.split_at(stride);
                if cc == 2 {
                    pitch_downsample(&[p0, &p1[..stride]], &mut sc.pitch_buf, half, 2);
                } else {
                    pitch_downsample(&[p0], &mut sc.pitch_buf, half, 2);
                }
            }
            // The last 1.5 octaves hold too many false positives.
            pitch_index = pitch_search(
                &sc.pitch_buf[max_period >> 1..],
                &sc.pitch_buf,
                n,
                max_period - 3 * COMBFILTER_MINPERIOD,
            );
            pitch_index = max_period as i32 - pitch_index;
            gain1 = remove_doubling(
                &sc.pitch_buf,
                max_period as i32,
                min_period,
                n as i32,
                &mut pitch_index,
                st.prefilter_period,
                st.prefilter_gain,
            );
            if pitch_index > max_period as i32 - 2 {
                pitch_index = max_period as i32 - 2;
            }
            gain1 *= 0.7f32;
            if self.loss_rate > 2 {
                gain1 *= 0.5;
            }
            if self.loss_rate > 4 {
                gain1 *= 0.5;
            }
            if self.loss_rate > 8 {
                gain1 = 0.0;
            }
        } else {
            gain1 = 0.0;
            pitch_index = min_period;
        }
        if st.analysis.valid {
            gain1 *= st.analysis.max_pitch_ratio;
        }
        // Threshold from the rate and the continuity.
        let mut pf_threshold = 0.2f32;
        if (pitch_index - st.prefilter_period).abs() * 10 > pitch_index {
            pf_threshold += 0.2;
            // No pre-filter on strong transients without continuity.
            if tf_estimate > 0.98f32 {
                gain1 = 0.0;
            }
        }
        if nb_available_bytes < 25 {
            pf_threshold += 0.1;
        }
        if nb_available_bytes < 35 {
            pf_threshold += 0.1;
        }
        if st.prefilter_gain > 0.4f32 {
            pf_threshold -= 0.1;
        }
        if st.prefilter_gain > 0.55f32 {
            pf_threshold -= 0.1;
        }
        pf_threshold = max32(pf_threshold, 0.2);
        let mut pf_on;
        let mut qg;
        if gain1 < pf_threshold {
            gain1 = 0.0;
            pf_on = false;
            qg = 0;
        } else {
            if (gain1 - st.prefilter_gain).abs() < 0.1f32 {
                gain1 = st.prefilter_gain;
            }
            qg = ((0.5f32 + gain1 * 32.0 / 3.0).floor() as i32 - 1).clamp(0, 7);
            gain1 = 0.09375f32 * (qg + 1) as f32;
            pf_on = true;
        }

        let mut before = [0.0f32; 2];
        let mut after = [0.0f32; 2];
        let offset = mode.short_mdct_size - overlap;
        debug_assert_eq!(offset, 0);
        for ch in 0..cc {
            st.prefilter_period = st.prefilter_period.max(min_period);
            let base = ch * (n + overlap);
            sc.input[base..base + overlap]
                .copy_from_slice(&st.in_mem[ch * overlap..(ch + 1) * overlap]);
            for &v in &sc.input[base + overlap..base + overlap + n] {
                before[ch] += v.abs();
            }
            let pre = &sc.pre[ch * stride..(ch + 1) * stride];
            comb_filter(
                &mut sc.input[base + overlap + offset..],
                pre,
                max_period + offset,
                n - offset,
                CombParams {
                    t0: st.prefilter_period as usize,
                    t1: pitch_index as usize,
                    g0: -st.prefilter_gain,
                    g1: -gain1,
                    tapset0: st.prefilter_tapset as usize,
                    tapset1: prefilter_tapset as usize,
                },
                mode.window,
                overlap,
            );
            for &v in &sc.input[base + overlap..base + overlap + n] {
                after[ch] += v.abs();
            }
        }
        let mut cancel_pitch = false;
        if cc == 2 {
            let thresh0 = 0.25f32 * gain1 * before[0] + 0.01f32 * before[1];
            let thresh1 = 0.25f32 * gain1 * before[1] + 0.01f32 * before[0];
            // Not if one channel gets much worse.
            if after[0] - before[0] > thresh0 || after[1] - before[1] > thresh1 {
                cancel_pitch = true;
            }
            // Only if one channel gets much better.
            if before[0] - after[0] < thresh0 && before[1] - after[1] < thresh1 {
                cancel_pitch = true;
            }
        } else if after[0] > before[0] {
            cancel_pitch = true;
        }
        if cancel_pitch {
            for ch in 0..cc {
                let base = ch * (n + overlap);
                let pre = &sc.pre[ch * stride..(ch + 1) * stride];
                sc.input[base + overlap..base + overlap + n]
                    .copy_from_slice(&pre[max_period..max_period + n]);
                comb_filter(
                    &mut sc.input[base + overlap + offset..],
                    pre,
                    max_period + offset,
                    overlap,
                    CombParams {
                        t0: st.prefilter_period as usize,
                        t1: pitch_index as usize,
                        g0: -st.prefilter_gain,
                        g1: -0.0,
                        tapset0: st.prefilter_tapset as usize,
                        tapset1: prefilter_tapset as usize,
                    },
                    mode.window,
                    overlap,
                );
            }
            gain1 = 0.0;
            pf_on = false;
            qg = 0;
        }
        for ch in 0..cc {
            let base = ch * (n + overlap);
            st.in_mem[ch * overlap..(ch + 1) * overlap]
                .copy_from_slice(&sc.input[base + n..base + n + overlap]);
            let mem = &mut st.prefilter_mem[ch * max_period..(ch + 1) * max_period];
            let pre = &sc.pre[ch * stride..(ch + 1) * stride];
            if n > max_period {
                mem.copy_from_slice(&pre[n..n + max_period]);
            } else {
                mem.copy_within(n.., 0);
                mem[max_period - n..].copy_from_slice(&pre[max_period..max_period + n]);
            }
        }
        (pf_on, pitch_index, gain1, qg)
    }

    /// The body of `celt_encode_with_ec` once the range encoder exists.
    #[allow(clippy::cognitive_complexity)]
    fn encode_frame(
        &mut self,
        pcm: &[f32],
        enc: &mut RangeEncoder<'_>,
        pre: Prelude,
    ) -> Result<usize, Error> {
        let mode = self.mode;
        let nb = mode.nb_ebands;
        let overlap = mode.overlap;
        let e_bands = mode.ebands;
        let cc = self.channels;
        let c = self.stream_channels;
        let ci = c as i32;
        let lm = pre.lm;
        let m = 1usize << lm;
        let n = m * mode.short_mdct_size;
        let start = self.start;
        let end = self.end;
        let hybrid = start != 0;
        let vbr_rate = pre.vbr_rate;
        let mut effective_bytes = pre.effective_bytes;
        let equiv_rate = pre.equiv_rate;
        let mut nb_compressed = pre.nb_compressed;
        let nb_filled = pre.nb_filled;
        let mut tell = pre.tell;
        let tell0_frac = pre.tell0_frac;
        let mut nb_available = nb_compressed - nb_filled;
        let mut tf_estimate = 0.0f32;

        if vbr_rate > 0 && self.constrained_vbr {
            // The most the VBR reservoir allows, reserving two bytes for an
            // otherwise empty encoder.
            let vbr_bound = vbr_rate;
            let max_allowed = (if tell == 1 { 2 } else { 0 })
                .max((vbr_rate + vbr_bound - self.st.vbr_reservoir) >> (BITRES + 3))
                .min(nb_available);
            if max_allowed < nb_available {
                nb_compressed = nb_filled + max_allowed;
                nb_available = max_allowed;
                enc.shrink(nb_compressed as u32);
            }
        }
        let mut total_bits = nb_compressed * 8;
        let eff_end = end.min(mode.eff_ebands);

        let up = self.upsample;
        let mut sample_max = max32(self.st.overlap_max, maxabs(&pcm[..c * (n - overlap) / up]));
        self.st.overlap_max = maxabs(&pcm[c * (n - overlap) / up..c * n / up]);
        sample_max = max32(sample_max, self.st.overlap_max);
        let mut silence = sample_max <= 1.0f32 / (1i32 << self.lsb_depth) as f32;
        if tell == 1 {
            enc.bit_logp(silence, 15);
        } else {
            silence = false;
        }
        if silence {
            // In VBR a silent frame needs no more than the minimum.
            if vbr_rate > 0 {
                nb_compressed = nb_compressed.min(nb_filled + 2);
                effective_bytes = nb_compressed;
                total_bits = nb_compressed * 8;
                nb_available = 2;
                enc.shrink(nb_compressed as u32);
            }
            // Act as if the rest of the frame had been filled with zeros.
            tell = nb_compressed * 8;
            enc.skip_to_tell(tell);
        }
        let need_clip = self.clip && sample_max > 65536.0;
        for ch in 0..cc {
            let base = ch * (n + overlap);
            celt_preemphasis(
                &pcm[ch..],
                &mut self.scratch.input[base + overlap..],
                n,
                cc,
                up,
                mode.preemph[0],
                &mut self.st.preemph_mem_e[ch],
                need_clip,
            );
            let pm = (1 + ch) * COMBFILTER_MAXPERIOD - overlap;
            self.scratch.input[base..base + overlap]
                .copy_from_slice(&self.st.prefilter_mem[pm..pm + overlap]);
        }

        let (tone_freq, mut toneishness) = tone_detect(
            &self.scratch.input,
            cc,
            n + overlap,
            mode.fs,
            &mut self.scratch.analysis,
        );
        let mut is_transient = false;
        let mut short_blocks = 0usize;
        let mut tf_chan = 0usize;
        let mut weak_transient = false;
        if self.complexity >= 1 && !self.lfe {
            // Spare fricatives at low hybrid rates from short blocks.
            let allow_weak = hybrid && effective_bytes < 15 && self.st.silk_info.signal_type != 2;
            let t = transient_analysis(
                &self.scratch.input,
                n + overlap,
                cc,
                allow_weak,
                tone_freq,
                toneishness,
                &mut self.scratch.analysis,
            );
            is_transient = t.is_transient;
            weak_transient = t.weak_transient;
            tf_estimate = t.tf_estimate;
            tf_chan = t.tf_chan;
        }
        toneishness = min32(toneishness, 1.0f32 - tf_estimate);

        // Pitch pre-filter.
        let prefilter_tapset = self.st.tapset_decision;
        let pitch_index;
        let gain1;
        let pf_on;
        let mut pitch_change = false;
        {
            let enabled = ((self.lfe && nb_available > 3) || nb_available > 12 * ci)
                && !hybrid
                && !silence
                && tell + 16 <= total_bits
                && !self.disable_pf;
            let (on, pi, g, qg) = self.run_prefilter(
                n,
                prefilter_tapset,
                enabled,
                tf_estimate,
                nb_available,
                tone_freq,
                toneishness,
            );
            pf_on = on;
            gain1 = g;
            let st = &self.st;
            if (gain1 > 0.4f32 || st.prefilter_gain > 0.4f32)
                && (!st.analysis.valid || f64::from(st.analysis.tonality) > 0.3)
                && (f64::from(pi) > 1.26 * f64::from(st.prefilter_period)
                    || f64::from(pi) < 0.79 * f64::from(st.prefilter_period))
            {
                pitch_change = true;
            }
            if !pf_on {
                if !hybrid && tell + 16 <= total_bits {
                    enc.bit_logp(false, 1);
                }
                pitch_index = pi;
            } else {
                enc.bit_logp(true, 1);
                let p = pi + 1;
                let octave = ec_ilog(p as u32) - 5;
                enc.uint(octave as u32, 6);
                enc.bits((p - (16 << octave)) as u32, (4 + octave) as u32);
                pitch_index = pi;
                enc.bits(qg as u32, 3);
                enc.icdf(prefilter_tapset as usize, &TAPSET_ICDF, 2);
            }
        }
        let mut transient_got_disabled = false;
        if lm > 0 && enc.tell() + 3 <= total_bits {
            if is_transient {
                short_blocks = m;
            }
        } else {
            is_transient = false;
            transient_got_disabled = true;
        }

        let mut band_e = [0.0f32; 2 * NB_EBANDS];
        let mut band_log_e = [0.0f32; 2 * NB_EBANDS];
        let mut band_log_e2 = [0.0f32; 2 * NB_EBANDS];
        let second_mdct = short_blocks != 0 && self.complexity >= 8;
        if second_mdct {
            compute_mdcts(
                mode,
                0,
                &self.scratch.input,
                &mut self.scratch.freq,
                c,
                cc,
                lm,
                up,
                &mut self.scratch.mdct,
            );
            compute_band_energies(mode, &self.scratch.freq, &mut band_e, eff_end, c, lm);
            amp2log2(mode, eff_end, end, &band_e, &mut band_log_e2, c);
            for ch in 0..c {
                for v in band_log_e2[nb * ch..nb * ch + end].iter_mut() {
                    *v += 0.5f32 * lm as f32;
                }
            }
        }
        compute_mdcts(
            mode,
            short_blocks,
            &self.scratch.input,
            &mut self.scratch.freq,
            c,
            cc,
            lm,
            up,
            &mut self.scratch.mdct,
        );
        if cc == 2 && c == 1 {
            tf_chan = 0;
        }
        compute_band_energies(mode, &self.scratch.freq, &mut band_e, eff_end, c, lm);
        if self.lfe {
            for i in 2..end {
                band_e[i] = min32(band_e[i], 1e-4f32 * band_e[0]);
                band_e[i] = max32(band_e[i], super::mathops::EPSILON);
            }
        }
        amp2log2(mode, eff_end, end, &band_e, &mut band_log_e, c);

        // Surround masking.
        let mut surround_dynalloc = [0.0f32; 2 * NB_EBANDS];
        let mut surround_trim = 0.0f32;
        let mut surround_masking = 0.0f32;
        if let (false, Some(em), false) = (hybrid, self.st.energy_mask.as_ref(), self.lfe) {
            let mask_end = 2.max(self.st.last_coded_bands) as usize;
            let mut mask_avg = 0.0f32;
            let mut diff = 0.0f32;
            let mut count = 0i32;
            for ch in 0..c {
                for i in 0..mask_end {
                    let mut mask = max32(min32(em[nb * ch + i], 0.25), -2.0);
                    if mask > 0.0 {
                        mask *= 0.5;
                    }
                    let w = mode.band_width(i);
                    mask_avg += mask * w as f32;
                    count += w;
                    diff += mask * (1 + 2 * i as i32 - mask_end as i32) as f32;
                }
            }
            mask_avg /= count as f32;
            mask_avg += 0.2;
            let me = mask_end as i32;
            diff = diff * 6.0 / (ci * (me - 1) * (me + 1) * me) as f32;
            diff *= 0.5;
            diff = max32(min32(diff, 0.031), -0.031);
            let mut midband = 0usize;
            while e_bands[midband + 1] < e_bands[mask_end] / 2 {
                midband += 1;
            }
            let mut count_dynalloc = 0;
            for i in 0..mask_end {
                let lin = mask_avg + diff * (i as i32 - midband as i32) as f32;
                let mut unmask = if c == 2 {
                    max32(em[i], em[nb + i])
                } else {
                    em[i]
                };
                unmask = min32(unmask, 0.0);
                unmask -= lin;
                if unmask > 0.25 {
                    surround_dynalloc[i] = unmask - 0.25;
                    count_dynalloc += 1;
                }
            }
            if count_dynalloc >= 3 {
                // Dynalloc in many bands: the masking rate was too low.
                mask_avg += 0.25;
                if mask_avg > 0.0 {
                    mask_avg = 0.0;
                    diff = 0.0;
                    surround_dynalloc[..mask_end].fill(0.0);
                } else {
                    for v in surround_dynalloc[..mask_end].iter_mut() {
                        *v = max32(0.0, *v - 0.25);
                    }
                }
            }
            mask_avg += 0.2;
            surround_trim = 64.0 * diff;
            surround_masking = mask_avg;
        }
        // Temporal VBR.
        let mut temporal_vbr = 0.0f32;
        if !self.lfe {
            let mut follow = -10.0f32;
            let mut frame_avg = 0.0f32;
            let offset = if short_blocks != 0 {
                0.5f32 * lm as f32
            } else {
                0.0
            };
            for i in start..end {
                follow = max32(follow - 1.0, band_log_e[i] - offset);
                if c == 2 {
                    follow = max32(follow, band_log_e[i + nb] - offset);
                }
                frame_avg += follow;
            }
            frame_avg /= (end - start) as f32;
            temporal_vbr = frame_avg - self.st.spec_avg;
            temporal_vbr = min32(3.0, max32(-1.5, temporal_vbr));
            self.st.spec_avg += 0.02f32 * temporal_vbr;
        }
        if !second_mdct {
            band_log_e2 = band_log_e;
        }

        // A last chance to catch a transient the time-domain analysis missed.
        if lm > 0
            && enc.tell() + 3 <= total_bits
            && !is_transient
            && self.complexity >= 5
            && !self.lfe
            && !hybrid
            && patch_transient_decision(&band_log_e, &self.st.old_band_e, nb, start, end, c)
        {
            is_transient = true;
            short_blocks = m;
            compute_mdcts(
                mode,
                short_blocks,
                &self.scratch.input,
                &mut self.scratch.freq,
                c,
                cc,
                lm,
                up,
                &mut self.scratch.mdct,
            );
            compute_band_energies(mode, &self.scratch.freq, &mut band_e, eff_end, c, lm);
            amp2log2(mode, eff_end, end, &band_e, &mut band_log_e, c);
            // Short MDCTs are scaled differently from long ones.
            for ch in 0..c {
                for v in band_log_e2[nb * ch..nb * ch + end].iter_mut() {
                    *v += 0.5f32 * lm as f32;
                }
            }
            tf_estimate = 0.2;
        }
        if lm > 0 && enc.tell() + 3 <= total_bits {
            enc.bit_logp(is_transient, 3);
        }

        // Band normalisation.
        normalise_bands(
            mode,
            &self.scratch.freq,
            &mut self.scratch.x,
            &band_e,
            eff_end,
            c,
            m,
        );
        let enable_tf_analysis = effective_bytes >= 15 * ci
            && !hybrid
            && self.complexity >= 2
            && !self.lfe
            && toneishness < 0.98f32;

        let mut offsets = [0i32; NB_EBANDS];
        let mut importance = [0i32; NB_EBANDS];
        let mut spread_weight = [0i32; NB_EBANDS];
        let (max_depth, tot_boost) = dynalloc_analysis(
            mode,
            &band_log_e,
            &band_log_e2,
            &self.st.old_band_e,
            &DynallocParams {
                start,
                end,
                c,
                lsb_depth: self.lsb_depth,
                is_transient,
                vbr: self.vbr,
                constrained_vbr: self.constrained_vbr,
                lm,
                effective_bytes,
                lfe: self.lfe,
                surround_dynalloc: &surround_dynalloc,
                analysis: &self.st.analysis,
                tone_freq,
                toneishness,
            },
            &mut offsets,
            &mut importance,
            &mut spread_weight,
        );

        let mut tf_res = [0i32; NB_EBANDS];
        let tf_select;
        if enable_tf_analysis {
            let lambda = 80.max(20480 / effective_bytes + 2);
            tf_select = tf_analysis(
                mode,
                eff_end,
                is_transient,
                &mut tf_res,
                lambda,
                &self.scratch.x,
                n,
                lm,
                tf_estimate,
                tf_chan,
                &importance,
            );
            for i in eff_end..end {
                tf_res[i] = tf_res[eff_end - 1];
            }
        } else if hybrid && weak_transient {
            // TF on long windows cannot collapse energy at low rates.
            tf_res[..end].fill(1);
            tf_select = 0;
        } else if hybrid && effective_bytes < 15 && self.st.silk_info.signal_type != 2 {
            // Low-rate hybrid: 5 ms rather than 2.5 ms time resolution.
            tf_res[..end].fill(0);
            tf_select = i32::from(is_transient);
        } else {
            tf_res[..end].fill(i32::from(is_transient));
            tf_select = 0;
        }

        let mut error = [0.0f32; 2 * NB_EBANDS];
        for ch in 0..c {
            for i in start..end {
                let k = i + ch * nb;
                // Stable energy: lean towards last frame's error for a steadier gain.
                if (band_log_e[k] - self.st.old_band_e[k]).abs() < 2.0 {
                    band_log_e[k] -= 0.25f32 * self.st.energy_error[k];
                }
            }
        }
        quant_coarse_energy(
            mode,
            start,
            end,
            eff_end,
            &band_log_e,
            &mut self.st.old_band_e,
            total_bits as u32,
            &mut error,
            enc,
            c,
            lm,
            nb_available,
            self.force_intra,
            &mut self.st.delayed_intra,
            self.complexity >= 4,
            self.loss_rate,
            self.lfe,
        );

        tf_encode(start, end, is_transient, &mut tf_res, lm, tf_select, enc);

        if enc.tell() + 4 <= total_bits {
            let st = &mut self.st;
            if self.lfe {
                st.tapset_decision = 0;
                st.spread_decision = SPREAD_NORMAL;
            } else if hybrid {
                st.spread_decision = if self.complexity == 0 {
                    SPREAD_NONE
                } else if is_transient {
                    SPREAD_NORMAL
                } else {
                    SPREAD_AGGRESSIVE
                };
            } else if short_blocks != 0 || self.complexity < 3 || nb_available < 10 * ci {
                st.spread_decision = if self.complexity == 0 {
                    SPREAD_NONE
                } else {
                    SPREAD_NORMAL
                };
            } else {
                st.spread_decision = spreading_decision(
                    mode,
                    &self.scratch.x,
                    &mut st.tonal_average,
                    st.spread_decision,
                    &mut st.hf_average,
                    &mut st.tapset_decision,
                    pf_on && short_blocks == 0,
                    eff_end,
                    c,
                    m,
                    &spread_weight,
                );
            }
            enc.icdf(st.spread_decision as usize, &SPREAD_ICDF, 5);
        } else {
            self.st.spread_decision = SPREAD_NORMAL;
        }

        // LFE: everything of interest is in the first band.
        if self.lfe {
            offsets[0] = 8.min(effective_bytes / 3);
        }
        let mut cap = [0i32; NB_EBANDS];
        init_caps(mode, &mut cap, lm, c);

        // Dynamic allocation.
        let mut dynalloc_logp = 6;
        total_bits <<= BITRES;
        let mut total_boost = 0i32;
        let mut tell_frac = enc.tell_frac() as i32;
        for i in start..end {
            let width = (ci * mode.band_width(i)) << lm;
            // Quanta of 6 bits, but within 1/8 and 1 bit per sample.
            let quanta = (width << BITRES).min((6 << BITRES).max(width));
            let mut loop_logp = dynalloc_logp;
            let mut boost = 0;
            let mut j = 0;
            while tell_frac + (loop_logp << BITRES) < total_bits - total_boost && boost < cap[i] {
                let flag = j < offsets[i];
                enc.bit_logp(flag, loop_logp as u32);
                tell_frac = enc.tell_frac() as i32;
                if !flag {
                    break;
                }
                boost += quanta;
                total_boost += quanta;
                loop_logp = 1;
                j += 1;
            }
            // Make boosts more likely once one has been used.
            if j != 0 {
                dynalloc_logp = 2.max(dynalloc_logp - 1);
            }
            offsets[i] = boost;
        }

        let mut dual_stereo = false;
        if c == 2 {
            // 2.5 ms frames always use mid/side.
            if lm != 0 {
                dual_stereo = stereo_analysis(mode, &self.scratch.x, lm, n);
            }
            let st = &mut self.st;
            st.intensity = hysteresis_decision(
                (equiv_rate / 1000) as f32,
                &INTENSITY_THRESHOLDS,
                &INTENSITY_HYSTERESIS,
                st.intensity as usize,
            ) as i32;
            st.intensity = (end as i32).min((start as i32).max(st.intensity));
        }

        let mut alloc_trim = 5;
        if tell_frac + (6 << BITRES) <= total_bits - total_boost {
            if start > 0 || self.lfe {
                self.st.stereo_saving = 0.0;
                alloc_trim = 5;
            } else {
                alloc_trim = alloc_trim_analysis(
                    mode,
                    &self.scratch.x,
                    &band_log_e,
                    end,
                    lm,
                    c,
                    n,
                    &self.st.analysis,
                    &mut self.st.stereo_saving,
                    tf_estimate,
                    self.st.intensity,
                    surround_trim,
                    equiv_rate,
                );
            }
            enc.icdf(alloc_trim as usize, &TRIM_ICDF, 7);
            tell_frac = enc.tell_frac() as i32;
        }

        // Never shrink a VBR frame below what has been coded, plus two bytes.
        let mut min_allowed = ((tell_frac + total_boost + (1 << (BITRES + 3)) - 1) >> (BITRES + 3)) + 2;
        // Hybrid: keep room for a redundant frame (37 bits).
        if hybrid {
            min_allowed = min_allowed.max(
                (tell0_frac + (37 << BITRES) + total_boost + (1 << (BITRES + 3)) - 1)
                    >> (BITRES + 3),
            );
        }
        if vbr_rate > 0 {
            let lm_diff = mode.max_lm - lm;
            // No more than 510 kb/s, even for short frames.
            nb_compressed = nb_compressed.min((PACKET_SIZE_CAP >> (3 - lm)) as i32);
            let mut base_target = if !hybrid {
                vbr_rate - ((40 * ci + 20) << BITRES)
            } else {
                0.max(vbr_rate - ((9 * ci + 4) << BITRES))
            };
            if self.constrained_vbr {
                base_target += self.st.vbr_offset >> lm_diff;
            }
            let mut target = if !hybrid {
                compute_vbr(
                    mode,
                    &VbrParams {
                        analysis: &self.st.analysis,
                        base_target,
                        lm,
                        bitrate: equiv_rate,
                        last_coded_bands: self.st.last_coded_bands,
                        c,
                        intensity: self.st.intensity,
                        constrained_vbr: self.constrained_vbr,
                        stereo_saving: self.st.stereo_saving,
                        tot_boost,
                        tf_estimate,
                        pitch_change,
                        max_depth,
                        lfe: self.lfe,
                        has_surround_mask: self.st.energy_mask.is_some(),
                        surround_masking,
                        temporal_vbr,
                    },
                )
            } else {
                let mut t = base_target;
                // Tonal frames need more bits than noisy ones.
                if self.st.silk_info.offset < 100 {
                    t += 12 << BITRES >> (3 - lm);
                }
                if self.st.silk_info.offset > 100 {
                    t -= 18 << BITRES >> (3 - lm);
                }
                t += ((tf_estimate - 0.25f32) * (50 << BITRES) as f32) as i32;
                // Strong transients get enough to fold the first two bands.
                if tf_estimate > 0.7f32 {
                    t = t.max(50 << BITRES);
                }
                t
            };
            // Remove the current offset, add the space used so far.
            target += tell_frac;
            nb_available = (target + (1 << (BITRES + 2))) >> (BITRES + 3);
            nb_available = min_allowed.max(nb_available);
            nb_available = nb_compressed.min(nb_available);
            // How far this frame misses the target.
            let mut delta = target - vbr_rate;
            target = nb_available << (BITRES + 3);
            // Silence does not move the drift, only refills the reservoir.
            if silence {
                nb_available = 2;
                target = (2 * 8) << BITRES;
                delta = 0;
            }
            let st = &mut self.st;
            let alpha;
            if st.vbr_count < 970 {
                st.vbr_count += 1;
                alpha = 1.0f32 / ((st.vbr_count + 20) as f32);
            } else {
                alpha = 0.001;
            }
            // Bits used beyond the allowance.
            if self.constrained_vbr {
                st.vbr_reservoir += target - vbr_rate;
            }
            // The offset that steers towards the target.
            if self.constrained_vbr {
                st.vbr_drift += (alpha
                    * (delta * (1 << lm_diff) - st.vbr_offset - st.vbr_drift) as f32)
                    as i32;
                st.vbr_offset = -st.vbr_drift;
            }
            if self.constrained_vbr && st.vbr_reservoir < 0 {
                // Below the minimum: raise the rate, unless coding silence.
                let adjust = (-st.vbr_reservoir) / (8 << BITRES);
                nb_available += if silence { 0 } else { adjust };
                st.vbr_reservoir = 0;
            }
            nb_compressed = nb_compressed.min(nb_available);
            // Move the raw bits to the new end.
            enc.shrink(nb_compressed as u32);
        }

        // Bit allocation.
        let mut fine_quant = [0i32; NB_EBANDS];
        let mut pulses = [0i32; NB_EBANDS];
        let mut fine_priority = [0i32; NB_EBANDS];
        // Packet size, less what is used, less a safety bit.
        let mut bits = ((nb_compressed * 8) << BITRES) - enc.tell_frac() as i32 - 1;
        let anti_collapse_rsv =
            if is_transient && lm >= 2 && bits >= ((lm as i32 + 2) << BITRES) {
                1 << BITRES
            } else {
                0
            };
        bits -= anti_collapse_rsv;
        let mut signal_bandwidth = end as i32 - 1;
        if self.st.analysis.valid {
            let min_bandwidth = if equiv_rate < 32000 * ci {
                13
            } else if equiv_rate < 48000 * ci {
                16
            } else if equiv_rate < 60000 * ci {
                18
            } else if equiv_rate < 80000 * ci {
                19
            } else {
                20
            };
            signal_bandwidth = self.st.analysis.bandwidth.max(min_bandwidth);
        }
        if self.lfe {
            signal_bandwidth = 1;
        }
        let mut balance = 0i32;
        let coded_bands = clt_compute_allocation_enc(
            mode,
            start,
            end,
            &offsets,
            &cap,
            alloc_trim,
            &mut self.st.intensity,
            &mut dual_stereo,
            bits,
            &mut balance,
            &mut pulses,
            &mut fine_quant,
            &mut fine_priority,
            c,
            lm,
            enc,
            self.st.last_coded_bands,
            signal_bandwidth,
        );
        let st = &mut self.st;
        if st.last_coded_bands != 0 {
            st.last_coded_bands = (st.last_coded_bands + 1)
                .min((st.last_coded_bands - 1).max(coded_bands));
        } else {
            st.last_coded_bands = coded_bands;
        }

        quant_fine_energy(
            mode,
            start,
            end,
            &mut st.old_band_e,
            &mut error,
            None,
            &fine_quant,
            enc,
            c,
        );
        st.energy_error = [0.0; 2 * NB_EBANDS];

        // Residual quantisation.
        let mut collapse_masks = [0u8; 2 * NB_EBANDS];
        {
            let (xa, xb) = self.scratch.x.split_at_mut(n);
            let y = if c == 2 { Some(&mut xb[..n]) } else { None };
            quant_all_bands(
                BandCoder::Encode(enc),
                mode,
                start,
                end,
                xa,
                y,
                &mut collapse_masks,
                Some(&band_e),
                &pulses,
                short_blocks != 0,
                st.spread_decision,
                dual_stereo,
                st.intensity,
                &tf_res,
                nb_compressed * (8 << BITRES) - anti_collapse_rsv,
                balance,
                lm,
                coded_bands,
                &mut st.rng,
                self.complexity,
                self.disable_inv,
            );
        }

        if anti_collapse_rsv > 0 {
            let anti_collapse_on = st.consec_transient < 2;
            enc.bits(u32::from(anti_collapse_on), 1);
        }
        let left = nb_compressed * 8 - enc.tell();
        quant_energy_finalise(
            mode,
            start,
            end,
            Some(&mut st.old_band_e),
            &mut error,
            &fine_quant,
            &fine_priority,
            left,
            enc,
            c,
        );
        for ch in 0..c {
            for i in start..end {
                let k = i + ch * nb;
                st.energy_error[k] = max32(-0.5, min32(0.5, error[k]));
            }
        }
        if silence {
            for v in st.old_band_e[..c * nb].iter_mut() {
                *v = -28.0;
            }
        }

        st.prefilter_period = pitch_index;
        st.prefilter_gain = gain1;
        st.prefilter_tapset = prefilter_tapset;

        if cc == 2 && c == 1 {
            st.old_band_e.copy_within(0..nb, nb);
        }
        if !is_transient {
            st.old_log_e2[..cc * nb].copy_from_slice(&st.old_log_e[..cc * nb]);
            st.old_log_e[..cc * nb].copy_from_slice(&st.old_band_e[..cc * nb]);
        } else {
            for i in 0..cc * nb {
                st.old_log_e[i] = min32(st.old_log_e[i], st.old_band_e[i]);
            }
        }
        // In case start or end change later.
        for ch in 0..cc {
            for i in (0..start).chain(end..nb) {
                st.old_band_e[ch * nb + i] = 0.0;
                st.old_log_e[ch * nb + i] = -28.0;
                st.old_log_e2[ch * nb + i] = -28.0;
            }
        }
        if is_transient || transient_got_disabled {
            st.consec_transient += 1;
        } else {
            st.consec_transient = 0;
        }
        st.rng = enc.final_range();

        // Any room left is already zero.
        enc.done();
        if enc.error() {
            Err(Error::Internal("celt: range coder overflow"))
        } else {
            Ok(nb_compressed as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_every_frame_size_without_panicking() {
        for ch in 1..=2 {
            let mut e = CeltEncoder::new(48000, ch).unwrap();
            e.set_bitrate(64000).unwrap();
            let mut out = [0u8; 1275];
            let mut seed = 1u32;
            for &fs in &[120usize, 240, 480, 960] {
                for _ in 0..5 {
                    let pcm: Vec<f32> = (0..fs * ch)
                        .map(|_| {
                            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                            (seed >> 8) as f32 / 16777216.0 - 0.5
                        })
                        .collect();
                    let len = e.encode_with_ec(&pcm, fs, None, &mut out, 1275).unwrap();
                    assert!(len >= 2 && len <= 1275);
                }
            }
        }
    }
}
