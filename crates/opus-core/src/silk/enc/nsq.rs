//! Noise-shaping quantisation of the excitation (libopus `silk/NSQ.c`,
//! `silk/NSQ_del_dec.c`, `silk/NSQ.h` and `silk_NSQ_wrapper_FLP` in
//! `silk/float/wrappers_FLP.c`).
//!
//! Input: one frame of the (high-passed, internal-rate) signal plus the
//! frame's prediction, LTP, noise-shaping and gain parameters. Output: the
//! quantised excitation pulses, and the quantiser state ([`NsqState`]) with
//! the reconstructed signal the decoder will produce. The fixed-point code
//! is libopus's, so the pulses match bit for bit. Complexity settings with
//! more than one state, or warped shaping, use the delayed-decision
//! trellis ([`nsq_del_dec`]).

use super::super::decode_core::lpc_analysis_filter;
use super::super::fixed::{
    add_sat32, div32_varq, inverse32_varq, limit, rand, rshift_round, sat16, smlabb, smlawb,
    smlawt, smulbb, smulwb, smulww, sub_sat32,
};
use super::super::structs::{
    SideInfoIndices, LTP_ORDER, MAX_FRAME_LENGTH, MAX_LPC_ORDER, MAX_NB_SUBFR,
    MAX_SUB_FRAME_LENGTH, QUANT_LEVEL_ADJUST_Q10, TYPE_VOICED,
};
use super::super::tables_other::{LTP_SCALES_TABLE_Q14, QUANTIZATION_OFFSETS_Q10};
use super::float2int;
use super::structs::{
    EncoderControlFlp, EncoderState, NsqState, DECISION_DELAY, HARM_SHAPE_FIR_TAPS,
    MAX_DEL_DEC_STATES, MAX_SHAPE_LPC_ORDER, NSQ_LPC_BUF_LENGTH,
};

/// The frame layout and orders the quantisers need from the encoder state.
#[derive(Debug, Clone, Copy)]
pub struct NsqConfig {
    /// LTP memory, samples.
    pub ltp_mem_length: usize,
    /// Frame length, samples.
    pub frame_length: usize,
    /// Subframe length, samples.
    pub subfr_length: usize,
    /// Subframes per frame.
    pub nb_subfr: usize,
    /// Prediction order (10 or 16).
    pub predict_lpc_order: usize,
    /// Noise-shaping order (even).
    pub shaping_lpc_order: usize,
    /// Warping of the noise shaping, Q16.
    pub warping_q16: i32,
    /// Delayed-decision states.
    pub n_states_delayed_decision: usize,
}

impl NsqConfig {
    /// Takes the configuration from an encoder state.
    pub fn from_state(st: &EncoderState) -> Self {
        NsqConfig {
            ltp_mem_length: st.ltp_mem_length,
            frame_length: st.frame_length,
            subfr_length: st.subfr_length,
            nb_subfr: st.nb_subfr,
            predict_lpc_order: st.predict_lpc_order,
            shaping_lpc_order: st.shaping_lpc_order,
            warping_q16: st.warping_q16,
            n_states_delayed_decision: st.n_states_delayed_decision.max(1) as usize,
        }
    }
}

/// Fixed-point quantiser parameters of one frame, as the float wrapper
/// converts them.
#[derive(Debug, Clone, Copy)]
pub struct NsqParams {
    /// Prediction filters of both frame halves, Q12.
    pub pred_coef_q12: [[i16; MAX_LPC_ORDER]; 2],
    /// LTP filters per subframe, Q14.
    pub ltp_coef_q14: [i16; LTP_ORDER * MAX_NB_SUBFR],
    /// Noise-shaping AR filters per subframe, Q13.
    pub ar_q13: [i16; MAX_NB_SUBFR * MAX_SHAPE_LPC_ORDER],
    /// Harmonic shaping gains, Q14.
    pub harm_shape_gain_q14: [i32; MAX_NB_SUBFR],
    /// Spectral tilts, Q14.
    pub tilt_q14: [i32; MAX_NB_SUBFR],
    /// Low-frequency shaping, AR in the high and MA in the low 16 bits, Q14.
    pub lf_shp_q14: [i32; MAX_NB_SUBFR],
    /// Gains, Q16.
    pub gains_q16: [i32; MAX_NB_SUBFR],
    /// Pitch lags.
    pub pitch_l: [i32; MAX_NB_SUBFR],
    /// Rate-distortion trade-off, Q10.
    pub lambda_q10: i32,
    /// LTP state scaling, Q14.
    pub ltp_scale_q14: i32,
}

/// `silk_noise_shape_quantizer_short_prediction`: the LPC prediction from
/// `buf[idx]` backwards, with a bias of `order / 2`.
#[inline]
fn short_prediction(buf: &[i32], idx: usize, coef: &[i16], order: usize) -> i32 {
    let mut out = (order >> 1) as i32;
    for j in 0..order {
        out = smlawb(out, buf[idx - j], coef[j] as i32);
    }
    out
}

/// `silk_NSQ_noise_shape_feedback_loop`: shifts the noise-shaping AR state
/// and returns its filter output, Q12.
#[inline]
fn noise_shape_feedback_loop(data0: i32, data1: &mut [i32], coef: &[i16], order: usize) -> i32 {
    let mut tmp2 = data0;
    let mut tmp1 = data1[0];
    data1[0] = tmp2;
    let mut out = (order >> 1) as i32;
    out = smlawb(out, tmp2, coef[0] as i32);
    let mut j = 2;
    while j < order {
        tmp2 = data1[j - 1];
        data1[j - 1] = tmp1;
        out = smlawb(out, tmp1, coef[j - 1] as i32);
        tmp1 = data1[j];
        data1[j] = tmp2;
        out = smlawb(out, tmp2, coef[j] as i32);
        j += 2;
    }
    data1[order - 1] = tmp1;
    out = smlawb(out, tmp1, coef[order - 1] as i32);
    out << 1
}

