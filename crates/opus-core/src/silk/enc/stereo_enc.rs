//! Stereo encoding (libopus `silk/stereo_LR_to_MS.c`,
//! `silk/stereo_find_predictor.c`, `silk/stereo_quant_pred.c`,
//! `silk/stereo_encode_pred.c`).
//!
//! Input: one frame of left and right at the internal rate. Output: mid
//! and a residual side signal in place of left and right, the quantised
//! mid-to-side predictors, the mid-only flag and the split of the bitrate
//! between mid and side.

use super::super::fixed::{
    abs, add_lshift32, div32_varq, fix_const, limit, rshift_round, sat16, smlabb, smlawb,
    smulbb, smulwb, sqrt_approx, sub_lshift32, sum_sqr_shift,
};
use super::super::structs::{MAX_FRAME_LENGTH, STEREO_QUANT_SUB_STEPS, STEREO_QUANT_TAB_SIZE};
use super::super::tables_other::{
    STEREO_ONLY_CODE_MID_ICDF, STEREO_PRED_JOINT_ICDF, STEREO_PRED_QUANT_Q13, UNIFORM3_ICDF,
    UNIFORM5_ICDF,
};
use super::structs::{StereoEncState, LA_SHAPE_MS, STEREO_RATIO_SMOOTH_COEF};
use crate::range_coder::RangeEncoder;

/// Interpolation length of the predictors, ms (libopus `STEREO_INTERP_LEN_MS`).
const STEREO_INTERP_LEN_MS: i32 = 8;

/// Writes the quantised predictors (libopus `silk_stereo_encode_pred`).
pub fn stereo_encode_pred(enc: &mut RangeEncoder<'_>, ix: &[[i8; 3]; 2]) {
    let n = 5 * ix[0][2] as usize + ix[1][2] as usize;
    enc.icdf(n, &STEREO_PRED_JOINT_ICDF, 8);
    for row in ix {
        enc.icdf(row[0] as usize, &UNIFORM3_ICDF, 8);
        enc.icdf(row[1] as usize, &UNIFORM5_ICDF, 8);
    }
}

/// Writes the mid-only flag (libopus `silk_stereo_encode_mid_only`).
pub fn stereo_encode_mid_only(enc: &mut RangeEncoder<'_>, mid_only_flag: i8) {
    enc.icdf(mid_only_flag as usize, &STEREO_ONLY_CODE_MID_ICDF, 8);
}

/// Quantises both predictors to the nearest sub-step level; the first
/// becomes the difference of the two (libopus `silk_stereo_quant_pred`).
pub fn stereo_quant_pred(pred_q13: &mut [i32; 2], ix: &mut [[i8; 3]; 2]) {
    let half_step_q16 = fix_const(0.5 / STEREO_QUANT_SUB_STEPS as f64, 16);
    for n in 0..2 {
        let mut err_min_q13 = i32::MAX;
        let mut quant_pred_q13 = 0;
        'search: for i in 0..STEREO_QUANT_TAB_SIZE - 1 {
            let low_q13 = STEREO_PRED_QUANT_Q13[i] as i32;
            let step_q13 = smulwb(STEREO_PRED_QUANT_Q13[i + 1] as i32 - low_q13, half_step_q16);
            for j in 0..STEREO_QUANT_SUB_STEPS {
                let lvl_q13 = smlabb(low_q13, step_q13, 2 * j + 1);
                let err_q13 = abs(pred_q13[n] - lvl_q13);
                if err_q13 < err_min_q13 {
                    err_min_q13 = err_q13;
                    quant_pred_q13 = lvl_q13;
                    ix[n][0] = i as i8;
                    ix[n][1] = j as i8;
                } else {
                    break 'search;
                }
            }
        }
        ix[n][2] = ix[n][0] / 3;
        ix[n][0] -= ix[n][2] * 3;
        pred_q13[n] = quant_pred_q13;
    }
    pred_q13[0] -= pred_q13[1];
}

