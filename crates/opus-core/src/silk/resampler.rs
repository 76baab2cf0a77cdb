//! The SILK sample-rate converter (libopus `silk/resampler*.c`).
//!
//! The decoder converts its internal rate (8, 12 or 16 kHz) to the API rate
//! (8, 12, 16, 24 or 48 kHz); the encoder goes the other way. Four methods
//! cover every pair, chosen once by [`Resampler::new`]:
//!
//! - copy, when the rates are equal;
//! - 2x upsampling with two chains of three allpass sections (`up2_HQ`);
//! - 2x upsampling followed by a 12-phase FIR interpolator (`IIR_FIR`);
//! - a second-order AR filter followed by a polyphase FIR decimator (`down_FIR`).
//!
//! Every call must feed at least 1 ms of input. The first millisecond goes
//! through a small delay line so that all rate pairs have the same overall
//! delay as in libopus. Arithmetic is integer and bit-exact with libopus.
//!
//! The encoder's stand-alone 2x and 3/2 decimators ([`down2`], [`down2_3`])
//! are here too.

use super::fixed::{rshift_round, sat16, smlabb, smlawb, smulbb, smulwb, smulww};
use super::resampler_rom::{
    DOWN2_0, DOWN2_1, DOWN_ORDER_FIR0, DOWN_ORDER_FIR1, DOWN_ORDER_FIR2, ORDER_FIR_12,
    RESAMPLER_1_2_COEFS, RESAMPLER_1_3_COEFS, RESAMPLER_1_4_COEFS, RESAMPLER_1_6_COEFS,
    RESAMPLER_2_3_COEFS, RESAMPLER_2_3_COEFS_LQ, RESAMPLER_3_4_COEFS, RESAMPLER_FRAC_FIR_12,
    UP2_HQ_0, UP2_HQ_1,
};
use crate::error::Error;

/// Milliseconds of input processed per inner batch (libopus `RESAMPLER_MAX_BATCH_SIZE_MS`).
const MAX_BATCH_SIZE_MS: usize = 10;
/// Highest rate any side of the resampler runs at, in kHz.
const MAX_FS_KHZ: usize = 48;
/// Largest batch, in input samples (libopus `RESAMPLER_MAX_BATCH_SIZE_IN`).
const MAX_BATCH_SIZE_IN: usize = MAX_BATCH_SIZE_MS * MAX_FS_KHZ;
/// Order of the largest FIR state (libopus `SILK_RESAMPLER_MAX_FIR_ORDER`).
const MAX_FIR_ORDER: usize = 36;
/// Number of IIR state words (libopus `SILK_RESAMPLER_MAX_IIR_ORDER`).
const MAX_IIR_ORDER: usize = 6;
/// Length of the delay line: 1 ms at the highest input rate, doubled as in libopus.
const DELAY_BUF_LEN: usize = 2 * MAX_FS_KHZ;

/// Delay compensation, in input samples, for the encoder direction
/// (libopus `delay_matrix_enc`); rows are input rates 8, 12, 16, 24, 48 kHz
/// and columns output rates 8, 12, 16 kHz.
#[rustfmt::skip]
const DELAY_MATRIX_ENC: [[u8; 3]; 5] = [
    [  6,  0,  3 ],
    [  0,  7,  3 ],
    [  0,  1, 10 ],
    [  0,  2,  6 ],
    [ 18, 10, 12 ],
];

/// Delay compensation, in input samples, for the decoder direction
/// (libopus `delay_matrix_dec`); rows are input rates 8, 12, 16 kHz and columns
/// output rates 8, 12, 16, 24, 48 kHz.
#[rustfmt::skip]
const DELAY_MATRIX_DEC: [[u8; 5]; 3] = [
    [ 4, 0,  2, 0, 0 ],
    [ 0, 9,  4, 7, 4 ],
    [ 0, 3, 12, 7, 7 ],
];

/// Maps 8000, 12000, 16000, 24000, 48000 Hz to 0..=4 (libopus `rateID`).
fn rate_id(hz: i32) -> Option<usize> {
    match hz {
        8000 => Some(0),
        12000 => Some(1),
        16000 => Some(2),
        24000 => Some(3),
        48000 => Some(4),
        _ => None,
    }
}

/// Which conversion a [`Resampler`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResamplerMethod {
    /// Equal rates: a delayed copy.
    Copy,
    /// Exactly 2x up: allpass-based upsampler alone.
    Up2Hq,
    /// Other upsampling ratios: 2x allpass upsampler, then FIR interpolation.
    IirFir,
    /// Downsampling: AR2 filter, then polyphase FIR decimation.
    DownFir,
}