/// Chooses between the two nearest quantisation levels of a residual;
/// returns `(q1_q10, q2_q10, rd1, rd2)` before the squared-error terms.
#[inline]
fn quant_candidates(r_q10: i32, offset_q10: i32, lambda_q10: i32) -> (i32, i32, i32, i32) {
    let mut q1_q10 = r_q10 - offset_q10;
    let mut q1_q0 = q1_q10 >> 10;
    if lambda_q10 > 2048 {
        let rdo_offset = lambda_q10 / 2 - 512;
        if q1_q10 > rdo_offset {
            q1_q0 = (q1_q10 - rdo_offset) >> 10;
        } else if q1_q10 < -rdo_offset {
            q1_q0 = (q1_q10 + rdo_offset) >> 10;
        } else if q1_q10 < 0 {
            q1_q0 = -1;
        } else {
            q1_q0 = 0;
        }
    }
    let (q2_q10, rd1, rd2);
    if q1_q0 > 0 {
        q1_q10 = (q1_q0 << 10) - QUANT_LEVEL_ADJUST_Q10;
        q1_q10 += offset_q10;
        q2_q10 = q1_q10 + 1024;
        rd1 = smulbb(q1_q10, lambda_q10);
        rd2 = smulbb(q2_q10, lambda_q10);
    } else if q1_q0 == 0 {
        q1_q10 = offset_q10;
        q2_q10 = q1_q10 + (1024 - QUANT_LEVEL_ADJUST_Q10);
        rd1 = smulbb(q1_q10, lambda_q10);
        rd2 = smulbb(q2_q10, lambda_q10);
    } else if q1_q0 == -1 {
        q2_q10 = offset_q10;
        q1_q10 = q2_q10 - (1024 - QUANT_LEVEL_ADJUST_Q10);
        rd1 = smulbb(-q1_q10, lambda_q10);
        rd2 = smulbb(q2_q10, lambda_q10);
    } else {
        q1_q10 = (q1_q0 << 10) + QUANT_LEVEL_ADJUST_Q10;
        q1_q10 += offset_q10;
        q2_q10 = q1_q10 + 1024;
        rd1 = smulbb(-q1_q10, lambda_q10);
        rd2 = smulbb(-q2_q10, lambda_q10);
    }
    (q1_q10, q2_q10, rd1, rd2)
}

// ---------------------------------------------------------------------------
// Plain noise-shaping quantiser.
// ---------------------------------------------------------------------------

/// Rescales the input and the filter states to the gain of subframe
/// `subfr` (libopus `silk_nsq_scale_states`).
#[allow(clippy::too_many_arguments)]
fn nsq_scale_states(
    cfg: &NsqConfig,
    nsq: &mut NsqState,
    x16: &[i16],
    x_sc_q10: &mut [i32],
    s_ltp: &[i16],
    s_ltp_q15: &mut [i32],
    subfr: usize,
    ltp_scale_q14: i32,
    gains_q16: &[i32; MAX_NB_SUBFR],
    pitch_l: &[i32; MAX_NB_SUBFR],
    signal_type: i32,
) {
    let lag = pitch_l[subfr];
    let mut inv_gain_q31 = inverse32_varq(gains_q16[subfr].max(1), 47);
    let inv_gain_q26 = rshift_round(inv_gain_q31, 5);
    for i in 0..cfg.subfr_length {
        x_sc_q10[i] = smulww(x16[i] as i32, inv_gain_q26);
    }
    let buf_idx = nsq.s_ltp_buf_idx;
    if nsq.rewhite_flag {
        if subfr == 0 {
            inv_gain_q31 = smulwb(inv_gain_q31, ltp_scale_q14) << 2;
        }
        for i in (buf_idx - lag - LTP_ORDER as i32 / 2)..buf_idx {
            s_ltp_q15[i as usize] = smulwb(inv_gain_q31, s_ltp[i as usize] as i32);
        }
    }
    if gains_q16[subfr] != nsq.prev_gain_q16 {
        let gain_adj_q16 = div32_varq(nsq.prev_gain_q16, gains_q16[subfr], 16);
        let shp_idx = nsq.s_ltp_shp_buf_idx as usize;
        for v in &mut nsq.s_ltp_shp_q14[shp_idx - cfg.ltp_mem_length..shp_idx] {
            *v = smulww(gain_adj_q16, *v);
        }
        if signal_type == TYPE_VOICED && !nsq.rewhite_flag {
            for i in (buf_idx - lag - LTP_ORDER as i32 / 2)..buf_idx {
                s_ltp_q15[i as usize] = smulww(gain_adj_q16, s_ltp_q15[i as usize]);
            }
        }
        nsq.s_lf_ar_shp_q14 = smulww(gain_adj_q16, nsq.s_lf_ar_shp_q14);
        nsq.s_diff_shp_q14 = smulww(gain_adj_q16, nsq.s_diff_shp_q14);
        for v in &mut nsq.s_lpc_q14[..NSQ_LPC_BUF_LENGTH] {
            *v = smulww(gain_adj_q16, *v);
        }
        for v in &mut nsq.s_ar2_q14 {
            *v = smulww(gain_adj_q16, *v);
        }
        nsq.prev_gain_q16 = gains_q16[subfr];
    }
}