/// `silk_inner_prod_aligned_scale`: sum of `(x[i] * y[i]) >> scale`.
fn inner_prod_aligned_scale(x: &[i16], y: &[i16], scale: i32, len: usize) -> i32 {
    let mut sum = 0i32;
    for i in 0..len {
        sum += smulbb(x[i] as i32, y[i] as i32) >> scale;
    }
    sum
}

/// Least-squares predictor of `y` from `x`, Q13, and the smoothed ratio of
/// residual to mid amplitude, Q14 (libopus `silk_stereo_find_predictor`).
pub fn stereo_find_predictor(
    ratio_q14: &mut i32,
    x: &[i16],
    y: &[i16],
    mid_res_amp_q0: &mut [i32],
    length: usize,
    mut smooth_coef_q16: i32,
) -> i32 {
    let (mut nrgx, scale1) = sum_sqr_shift(&x[..length]);
    let (mut nrgy, scale2) = sum_sqr_shift(&y[..length]);
    let mut scale = scale1.max(scale2);
    scale += scale & 1;
    nrgy >>= scale - scale2;
    nrgx >>= scale - scale1;
    nrgx = nrgx.max(1);
    let corr = inner_prod_aligned_scale(x, y, scale, length);
    let mut pred_q13 = div32_varq(corr, nrgx, 13);
    pred_q13 = limit(pred_q13, -(1 << 14), 1 << 14);
    let pred2_q10 = smulwb(pred_q13, pred_q13);

    smooth_coef_q16 = smooth_coef_q16.max(abs(pred2_q10));
    scale >>= 1;
    mid_res_amp_q0[0] = smlawb(
        mid_res_amp_q0[0],
        (sqrt_approx(nrgx) << scale) - mid_res_amp_q0[0],
        smooth_coef_q16,
    );
    nrgy = sub_lshift32(nrgy, smulwb(corr, pred_q13), 3 + 1);
    nrgy = add_lshift32(nrgy, smulwb(nrgx, pred2_q10), 6);
    mid_res_amp_q0[1] = smlawb(
        mid_res_amp_q0[1],
        (sqrt_approx(nrgy) << scale) - mid_res_amp_q0[1],
        smooth_coef_q16,
    );
    *ratio_q14 = div32_varq(mid_res_amp_q0[1], mid_res_amp_q0[0].max(1), 14);
    *ratio_q14 = limit(*ratio_q14, 0, 32767);
    pred_q13
}