/// State of one SILK resampler channel (libopus `silk_resampler_state_struct`).
///
/// Holds no heap memory; cloning copies the whole state, as the SILK decoder
/// does when a mono stream turns stereo.
#[derive(Debug, Clone)]
pub struct Resampler {
    /// Allpass (up) or AR2 (down) filter state.
    s_iir: [i32; MAX_IIR_ORDER],
    /// FIR history of the downsampler, Q8.
    s_fir_i32: [i32; MAX_FIR_ORDER],
    /// FIR history of the upsampling interpolator (2x-upsampled samples).
    s_fir_i16: [i16; ORDER_FIR_12],
    /// The delay line that holds the tail of the previous call.
    delay_buf: [i16; DELAY_BUF_LEN],
    method: ResamplerMethod,
    /// Input samples per inner batch.
    batch_size: usize,
    /// Step through the input per output sample, Q16 (Q17 in upsampling modes).
    inv_ratio_q16: i32,
    /// FIR order of the downsampler.
    fir_order: usize,
    /// Number of FIR phases of the downsampler.
    fir_fracs: i32,
    fs_in_khz: usize,
    fs_out_khz: usize,
    /// Input samples held back in `delay_buf`.
    input_delay: usize,
    /// AR2 coefficients followed by FIR taps, for the downsampler.
    coefs: &'static [i16],
}

impl Default for Resampler {
    /// An all-zero state, as libopus leaves one after clearing it: a pass-through
    /// with no rates set. [`Resampler::process`] on it writes nothing.
    fn default() -> Self {
        Resampler {
            s_iir: [0; MAX_IIR_ORDER],
            s_fir_i32: [0; MAX_FIR_ORDER],
            s_fir_i16: [0; ORDER_FIR_12],
            delay_buf: [0; DELAY_BUF_LEN],
            method: ResamplerMethod::Copy,
            batch_size: 0,
            inv_ratio_q16: 0,
            fir_order: 0,
            fir_fracs: 0,
            fs_in_khz: 0,
            fs_out_khz: 0,
            input_delay: 0,
            coefs: &[],
        }
    }
}

impl Resampler {
    /// Builds a cleared resampler from `fs_in_hz` to `fs_out_hz`
    /// (libopus `silk_resampler_init`).
    ///
    /// For the decoder (`for_encoder == false`) the input must be 8, 12 or
    /// 16 kHz and the output 8, 12, 16, 24 or 48 kHz; for the encoder the
    /// input may be any of the five and the output 8, 12 or 16 kHz.
    ///
    /// # Errors
    ///
    /// [`Error::BadArg`] for any other pair.
    pub fn new(fs_in_hz: i32, fs_out_hz: i32, for_encoder: bool) -> Result<Self, Error> {
        let mut s = Resampler::default();
        s.init(fs_in_hz, fs_out_hz, for_encoder)?;
        Ok(s)
    }