/// Quantises one subframe (libopus `silk_noise_shape_quantizer`).
#[allow(clippy::too_many_arguments)]
fn noise_shape_quantizer(
    nsq: &mut NsqState,
    signal_type: i32,
    x_sc_q10: &[i32],
    pulses: &mut [i8],
    xq_off: usize,
    s_ltp_q15: &mut [i32],
    a_q12: &[i16],
    b_q14: &[i16],
    ar_shp_q13: &[i16],
    lag: i32,
    harm_shape_fir_packed_q14: i32,
    tilt_q14: i32,
    lf_shp_q14: i32,
    gain_q16: i32,
    lambda_q10: i32,
    offset_q10: i32,
    length: usize,
    shaping_lpc_order: usize,
    predict_lpc_order: usize,
) {
    let mut shp_lag = nsq.s_ltp_shp_buf_idx - lag + HARM_SHAPE_FIR_TAPS as i32 / 2;
    let mut pred_lag = nsq.s_ltp_buf_idx - lag + LTP_ORDER as i32 / 2;
    let gain_q10 = gain_q16 >> 6;

    for i in 0..length {
        nsq.rand_seed = rand(nsq.rand_seed);

        let lpc_pred_q10 = short_prediction(
            &nsq.s_lpc_q14,
            NSQ_LPC_BUF_LENGTH - 1 + i,
            a_q12,
            predict_lpc_order,
        );

        let ltp_pred_q13 = if signal_type == TYPE_VOICED {
            let p = pred_lag as usize;
            let mut v = 2;
            v = smlawb(v, s_ltp_q15[p], b_q14[0] as i32);
            v = smlawb(v, s_ltp_q15[p - 1], b_q14[1] as i32);
            v = smlawb(v, s_ltp_q15[p - 2], b_q14[2] as i32);
            v = smlawb(v, s_ltp_q15[p - 3], b_q14[3] as i32);
            v = smlawb(v, s_ltp_q15[p - 4], b_q14[4] as i32);
            pred_lag += 1;
            v
        } else {
            0
        };

        let mut n_ar_q12 = noise_shape_feedback_loop(
            nsq.s_diff_shp_q14,
            &mut nsq.s_ar2_q14,
            ar_shp_q13,
            shaping_lpc_order,
        );
        n_ar_q12 = smlawb(n_ar_q12, nsq.s_lf_ar_shp_q14, tilt_q14);

        let shp_buf = nsq.s_ltp_shp_buf_idx as usize;
        let mut n_lf_q12 = smulwb(nsq.s_ltp_shp_q14[shp_buf - 1], lf_shp_q14);
        n_lf_q12 = smlawt(n_lf_q12, nsq.s_lf_ar_shp_q14, lf_shp_q14);

        let mut tmp1 = (lpc_pred_q10 << 2).wrapping_sub(n_ar_q12);
        tmp1 = tmp1.wrapping_sub(n_lf_q12);
        if lag > 0 {
            let s = shp_lag as usize;
            let mut n_ltp_q13 = smulwb(
                add_sat32(nsq.s_ltp_shp_q14[s], nsq.s_ltp_shp_q14[s - 2]),
                harm_shape_fir_packed_q14,
            );
            n_ltp_q13 = smlawt(n_ltp_q13, nsq.s_ltp_shp_q14[s - 1], harm_shape_fir_packed_q14);
            n_ltp_q13 <<= 1;
            shp_lag += 1;
            let tmp2 = ltp_pred_q13 - n_ltp_q13;
            tmp1 = tmp2.wrapping_add(tmp1 << 1);
            tmp1 = rshift_round(tmp1, 3);
        } else {
            tmp1 = rshift_round(tmp1, 2);
        }

        let mut r_q10 = x_sc_q10[i] - tmp1;
        if nsq.rand_seed < 0 {
            r_q10 = -r_q10;
        }
        r_q10 = limit(r_q10, -(31 << 10), 30 << 10);

        let (mut q1_q10, q2_q10, mut rd1_q20, mut rd2_q20) =
            quant_candidates(r_q10, offset_q10, lambda_q10);
        let rr_q10 = r_q10 - q1_q10;
        rd1_q20 = smlabb(rd1_q20, rr_q10, rr_q10);
        let rr_q10 = r_q10 - q2_q10;
        rd2_q20 = smlabb(rd2_q20, rr_q10, rr_q10);
        if rd2_q20 < rd1_q20 {
            q1_q10 = q2_q10;
        }

        pulses[i] = rshift_round(q1_q10, 10) as i8;

        let mut exc_q14 = q1_q10 << 4;
        if nsq.rand_seed < 0 {
            exc_q14 = -exc_q14;
        }
        let lpc_exc_q14 = exc_q14 + (ltp_pred_q13 << 1);
        let xq_q14 = lpc_exc_q14.wrapping_add(lpc_pred_q10 << 4);

        nsq.xq[xq_off + i] = sat16(rshift_round(smulww(xq_q14, gain_q10), 8));

        nsq.s_lpc_q14[NSQ_LPC_BUF_LENGTH + i] = xq_q14;
        nsq.s_diff_shp_q14 = xq_q14.wrapping_sub(x_sc_q10[i] << 4);
        let s_lf_ar_shp_q14 = nsq.s_diff_shp_q14.wrapping_sub(n_ar_q12 << 2);
        nsq.s_lf_ar_shp_q14 = s_lf_ar_shp_q14;
        nsq.s_ltp_shp_q14[shp_buf] = s_lf_ar_shp_q14.wrapping_sub(n_lf_q12 << 2);
        s_ltp_q15[nsq.s_ltp_buf_idx as usize] = lpc_exc_q14 << 1;
        nsq.s_ltp_shp_buf_idx += 1;
        nsq.s_ltp_buf_idx += 1;

        nsq.rand_seed = nsq.rand_seed.wrapping_add(pulses[i] as i32);
    }
    nsq.s_lpc_q14
        .copy_within(length..length + NSQ_LPC_BUF_LENGTH, 0);
}

/// Noise-shaping quantiser, one state (libopus `silk_NSQ_c`).
///
/// `pulses` receives `frame_length` values; `x16` is the input frame.
pub fn nsq(
    cfg: &NsqConfig,
    nsq: &mut NsqState,
    indices: &mut SideInfoIndices,
    x16: &[i16],
    pulses: &mut [i8],
    p: &NsqParams,
) {
    nsq.rand_seed = indices.seed as i32;
    let mut lag = nsq.lag_prev;
    let signal_type = indices.signal_type as i32;
    let offset_q10 = QUANTIZATION_OFFSETS_Q10[(signal_type >> 1) as usize]
        [indices.quant_offset_type as usize] as i32;
    let lsf_interpolation_flag: usize = if indices.nlsf_interp_coef_q2 == 4 { 0 } else { 1 };

    let mut s_ltp_q15 = [0i32; 2 * MAX_FRAME_LENGTH];
    let mut s_ltp = [0i16; 2 * MAX_FRAME_LENGTH];
    let mut x_sc_q10 = [0i32; MAX_SUB_FRAME_LENGTH];

    nsq.s_ltp_shp_buf_idx = cfg.ltp_mem_length as i32;
    nsq.s_ltp_buf_idx = cfg.ltp_mem_length as i32;
    let sl = cfg.subfr_length;
    for k in 0..cfg.nb_subfr {
        let a_q12 = &p.pred_coef_q12[(k >> 1) | (1 - lsf_interpolation_flag)];
        let b_q14 = &p.ltp_coef_q14[k * LTP_ORDER..];
        let ar_shp_q13 = &p.ar_q13[k * MAX_SHAPE_LPC_ORDER..];
        let mut harm_packed = p.harm_shape_gain_q14[k] >> 2;
        harm_packed |= (p.harm_shape_gain_q14[k] >> 1) << 16;

        nsq.rewhite_flag = false;
        if signal_type == TYPE_VOICED {
            lag = p.pitch_l[k];
            if k & (3 - (lsf_interpolation_flag << 1)) == 0 {
                // Re-whiten the LTP history with the current filter.
                let start_idx =
                    cfg.ltp_mem_length - lag as usize - cfg.predict_lpc_order - LTP_ORDER / 2;
                lpc_analysis_filter(
                    &mut s_ltp[start_idx..],
                    &nsq.xq[start_idx + k * sl..],
                    a_q12,
                    cfg.ltp_mem_length - start_idx,
                    cfg.predict_lpc_order,
                );
                nsq.rewhite_flag = true;
                nsq.s_ltp_buf_idx = cfg.ltp_mem_length as i32;
            }
        }

        nsq_scale_states(
            cfg,
            nsq,
            &x16[k * sl..],
            &mut x_sc_q10,
            &s_ltp,
            &mut s_ltp_q15,
            k,
            p.ltp_scale_q14,
            &p.gains_q16,
            &p.pitch_l,
            signal_type,
        );
        noise_shape_quantizer(
            nsq,
            signal_type,
            &x_sc_q10,
            &mut pulses[k * sl..],
            cfg.ltp_mem_length + k * sl,
            &mut s_ltp_q15,
            a_q12,
            b_q14,
            ar_shp_q13,
            lag,
            harm_packed,
            p.tilt_q14[k],
            p.lf_shp_q14[k],
            p.gains_q16[k],
            p.lambda_q10,
            offset_q10,
            sl,
            cfg.shaping_lpc_order,
            cfg.predict_lpc_order,
        );
    }
    nsq.lag_prev = p.pitch_l[cfg.nb_subfr - 1];
    let fl = cfg.frame_length;
    let lm = cfg.ltp_mem_length;
    nsq.xq.copy_within(fl..fl + lm, 0);
    nsq.s_ltp_shp_q14.copy_within(fl..fl + lm, 0);
}

