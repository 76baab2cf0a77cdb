//! The CELT decoder (RFC 6716 section 4.3) with its packet-loss concealment
//! (section 4.4), as in libopus `celt/celt_decoder.c` (float build).
//!
//! [`CeltDecoder::decode_with_ec`] reads one CELT frame from a range decoder
//! (the Opus layer shares it with SILK in hybrid mode), or conceals a lost
//! frame, and writes interleaved float PCM at the API rate (48, 24, 16, 12
//! or 8 kHz) into a slice the caller provides. Per frame it decodes the
//! header flags, coarse/fine energy, time-frequency resolution, spreading,
//! allocation and PVQ shapes, then synthesises through the inverse MDCT, the
//! pitch post-filter and de-emphasis.
//!
//! All state is sized at creation for two channels and 20 ms frames; decoding
//! does not allocate. Output is bit-exact with libopus's float build.

use super::alloc::{clt_compute_allocation, init_caps};
use super::bands::{anti_collapse, celt_lcg_rand, denormalise_bands, quant_all_bands, BandCoder};
use super::energy::{unquant_coarse_energy, unquant_energy_finalise, unquant_fine_energy};
use super::kiss_fft::Complex;
use super::lpc::CELT_LPC_ORDER;
use super::mathops::{max32, min32};
use super::mdct::MDCT_48000_960;
use super::mode::{mode48000_960, CeltMode, MAX_FRAME_SIZE};
use super::plc::{
    downsample_history, periodic_extrapolate, plc_pitch_search, upsample_concealment, FrameType,
    NeuralConcealment, PlcScratch, DECODE_BUFFER_SIZE, NEURAL_FRAME_SIZE, PLC_UPDATE_SAMPLES,
    PREEMPHASIS, SINC_ORDER,
};
use super::postfilter::{comb_filter, comb_filter_inplace, CombParams, COMBFILTER_MINPERIOD};
use super::tables::{NB_EBANDS, SPREAD_ICDF, TAPSET_ICDF, TF_SELECT_TABLE, TRIM_ICDF};
use super::vq::renormalise_vector;
use crate::range_coder::{RangeDecoder, BITRES};
use crate::Error;

/// Largest CELT payload in bytes (RFC 6716 section 3.2.1).
const MAX_PACKET_BYTES: usize = 1275;
/// Added before de-emphasis to keep denormals out (libopus `VERY_SMALL`).
const VERY_SMALL: f32 = 1e-30;
/// Float samples are scaled to the 16-bit range inside CELT
/// (libopus `CELT_SIG_SCALE`); output is divided by it.
const SIG_SCALE_INV: f32 = 1.0 / 32768.0;
/// Energy floor used for bands outside the coded range, in log2 units.
const LOG_E_FLOOR: f32 = -28.0;
/// Spreading decision used when the packet cannot hold it (libopus `SPREAD_NORMAL`).
const SPREAD_NORMAL: i32 = 2;
/// Saturation of the loss counters.
const MAX_LOSS_DURATION: i32 = 10000;

/// The per-stream state that [`CeltDecoder::reset`] rebuilds (libopus fields
/// from `rng` on).
#[derive(Debug, Clone)]
struct DecoderState {
    rng: u32,
    error: bool,
    last_pitch_index: usize,
    loss_duration: i32,
    plc_duration: i32,
    last_frame_type: FrameType,
    skip_plc: bool,
    postfilter_period: usize,
    postfilter_period_old: usize,
    postfilter_gain: f32,
    postfilter_gain_old: f32,
    postfilter_tapset: usize,
    postfilter_tapset_old: usize,
    prefilter_and_fold: bool,
    preemph_mem_d: [f32; 2],
    plc_pcm: [i16; PLC_UPDATE_SAMPLES],
    plc_fill: usize,
    plc_preemphasis_mem: f32,
    /// Per channel: `DECODE_BUFFER_SIZE + overlap` samples of synthesis history.
    decode_mem: Vec<f32>,
    old_band_e: [f32; 2 * NB_EBANDS],
    old_log_e: [f32; 2 * NB_EBANDS],
    old_log_e2: [f32; 2 * NB_EBANDS],
    background_log_e: [f32; 2 * NB_EBANDS],
    lpc: [[f32; CELT_LPC_ORDER]; 2],
}

impl DecoderState {
    fn new(channels: usize, overlap: usize) -> Self {
        let mut st = DecoderState {
            rng: 0,
            error: false,
            last_pitch_index: 0,
            loss_duration: 0,
            plc_duration: 0,
            last_frame_type: FrameType::None,
            skip_plc: true,
            postfilter_period: 0,
            postfilter_period_old: 0,
            postfilter_gain: 0.0,
            postfilter_gain_old: 0.0,
            postfilter_tapset: 0,
            postfilter_tapset_old: 0,
            prefilter_and_fold: false,
            preemph_mem_d: [0.0; 2],
            plc_pcm: [0; PLC_UPDATE_SAMPLES],
            plc_fill: 0,
            plc_preemphasis_mem: 0.0,
            decode_mem: vec![0.0; channels * (DECODE_BUFFER_SIZE + overlap)],
            old_band_e: [0.0; 2 * NB_EBANDS],
            old_log_e: [0.0; 2 * NB_EBANDS],
            old_log_e2: [0.0; 2 * NB_EBANDS],
            background_log_e: [0.0; 2 * NB_EBANDS],
            lpc: [[0.0; CELT_LPC_ORDER]; 2],
        };
        st.reset();
        st
    }

    /// Back to the state after creation, without allocating (libopus
    /// `OPUS_RESET_STATE`).
    fn reset(&mut self) {
        self.rng = 0;
        self.error = false;
        self.last_pitch_index = 0;
        self.loss_duration = 0;
        self.plc_duration = 0;
        self.last_frame_type = FrameType::None;
        self.skip_plc = true;
        self.postfilter_period = 0;
        self.postfilter_period_old = 0;
        self.postfilter_gain = 0.0;
        self.postfilter_gain_old = 0.0;
        self.postfilter_tapset = 0;
        self.postfilter_tapset_old = 0;
        self.prefilter_and_fold = false;
        self.preemph_mem_d = [0.0; 2];
        self.plc_pcm = [0; PLC_UPDATE_SAMPLES];
        self.plc_fill = 0;
        self.plc_preemphasis_mem = 0.0;
        self.decode_mem.fill(0.0);
        self.old_band_e = [0.0; 2 * NB_EBANDS];
        self.old_log_e = [LOG_E_FLOOR; 2 * NB_EBANDS];
        self.old_log_e2 = [LOG_E_FLOOR; 2 * NB_EBANDS];
        self.background_log_e = [0.0; 2 * NB_EBANDS];
        self.lpc = [[0.0; CELT_LPC_ORDER]; 2];
    }
}

