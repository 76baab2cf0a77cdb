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
            let pos = out_pos.min(out.len());
            out_pos += iir_fir_interpolate(&mut out[pos..], &buf, max_index_q16, step);
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
            let pos = out_pos.min(out.len());
            out_pos += down_fir_interpolate(
                &mut out[pos..],
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
        out[written] = sat16(rshift_round(res_q15, 15));
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
        out[written] = sat16(rshift_round(res_q6, 6));
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
        pair[0] = sat16(rshift_round(even, 10));

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
            *o = sat16(rshift_round(odd, 10));
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

        *o = sat16(rshift_round(out32, 11));
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
                *o = sat16(rshift_round(res_q6, 6));
                written += 1;
            }
            let mut res_q6 = smulwb(x[1], c[4] as i32);
            res_q6 = smlawb(res_q6, x[2], c[5] as i32);
            res_q6 = smlawb(res_q6, x[3], c[3] as i32);
            res_q6 = smlawb(res_q6, x[4], c[2] as i32);
            if let Some(o) = out.get_mut(written) {
                *o = sat16(rshift_round(res_q6, 6));
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

#[cfg(test)]
mod tests {
    use super::*;

    const RNG_SEED: u32 = 0x5eed_0001;

    fn xorshift(s: &mut u32) -> u32 {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        *s
    }

    const DEC_IN: [i32; 3] = [8000, 12000, 16000];
    const ALL: [i32; 5] = [8000, 12000, 16000, 24000, 48000];

    /// Every supported (input, output, encoder) triple.
    fn all_pairs() -> Vec<(i32, i32, bool)> {
        let mut v = Vec::new();
        for &i in &DEC_IN {
            for &o in &ALL {
                v.push((i, o, false));
            }
        }
        for &i in &ALL {
            for &o in &DEC_IN {
                v.push((i, o, true));
            }
        }
        v
    }

    #[test]
    fn methods_follow_the_rate_matrix() {
        use ResamplerMethod::*;
        let m = |i, o, e| Resampler::new(i, o, e).unwrap().method();
        assert_eq!(m(16000, 16000, false), Copy);
        assert_eq!(m(8000, 16000, false), Up2Hq);
        assert_eq!(m(12000, 24000, false), Up2Hq);
        assert_eq!(m(8000, 12000, false), IirFir);
        assert_eq!(m(16000, 48000, false), IirFir);
        assert_eq!(m(16000, 8000, false), DownFir);
        assert_eq!(m(48000, 8000, true), DownFir);
        assert_eq!(m(24000, 16000, true), DownFir);
    }

    #[test]
    fn unsupported_rates_are_rejected() {
        assert!(Resampler::new(44100, 48000, false).is_err());
        assert!(Resampler::new(24000, 48000, false).is_err());
        assert!(Resampler::new(16000, 24000, true).is_err());
        assert!(Resampler::new(16000, 0, false).is_err());
    }

    #[test]
    fn output_lengths_for_every_pair_and_frame_size() {
        for (fs_in, fs_out, enc) in all_pairs() {
            let mut r = Resampler::new(fs_in, fs_out, enc).unwrap();
            for ms in [10usize, 20, 5, 1, 20, 10] {
                let n_in = ms * fs_in as usize / 1000;
                let mut input = vec![0i16; n_in];
                input[0] = 20000;
                let mut out = vec![0i16; 960 * 2];
                let n = r.process(&mut out, &input).unwrap();
                assert_eq!(n, ms * fs_out as usize / 1000, "{fs_in}->{fs_out} {ms} ms");
                assert_eq!(n, r.output_len(n_in));
            }
        }
    }

    #[test]
    fn impulse_response_is_finite_and_nonzero() {
        for (fs_in, fs_out, enc) in all_pairs() {
            let mut r = Resampler::new(fs_in, fs_out, enc).unwrap();
            let n_in = 20 * fs_in as usize / 1000;
            let mut input = vec![0i16; n_in];
            input[n_in / 4] = 16384;
            let mut out = vec![0i16; 960];
            let n = r.process(&mut out, &input).unwrap();
            let peak = out[..n].iter().map(|&x| (x as i32).abs()).max().unwrap();
            assert!(peak > 1000, "{fs_in}->{fs_out}: peak {peak}");
            // The tail dies out after the impulse.
            let zeros = vec![0i16; n_in];
            for _ in 0..5 {
                r.process(&mut out, &zeros).unwrap();
            }
            assert!(out[..n].iter().all(|&x| x.abs() <= 1), "{fs_in}->{fs_out} rings");
        }
    }

    #[test]
    fn sine_keeps_its_level() {
        for (fs_in, fs_out, enc) in all_pairs() {
            let mut r = Resampler::new(fs_in, fs_out, enc).unwrap();
            let n_in = 20 * fs_in as usize / 1000;
            let amp = 10000.0f64;
            let mut t = 0usize;
            let mut energy = 0f64;
            let mut count = 0usize;
            let mut out = vec![0i16; 960];
            for frame in 0..10 {
                let input: Vec<i16> = (0..n_in)
                    .map(|_| {
                        let x = amp * (2.0 * std::f64::consts::PI * 440.0 * t as f64 / fs_in as f64).sin();
                        t += 1;
                        x.round() as i16
                    })
                    .collect();
                let n = r.process(&mut out, &input).unwrap();
                if frame >= 2 {
                    energy += out[..n].iter().map(|&x| (x as f64).powi(2)).sum::<f64>();
                    count += n;
                }
            }
            let rms = (energy / count as f64).sqrt();
            let want = amp / 2f64.sqrt();
            assert!((rms / want - 1.0).abs() < 0.1, "{fs_in}->{fs_out}: rms {rms} vs {want}");
        }
    }

    #[test]
    fn deterministic_and_clone_continues_identically() {
        let mut s = RNG_SEED;
        for (fs_in, fs_out, enc) in all_pairs() {
            let mut a = Resampler::new(fs_in, fs_out, enc).unwrap();
            let mut b = Resampler::new(fs_in, fs_out, enc).unwrap();
            let n_in = 10 * fs_in as usize / 1000;
            let (mut oa, mut ob) = (vec![0i16; 480], vec![0i16; 480]);
            for _ in 0..3 {
                let input: Vec<i16> = (0..n_in).map(|_| xorshift(&mut s) as i16 >> 2).collect();
                a.process(&mut oa, &input).unwrap();
                b.process(&mut ob, &input).unwrap();
                assert_eq!(oa, ob);
            }
            let mut c = a.clone();
            let input: Vec<i16> = (0..n_in).map(|_| xorshift(&mut s) as i16).collect();
            a.process(&mut oa, &input).unwrap();
            c.process(&mut ob, &input).unwrap();
            assert_eq!(oa, ob);
        }
    }

    #[test]
    fn full_scale_noise_does_not_overflow() {
        let mut s = RNG_SEED;
        for (fs_in, fs_out, enc) in all_pairs() {
            let mut r = Resampler::new(fs_in, fs_out, enc).unwrap();
            let n_in = 20 * fs_in as usize / 1000;
            let mut out = vec![0i16; 960];
            for k in 0..6 {
                let input: Vec<i16> = (0..n_in)
                    .map(|i| match k {
                        // Worst case for the filters: full-scale square waves.
                        0 => if i % 2 == 0 { i16::MAX } else { i16::MIN },
                        1 => if (i / 3) % 2 == 0 { i16::MAX } else { i16::MIN },
                        _ => xorshift(&mut s) as i16,
                    })
                    .collect();
                r.process(&mut out, &input).unwrap();
            }
        }
    }

    #[test]
    fn copy_delays_by_the_decoder_delay() {
        let mut r = Resampler::new(16000, 16000, false).unwrap();
        let input: Vec<i16> = (0..160).map(|i| i as i16 + 1).collect();
        let mut out = vec![0i16; 160];
        r.process(&mut out, &input).unwrap();
        // 12 samples of delay at 16 kHz, as libopus's delay table says.
        assert_eq!(&out[..12], &[0; 12]);
        assert_eq!(&out[12..], &input[..148]);
    }

    #[test]
    fn bad_buffers_are_errors() {
        let mut r = Resampler::new(8000, 48000, false).unwrap();
        let mut out = vec![0i16; 100];
        assert!(matches!(r.process(&mut out, &[0; 7]), Err(Error::BadArg(_))));
        assert_eq!(
            r.process(&mut out, &[0; 80]),
            Err(Error::BufferTooSmall { needed: 480, got: 100 })
        );
        let mut empty = Resampler::default();
        assert_eq!(empty.process(&mut out, &[0; 80]), Ok(0));
    }

    #[test]
    fn down2_and_down2_3_lengths_and_dc_gain() {
        let input = vec![8000i16; 480];
        let mut s2 = [0i32; 2];
        let mut out = vec![0i16; 480];
        down2(&mut s2, &mut out[..240], &input);
        assert!((out[239] as i32 - 8000).abs() < 80, "down2 dc {}", out[239]);

        let mut s3 = [0i32; DOWN2_3_STATE_LEN];
        let n = down2_3(&mut s3, &mut out, &input);
        assert_eq!(n, 320);
        assert!((out[n - 1] as i32 - 8000).abs() < 400, "down2_3 dc {}", out[n - 1]);
        // Long input crosses the internal batch boundary.
        let long = vec![1000i16; 1440];
        let mut out = vec![0i16; 960];
        assert_eq!(down2_3(&mut s3, &mut out, &long), 960);
    }
}