// ---------------------------------------------------------------------------
// Delayed-decision noise-shaping quantiser.
// ---------------------------------------------------------------------------

/// One path of the trellis (libopus `NSQ_del_dec_struct`).
#[derive(Clone, Copy)]
struct DelDec {
    s_lpc_q14: [i32; MAX_SUB_FRAME_LENGTH + NSQ_LPC_BUF_LENGTH],
    rand_state: [i32; DECISION_DELAY],
    q_q10: [i32; DECISION_DELAY],
    xq_q14: [i32; DECISION_DELAY],
    pred_q15: [i32; DECISION_DELAY],
    shape_q14: [i32; DECISION_DELAY],
    s_ar2_q14: [i32; MAX_SHAPE_LPC_ORDER],
    lf_ar_q14: i32,
    diff_q14: i32,
    seed: i32,
    seed_init: i32,
    rd_q10: i32,
}

const DEL_DEC_ZERO: DelDec = DelDec {
    s_lpc_q14: [0; MAX_SUB_FRAME_LENGTH + NSQ_LPC_BUF_LENGTH],
    rand_state: [0; DECISION_DELAY],
    q_q10: [0; DECISION_DELAY],
    xq_q14: [0; DECISION_DELAY],
    pred_q15: [0; DECISION_DELAY],
    shape_q14: [0; DECISION_DELAY],
    s_ar2_q14: [0; MAX_SHAPE_LPC_ORDER],
    lf_ar_q14: 0,
    diff_q14: 0,
    seed: 0,
    seed_init: 0,
    rd_q10: 0,
};

impl DelDec {
    /// Copies `src` into `self` except the first `i` LPC history entries,
    /// as libopus's offset `memcpy` of the struct does.
    fn copy_from_offset(&mut self, src: &DelDec, i: usize) {
        self.s_lpc_q14[i..].copy_from_slice(&src.s_lpc_q14[i..]);
        self.rand_state = src.rand_state;
        self.q_q10 = src.q_q10;
        self.xq_q14 = src.xq_q14;
        self.pred_q15 = src.pred_q15;
        self.shape_q14 = src.shape_q14;
        self.s_ar2_q14 = src.s_ar2_q14;
        self.lf_ar_q14 = src.lf_ar_q14;
        self.diff_q14 = src.diff_q14;
        self.seed = src.seed;
        self.seed_init = src.seed_init;
        self.rd_q10 = src.rd_q10;
    }
}

/// One candidate of one path for the current sample (libopus `NSQ_sample_struct`).
#[derive(Clone, Copy, Default)]
struct SampleState {
    q_q10: i32,
    rd_q10: i32,
    xq_q14: i32,
    lf_ar_q14: i32,
    diff_q14: i32,
    s_ltp_shp_q14: i32,
    lpc_exc_q14: i32,
}

/// libopus `silk_nsq_del_dec_scale_states`.
#[allow(clippy::too_many_arguments)]
fn nsq_del_dec_scale_states(
    cfg: &NsqConfig,
    nsq: &mut NsqState,
    del_dec: &mut [DelDec],
    x16: &[i16],
    x_sc_q10: &mut [i32],
    s_ltp: &[i16],
    s_ltp_q15: &mut [i32],
    subfr: usize,
    ltp_scale_q14: i32,
    gains_q16: &[i32; MAX_NB_SUBFR],
    pitch_l: &[i32; MAX_NB_SUBFR],
    signal_type: i32,
    decision_delay: i32,
) {
    let lag = pitch_l[subfr];
    let mut inv_gain_q31 = inverse32_varq(gains_q16[subfr].max(1), 47);
    let inv_gain_q26 = rshift_round(inv_gain_q31, 5);
    for i in 0..cfg.subfr_length {
        x_sc_q10[i] = smulww(x16[i] as i32, inv_gain_q26);
    }
    let buf_idx = nsq.s_ltp_buf_idx;
    if nsq.rewhite_flag {
        if subfr == 0 {
            inv_gain_q31 = smulwb(inv_gain_q31, ltp_scale_q14) << 2;
        }
        for i in (buf_idx - lag - LTP_ORDER as i32 / 2)..buf_idx {
            s_ltp_q15[i as usize] = smulwb(inv_gain_q31, s_ltp[i as usize] as i32);
        }
    }
    if gains_q16[subfr] != nsq.prev_gain_q16 {
        let gain_adj_q16 = div32_varq(nsq.prev_gain_q16, gains_q16[subfr], 16);
        let shp_idx = nsq.s_ltp_shp_buf_idx as usize;
        for v in &mut nsq.s_ltp_shp_q14[shp_idx - cfg.ltp_mem_length..shp_idx] {
            *v = smulww(gain_adj_q16, *v);
        }
        if signal_type == TYPE_VOICED && !nsq.rewhite_flag {
            for i in (buf_idx - lag - LTP_ORDER as i32 / 2)..(buf_idx - decision_delay) {
                s_ltp_q15[i as usize] = smulww(gain_adj_q16, s_ltp_q15[i as usize]);
            }
        }
        for dd in del_dec.iter_mut() {
            dd.lf_ar_q14 = smulww(gain_adj_q16, dd.lf_ar_q14);
            dd.diff_q14 = smulww(gain_adj_q16, dd.diff_q14);
            for v in &mut dd.s_lpc_q14[..NSQ_LPC_BUF_LENGTH] {
                *v = smulww(gain_adj_q16, *v);
            }
            for v in &mut dd.s_ar2_q14 {
                *v = smulww(gain_adj_q16, *v);
            }
            for i in 0..DECISION_DELAY {
                dd.pred_q15[i] = smulww(gain_adj_q16, dd.pred_q15[i]);
                dd.shape_q14[i] = smulww(gain_adj_q16, dd.shape_q14[i]);
            }
        }
        nsq.prev_gain_q16 = gains_q16[subfr];
    }
}