/// Work buffers, allocated once at their largest size.
#[derive(Debug, Clone)]
struct Scratch {
    /// Normalised spectrum, both channels.
    x: Vec<f32>,
    /// Denormalised spectrum of one channel.
    freq: Vec<f32>,
    /// Second channel's spectrum when up- or down-mixing.
    freq2: Vec<f32>,
    /// FFT buffer of the inverse MDCT.
    mdct: Vec<Complex>,
    /// Full-rate output before decimation.
    deemph: Vec<f32>,
    /// Pre-filter output of the PLC fold.
    etmp: Vec<f32>,
    /// Decimated history for the PLC pitch search.
    lp_pitch: Vec<f32>,
    /// Mono mix for the neural PLC history.
    mix: Vec<f32>,
    /// Cross-fade copy for the first neural frame.
    neural_fade: Vec<f32>,
    plc: PlcScratch,
}

impl Scratch {
    fn new(overlap: usize) -> Self {
        Scratch {
            x: vec![0.0; 2 * MAX_FRAME_SIZE],
            freq: vec![0.0; MAX_FRAME_SIZE],
            freq2: vec![0.0; MAX_FRAME_SIZE],
            mdct: vec![Complex::default(); MDCT_48000_960.scratch_len()],
            deemph: vec![0.0; MAX_FRAME_SIZE],
            etmp: vec![0.0; overlap],
            lp_pitch: vec![0.0; DECODE_BUFFER_SIZE / 2],
            mix: vec![0.0; DECODE_BUFFER_SIZE],
            neural_fade: vec![0.0; 2 * overlap],
            plc: PlcScratch::new(MAX_FRAME_SIZE, overlap),
        }
    }
}

/// A CELT decoder for the 48 kHz / 960 mode (libopus `OpusCustomDecoder`).
///
/// Configuration (rate, channels, band range, complexity, phase inversion)
/// survives [`reset`](Self::reset); the stream state does not.
#[derive(Debug, Clone)]
pub struct CeltDecoder {
    mode: &'static CeltMode,
    overlap: usize,
    channels: usize,
    stream_channels: usize,
    downsample: usize,
    start: usize,
    end: usize,
    signalling: bool,
    disable_inv: bool,
    complexity: i32,
    st: DecoderState,
    scratch: Scratch,
}

/// Decimation factor from 48 kHz to `rate` (libopus `resampling_factor`).
pub fn resampling_factor(rate: u32) -> Option<usize> {
    match rate {
        48000 => Some(1),
        24000 => Some(2),
        16000 => Some(3),
        12000 => Some(4),
        8000 => Some(6),
        _ => None,
    }
}

impl CeltDecoder {
    /// A decoder writing `channels` (1 or 2) channels at `sample_rate`
    /// (48000, 24000, 16000, 12000 or 8000 Hz) (libopus `celt_decoder_init`).
    ///
    /// # Errors
    /// [`Error::BadArg`] for another rate or channel count.
    pub fn new(sample_rate: u32, channels: usize) -> Result<Self, Error> {
        if !(1..=2).contains(&channels) {
            return Err(Error::BadArg("celt: channels must be 1 or 2"));
        }
        let downsample =
            resampling_factor(sample_rate).ok_or(Error::BadArg("celt: unsupported sample rate"))?;
        let mode = mode48000_960();
        let overlap = mode.overlap;
        Ok(CeltDecoder {
            mode,
            overlap,
            channels,
            stream_channels: channels,
            downsample,
            start: 0,
            end: mode.eff_ebands,
            signalling: true,
            disable_inv: channels == 1,
            complexity: 0,
            st: DecoderState::new(channels, overlap),
            scratch: Scratch::new(overlap),
        })
    }