    /// Re-initialises this resampler in place; see [`Resampler::new`].
    ///
    /// # Errors
    ///
    /// [`Error::BadArg`] for an unsupported pair of rates; the state is then
    /// left cleared, as libopus leaves it.
    pub fn init(&mut self, fs_in_hz: i32, fs_out_hz: i32, for_encoder: bool) -> Result<(), Error> {
        *self = Resampler::default();
        let bad = Error::BadArg("silk resampler: unsupported rate pair");
        let in_id = rate_id(fs_in_hz).ok_or(bad)?;
        let out_id = rate_id(fs_out_hz).ok_or(bad)?;
        self.input_delay = if for_encoder {
            if out_id > 2 {
                return Err(bad);
            }
            DELAY_MATRIX_ENC[in_id][out_id] as usize
        } else {
            if in_id > 2 {
                return Err(bad);
            }
            DELAY_MATRIX_DEC[in_id][out_id] as usize
        };
        self.fs_in_khz = (fs_in_hz / 1000) as usize;
        self.fs_out_khz = (fs_out_hz / 1000) as usize;
        self.batch_size = self.fs_in_khz * MAX_BATCH_SIZE_MS;

        let mut up2x = 0;
        if fs_out_hz > fs_in_hz {
            if fs_out_hz == 2 * fs_in_hz {
                self.method = ResamplerMethod::Up2Hq;
            } else {
                self.method = ResamplerMethod::IirFir;
                up2x = 1;
            }
        } else if fs_out_hz < fs_in_hz {
            self.method = ResamplerMethod::DownFir;
            let (fracs, order, coefs): (i32, usize, &'static [i16]) =
                if 4 * fs_out_hz == 3 * fs_in_hz {
                    (3, DOWN_ORDER_FIR0, &RESAMPLER_3_4_COEFS)
                } else if 3 * fs_out_hz == 2 * fs_in_hz {
                    (2, DOWN_ORDER_FIR0, &RESAMPLER_2_3_COEFS)
                } else if 2 * fs_out_hz == fs_in_hz {
                    (1, DOWN_ORDER_FIR1, &RESAMPLER_1_2_COEFS)
                } else if 3 * fs_out_hz == fs_in_hz {
                    (1, DOWN_ORDER_FIR2, &RESAMPLER_1_3_COEFS)
                } else if 4 * fs_out_hz == fs_in_hz {
                    (1, DOWN_ORDER_FIR2, &RESAMPLER_1_4_COEFS)
                } else if 6 * fs_out_hz == fs_in_hz {
                    (1, DOWN_ORDER_FIR2, &RESAMPLER_1_6_COEFS)
                } else {
                    *self = Resampler::default();
                    return Err(bad);
                };
            self.fir_fracs = fracs;
            self.fir_order = order;
            self.coefs = coefs;
        } else {
            self.method = ResamplerMethod::Copy;
        }

        // Input step per output sample, rounded up so that the interpolators
        // never produce more than the nominal number of outputs.
        self.inv_ratio_q16 = ((fs_in_hz << (14 + up2x)) / fs_out_hz) << 2;
        while smulww(self.inv_ratio_q16, fs_out_hz) < (fs_in_hz << up2x) {
            self.inv_ratio_q16 += 1;
        }
        Ok(())
    }

    /// The method chosen for this rate pair.
    pub fn method(&self) -> ResamplerMethod {
        self.method
    }

    /// Input rate in kHz.
    pub fn fs_in_khz(&self) -> usize {
        self.fs_in_khz
    }

    /// Output rate in kHz.
    pub fn fs_out_khz(&self) -> usize {
        self.fs_out_khz
    }

    /// Number of output samples [`process`](Self::process) writes for
    /// `in_len` input samples.
    pub fn output_len(&self, in_len: usize) -> usize {
        if self.fs_in_khz == 0 {
            0
        } else {
            in_len * self.fs_out_khz / self.fs_in_khz
        }
    }

    /// Converts `input` and writes the result to the front of `out`
    /// (libopus `silk_resampler`). Returns the number of samples written,
    /// `input.len() * fs_out / fs_in`.
    ///
    /// Input lengths are whole milliseconds in every SILK use; other lengths
    /// work as in libopus (the output count is then what its filters produce).
    ///
    /// # Errors
    ///
    /// [`Error::BadArg`] if `input` is shorter than 1 ms;
    /// [`Error::BufferTooSmall`] if `out` cannot hold the result. Nothing is
    /// changed in either case.
    pub fn process(&mut self, out: &mut [i16], input: &[i16]) -> Result<usize, Error> {
        let fs_in = self.fs_in_khz;
        let fs_out = self.fs_out_khz;
        if fs_in == 0 {
            return Ok(0);
        }
        if input.len() < fs_in {
            return Err(Error::BadArg("silk resampler: less than 1 ms of input"));
        }
        let needed = self.output_len(input.len());
        if out.len() < needed {
            return Err(Error::BufferTooSmall { needed, got: out.len() });
        }
        let out = &mut out[..needed];
        let n_samples = fs_in - self.input_delay;

        // The first millisecond is the delay line topped up with new input.
        let mut first = [0i16; DELAY_BUF_LEN];
        first[..self.input_delay].copy_from_slice(&self.delay_buf[..self.input_delay]);
        first[self.input_delay..fs_in].copy_from_slice(&input[..n_samples]);
        let first = &first[..fs_in];
        let rest = &input[n_samples..input.len() - self.input_delay];
        let (out_first, out_rest) = out.split_at_mut(fs_out.min(needed));

        match self.method {
            ResamplerMethod::Up2Hq => {
                up2_hq(&mut self.s_iir, out_first, first);
                up2_hq(&mut self.s_iir, out_rest, rest);
            }
            ResamplerMethod::IirFir => {
                self.iir_fir(out_first, first);
                self.iir_fir(out_rest, rest);
            }
            ResamplerMethod::DownFir => {
                self.down_fir(out_first, first);
                self.down_fir(out_rest, rest);
            }
            ResamplerMethod::Copy => {
                let n = out_first.len().min(first.len());
                out_first[..n].copy_from_slice(&first[..n]);
                let n = out_rest.len().min(rest.len());
                out_rest[..n].copy_from_slice(&rest[..n]);
            }
        }

        let tail = &input[input.len() - self.input_delay..];
        self.delay_buf[..self.input_delay].copy_from_slice(tail);
        Ok(needed)
    }

    /// 2x allpass upsampling followed by 12-phase FIR interpolation
    /// (libopus `silk_resampler_private_IIR_FIR`).
    fn iir_fir(&mut self, out: &mut [i16], input: &[i16]) {
        // Up to 10 ms at 48 kHz, doubled, plus the FIR history.
        let mut buf = [0i16; 2 * MAX_BATCH_SIZE_IN + ORDER_FIR_12];
        buf[..ORDER_FIR_12].copy_from_slice(&self.s_fir_i16);
        let step = self.inv_ratio_q16;
        let mut input = input;
        let mut out_pos = 0;
        let mut n_in;
        loop {
            n_in = input.len().min(self.batch_size);
            up2_hq(
                &mut self.s_iir,
                &mut buf[ORDER_FIR_12..ORDER_FIR_12 + 2 * n_in],
                &input[..n_in],
            );
            // The 2x-upsampled batch spans n_in << 17 in Q16 units.
            let max_index_q16 = (n_in as i32) << 17;
            out_pos += iir_fir_interpolate(&mut out[out_pos.min(out.len())..], &buf, max_index_q16, step);
            input = &input[n_in..];
            if input.is_empty() {
                break;
            }
            buf.copy_within(2 * n_in..2 * n_in + ORDER_FIR_12, 0);
        }
        self.s_fir_i16.copy_from_slice(&buf[2 * n_in..2 * n_in + ORDER_FIR_12]);
    }

    /// AR2 filtering followed by polyphase FIR decimation
    /// (libopus `silk_resampler_private_down_FIR`).
    fn down_fir(&mut self, out: &mut [i16], input: &[i16]) {
        let order = self.fir_order;
        let mut buf = [0i32; MAX_BATCH_SIZE_IN + MAX_FIR_ORDER];
        buf[..order].copy_from_slice(&self.s_fir_i32[..order]);
        let coefs = self.coefs;
        let (ar2_coefs, fir_coefs) = coefs.split_at(2.min(coefs.len()));
        let step = self.inv_ratio_q16;
        let mut input = input;
        let mut out_pos = 0;
        let mut n_in;
        loop {
            n_in = input.len().min(self.batch_size);
            let mut s_ar2 = [self.s_iir[0], self.s_iir[1]];
            ar2(&mut s_ar2, &mut buf[order..order + n_in], &input[..n_in], ar2_coefs);
            self.s_iir[0] = s_ar2[0];
            self.s_iir[1] = s_ar2[1];
            let max_index_q16 = (n_in as i32) << 16;
            out_pos += down_fir_interpolate(
                &mut out[out_pos.min(out.len())..],
                &buf,
                fir_coefs,
                order,
                self.fir_fracs,
                max_index_q16,
                step,
            );
            input = &input[n_in..];
            // libopus stops with one sample left over; kept for bit-exactness.
            if input.len() > 1 {
                buf.copy_within(n_in..n_in + order, 0);
            } else {
                break;
            }
        }
        self.s_fir_i32[..order].copy_from_slice(&buf[n_in..n_in + order]);
    }
}

/// One pass of the fractional interpolator over a 2x-upsampled buffer;
/// returns the number of samples written (libopus
/// `silk_resampler_private_IIR_FIR_INTERPOL`).
fn iir_fir_interpolate(out: &mut [i16], buf: &[i16], max_index_q16: i32, step_q16: i32) -> usize {
    let mut written = 0;
    let mut index_q16 = 0i32;
    while index_q16 < max_index_q16 && written < out.len() {
        // Which of the 12 phases: the top bits of the fractional position.
        let phase = smulwb(index_q16 & 0xFFFF, 12) as usize;
        let base = (index_q16 >> 16) as usize;
        let x = &buf[base..base + ORDER_FIR_12];
        let h = &RESAMPLER_FRAC_FIR_12[phase];
        let g = &RESAMPLER_FRAC_FIR_12[11 - phase];
        let mut res_q15 = smulbb(x[0] as i32, h[0] as i32);
        res_q15 = smlabb(res_q15, x[1] as i32, h[1] as i32);
        res_q15 = smlabb(res_q15, x[2] as i32, h[2] as i32);
        res_q15 = smlabb(res_q15, x[3] as i32, h[3] as i32);
        res_q15 = smlabb(res_q15, x[4] as i32, g[3] as i32);
        res_q15 = smlabb(res_q15, x[5] as i32, g[2] as i32);
        res_q15 = smlabb(res_q15, x[6] as i32, g[1] as i32);
        res_q15 = smlabb(res_q15, x[7] as i32, g[0] as i32);
        out[written] = sat16(rshift_round(res_q15, 15)) as i16;
        written += 1;
        index_q16 += step_q16;
    }
    written
}

/// One pass of the polyphase FIR decimator over AR2-filtered Q8 samples;
/// returns the number of samples written (libopus
/// `silk_resampler_private_down_FIR_INTERPOL`).
fn down_fir_interpolate(
    out: &mut [i16],
    buf: &[i32],
    fir_coefs: &[i16],
    order: usize,
    fracs: i32,
    max_index_q16: i32,
    step_q16: i32,
) -> usize {
    let mut written = 0;
    let mut index_q16 = 0i32;
    while index_q16 < max_index_q16 && written < out.len() {
        let base = (index_q16 >> 16) as usize;
        let x = &buf[base..base + order];
        let res_q6 = if order == DOWN_ORDER_FIR0 {
            // Two phases of a symmetric filter: taps for this fraction, and the
            // mirrored taps of the complementary fraction.
            let half = DOWN_ORDER_FIR0 / 2;
            let phase = smulwb(index_q16 & 0xFFFF, fracs) as usize;
            let h = &fir_coefs[half * phase..half * phase + half];
            let mirror = (fracs as usize).saturating_sub(1 + phase);
            let g = &fir_coefs[half * mirror..half * mirror + half];
            let mut acc = smulwb(x[0], h[0] as i32);
            for k in 1..half {
                acc = smlawb(acc, x[k], h[k] as i32);
            }
            for k in 0..half {
                acc = smlawb(acc, x[order - 1 - k], g[k] as i32);
            }
            acc
        } else {
            // Single phase, symmetric: pair up mirrored samples first.
            let half = order / 2;
            let mut acc = smulwb(x[0] + x[order - 1], fir_coefs[0] as i32);
            for k in 1..half {
                acc = smlawb(acc, x[k] + x[order - 1 - k], fir_coefs[k] as i32);
            }
            acc
        };
        out[written] = sat16(rshift_round(res_q6, 6)) as i16;
        written += 1;
        index_q16 += step_q16;
    }
    written
}

/// 2x upsampling with two chains of three first-order allpass sections, one
/// per output phase; state and arithmetic in Q10 (libopus
/// `silk_resampler_private_up2_HQ`). Writes `2 * input.len()` samples, or as
/// many as fit.
pub fn up2_hq(s: &mut [i32; MAX_IIR_ORDER], out: &mut [i16], input: &[i16]) {
    for (pair, &x) in out.chunks_mut(2).zip(input) {
        let in32 = (x as i32) << 10;

        // Even phase.
        let y = in32 - s[0];
        let xx = smulwb(y, UP2_HQ_0[0] as i32);
        let out1 = s[0] + xx;
        s[0] = in32 + xx;
        let y = out1 - s[1];
        let xx = smulwb(y, UP2_HQ_0[1] as i32);
        let out2 = s[1] + xx;
        s[1] = out1 + xx;
        let y = out2 - s[2];
        let xx = smlawb(y, y, UP2_HQ_0[2] as i32);
        let even = s[2] + xx;
        s[2] = out2 + xx;
        pair[0] = sat16(rshift_round(even, 10)) as i16;

        // Odd phase.
        let y = in32 - s[3];
        let xx = smulwb(y, UP2_HQ_1[0] as i32);
        let out1 = s[3] + xx;
        s[3] = in32 + xx;
        let y = out1 - s[4];
        let xx = smulwb(y, UP2_HQ_1[1] as i32);
        let out2 = s[4] + xx;
        s[4] = out1 + xx;
        let y = out2 - s[5];
        let xx = smlawb(y, y, UP2_HQ_1[2] as i32);
        let odd = s[5] + xx;
        s[5] = out2 + xx;
        if let Some(o) = pair.get_mut(1) {
            *o = sat16(rshift_round(odd, 10)) as i16;
        }
    }
}

/// Second-order AR filter with output in Q8 (libopus
/// `silk_resampler_private_AR2`). `a_q14` holds the two coefficients.
pub fn ar2(s: &mut [i32; 2], out_q8: &mut [i32], input: &[i16], a_q14: &[i16]) {
    let (a0, a1) = match a_q14 {
        [a0, a1, ..] => (*a0 as i32, *a1 as i32),
        _ => return,
    };
    for (o, &x) in out_q8.iter_mut().zip(input) {
        let out32 = s[0] + ((x as i32) << 8);
        *o = out32;
        let out32 = out32 << 2;
        s[0] = smlawb(s[1], out32, a0);
        s[1] = smulwb(out32, a1);
    }
}

/// Halves the sample rate with one allpass section per polyphase branch
/// (libopus `silk_resampler_down2`). Writes `input.len() / 2` samples, or as
/// many as fit. `s` is the two-word state, zero at start.
pub fn down2(s: &mut [i32; 2], out: &mut [i16], input: &[i16]) {
    for (o, pair) in out.iter_mut().zip(input.chunks_exact(2)) {
        let in32 = (pair[0] as i32) << 10;
        let y = in32 - s[0];
        let x = smlawb(y, y, DOWN2_1 as i32);
        let mut out32 = s[0] + x;
        s[0] = in32 + x;

        let in32 = (pair[1] as i32) << 10;
        let y = in32 - s[1];
        let x = smulwb(y, DOWN2_0 as i32);
        out32 += s[1];
        out32 += x;
        s[1] = in32 + x;

        *o = sat16(rshift_round(out32, 11)) as i16;
    }
}

/// State length of [`down2_3`] (libopus: four FIR words and two AR2 words).
pub const DOWN2_3_STATE_LEN: usize = 6;

/// Converts to 2/3 of the sample rate with a low-quality AR2 + 4-tap FIR
/// (libopus `silk_resampler_down2_3`). Writes `2 * input.len() / 3` samples
/// (rounded as libopus's loop does), or as many as fit; returns the count.
pub fn down2_3(s: &mut [i32; DOWN2_3_STATE_LEN], out: &mut [i16], input: &[i16]) -> usize {
    const ORDER: usize = 4;
    let mut buf = [0i32; MAX_BATCH_SIZE_IN + ORDER];
    buf[..ORDER].copy_from_slice(&s[..ORDER]);
    let c = &RESAMPLER_2_3_COEFS_LQ;
    let mut input = input;
    let mut written = 0;
    let mut n_in;
    loop {
        n_in = input.len().min(MAX_BATCH_SIZE_IN);
        let mut s_ar2 = [s[ORDER], s[ORDER + 1]];
        ar2(&mut s_ar2, &mut buf[ORDER..ORDER + n_in], &input[..n_in], c);
        s[ORDER] = s_ar2[0];
        s[ORDER + 1] = s_ar2[1];

        let mut pos = 0;
        let mut counter = n_in as isize;
        while counter > 2 {
            let x = &buf[pos..pos + 5];
            let mut res_q6 = smulwb(x[0], c[2] as i32);
            res_q6 = smlawb(res_q6, x[1], c[3] as i32);
            res_q6 = smlawb(res_q6, x[2], c[5] as i32);
            res_q6 = smlawb(res_q6, x[3], c[4] as i32);
            if let Some(o) = out.get_mut(written) {
                *o = sat16(rshift_round(res_q6, 6)) as i16;
                written += 1;
            }
            let mut res_q6 = smulwb(x[1], c[4] as i32);
            res_q6 = smlawb(res_q6, x[2], c[5] as i32);
            res_q6 = smlawb(res_q6, x[3], c[3] as i32);
            res_q6 = smlawb(res_q6, x[4], c[2] as i32);
            if let Some(o) = out.get_mut(written) {
                *o = sat16(rshift_round(res_q6, 6)) as i16;
                written += 1;
            }
            pos += 3;
            counter -= 3;
        }
        input = &input[n_in..];
        if input.is_empty() {
            break;
        }
        buf.copy_within(n_in..n_in + ORDER, 0);
    }
    s[..ORDER].copy_from_slice(&buf[n_in..n_in + ORDER]);
    written
}