/// Per-subframe inputs of the delayed-decision quantiser.
struct DelDecSubfr<'a> {
    signal_type: i32,
    a_q12: &'a [i16],
    b_q14: &'a [i16],
    ar_shp_q13: &'a [i16],
    lag: i32,
    harm_shape_fir_packed_q14: i32,
    tilt_q14: i32,
    lf_shp_q14: i32,
    gain_q16: i32,
    lambda_q10: i32,
    offset_q10: i32,
    subfr: usize,
    decision_delay: i32,
}

/// libopus `silk_noise_shape_quantizer_del_dec`. `out_off` is the frame
/// position of this subframe (pulses index; `xq` adds the LTP memory).
#[allow(clippy::too_many_arguments)]
fn noise_shape_quantizer_del_dec(
    cfg: &NsqConfig,
    nsq: &mut NsqState,
    del_dec: &mut [DelDec],
    x_q10: &[i32],
    pulses: &mut [i8],
    out_off: usize,
    s_ltp_q15: &mut [i32],
    delayed_gain_q10: &mut [i32; DECISION_DELAY],
    sp: &DelDecSubfr<'_>,
    smpl_buf_idx: &mut i32,
) {
    let n_states = del_dec.len();
    let length = cfg.subfr_length;
    let shaping_lpc_order = cfg.shaping_lpc_order;
    let warping_q16 = cfg.warping_q16;
    let decision_delay = sp.decision_delay;
    let mut sample_state = [[SampleState::default(); 2]; MAX_DEL_DEC_STATES];

    let mut shp_lag = nsq.s_ltp_shp_buf_idx - sp.lag + HARM_SHAPE_FIR_TAPS as i32 / 2;
    let mut pred_lag = nsq.s_ltp_buf_idx - sp.lag + LTP_ORDER as i32 / 2;
    let gain_q10 = sp.gain_q16 >> 6;

    for i in 0..length {
        // Long-term prediction and harmonic shaping, shared by all paths.
        let ltp_pred_q14 = if sp.signal_type == TYPE_VOICED {
            let p = pred_lag as usize;
            let mut v = 2;
            v = smlawb(v, s_ltp_q15[p], sp.b_q14[0] as i32);
            v = smlawb(v, s_ltp_q15[p - 1], sp.b_q14[1] as i32);
            v = smlawb(v, s_ltp_q15[p - 2], sp.b_q14[2] as i32);
            v = smlawb(v, s_ltp_q15[p - 3], sp.b_q14[3] as i32);
            v = smlawb(v, s_ltp_q15[p - 4], sp.b_q14[4] as i32);
            pred_lag += 1;
            v << 1
        } else {
            0
        };
        let n_ltp_q14 = if sp.lag > 0 {
            let s = shp_lag as usize;
            let mut v = smulwb(
                add_sat32(nsq.s_ltp_shp_q14[s], nsq.s_ltp_shp_q14[s - 2]),
                sp.harm_shape_fir_packed_q14,
            );
            v = smlawt(v, nsq.s_ltp_shp_q14[s - 1], sp.harm_shape_fir_packed_q14);
            v = ltp_pred_q14 - (v << 2);
            shp_lag += 1;
            v
        } else {
            0
        };

        for k in 0..n_states {
            let dd = &mut del_dec[k];
            let ss = &mut sample_state[k];
            dd.seed = rand(dd.seed);

            let mut lpc_pred_q14 =
                short_prediction(&dd.s_lpc_q14, NSQ_LPC_BUF_LENGTH - 1 + i, sp.a_q12, cfg.predict_lpc_order);
            lpc_pred_q14 <<= 4;

            // Warped noise-shaping filter.
            let mut tmp2 = smlawb(dd.diff_q14, dd.s_ar2_q14[0], warping_q16);
            let mut tmp1 = smlawb(dd.s_ar2_q14[0], dd.s_ar2_q14[1].wrapping_sub(tmp2), warping_q16);
            dd.s_ar2_q14[0] = tmp2;
            let mut n_ar_q14 = (shaping_lpc_order >> 1) as i32;
            n_ar_q14 = smlawb(n_ar_q14, tmp2, sp.ar_shp_q13[0] as i32);
            let mut j = 2;
            while j < shaping_lpc_order {
                tmp2 = smlawb(dd.s_ar2_q14[j - 1], dd.s_ar2_q14[j].wrapping_sub(tmp1), warping_q16);
                dd.s_ar2_q14[j - 1] = tmp1;
                n_ar_q14 = smlawb(n_ar_q14, tmp1, sp.ar_shp_q13[j - 1] as i32);
                tmp1 = smlawb(dd.s_ar2_q14[j], dd.s_ar2_q14[j + 1].wrapping_sub(tmp2), warping_q16);
                dd.s_ar2_q14[j] = tmp2;
                n_ar_q14 = smlawb(n_ar_q14, tmp2, sp.ar_shp_q13[j] as i32);
                j += 2;
            }
            dd.s_ar2_q14[shaping_lpc_order - 1] = tmp1;
            n_ar_q14 = smlawb(n_ar_q14, tmp1, sp.ar_shp_q13[shaping_lpc_order - 1] as i32);
            n_ar_q14 <<= 1;
            n_ar_q14 = smlawb(n_ar_q14, dd.lf_ar_q14, sp.tilt_q14);
            n_ar_q14 <<= 2;

            let mut n_lf_q14 = smulwb(dd.shape_q14[*smpl_buf_idx as usize], sp.lf_shp_q14);
            n_lf_q14 = smlawt(n_lf_q14, dd.lf_ar_q14, sp.lf_shp_q14);
            n_lf_q14 <<= 2;

            let mut t1 = add_sat32(n_ar_q14, n_lf_q14);
            let t2 = n_ltp_q14.wrapping_add(lpc_pred_q14);
            t1 = sub_sat32(t2, t1);
            t1 = rshift_round(t1, 4);

            let mut r_q10 = x_q10[i] - t1;
            if dd.seed < 0 {
                r_q10 = -r_q10;
            }
            r_q10 = limit(r_q10, -(31 << 10), 30 << 10);

            let (q1_q10, q2_q10, rd1, rd2) = quant_candidates(r_q10, sp.offset_q10, sp.lambda_q10);
            let rr_q10 = r_q10 - q1_q10;
            let rd1_q10 = smlabb(rd1, rr_q10, rr_q10) >> 10;
            let rr_q10 = r_q10 - q2_q10;
            let rd2_q10 = smlabb(rd2, rr_q10, rr_q10) >> 10;

            if rd1_q10 < rd2_q10 {
                ss[0].rd_q10 = dd.rd_q10 + rd1_q10;
                ss[1].rd_q10 = dd.rd_q10 + rd2_q10;
                ss[0].q_q10 = q1_q10;
                ss[1].q_q10 = q2_q10;
            } else {
                ss[0].rd_q10 = dd.rd_q10 + rd2_q10;
                ss[1].rd_q10 = dd.rd_q10 + rd1_q10;
                ss[0].q_q10 = q2_q10;
                ss[1].q_q10 = q1_q10;
            }

            for s in ss.iter_mut() {
                let mut exc_q14 = s.q_q10 << 4;
                if dd.seed < 0 {
                    exc_q14 = -exc_q14;
                }
                let lpc_exc_q14 = exc_q14 + ltp_pred_q14;
                let xq_q14 = lpc_exc_q14.wrapping_add(lpc_pred_q14);
                s.diff_q14 = xq_q14.wrapping_sub(x_q10[i] << 4);
                let s_lf_ar_shp_q14 = s.diff_q14.wrapping_sub(n_ar_q14);
                s.s_ltp_shp_q14 = sub_sat32(s_lf_ar_shp_q14, n_lf_q14);
                s.lf_ar_q14 = s_lf_ar_shp_q14;
                s.lpc_exc_q14 = lpc_exc_q14;
                s.xq_q14 = xq_q14;
            }
        }

        *smpl_buf_idx = (*smpl_buf_idx - 1) % DECISION_DELAY as i32;
        if *smpl_buf_idx < 0 {
            *smpl_buf_idx += DECISION_DELAY as i32;
        }
        let last_smple_idx = ((*smpl_buf_idx + decision_delay) % DECISION_DELAY as i32) as usize;

        // Best path so far.
        let mut rd_min_q10 = sample_state[0][0].rd_q10;
        let mut winner_ind = 0;
        for k in 1..n_states {
            if sample_state[k][0].rd_q10 < rd_min_q10 {
                rd_min_q10 = sample_state[k][0].rd_q10;
                winner_ind = k;
            }
        }
        // Penalise paths that disagree with the winner at the decision point.
        let winner_rand_state = del_dec[winner_ind].rand_state[last_smple_idx];
        for k in 0..n_states {
            if del_dec[k].rand_state[last_smple_idx] != winner_rand_state {
                sample_state[k][0].rd_q10 += i32::MAX >> 4;
                sample_state[k][1].rd_q10 += i32::MAX >> 4;
            }
        }
        // Replace the worst primary candidate by the best secondary one.
        let mut rd_max_q10 = sample_state[0][0].rd_q10;
        let mut rd_min_q10 = sample_state[0][1].rd_q10;
        let mut rd_max_ind = 0;
        let mut rd_min_ind = 0;
        for k in 1..n_states {
            if sample_state[k][0].rd_q10 > rd_max_q10 {
                rd_max_q10 = sample_state[k][0].rd_q10;
                rd_max_ind = k;
            }
            if sample_state[k][1].rd_q10 < rd_min_q10 {
                rd_min_q10 = sample_state[k][1].rd_q10;
                rd_min_ind = k;
            }
        }
        if rd_min_q10 < rd_max_q10 {
            if rd_max_ind != rd_min_ind {
                let (dst, src) = if rd_max_ind < rd_min_ind {
                    let (a, b) = del_dec.split_at_mut(rd_min_ind);
                    (&mut a[rd_max_ind], &b[0])
                } else {
                    let (a, b) = del_dec.split_at_mut(rd_max_ind);
                    (&mut b[0], &a[rd_min_ind])
                };
                dst.copy_from_offset(src, i);
            }
            sample_state[rd_max_ind][0] = sample_state[rd_min_ind][1];
        }

        // Emit the delayed decision of the winner.
        let dd = &del_dec[winner_ind];
        if sp.subfr > 0 || i as i32 >= decision_delay {
            let o = (out_off as i32 + i as i32 - decision_delay) as usize;
            pulses[o] = rshift_round(dd.q_q10[last_smple_idx], 10) as i8;
            nsq.xq[cfg.ltp_mem_length + o] = sat16(rshift_round(
                smulww(dd.xq_q14[last_smple_idx], delayed_gain_q10[last_smple_idx]),
                8,
            ));
            nsq.s_ltp_shp_q14[(nsq.s_ltp_shp_buf_idx - decision_delay) as usize] =
                dd.shape_q14[last_smple_idx];
            s_ltp_q15[(nsq.s_ltp_buf_idx - decision_delay) as usize] = dd.pred_q15[last_smple_idx];
        }
        nsq.s_ltp_shp_buf_idx += 1;
        nsq.s_ltp_buf_idx += 1;

        // Advance every path with its primary candidate.
        let sbi = *smpl_buf_idx as usize;
        for k in 0..n_states {
            let dd = &mut del_dec[k];
            let ss = &sample_state[k][0];
            dd.lf_ar_q14 = ss.lf_ar_q14;
            dd.diff_q14 = ss.diff_q14;
            dd.s_lpc_q14[NSQ_LPC_BUF_LENGTH + i] = ss.xq_q14;
            dd.xq_q14[sbi] = ss.xq_q14;
            dd.q_q10[sbi] = ss.q_q10;
            dd.pred_q15[sbi] = ss.lpc_exc_q14 << 1;
            dd.shape_q14[sbi] = ss.s_ltp_shp_q14;
            dd.seed = dd.seed.wrapping_add(rshift_round(ss.q_q10, 10));
            dd.rand_state[sbi] = dd.seed;
            dd.rd_q10 = ss.rd_q10;
        }
        delayed_gain_q10[sbi] = gain_q10;
    }
    for dd in del_dec.iter_mut() {
        dd.s_lpc_q14.copy_within(length..length + NSQ_LPC_BUF_LENGTH, 0);
    }
}