/// Converts left/right to mid/side-residual in place (libopus
/// `silk_stereo_LR_to_MS`).
///
/// `x1` and `x2` are the channel input buffers: sample `n` of the frame is
/// at index `n + 2`, and the two slots before it receive the stereo delay.
/// On return `x1[..frame_length + 2]` holds mid (two samples of history
/// first) and `x2[1..frame_length + 1]` the side residual.
#[allow(clippy::too_many_arguments)]
pub fn stereo_lr_to_ms(
    state: &mut StereoEncState,
    x1: &mut [i16],
    x2: &mut [i16],
    ix: &mut [[i8; 3]; 2],
    mid_only_flag: &mut i8,
    mid_side_rates_bps: &mut [i32; 2],
    mut total_rate_bps: i32,
    prev_speech_act_q8: i32,
    to_mono: bool,
    fs_khz: i32,
    frame_length: usize,
) {
    let mut side = [0i16; MAX_FRAME_LENGTH + 2];
    // mid is x1 itself, offset by -2.
    for n in 0..frame_length + 2 {
        let sum = x1[n] as i32 + x2[n] as i32;
        let diff = x1[n] as i32 - x2[n] as i32;
        x1[n] = rshift_round(sum, 1) as i16;
        side[n] = sat16(rshift_round(diff, 1));
    }
    x1[..2].copy_from_slice(&state.s_mid);
    side[..2].copy_from_slice(&state.s_side);
    state.s_mid.copy_from_slice(&x1[frame_length..frame_length + 2]);
    state.s_side.copy_from_slice(&side[frame_length..frame_length + 2]);
    let mid = &*x1;

    let mut lp_mid = [0i16; MAX_FRAME_LENGTH];
    let mut hp_mid = [0i16; MAX_FRAME_LENGTH];
    for n in 0..frame_length {
        let sum = rshift_round(
            add_lshift32(mid[n] as i32 + mid[n + 2] as i32, mid[n + 1] as i32, 1),
            2,
        );
        lp_mid[n] = sum as i16;
        hp_mid[n] = (mid[n + 1] as i32 - sum) as i16;
    }
    let mut lp_side = [0i16; MAX_FRAME_LENGTH];
    let mut hp_side = [0i16; MAX_FRAME_LENGTH];
    for n in 0..frame_length {
        let sum = rshift_round(
            add_lshift32(side[n] as i32 + side[n + 2] as i32, side[n + 1] as i32, 1),
            2,
        );
        lp_side[n] = sum as i16;
        hp_side[n] = (side[n + 1] as i32 - sum) as i16;
    }

    let is_10ms_frame = frame_length == 10 * fs_khz as usize;
    let mut smooth_coef_q16 = if is_10ms_frame {
        fix_const(STEREO_RATIO_SMOOTH_COEF / 2.0, 16)
    } else {
        fix_const(STEREO_RATIO_SMOOTH_COEF, 16)
    };
    smooth_coef_q16 = smulwb(smulbb(prev_speech_act_q8, prev_speech_act_q8), smooth_coef_q16);

    let mut lp_ratio_q14 = 0;
    let mut hp_ratio_q14 = 0;
    let mut pred_q13 = [0i32; 2];
    pred_q13[0] = stereo_find_predictor(
        &mut lp_ratio_q14,
        &lp_mid,
        &lp_side,
        &mut state.mid_side_amp_q0[0..2],
        frame_length,
        smooth_coef_q16,
    );
    pred_q13[1] = stereo_find_predictor(
        &mut hp_ratio_q14,
        &hp_mid,
        &hp_side,
        &mut state.mid_side_amp_q0[2..4],
        frame_length,
        smooth_coef_q16,
    );
    let mut frac_q16 = smlabb(hp_ratio_q14, lp_ratio_q14, 3);
    frac_q16 = frac_q16.min(fix_const(1.0, 16));

    total_rate_bps -= if is_10ms_frame { 1200 } else { 600 };
    if total_rate_bps < 1 {
        total_rate_bps = 1;
    }
    let min_mid_rate_bps = smlabb(2000, fs_khz, 600);
    let frac_3_q16 = 3 * frac_q16;
    mid_side_rates_bps[0] =
        div32_varq(total_rate_bps, fix_const(8.0 + 5.0, 16) + frac_3_q16, 16 + 3);
    let mut width_q14;
    if mid_side_rates_bps[0] < min_mid_rate_bps {
        mid_side_rates_bps[0] = min_mid_rate_bps;
        mid_side_rates_bps[1] = total_rate_bps - mid_side_rates_bps[0];
        width_q14 = div32_varq(
            (mid_side_rates_bps[1] << 1) - min_mid_rate_bps,
            smulwb(fix_const(1.0, 16) + frac_3_q16, min_mid_rate_bps),
            14 + 2,
        );
        width_q14 = limit(width_q14, 0, fix_const(1.0, 14));
    } else {
        mid_side_rates_bps[1] = total_rate_bps - mid_side_rates_bps[0];
        width_q14 = fix_const(1.0, 14);
    }

    state.smth_width_q14 = smlawb(
        state.smth_width_q14 as i32,
        width_q14 - state.smth_width_q14 as i32,
        smooth_coef_q16,
    ) as i16;
    let smth = state.smth_width_q14 as i32;

    *mid_only_flag = 0;
    if to_mono {
        width_q14 = 0;
        pred_q13 = [0, 0];
        stereo_quant_pred(&mut pred_q13, ix);
    } else if state.width_prev_q14 == 0
        && (8 * total_rate_bps < 13 * min_mid_rate_bps
            || smulwb(frac_q16, smth) < fix_const(0.05, 14))
    {
        pred_q13[0] = smulbb(smth, pred_q13[0]) >> 14;
        pred_q13[1] = smulbb(smth, pred_q13[1]) >> 14;
        stereo_quant_pred(&mut pred_q13, ix);
        width_q14 = 0;
        pred_q13 = [0, 0];
        mid_side_rates_bps[0] = total_rate_bps;
        mid_side_rates_bps[1] = 0;
        *mid_only_flag = 1;
    } else if state.width_prev_q14 != 0
        && (8 * total_rate_bps < 11 * min_mid_rate_bps
            || smulwb(frac_q16, smth) < fix_const(0.02, 14))
    {
        pred_q13[0] = smulbb(smth, pred_q13[0]) >> 14;
        pred_q13[1] = smulbb(smth, pred_q13[1]) >> 14;
        stereo_quant_pred(&mut pred_q13, ix);
        width_q14 = 0;
        pred_q13 = [0, 0];
    } else if smth > fix_const(0.95, 14) {
        stereo_quant_pred(&mut pred_q13, ix);
        width_q14 = fix_const(1.0, 14);
    } else {
        pred_q13[0] = smulbb(smth, pred_q13[0]) >> 14;
        pred_q13[1] = smulbb(smth, pred_q13[1]) >> 14;
        stereo_quant_pred(&mut pred_q13, ix);
        width_q14 = smth;
    }

    if *mid_only_flag == 1 {
        let len = state.silent_side_len as i32 + frame_length as i32
            - STEREO_INTERP_LEN_MS * fs_khz;
        state.silent_side_len = len as i16;
        if (state.silent_side_len as i32) < LA_SHAPE_MS as i32 * fs_khz {
            *mid_only_flag = 0;
        } else {
            state.silent_side_len = 10000;
        }
    } else {
        state.silent_side_len = 0;
    }

    if *mid_only_flag == 0 && mid_side_rates_bps[1] < 1 {
        mid_side_rates_bps[1] = 1;
        mid_side_rates_bps[0] = (total_rate_bps - mid_side_rates_bps[1]).max(1);
    }

    // Side residual, with predictors and width interpolated over 8 ms.
    let mut pred0_q13 = -(state.pred_prev_q13[0] as i32);
    let mut pred1_q13 = -(state.pred_prev_q13[1] as i32);
    let mut w_q24 = (state.width_prev_q14 as i32) << 10;
    let interp_len = (STEREO_INTERP_LEN_MS * fs_khz) as usize;
    let denom_q16 = (1i32 << 16) / (STEREO_INTERP_LEN_MS * fs_khz);
    let delta0_q13 = -rshift_round(smulbb(pred_q13[0] - state.pred_prev_q13[0] as i32, denom_q16), 16);
    let delta1_q13 = -rshift_round(smulbb(pred_q13[1] - state.pred_prev_q13[1] as i32, denom_q16), 16);
    let deltaw_q24 = smulwb(width_q14 - state.width_prev_q14 as i32, denom_q16) << 10;
    for n in 0..frame_length {
        if n < interp_len {
            pred0_q13 += delta0_q13;
            pred1_q13 += delta1_q13;
            w_q24 += deltaw_q24;
        } else if n == interp_len {
            pred0_q13 = -pred_q13[0];
            pred1_q13 = -pred_q13[1];
            w_q24 = width_q14 << 10;
        }
        let mut sum = add_lshift32(mid[n] as i32 + mid[n + 2] as i32, mid[n + 1] as i32, 1) << 9;
        sum = smlawb(smulwb(w_q24, side[n + 1] as i32), sum, pred0_q13);
        sum = smlawb(sum, (mid[n + 1] as i32) << 11, pred1_q13);
        x2[n + 1] = sat16(rshift_round(sum, 8));
    }

    state.pred_prev_q13[0] = pred_q13[0] as i16;
    state.pred_prev_q13[1] = pred_q13[1] as i16;
    state.width_prev_q14 = width_q14 as i16;
}
