//! LTP filter quantisation (libopus `silk/quant_LTP_gains.c`,
//! `silk/VQ_WMat_EC.c` and `silk_quant_LTP_gains_FLP` in
//! `silk/float/wrappers_FLP.c`).
//!
//! Input: per-subframe correlation matrices `XX` and vectors `xX` of the LTP
//! analysis. Output: the codebook (periodicity index), one filter index per
//! subframe, the quantised taps and the prediction gain. Each codebook is
//! searched with a rate-distortion measure whose distortion is the weighted
//! residual energy and whose gain is capped by the running sum of log gains.

use super::super::fixed::{fix_const, lin2log, log2lin, mla, smlawb, smulbb};
use super::super::structs::{LTP_ORDER, MAX_NB_SUBFR, NB_LTP_CBKS};
use super::super::tables_ltp::{
    LTP_GAIN_BITS_Q5_PTRS, LTP_VQ_GAIN_PTRS_Q7, LTP_VQ_PTRS_Q7, LTP_VQ_SIZES,
};
use super::float2int;
use super::structs::MAX_SUM_LOG_GAIN_DB;

/// `silk_ADD_POS_SAT32`: the sum of two non-negative values, saturated.
#[inline]
fn add_pos_sat32(a: i32, b: i32) -> i32 {
    let s = a.wrapping_add(b);
    if s < 0 {
        i32::MAX
    } else {
        s
    }
}

/// Result of one codebook search.
#[derive(Debug, Clone, Copy)]
pub struct VqResult {
    /// Index of the best vector.
    pub ind: i8,
    /// Its residual energy plus gain penalty, Q15.
    pub res_nrg_q15: i32,
    /// Its rate-distortion value, Q8.
    pub rate_dist_q8: i32,
    /// Its gain, Q7.
    pub gain_q7: i32,
}

/// Entropy-constrained matrix-weighted VQ of one subframe's LTP filter
/// (libopus `silk_VQ_WMat_EC`).
#[allow(clippy::too_many_arguments)]
pub fn vq_wmat_ec(
    xx_q17: &[i32],
    x_x_q17: &[i32],
    cb_q7: &[[i8; LTP_ORDER]],
    cb_gain_q7: &[u8],
    cl_q5: &[u8],
    subfr_len: i32,
    max_gain_q7: i32,
    l: usize,
) -> VqResult {
    let mut neg_xx_q24 = [0i32; 5];
    for i in 0..5 {
        neg_xx_q24[i] = -(x_x_q17[i] << 7);
    }
    let mut r = VqResult {
        ind: 0,
        res_nrg_q15: i32::MAX,
        rate_dist_q8: i32::MAX,
        gain_q7: 0,
    };
    for k in 0..l {
        let row = &cb_q7[k];
        let c = |i: usize| row[i] as i32;
        let gain_tmp_q7 = cb_gain_q7[k] as i32;
        let mut sum1_q15 = fix_const(1.001, 15);
        let penalty = (gain_tmp_q7 - max_gain_q7).max(0) << 11;

        let mut sum2_q24 = mla(neg_xx_q24[0], xx_q17[1], c(1));
        sum2_q24 = mla(sum2_q24, xx_q17[2], c(2));
        sum2_q24 = mla(sum2_q24, xx_q17[3], c(3));
        sum2_q24 = mla(sum2_q24, xx_q17[4], c(4));
        sum2_q24 <<= 1;
        sum2_q24 = mla(sum2_q24, xx_q17[0], c(0));
        sum1_q15 = smlawb(sum1_q15, sum2_q24, c(0));

        sum2_q24 = mla(neg_xx_q24[1], xx_q17[7], c(2));
        sum2_q24 = mla(sum2_q24, xx_q17[8], c(3));
        sum2_q24 = mla(sum2_q24, xx_q17[9], c(4));
        sum2_q24 <<= 1;
        sum2_q24 = mla(sum2_q24, xx_q17[6], c(1));
        sum1_q15 = smlawb(sum1_q15, sum2_q24, c(1));

        sum2_q24 = mla(neg_xx_q24[2], xx_q17[13], c(3));
        sum2_q24 = mla(sum2_q24, xx_q17[14], c(4));
        sum2_q24 <<= 1;
        sum2_q24 = mla(sum2_q24, xx_q17[12], c(2));
        sum1_q15 = smlawb(sum1_q15, sum2_q24, c(2));

        sum2_q24 = mla(neg_xx_q24[3], xx_q17[19], c(4));
        sum2_q24 <<= 1;
        sum2_q24 = mla(sum2_q24, xx_q17[18], c(3));
        sum1_q15 = smlawb(sum1_q15, sum2_q24, c(3));

        sum2_q24 = neg_xx_q24[4] << 1;
        sum2_q24 = mla(sum2_q24, xx_q17[24], c(4));
        sum1_q15 = smlawb(sum1_q15, sum2_q24, c(4));

        if sum1_q15 >= 0 {
            let bits_res_q8 = smulbb(subfr_len, lin2log(sum1_q15 + penalty) - (15 << 7));
            let bits_tot_q8 = bits_res_q8 + ((cl_q5[k] as i32) << (3 - 1));
            if bits_tot_q8 <= r.rate_dist_q8 {
                r.rate_dist_q8 = bits_tot_q8;
                r.res_nrg_q15 = sum1_q15 + penalty;
                r.ind = k as i8;
                r.gain_q7 = gain_tmp_q7;
            }
        }
    }
    r
}