/// Delayed-decision noise-shaping quantiser (libopus `silk_NSQ_del_dec_c`).
pub fn nsq_del_dec(
    cfg: &NsqConfig,
    nsq: &mut NsqState,
    indices: &mut SideInfoIndices,
    x16: &[i16],
    pulses: &mut [i8],
    p: &NsqParams,
) {
    let n_states = cfg.n_states_delayed_decision.clamp(1, MAX_DEL_DEC_STATES);
    let mut lag = nsq.lag_prev;
    let mut del_dec_buf = [DEL_DEC_ZERO; MAX_DEL_DEC_STATES];
    let del_dec = &mut del_dec_buf[..n_states];
    for (k, dd) in del_dec.iter_mut().enumerate() {
        dd.seed = (k as i32 + indices.seed as i32) & 3;
        dd.seed_init = dd.seed;
        dd.rd_q10 = 0;
        dd.lf_ar_q14 = nsq.s_lf_ar_shp_q14;
        dd.diff_q14 = nsq.s_diff_shp_q14;
        dd.shape_q14[0] = nsq.s_ltp_shp_q14[cfg.ltp_mem_length - 1];
        dd.s_lpc_q14[..NSQ_LPC_BUF_LENGTH].copy_from_slice(&nsq.s_lpc_q14[..NSQ_LPC_BUF_LENGTH]);
        dd.s_ar2_q14 = nsq.s_ar2_q14;
    }

    let signal_type = indices.signal_type as i32;
    let offset_q10 = QUANTIZATION_OFFSETS_Q10[(signal_type >> 1) as usize]
        [indices.quant_offset_type as usize] as i32;
    let mut smpl_buf_idx = 0i32;

    let mut decision_delay = (DECISION_DELAY as i32).min(cfg.subfr_length as i32);
    if signal_type == TYPE_VOICED {
        for k in 0..cfg.nb_subfr {
            decision_delay = decision_delay.min(p.pitch_l[k] - LTP_ORDER as i32 / 2 - 1);
        }
    } else if lag > 0 {
        decision_delay = decision_delay.min(lag - LTP_ORDER as i32 / 2 - 1);
    }
    let lsf_interpolation_flag: usize = if indices.nlsf_interp_coef_q2 == 4 { 0 } else { 1 };

    let mut s_ltp_q15 = [0i32; 2 * MAX_FRAME_LENGTH];
    let mut s_ltp = [0i16; 2 * MAX_FRAME_LENGTH];
    let mut x_sc_q10 = [0i32; MAX_SUB_FRAME_LENGTH];
    let mut delayed_gain_q10 = [0i32; DECISION_DELAY];

    nsq.s_ltp_shp_buf_idx = cfg.ltp_mem_length as i32;
    nsq.s_ltp_buf_idx = cfg.ltp_mem_length as i32;
    let sl = cfg.subfr_length;
    let lm = cfg.ltp_mem_length;
    let mut subfr = 0usize;
    for k in 0..cfg.nb_subfr {
        let a_q12 = &p.pred_coef_q12[(k >> 1) | (1 - lsf_interpolation_flag)];
        let b_q14 = &p.ltp_coef_q14[k * LTP_ORDER..];
        let ar_shp_q13 = &p.ar_q13[k * MAX_SHAPE_LPC_ORDER..];
        let mut harm_packed = p.harm_shape_gain_q14[k] >> 2;
        harm_packed |= (p.harm_shape_gain_q14[k] >> 1) << 16;

        nsq.rewhite_flag = false;
        if signal_type == TYPE_VOICED {
            lag = p.pitch_l[k];
            if k & (3 - (lsf_interpolation_flag << 1)) == 0 {
                if k == 2 {
                    // Settle on the best path before re-whitening mid-frame.
                    let mut rd_min_q10 = del_dec[0].rd_q10;
                    let mut winner_ind = 0;
                    for (i, dd) in del_dec.iter().enumerate().skip(1) {
                        if dd.rd_q10 < rd_min_q10 {
                            rd_min_q10 = dd.rd_q10;
                            winner_ind = i;
                        }
                    }
                    for (i, dd) in del_dec.iter_mut().enumerate() {
                        if i != winner_ind {
                            dd.rd_q10 += i32::MAX >> 4;
                        }
                    }
                    let dd = &del_dec[winner_ind];
                    let mut last_smple_idx = smpl_buf_idx + decision_delay;
                    for i in 0..decision_delay {
                        last_smple_idx = (last_smple_idx - 1) % DECISION_DELAY as i32;
                        if last_smple_idx < 0 {
                            last_smple_idx += DECISION_DELAY as i32;
                        }
                        let l = last_smple_idx as usize;
                        let o = (2 * sl) as i32 + i - decision_delay;
                        pulses[o as usize] = rshift_round(dd.q_q10[l], 10) as i8;
                        nsq.xq[lm + o as usize] =
                            sat16(rshift_round(smulww(dd.xq_q14[l], p.gains_q16[1]), 14));
                        nsq.s_ltp_shp_q14[(nsq.s_ltp_shp_buf_idx - decision_delay + i) as usize] =
                            dd.shape_q14[l];
                    }
                    subfr = 0;
                }
                let start_idx = lm - lag as usize - cfg.predict_lpc_order - LTP_ORDER / 2;
                lpc_analysis_filter(
                    &mut s_ltp[start_idx..],
                    &nsq.xq[start_idx + k * sl..],
                    a_q12,
                    lm - start_idx,
                    cfg.predict_lpc_order,
                );
                nsq.s_ltp_buf_idx = lm as i32;
                nsq.rewhite_flag = true;
            }
        }

        nsq_del_dec_scale_states(
            cfg,
            nsq,
            del_dec,
            &x16[k * sl..],
            &mut x_sc_q10,
            &s_ltp,
            &mut s_ltp_q15,
            k,
            p.ltp_scale_q14,
            &p.gains_q16,
            &p.pitch_l,
            signal_type,
            decision_delay,
        );
        let sp = DelDecSubfr {
            signal_type,
            a_q12,
            b_q14,
            ar_shp_q13,
            lag,
            harm_shape_fir_packed_q14: harm_packed,
            tilt_q14: p.tilt_q14[k],
            lf_shp_q14: p.lf_shp_q14[k],
            gain_q16: p.gains_q16[k],
            lambda_q10: p.lambda_q10,
            offset_q10,
            subfr,
            decision_delay,
        };
        subfr += 1;
        noise_shape_quantizer_del_dec(
            cfg,
            nsq,
            del_dec,
            &x_sc_q10,
            pulses,
            k * sl,
            &mut s_ltp_q15,
            &mut delayed_gain_q10,
            &sp,
            &mut smpl_buf_idx,
        );
    }

    // Flush the winner's pending decisions.
    let mut rd_min_q10 = del_dec[0].rd_q10;
    let mut winner_ind = 0;
    for (k, dd) in del_dec.iter().enumerate().skip(1) {
        if dd.rd_q10 < rd_min_q10 {
            rd_min_q10 = dd.rd_q10;
            winner_ind = k;
        }
    }
    let dd = &del_dec[winner_ind];
    indices.seed = dd.seed_init as i8;
    let mut last_smple_idx = smpl_buf_idx + decision_delay;
    let gain_q10 = p.gains_q16[cfg.nb_subfr - 1] >> 6;
    let fl = cfg.frame_length;
    for i in 0..decision_delay {
        last_smple_idx = (last_smple_idx - 1) % DECISION_DELAY as i32;
        if last_smple_idx < 0 {
            last_smple_idx += DECISION_DELAY as i32;
        }
        let l = last_smple_idx as usize;
        let o = (fl as i32 + i - decision_delay) as usize;
        pulses[o] = rshift_round(dd.q_q10[l], 10) as i8;
        nsq.xq[lm + o] = sat16(rshift_round(smulww(dd.xq_q14[l], gain_q10), 8));
        nsq.s_ltp_shp_q14[(nsq.s_ltp_shp_buf_idx - decision_delay + i) as usize] = dd.shape_q14[l];
    }
    nsq.s_lpc_q14[..NSQ_LPC_BUF_LENGTH]
        .copy_from_slice(&dd.s_lpc_q14[sl..sl + NSQ_LPC_BUF_LENGTH]);
    nsq.s_ar2_q14 = dd.s_ar2_q14;
    nsq.s_lf_ar_shp_q14 = dd.lf_ar_q14;
    nsq.s_diff_shp_q14 = dd.diff_q14;
    nsq.lag_prev = p.pitch_l[cfg.nb_subfr - 1];
    nsq.xq.copy_within(fl..fl + lm, 0);
    nsq.s_ltp_shp_q14.copy_within(fl..fl + lm, 0);
}