    /// The CELT mode in use.
    pub fn mode(&self) -> &'static CeltMode {
        self.mode
    }

    /// Output channels.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Decimation factor from 48 kHz to the output rate.
    pub fn downsample(&self) -> usize {
        self.downsample
    }

    /// Clears the stream state, keeping the configuration (libopus
    /// `OPUS_RESET_STATE`). Does not allocate.
    pub fn reset(&mut self) {
        self.st.reset();
    }

    /// First coded band: 0, or 17 in hybrid mode (libopus `CELT_SET_START_BAND`).
    ///
    /// # Errors
    /// [`Error::BadArg`] unless `band < 21`.
    pub fn set_start_band(&mut self, band: usize) -> Result<(), Error> {
        if band >= self.mode.nb_ebands {
            return Err(Error::BadArg("celt: start band out of range"));
        }
        self.start = band;
        Ok(())
    }

    /// The first coded band.
    pub fn start_band(&self) -> usize {
        self.start
    }

    /// One past the last coded band, from the bandwidth (libopus `CELT_SET_END_BAND`).
    ///
    /// # Errors
    /// [`Error::BadArg`] unless `1 <= band <= 21`.
    pub fn set_end_band(&mut self, band: usize) -> Result<(), Error> {
        if band < 1 || band > self.mode.nb_ebands {
            return Err(Error::BadArg("celt: end band out of range"));
        }
        self.end = band;
        Ok(())
    }

    /// One past the last coded band.
    pub fn end_band(&self) -> usize {
        self.end
    }

    /// Channels coded in the stream, which may differ from the output
    /// channels (libopus `CELT_SET_CHANNELS`).
    ///
    /// # Errors
    /// [`Error::BadArg`] unless 1 or 2.
    pub fn set_stream_channels(&mut self, channels: usize) -> Result<(), Error> {
        if !(1..=2).contains(&channels) {
            return Err(Error::BadArg("celt: stream channels must be 1 or 2"));
        }
        self.stream_channels = channels;
        Ok(())
    }

    /// Channels coded in the stream.
    pub fn stream_channels(&self) -> usize {
        self.stream_channels
    }

    /// Whether frames carry an Opus Custom TOC byte (libopus
    /// `CELT_SET_SIGNALLING`). Stored only: libopus reads the flag in Opus
    /// Custom builds, and the Opus layer always turns it off.
    pub fn set_signalling(&mut self, on: bool) {
        self.signalling = on;
    }

    /// The signalling flag.
    pub fn signalling(&self) -> bool {
        self.signalling
    }

    /// Disables stereo phase inversion in intensity stereo (libopus
    /// `OPUS_SET_PHASE_INVERSION_DISABLED`). On by default for mono output.
    pub fn set_phase_inversion_disabled(&mut self, disabled: bool) {
        self.disable_inv = disabled;
    }

    /// Whether stereo phase inversion is disabled.
    pub fn phase_inversion_disabled(&self) -> bool {
        self.disable_inv
    }

    /// Decoder complexity 0..=10; 5 and above allow neural concealment
    /// (libopus `OPUS_SET_COMPLEXITY`).
    ///
    /// # Errors
    /// [`Error::BadArg`] outside 0..=10.
    pub fn set_complexity(&mut self, complexity: i32) -> Result<(), Error> {
        if !(0..=10).contains(&complexity) {
            return Err(Error::BadArg("celt: complexity must be 0..=10"));
        }
        self.complexity = complexity;
        Ok(())
    }

    /// The decoder complexity.
    pub fn complexity(&self) -> i32 {
        self.complexity
    }

    /// Range coder state after the last frame (libopus `OPUS_GET_FINAL_RANGE`).
    pub fn final_range(&self) -> u32 {
        self.st.rng
    }

    /// Whether a frame since the last call hit a range-coder error, clearing
    /// the flag (libopus `CELT_GET_AND_CLEAR_ERROR`).
    pub fn get_and_clear_error(&mut self) -> bool {
        std::mem::take(&mut self.st.error)
    }

    /// Post-filter pitch period of the last frame, at 48 kHz (libopus
    /// `OPUS_GET_PITCH`).
    pub fn pitch(&self) -> usize {
        self.st.postfilter_period
    }

    /// Decoder delay in output samples (libopus `OPUS_GET_LOOKAHEAD`).
    pub fn lookahead(&self) -> usize {
        self.overlap / self.downsample
    }

    /// Decodes one frame into `pcm`, without accumulation or neural
    /// concealment. See [`decode_with_ec`](Self::decode_with_ec).
    ///
    /// # Errors
    /// As [`decode_with_ec`](Self::decode_with_ec).
    pub fn decode(
        &mut self,
        data: Option<&[u8]>,
        dec: Option<&mut RangeDecoder<'_>>,
        pcm: &mut [f32],
        frame_size: usize,
    ) -> Result<usize, Error> {
        self.decode_with_ec(data, dec, pcm, frame_size, false, None)
    }

    /// Decodes one frame of `frame_size` samples per channel at the output
    /// rate into interleaved `pcm` (libopus `celt_decode_with_ec_dred`).
    ///
    /// `data` is the CELT part of the packet; `None`, or one byte or less,
    /// conceals a lost frame. `dec` is the range decoder already positioned
    /// after SILK in hybrid mode; when `None` one is started on `data`. With
    /// `accum` the output is added to `pcm` instead of overwriting it.
    /// `neural`, when given and loaded, conceals losses with deep PLC or DRED
    /// at complexity 5 and above.
    ///
    /// Returns the samples written per channel.
    ///
    /// # Errors
    /// - [`Error::BadArg`] if `frame_size` is not 2.5, 5, 10 or 20 ms at the
    ///   output rate, or `data` is longer than 1275 bytes.
    /// - [`Error::BufferTooSmall`] if `pcm` cannot hold the frame.
    /// - [`Error::InvalidPacket`] if decoding read past the end of the frame
    ///   (libopus `OPUS_INTERNAL_ERROR`); the output is still written.
    pub fn decode_with_ec(
        &mut self,
        data: Option<&[u8]>,
        dec: Option<&mut RangeDecoder<'_>>,
        pcm: &mut [f32],
        frame_size: usize,
        accum: bool,
        neural: Option<&mut dyn NeuralConcealment>,
    ) -> Result<usize, Error> {
        let mode = self.mode;
        let full_size = frame_size * self.downsample;
        let lm = (0..=mode.max_lm)
            .find(|&lm| mode.short_mdct_size << lm == full_size)
            .ok_or(Error::BadArg("celt: unsupported frame size"))?;
        let len = data.map_or(0, <[u8]>::len);
        if len > MAX_PACKET_BYTES {
            return Err(Error::BadArg("celt: packet too long"));
        }
        let n = mode.short_mdct_size << lm;
        let out_len = n / self.downsample;
        let needed = out_len * self.channels;
        if pcm.len() < needed {
            return Err(Error::BufferTooSmall {
                needed,
                got: pcm.len(),
            });
        }
        let pcm = &mut pcm[..needed];

        let data = match data {
            Some(d) if d.len() > 1 => d,
            _ => {
                self.decode_lost(n, lm, neural);
                self.deemphasis(pcm, n, accum);
                return Ok(out_len);
            }
        };
        if let Some(nc) = neural {
            nc.packet_received();
        }
        // Pitch-based PLC needs two consecutive good packets.
        if self.st.loss_duration == 0 {
            self.st.skip_plc = false;
        }
        let ok = match dec {
            Some(dec) => self.decode_frame(data.len(), dec, n, lm),
            None => {
                let mut local = RangeDecoder::new(data);
                self.decode_frame(data.len(), &mut local, n, lm)
            }
        };
        self.deemphasis(pcm, n, accum);
        self.st.loss_duration = 0;
        self.st.plc_duration = 0;
        self.st.last_frame_type = FrameType::Normal;
        self.st.prefilter_and_fold = false;
        if !ok {
            return Err(Error::InvalidPacket("celt: frame read past its end"));
        }
        Ok(out_len)
    }

    /// Decodes the bitstream of one frame into the synthesis buffers
    /// (the main body of libopus `celt_decode_with_ec_dred`). Returns false
    /// if the decoder read past the frame.
    fn decode_frame(
        &mut self,
        len: usize,
        dec: &mut RangeDecoder<'_>,
        n: usize,
        lm: usize,
    ) -> bool {
        let mode = self.mode;
        let nb = mode.nb_ebands;
        let overlap = self.overlap;
        let cc = self.channels;
        let c = self.stream_channels;
        let start = self.start;
        let end = self.end;
        let eff_end = end.min(mode.eff_ebands);
        let m = 1usize << lm;
        let st = &mut self.st;

        if c == 1 {
            for i in 0..nb {
                st.old_band_e[i] = max32(st.old_band_e[i], st.old_band_e[nb + i]);
            }
        }

        let mut total_bits = (len * 8) as i32;
        let mut tell = dec.tell();
        let silence = if tell >= total_bits {
            true
        } else if tell == 1 {
            dec.bit_logp(15)
        } else {
            false
        };
        if silence {
            // Act as if every remaining bit had been read.
            tell = total_bits;
            dec.skip_to_tell(tell);
        }

        // Section 4.3.7.1: post-filter parameters.
        let mut postfilter_gain: f32 = 0.0;
        let mut postfilter_pitch: usize = 0;
        let mut postfilter_tapset: usize = 0;
        if start == 0 && tell + 16 <= total_bits {
            if dec.bit_logp(1) {
                let octave = dec.uint(6);
                postfilter_pitch = ((16u32 << octave) + dec.bits(4 + octave) - 1) as usize;
                let qg = dec.bits(3) as i32;
                if dec.tell() + 2 <= total_bits {
                    postfilter_tapset = dec.icdf(&TAPSET_ICDF, 2);
                }
                postfilter_gain = 0.09375 * (qg + 1) as f32;
            }
            tell = dec.tell();
        }

        // Section 4.3.1: transient flag.
        let is_transient = if lm > 0 && tell + 3 <= total_bits {
            let t = dec.bit_logp(3);
            tell = dec.tell();
            t
        } else {
            false
        };

        // Section 4.3.2: band energies.
        let intra_ener = if tell + 3 <= total_bits {
            dec.bit_logp(3)
        } else {
            false
        };
        if !intra_ener && st.loss_duration != 0 {
            // After a loss, keep the energy prediction from overshooting.
            let missing = (st.loss_duration >> lm).min(10);
            let safety: f32 = match lm {
                0 => 1.5,
                1 => 0.5,
                _ => 0.0,
            };
            for ch in 0..2 {
                for i in start..end {
                    let k = ch * nb + i;
                    if st.old_band_e[k] < max32(st.old_log_e[k], st.old_log_e2[k]) {
                        // Energy already falling: continue the trend.
                        let mut e0 = st.old_band_e[k];
                        let e1 = st.old_log_e[k];
                        let e2 = st.old_log_e2[k];
                        let mut slope = max32(e1 - e0, 0.5 * (e2 - e0));
                        slope = min32(slope, 2.0);
                        e0 -= max32(0.0, (1 + missing) as f32 * slope);
                        st.old_band_e[k] = max32(-20.0, e0);
                    } else {
                        // Otherwise the lowest of the last frames.
                        st.old_band_e[k] =
                            min32(min32(st.old_band_e[k], st.old_log_e[k]), st.old_log_e2[k]);
                    }
                    // Short frames fluctuate more.
                    st.old_band_e[k] -= safety;
                }
            }
        }
        unquant_coarse_energy(mode, start, end, &mut st.old_band_e, intra_ener, dec, c, lm);

        // Section 4.3.4.5: time-frequency resolution.
        let mut tf_res = [0i32; NB_EBANDS];
        tf_decode(start, end, is_transient, &mut tf_res, lm, dec);

        // Section 4.3.4.3: spreading.
        tell = dec.tell();
        let spread_decision = if tell + 4 <= total_bits {
            dec.icdf(&SPREAD_ICDF, 5) as i32
        } else {
            SPREAD_NORMAL
        };

        // Section 4.3.3: allocation.
        let mut cap = [0i32; NB_EBANDS];
        init_caps(mode, &mut cap, lm, c);
        let mut offsets = [0i32; NB_EBANDS];
        let mut dynalloc_logp = 6;
        total_bits <<= BITRES;
        let mut tell_frac = dec.tell_frac() as i32;
        for i in start..end {
            let width = ((c as i32) * mode.band_width(i)) << lm;
            // Six bits per boost, but within 1/8 and 1 bit per sample.
            let quanta = (width << BITRES).min((6 << BITRES).max(width));
            let mut dynalloc_loop_logp = dynalloc_logp;
            let mut boost = 0;
            while tell_frac + (dynalloc_loop_logp << BITRES) < total_bits && boost < cap[i] {
                let flag = dec.bit_logp(dynalloc_loop_logp as u32);
                tell_frac = dec.tell_frac() as i32;
                if !flag {
                    break;
                }
                boost += quanta;
                total_bits -= quanta;
                dynalloc_loop_logp = 1;
            }
            offsets[i] = boost;
            if boost > 0 {
                dynalloc_logp = (dynalloc_logp - 1).max(2);
            }
        }
        let alloc_trim = if tell_frac + (6 << BITRES) <= total_bits {
            dec.icdf(&TRIM_ICDF, 7) as i32
        } else {
            5
        };

        let mut bits = (((len * 8) as i32) << BITRES) - dec.tell_frac() as i32 - 1;
        let anti_collapse_rsv = if is_transient && lm >= 2 && bits >= ((lm as i32 + 2) << BITRES) {
            1 << BITRES
        } else {
            0
        };
        bits -= anti_collapse_rsv;

        let mut pulses = [0i32; NB_EBANDS];
        let mut fine_quant = [0i32; NB_EBANDS];
        let mut fine_priority = [0i32; NB_EBANDS];
        let mut intensity = 0i32;
        let mut dual_stereo = false;
        let mut balance = 0i32;
        let coded_bands = clt_compute_allocation(
            mode,
            start,
            end,
            &offsets,
            &cap,
            alloc_trim,
            &mut intensity,
            &mut dual_stereo,
            bits,
            &mut balance,
            &mut pulses,
            &mut fine_quant,
            &mut fine_priority,
            c,
            lm,
            dec,
        );
        unquant_fine_energy(
            mode,
            start,
            end,
            &mut st.old_band_e,
            None,
            &fine_quant,
            dec,
            c,
        );

        // Make room for the new frame in the synthesis history.
        let stride = DECODE_BUFFER_SIZE + overlap;
        for ch in 0..cc {
            let b = ch * stride;
            st.decode_mem.copy_within(b + n..b + stride, b);
        }

        // Section 4.3.4: PVQ shapes.
        let mut collapse_masks = [0u8; 2 * NB_EBANDS];
        let x = &mut self.scratch.x[..c * n];
        {
            let (x0, x1) = x.split_at_mut(n);
            quant_all_bands(
                BandCoder::Decode(dec),
                mode,
                start,
                end,
                x0,
                if c == 2 { Some(x1) } else { None },
                &mut collapse_masks,
                None,
                &pulses,
                is_transient,
                spread_decision,
                dual_stereo,
                intensity,
                &tf_res,
                (len as i32 * (8 << BITRES)) - anti_collapse_rsv,
                balance,
                lm,
                coded_bands,
                &mut st.rng,
                0,
                self.disable_inv,
            );
        }

        let anti_collapse_on = anti_collapse_rsv > 0 && dec.bits(1) != 0;
        let bits_left = (len * 8) as i32 - dec.tell();
        unquant_energy_finalise(
            mode,
            start,
            end,
            Some(&mut st.old_band_e[..]),
            &fine_quant,
            &fine_priority,
            bits_left,
            dec,
            c,
        );
        if anti_collapse_on {
            anti_collapse(
                mode,
                x,
                &collapse_masks,
                lm,
                c,
                n,
                start,
                end,
                &st.old_band_e,
                &st.old_log_e,
                &st.old_log_e2,
                &pulses,
                st.rng,
                false,
            );
        }
        if silence {
            st.old_band_e[..c * nb].fill(LOG_E_FLOOR);
        }
        if st.prefilter_and_fold {
            self.prefilter_and_fold(n);
        }
        self.synthesis(n, lm, c, cc, start, eff_end, is_transient, silence);

        // Section 4.3.7.1: pitch post-filter, cross-fading from the previous
        // parameters over the first short block.
        let st = &mut self.st;
        let short = mode.short_mdct_size;
        for ch in 0..cc {
            st.postfilter_period = st.postfilter_period.max(COMBFILTER_MINPERIOD);
            st.postfilter_period_old = st.postfilter_period_old.max(COMBFILTER_MINPERIOD);
            let buf = &mut st.decode_mem[ch * stride..(ch + 1) * stride];
            comb_filter_inplace(
                buf,
                DECODE_BUFFER_SIZE - n,
                short,
                CombParams {
                    t0: st.postfilter_period_old,
                    t1: st.postfilter_period,
                    g0: st.postfilter_gain_old,
                    g1: st.postfilter_gain,
                    tapset0: st.postfilter_tapset_old,
                    tapset1: st.postfilter_tapset,
                },
                mode.window,
                overlap,
            );
            if lm != 0 {
                comb_filter_inplace(
                    buf,
                    DECODE_BUFFER_SIZE - n + short,
                    n - short,
                    CombParams {
                        t0: st.postfilter_period,
                        t1: postfilter_pitch,
                        g0: st.postfilter_gain,
                        g1: postfilter_gain,
                        tapset0: st.postfilter_tapset,
                        tapset1: postfilter_tapset,
                    },
                    mode.window,
                    overlap,
                );
            }
        }
        st.postfilter_period_old = st.postfilter_period;
        st.postfilter_gain_old = st.postfilter_gain;
        st.postfilter_tapset_old = st.postfilter_tapset;
        st.postfilter_period = postfilter_pitch;
        st.postfilter_gain = postfilter_gain;
        st.postfilter_tapset = postfilter_tapset;
        if lm != 0 {
            st.postfilter_period_old = st.postfilter_period;
            st.postfilter_gain_old = st.postfilter_gain;
            st.postfilter_tapset_old = st.postfilter_tapset;
        }

        // Energy history for prediction and concealment.
        if c == 1 {
            st.old_band_e.copy_within(0..nb, nb);
        }
        if !is_transient {
            st.old_log_e2 = st.old_log_e;
            st.old_log_e = st.old_band_e;
        } else {
            for i in 0..2 * nb {
                st.old_log_e[i] = min32(st.old_log_e[i], st.old_band_e[i]);
            }
        }
        // The noise floor rises by at most 2.4 dB/s, or by the whole gap after DTX.
        let max_background_increase = (st.loss_duration + m as i32).min(160) as f32 * 0.001;
        for i in 0..2 * nb {
            st.background_log_e[i] = min32(
                st.background_log_e[i] + max_background_increase,
                st.old_band_e[i],
            );
        }
        // Clear bands outside the coded range, in case start or end change.
        for ch in 0..2 {
            for i in (0..start).chain(end..nb) {
                let k = ch * nb + i;
                st.old_band_e[k] = 0.0;
                st.old_log_e[k] = LOG_E_FLOOR;
                st.old_log_e2[k] = LOG_E_FLOOR;
            }
        }
        st.rng = dec.final_range();
        if dec.tell() > (8 * len) as i32 {
            return false;
        }
        if dec.error() {
            st.error = true;
        }
        true
    }

    /// Inverse MDCT of the decoded spectrum into the end of the synthesis
    /// buffers (libopus `celt_synthesis`), mixing stream channels `c` into
    /// output channels `cc`.
    #[allow(clippy::too_many_arguments)]
    fn synthesis(
        &mut self,
        n: usize,
        lm: usize,
        c: usize,
        cc: usize,
        start: usize,
        eff_end: usize,
        is_transient: bool,
        silence: bool,
    ) {
        let mode = self.mode;
        let nb = mode.nb_ebands;
        let overlap = self.overlap;
        let m = 1usize << lm;
        let (b_count, nbk, shift) = if is_transient {
            (m, mode.short_mdct_size, mode.max_lm)
        } else {
            (1, mode.short_mdct_size << lm, mode.max_lm - lm)
        };
        let stride = DECODE_BUFFER_SIZE + overlap;
        let out0 = DECODE_BUFFER_SIZE - n;
        let ds = self.downsample;
        let sc = &mut self.scratch;
        let st = &mut self.st;
        let x = &sc.x[..c * n];
        let freq = &mut sc.freq[..n];
        let freq2 = &mut sc.freq2[..n];
        let mdct = &MDCT_48000_960;

        let imdct = |spec: &[f32], ch: usize, mem: &mut [f32], scr: &mut [Complex]| {
            let base = ch * stride + out0;
            for b in 0..b_count {
                mdct.backward(
                    &spec[b..],
                    &mut mem[base + nbk * b..],
                    mode.window,
                    overlap,
                    shift,
                    b_count,
                    scr,
                );
            }
        };

        if cc == 2 && c == 1 {
            // A mono stream played on two channels.
            denormalise_bands(
                mode,
                x,
                freq,
                &st.old_band_e,
                start,
                eff_end,
                m,
                ds,
                silence,
            );
            freq2.copy_from_slice(freq);
            imdct(freq2, 0, &mut st.decode_mem, &mut sc.mdct);
            imdct(freq, 1, &mut st.decode_mem, &mut sc.mdct);
        } else if cc == 1 && c == 2 {
            // A stereo stream downmixed to mono.
            denormalise_bands(
                mode,
                &x[..n],
                freq,
                &st.old_band_e,
                start,
                eff_end,
                m,
                ds,
                silence,
            );
            denormalise_bands(
                mode,
                &x[n..],
                freq2,
                &st.old_band_e[nb..],
                start,
                eff_end,
                m,
                ds,
                silence,
            );
            for i in 0..n {
                freq[i] = 0.5 * freq[i] + 0.5 * freq2[i];
            }
            imdct(freq, 0, &mut st.decode_mem, &mut sc.mdct);
        } else {
            for ch in 0..cc {
                denormalise_bands(
                    mode,
                    &x[ch * n..(ch + 1) * n],
                    freq,
                    &st.old_band_e[ch * nb..],
                    start,
                    eff_end,
                    m,
                    ds,
                    silence,
                );
                imdct(freq, ch, &mut st.decode_mem, &mut sc.mdct);
            }
        }
    }

    /// Undoes the post-filter on the concealed overlap and folds it as the
    /// MDCT would, so the next decoded frame blends in (libopus
    /// `prefilter_and_fold`).
    fn prefilter_and_fold(&mut self, n: usize) {
        let overlap = self.overlap;
        let window = self.mode.window;
        let stride = DECODE_BUFFER_SIZE + overlap;
        let st = &mut self.st;
        let etmp = &mut self.scratch.etmp[..overlap];
        for ch in 0..self.channels {
            let buf = &mut st.decode_mem[ch * stride..(ch + 1) * stride];
            comb_filter(
                etmp,
                buf,
                DECODE_BUFFER_SIZE - n,
                overlap,
                CombParams {
                    t0: st.postfilter_period_old,
                    t1: st.postfilter_period,
                    g0: -st.postfilter_gain_old,
                    g1: -st.postfilter_gain,
                    tapset0: st.postfilter_tapset_old,
                    tapset1: st.postfilter_tapset,
                },
                &[],
                0,
            );
            // Simulate TDAC on the concealed audio.
            for i in 0..overlap / 2 {
                buf[DECODE_BUFFER_SIZE - n + i] =
                    window[i] * etmp[overlap - 1 - i] + window[overlap - i - 1] * etmp[i];
            }
        }
    }

    /// Conceals a lost frame of `n` samples (libopus `celt_decode_lost`).
    fn decode_lost(&mut self, n: usize, lm: usize, mut neural: Option<&mut dyn NeuralConcealment>) {
        let mode = self.mode;
        let nb = mode.nb_ebands;
        let overlap = self.overlap;
        let cc = self.channels;
        let start = self.start;
        let stride = DECODE_BUFFER_SIZE + overlap;
        let loss_duration = self.st.loss_duration;

        let mut curr_frame_type = FrameType::PlcPeriodic;
        if self.st.plc_duration >= 40 || start != 0 || self.st.skip_plc {
            curr_frame_type = FrameType::PlcNoise;
        }
        if let Some(nc) = neural.as_deref() {
            if start == 0 && nc.is_loaded() {
                if self.complexity >= 5 && self.st.plc_duration < 80 && !self.st.skip_plc {
                    curr_frame_type = FrameType::PlcNeural;
                }
                if nc.has_pending_fec() {
                    curr_frame_type = FrameType::Dred;
                }
            }
        }

        if curr_frame_type == FrameType::PlcNoise {
            // Noise-based concealment / comfort noise.
            let end = self.end;
            let eff_end = start.max(end.min(mode.eff_ebands));
            for ch in 0..cc {
                let b = ch * stride;
                self.st.decode_mem.copy_within(b + n..b + stride, b);
            }
            if self.st.prefilter_and_fold {
                self.prefilter_and_fold(n);
            }
            let st = &mut self.st;
            // Decay towards the background noise.
            let decay: f32 = if loss_duration == 0 { 1.5 } else { 0.5 };
            for ch in 0..cc {
                for i in start..end {
                    let k = ch * nb + i;
                    st.old_band_e[k] = max32(st.background_log_e[k], st.old_band_e[k] - decay);
                }
            }
            let mut seed = st.rng;
            let x = &mut self.scratch.x[..cc * n];
            for ch in 0..cc {
                for i in start..eff_end {
                    let boffs = n * ch + ((mode.eband(i) as usize) << lm);
                    let blen = (mode.band_width(i) as usize) << lm;
                    for v in &mut x[boffs..boffs + blen] {
                        seed = celt_lcg_rand(seed);
                        *v = ((seed as i32) >> 20) as f32;
                    }
                    renormalise_vector(&mut x[boffs..boffs + blen], blen, 1.0);
                }
            }
            st.rng = seed;

            self.synthesis(n, lm, cc, cc, start, eff_end, false, false);

            // Post-filter with the last received parameters.
            let st = &mut self.st;
            let short = mode.short_mdct_size;
            for ch in 0..cc {
                st.postfilter_period = st.postfilter_period.max(COMBFILTER_MINPERIOD);
                st.postfilter_period_old = st.postfilter_period_old.max(COMBFILTER_MINPERIOD);
                let buf = &mut st.decode_mem[ch * stride..(ch + 1) * stride];
                comb_filter_inplace(
                    buf,
                    DECODE_BUFFER_SIZE - n,
                    short,
                    CombParams {
                        t0: st.postfilter_period_old,
                        t1: st.postfilter_period,
                        g0: st.postfilter_gain_old,
                        g1: st.postfilter_gain,
                        tapset0: st.postfilter_tapset_old,
                        tapset1: st.postfilter_tapset,
                    },
                    mode.window,
                    overlap,
                );
                if lm != 0 {
                    comb_filter_inplace(
                        buf,
                        DECODE_BUFFER_SIZE - n + short,
                        n - short,
                        CombParams {
                            t0: st.postfilter_period,
                            t1: st.postfilter_period,
                            g0: st.postfilter_gain,
                            g1: st.postfilter_gain,
                            tapset0: st.postfilter_tapset,
                            tapset1: st.postfilter_tapset,
                        },
                        mode.window,
                        overlap,
                    );
                }
            }
            st.postfilter_period_old = st.postfilter_period;
            st.postfilter_gain_old = st.postfilter_gain;
            st.postfilter_tapset_old = st.postfilter_tapset;
            st.prefilter_and_fold = false;
            // Wait for two consecutive packets before pitch-based PLC again.
            st.skip_plc = true;
        } else {
            // Pitch-based concealment.
            let curr_neural = curr_frame_type.is_neural();
            let last_neural = self.st.last_frame_type.is_neural();
            let fresh =
                self.st.last_frame_type != FrameType::PlcPeriodic && !(last_neural && curr_neural);
            let (pitch_index, fade) = if fresh {
                let mem = &self.st.decode_mem;
                let ch0 = &mem[..DECODE_BUFFER_SIZE];
                let p = if cc == 2 {
                    let ch1 = &mem[stride..stride + DECODE_BUFFER_SIZE];
                    plc_pitch_search(&[ch0, ch1], &mut self.scratch.lp_pitch)
                } else {
                    plc_pitch_search(&[ch0], &mut self.scratch.lp_pitch)
                };
                self.st.last_pitch_index = p;
                (p, 1.0f32)
            } else {
                (self.st.last_pitch_index, 0.8f32)
            };
            if curr_neural && !last_neural {
                if let Some(nc) = neural.as_deref_mut() {
                    self.update_neural_history(nc);
                }
            }

            let window = mode.window;
            for ch in 0..cc {
                let buf = &mut self.st.decode_mem[ch * stride..(ch + 1) * stride];
                periodic_extrapolate(
                    buf,
                    &mut self.st.lpc[ch],
                    fresh,
                    pitch_index,
                    fade,
                    n,
                    overlap,
                    window,
                    &mut self.scratch.plc,
                );
            }

            if curr_neural {
                if let Some(nc) = neural {
                    self.neural_conceal(nc, n, last_neural);
                }
            }
            self.st.prefilter_and_fold = true;
        }

        let st = &mut self.st;
        st.loss_duration = (loss_duration + (1 << lm)).min(MAX_LOSS_DURATION);
        st.plc_duration = (st.plc_duration + (1 << lm)).min(MAX_LOSS_DURATION);
        if curr_frame_type == FrameType::Dred {
            st.plc_duration = 0;
            st.skip_plc = false;
        }
        st.last_frame_type = curr_frame_type;
    }

    /// Hands the last 40 ms of decoded audio to the neural PLC (libopus
    /// `update_plc_state`).
    fn update_neural_history(&mut self, nc: &mut dyn NeuralConcealment) {
        let stride = DECODE_BUFFER_SIZE + self.overlap;
        let mem = &self.st.decode_mem;
        let mut buf16k = [0i16; PLC_UPDATE_SAMPLES];
        let ch0 = &mem[..DECODE_BUFFER_SIZE];
        self.st.plc_preemphasis_mem = if self.channels == 2 {
            let ch1 = &mem[stride..stride + DECODE_BUFFER_SIZE];
            downsample_history(&[ch0, ch1], &mut self.scratch.mix, &mut buf16k)
        } else {
            downsample_history(&[ch0], &mut self.scratch.mix, &mut buf16k)
        };
        nc.update_history(&buf16k);
    }

    /// Replaces the periodic extrapolation with neural concealment, resampled
    /// to 48 kHz and cross-faded on the first neural frame (the deep-PLC block
    /// of libopus `celt_decode_lost`).
    fn neural_conceal(&mut self, nc: &mut dyn NeuralConcealment, n: usize, last_neural: bool) {
        let overlap = self.overlap;
        let cc = self.channels;
        let stride = DECODE_BUFFER_SIZE + overlap;
        let window = self.mode.window;
        let dbs = DECODE_BUFFER_SIZE;
        let st = &mut self.st;
        let fade = &mut self.scratch.neural_fade[..cc * overlap];
        for ch in 0..cc {
            let b = ch * stride + dbs - n;
            fade[ch * overlap..(ch + 1) * overlap].copy_from_slice(&st.decode_mem[b..b + overlap]);
        }
        // Enough 16 kHz audio for the frame, the resampler delay and the overlap.
        let samples_needed16k = (n + SINC_ORDER + overlap) / 3;
        if !last_neural {
            st.plc_fill = 0;
        }
        while st.plc_fill < samples_needed16k {
            nc.conceal(&mut st.plc_pcm[st.plc_fill..st.plc_fill + NEURAL_FRAME_SIZE]);
            st.plc_fill += NEURAL_FRAME_SIZE;
        }
        let buf = &mut st.decode_mem[..stride];
        upsample_concealment(&st.plc_pcm, &mut buf[dbs - n..dbs - n + n + overlap]);
        st.plc_pcm.copy_within(n / 3..st.plc_fill, 0);
        st.plc_fill -= n / 3;
        for v in &mut buf[dbs - n..dbs] {
            let tmp = *v;
            *v -= PREEMPHASIS * st.plc_preemphasis_mem;
            st.plc_preemphasis_mem = tmp;
        }
        let mut overlap_mem = st.plc_preemphasis_mem;
        for v in &mut buf[dbs..dbs + overlap] {
            let tmp = *v;
            *v -= PREEMPHASIS * overlap_mem;
            overlap_mem = tmp;
        }
        // The neural PLC is mono.
        if cc == 2 {
            st.decode_mem.copy_within(0..stride, stride);
        }
        if !last_neural {
            // Cross-fade from the classic concealment over the first 2.5 ms.
            for ch in 0..cc {
                let b = ch * stride + dbs - n;
                for i in 0..overlap {
                    st.decode_mem[b + i] = (1.0 - window[i]) * fade[ch * overlap + i]
                        + window[i] * st.decode_mem[b + i];
                }
            }
        }
    }

    /// De-emphasis, decimation to the output rate and interleaving (libopus
    /// `deemphasis`).
    fn deemphasis(&mut self, pcm: &mut [f32], n: usize, accum: bool) {
        let cc = self.channels;
        let ds = self.downsample;
        let coef0 = self.mode.preemph[0];
        let stride = DECODE_BUFFER_SIZE + self.overlap;
        let out0 = DECODE_BUFFER_SIZE - n;
        let st = &mut self.st;
        let mem = &st.decode_mem;
        if ds == 1 && cc == 2 && !accum {
            // Common case: both channels in one loop.
            let x0 = &mem[out0..out0 + n];
            let x1 = &mem[stride + out0..stride + out0 + n];
            let (mut m0, mut m1) = (st.preemph_mem_d[0], st.preemph_mem_d[1]);
            for j in 0..n {
                let tmp0 = x0[j] + VERY_SMALL + m0;
                let tmp1 = x1[j] + VERY_SMALL + m1;
                m0 = coef0 * tmp0;
                m1 = coef0 * tmp1;
                pcm[2 * j] = SIG_SCALE_INV * tmp0;
                pcm[2 * j + 1] = SIG_SCALE_INV * tmp1;
            }
            st.preemph_mem_d = [m0, m1];
            return;
        }
        let nd = n / ds;
        let scratch = &mut self.scratch.deemph[..n];
        for c in 0..cc {
            let x = &mem[c * stride + out0..c * stride + out0 + n];
            let mut m = st.preemph_mem_d[c];
            if ds > 1 {
                for j in 0..n {
                    let tmp = x[j] + VERY_SMALL + m;
                    m = coef0 * tmp;
                    scratch[j] = tmp;
                }
                if accum {
                    for j in 0..nd {
                        pcm[j * cc + c] += SIG_SCALE_INV * scratch[j * ds];
                    }
                } else {
                    for j in 0..nd {
                        pcm[j * cc + c] = SIG_SCALE_INV * scratch[j * ds];
                    }
                }
            } else if accum {
                for j in 0..n {
                    let tmp = x[j] + m + VERY_SMALL;
                    m = coef0 * tmp;
                    pcm[j * cc + c] += SIG_SCALE_INV * tmp;
                }
            } else {
                for j in 0..n {
                    let tmp = x[j] + VERY_SMALL + m;
                    m = coef0 * tmp;
                    pcm[j * cc + c] = SIG_SCALE_INV * tmp;
                }
            }
            st.preemph_mem_d[c] = m;
        }
    }
}