/// Chooses the LTP codebook and filters of a frame (libopus
/// `silk_quant_LTP_gains`). Returns the prediction gain, Q7 dB.
#[allow(clippy::too_many_arguments)]
pub fn quant_ltp_gains(
    b_q14: &mut [i16; MAX_NB_SUBFR * LTP_ORDER],
    cbk_index: &mut [i8; MAX_NB_SUBFR],
    periodicity_index: &mut i8,
    sum_log_gain_q7: &mut i32,
    xx_q17: &[i32],
    x_x_q17: &[i32],
    subfr_len: i32,
    nb_subfr: usize,
) -> i32 {
    let mut temp_idx = [0i8; MAX_NB_SUBFR];
    let mut min_rate_dist_q7 = i32::MAX;
    let mut best_sum_log_gain_q7 = 0;
    let mut best_res_nrg_q15 = 0;
    for k in 0..NB_LTP_CBKS {
        let gain_safety = fix_const(0.4, 7);
        let mut res_nrg_q15 = 0i32;
        let mut rate_dist_q7 = 0i32;
        let mut sum_log_gain_tmp_q7 = *sum_log_gain_q7;
        for j in 0..nb_subfr {
            let max_gain_q7 = log2lin(
                (fix_const(MAX_SUM_LOG_GAIN_DB as f64 / 6.0, 7) - sum_log_gain_tmp_q7)
                    + fix_const(7.0, 7),
            ) - gain_safety;
            let r = vq_wmat_ec(
                &xx_q17[j * LTP_ORDER * LTP_ORDER..],
                &x_x_q17[j * LTP_ORDER..],
                LTP_VQ_PTRS_Q7[k],
                LTP_VQ_GAIN_PTRS_Q7[k],
                LTP_GAIN_BITS_Q5_PTRS[k],
                subfr_len,
                max_gain_q7,
                LTP_VQ_SIZES[k] as usize,
            );
            temp_idx[j] = r.ind;
            res_nrg_q15 = add_pos_sat32(res_nrg_q15, r.res_nrg_q15);
            rate_dist_q7 = add_pos_sat32(rate_dist_q7, r.rate_dist_q8);
            sum_log_gain_tmp_q7 =
                (sum_log_gain_tmp_q7 + lin2log(gain_safety + r.gain_q7) - fix_const(7.0, 7)).max(0);
        }
        if rate_dist_q7 <= min_rate_dist_q7 {
            min_rate_dist_q7 = rate_dist_q7;
            *periodicity_index = k as i8;
            cbk_index[..nb_subfr].copy_from_slice(&temp_idx[..nb_subfr]);
            best_sum_log_gain_q7 = sum_log_gain_tmp_q7;
        }
        // libopus keeps the residual energy of the last codebook searched.
        best_res_nrg_q15 = res_nrg_q15;
    }

    let cbk = LTP_VQ_PTRS_Q7[*periodicity_index as usize];
    for j in 0..nb_subfr {
        for k in 0..LTP_ORDER {
            b_q14[j * LTP_ORDER + k] = ((cbk[cbk_index[j] as usize][k] as i32) << 7) as i16;
        }
    }
    let mut res_nrg_q15 = best_res_nrg_q15;
    if nb_subfr == 2 {
        res_nrg_q15 >>= 1;
    } else {
        res_nrg_q15 >>= 2;
    }
    *sum_log_gain_q7 = best_sum_log_gain_q7;
    smulbb(-3, lin2log(res_nrg_q15) - (15 << 7))
}

/// [`quant_ltp_gains`] on float correlations (libopus
/// `silk_quant_LTP_gains_FLP`). Returns the prediction gain in dB.
#[allow(clippy::too_many_arguments)]
pub fn quant_ltp_gains_flp(
    b: &mut [f32; MAX_NB_SUBFR * LTP_ORDER],
    cbk_index: &mut [i8; MAX_NB_SUBFR],
    periodicity_index: &mut i8,
    sum_log_gain_q7: &mut i32,
    xx: &[f32],
    x_x: &[f32],
    subfr_len: usize,
    nb_subfr: usize,
) -> f32 {
    let mut b_q14 = [0i16; MAX_NB_SUBFR * LTP_ORDER];
    let mut xx_q17 = [0i32; MAX_NB_SUBFR * LTP_ORDER * LTP_ORDER];
    let mut x_x_q17 = [0i32; MAX_NB_SUBFR * LTP_ORDER];
    for i in 0..nb_subfr * LTP_ORDER * LTP_ORDER {
        xx_q17[i] = float2int(xx[i] * 131072.0);
    }
    for i in 0..nb_subfr * LTP_ORDER {
        x_x_q17[i] = float2int(x_x[i] * 131072.0);
    }
    let pred_gain_db_q7 = quant_ltp_gains(
        &mut b_q14,
        cbk_index,
        periodicity_index,
        sum_log_gain_q7,
        &xx_q17,
        &x_x_q17,
        subfr_len as i32,
        nb_subfr,
    );
    for i in 0..nb_subfr * LTP_ORDER {
        b[i] = b_q14[i] as f32 * (1.0f32 / 16384.0);
    }
    pred_gain_db_q7 as f32 * (1.0f32 / 128.0)
}