/// Converts the float control parameters to fixed point and runs the
/// quantiser the complexity calls for (libopus `silk_NSQ_wrapper_FLP`).
pub fn nsq_wrapper_flp(
    cfg: &NsqConfig,
    ctrl: &EncoderControlFlp,
    indices: &mut SideInfoIndices,
    nsq_state: &mut NsqState,
    pulses: &mut [i8],
    x: &[f32],
) {
    let nb_subfr = cfg.nb_subfr;
    let mut p = NsqParams {
        pred_coef_q12: [[0; MAX_LPC_ORDER]; 2],
        ltp_coef_q14: [0; LTP_ORDER * MAX_NB_SUBFR],
        ar_q13: [0; MAX_NB_SUBFR * MAX_SHAPE_LPC_ORDER],
        harm_shape_gain_q14: [0; MAX_NB_SUBFR],
        tilt_q14: [0; MAX_NB_SUBFR],
        lf_shp_q14: [0; MAX_NB_SUBFR],
        gains_q16: [0; MAX_NB_SUBFR],
        pitch_l: ctrl.pitch_l,
        lambda_q10: 0,
        ltp_scale_q14: 0,
    };
    for i in 0..nb_subfr {
        for j in 0..cfg.shaping_lpc_order {
            let ix = i * MAX_SHAPE_LPC_ORDER + j;
            p.ar_q13[ix] = float2int(ctrl.ar[ix] * 8192.0) as i16;
        }
    }
    for i in 0..nb_subfr {
        p.lf_shp_q14[i] = (float2int(ctrl.lf_ar_shp[i] * 16384.0) << 16)
            | (float2int(ctrl.lf_ma_shp[i] * 16384.0) as u16 as i32);
        p.tilt_q14[i] = float2int(ctrl.tilt[i] * 16384.0);
        p.harm_shape_gain_q14[i] = float2int(ctrl.harm_shape_gain[i] * 16384.0);
    }
    p.lambda_q10 = float2int(ctrl.lambda * 1024.0);
    for i in 0..nb_subfr * LTP_ORDER {
        p.ltp_coef_q14[i] = float2int(ctrl.ltp_coef[i] * 16384.0) as i16;
    }
    for j in 0..2 {
        for i in 0..cfg.predict_lpc_order {
            p.pred_coef_q12[j][i] = float2int(ctrl.pred_coef[j][i] * 4096.0) as i16;
        }
    }
    for i in 0..nb_subfr {
        p.gains_q16[i] = float2int(ctrl.gains[i] * 65536.0);
    }
    p.ltp_scale_q14 = if indices.signal_type as i32 == TYPE_VOICED {
        LTP_SCALES_TABLE_Q14[indices.ltp_scale_index as usize] as i32
    } else {
        0
    };
    let mut x16 = [0i16; MAX_FRAME_LENGTH];
    for i in 0..cfg.frame_length {
        x16[i] = float2int(x[i]) as i16;
    }
    if cfg.n_states_delayed_decision > 1 || cfg.warping_q16 > 0 {
        nsq_del_dec(cfg, nsq_state, indices, &x16, pulses, &p);
    } else {
        nsq(cfg, nsq_state, indices, &x16, pulses, &p);
    }
}