/// Per-band time-frequency changes (libopus `tf_decode`).
fn tf_decode(
    start: usize,
    end: usize,
    is_transient: bool,
    tf_res: &mut [i32],
    lm: usize,
    dec: &mut RangeDecoder<'_>,
) {
    let mut budget = dec.storage() * 8;
    let mut tell = dec.tell() as u32;
    let mut logp: u32 = if is_transient { 2 } else { 4 };
    let tf_select_rsv = lm > 0 && tell + logp < budget;
    budget -= u32::from(tf_select_rsv);
    let mut tf_changed = 0;
    let mut curr = 0;
    for r in &mut tf_res[start..end] {
        if tell + logp <= budget {
            curr ^= i32::from(dec.bit_logp(logp));
            tell = dec.tell() as u32;
            tf_changed |= curr;
        }
        *r = curr;
        logp = if is_transient { 4 } else { 5 };
    }
    let row = &TF_SELECT_TABLE[lm];
    let base = 4 * usize::from(is_transient);
    let mut tf_select = 0;
    if tf_select_rsv && row[base + tf_changed as usize] != row[base + 2 + tf_changed as usize] {
        tf_select = usize::from(dec.bit_logp(1));
    }
    for r in &mut tf_res[start..end] {
        *r = i32::from(row[base + 2 * tf_select + *r as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const RNG_SEED: u64 = 0xce17_dec0;

    fn random_packets(seed: u64, count: usize) -> Vec<Vec<u8>> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..count)
            .map(|_| {
                let len = rng.gen_range(0..200);
                (0..len).map(|_| rng.gen()).collect()
            })
            .collect()
    }

    fn run(dec: &mut CeltDecoder, packets: &[Vec<u8>], frame_size: usize) -> Vec<f32> {
        let mut out = Vec::new();
        let mut pcm = vec![0f32; frame_size * dec.channels()];
        for (k, p) in packets.iter().enumerate() {
            // Every fifth packet is lost.
            let data = if k % 5 == 4 { None } else { Some(&p[..]) };
            let got = dec.decode(data, None, &mut pcm, frame_size);
            if let Ok(n) = got {
                assert_eq!(n, frame_size);
                assert!(pcm.iter().all(|v| v.is_finite()));
                out.extend_from_slice(&pcm);
            }
            out.push(dec.final_range() as f32);
        }
        out
    }

    #[test]
    fn random_bytes_never_panic_and_are_deterministic() {
        let packets = random_packets(RNG_SEED, 60);
        for &(rate, channels) in &[
            (48000, 1),
            (48000, 2),
            (16000, 2),
            (8000, 1),
            (24000, 2),
            (12000, 1),
        ] {
            let ds = resampling_factor(rate).expect("rate");
            for lm in 0..4 {
                let fs = (120 << lm) / ds;
                for stream_channels in 1..=2 {
                    let mut a = CeltDecoder::new(rate, channels).expect("new");
                    let mut b = CeltDecoder::new(rate, channels).expect("new");
                    a.set_stream_channels(stream_channels).expect("channels");
                    b.set_stream_channels(stream_channels).expect("channels");
                    assert_eq!(run(&mut a, &packets, fs), run(&mut b, &packets, fs));
                }
            }
        }
    }

    #[test]
    fn hybrid_band_range_does_not_panic() {
        let packets = random_packets(RNG_SEED + 1, 30);
        let mut dec = CeltDecoder::new(48000, 2).expect("new");
        dec.set_start_band(17).expect("start");
        dec.set_end_band(19).expect("end");
        let _ = run(&mut dec, &packets, 960);
        dec.set_start_band(0).expect("start");
        dec.set_end_band(13).expect("end");
        let _ = run(&mut dec, &packets, 480);
    }

    #[test]
    fn reset_equals_fresh() {
        let packets = random_packets(RNG_SEED + 2, 20);
        let mut used = CeltDecoder::new(48000, 2).expect("new");
        let _ = run(&mut used, &packets, 960);
        used.reset();
        let mut fresh = CeltDecoder::new(48000, 2).expect("new");
        assert_eq!(
            run(&mut used, &packets, 960),
            run(&mut fresh, &packets, 960)
        );
    }

    #[test]
    fn lost_frames_after_silence_stay_silent() {
        // 0xFF 0xFF sets the silence flag (the Opus layer uses it too).
        let silence = [0xFFu8, 0xFF];
        for channels in 1..=2 {
            for frame_size in [120, 960] {
                let mut dec = CeltDecoder::new(48000, channels).expect("new");
                let mut pcm = vec![1f32; frame_size * channels];
                for k in 0..12 {
                    let data = if k < 3 { Some(&silence[..]) } else { None };
                    assert_eq!(dec.decode(data, None, &mut pcm, frame_size), Ok(frame_size));
                    let peak = pcm.iter().fold(0f32, |m, v| m.max(v.abs()));
                    assert!(peak < 1e-6, "frame {k}: peak {peak}");
                }
            }
        }
    }

    /// A stand-in for the neural PLC: a 200 Hz tone at 16 kHz.
    struct ToneConcealment {
        phase: usize,
        updates: usize,
        frames: usize,
        pending_fec: bool,
    }

    impl NeuralConcealment for ToneConcealment {
        fn is_loaded(&self) -> bool {
            true
        }
        fn has_pending_fec(&self) -> bool {
            self.pending_fec
        }
        fn update_history(&mut self, _pcm: &[i16; PLC_UPDATE_SAMPLES]) {
            self.updates += 1;
        }
        fn conceal(&mut self, pcm: &mut [i16]) {
            assert_eq!(pcm.len(), NEURAL_FRAME_SIZE);
            for v in pcm.iter_mut() {
                let ph = 2.0 * std::f64::consts::PI * 200.0 * self.phase as f64 / 16000.0;
                *v = (8000.0 * ph.sin()) as i16;
                self.phase += 1;
            }
            self.frames += 1;
        }
        fn packet_received(&mut self) {}
    }

    #[test]
    fn neural_concealment_seam_is_used() {
        let packets = random_packets(RNG_SEED + 3, 6);
        for channels in 1..=2 {
            for &(complexity, pending_fec) in &[(5, false), (0, true), (0, false)] {
                let mut nc = ToneConcealment {
                    phase: 0,
                    updates: 0,
                    frames: 0,
                    pending_fec,
                };
                let mut dec = CeltDecoder::new(48000, channels).expect("new");
                dec.set_complexity(complexity).expect("complexity");
                let mut pcm = vec![0f32; 960 * channels];
                for p in &packets {
                    let _ = dec.decode_with_ec(Some(p), None, &mut pcm, 960, false, Some(&mut nc));
                }
                for _ in 0..4 {
                    let got = dec.decode_with_ec(None, None, &mut pcm, 960, false, Some(&mut nc));
                    assert_eq!(got, Ok(960));
                    assert!(pcm.iter().all(|v| v.is_finite()));
                }
                if complexity >= 5 || pending_fec {
                    assert_eq!(nc.updates, 1);
                    assert!(nc.frames >= 4 * 960 / 3 / NEURAL_FRAME_SIZE);
                    assert!(pcm.iter().any(|&v| v != 0.0));
                } else {
                    assert_eq!((nc.updates, nc.frames), (0, 0));
                }
            }
        }
    }

    #[test]
    fn arguments_are_checked() {
        assert!(CeltDecoder::new(44100, 1).is_err());
        assert!(CeltDecoder::new(48000, 3).is_err());
        let mut dec = CeltDecoder::new(48000, 2).expect("new");
        let mut pcm = vec![0f32; 2 * 960];
        assert_eq!(
            dec.decode(None, None, &mut pcm, 961),
            Err(Error::BadArg("celt: unsupported frame size"))
        );
        assert_eq!(
            dec.decode(None, None, &mut pcm[..100], 960),
            Err(Error::BufferTooSmall {
                needed: 1920,
                got: 100
            })
        );
        assert!(dec.decode(Some(&[0u8; 1276]), None, &mut pcm, 960).is_err());
        assert!(dec.set_start_band(21).is_err());
        assert!(dec.set_end_band(0).is_err());
        assert!(dec.set_complexity(11).is_err());
        assert_eq!(dec.lookahead(), 120);
        assert!(!dec.phase_inversion_disabled());
        assert!(CeltDecoder::new(48000, 1)
            .expect("new")
            .phase_inversion_disabled());
    }
}
