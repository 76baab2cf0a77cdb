//! NLSF analysis and quantisation of the encoder (libopus `silk/A2NLSF.c`,
//! `silk/NLSF_VQ_weights_laroia.c`, `silk/NLSF_VQ.c`,
//! `silk/NLSF_del_dec_quant.c`, `silk/NLSF_encode.c`,
//! `silk/process_NLSFs.c` and the float wrappers of
//! `silk/float/wrappers_FLP.c`).
//!
//! Input: the unquantised NLSFs of a frame (from the LPC analysis) and the
//! speech activity. Output: the NLSF indices (first stage plus the trellis
//! of residual indices) and the quantised prediction filters of both frame
//! halves.

use super::super::fixed::{
    abs, add_rshift32, div32_varq, fix_const, limit, lin2log, smlabb, smlawb, smulbb,
    sub_lshift32, sub_rshift32,
};
use super::super::interpolate::interpolate;
use super::super::nlsf::{nlsf2a, nlsf_decode, nlsf_stabilize, nlsf_unpack};
use super::super::structs::{
    NlsfCodebook, MAX_LPC_ORDER, NLSF_QUANT_MAX_AMPLITUDE,
};
use super::structs::{
    EncoderState, NLSF_QUANT_DEL_DEC_STATES, NLSF_QUANT_DEL_DEC_STATES_LOG2,
    NLSF_QUANT_LEVEL_ADJ, NLSF_QUANT_MAX_AMPLITUDE_EXT, NLSF_VQ_MAX_VECTORS, NLSF_W_Q,
};

/// A2NLSF and the float wrappers live in `super::float` (one module per libopus file);
/// re-exported here for the NLSF stage.
pub use super::float::{a2nlsf, a2nlsf_flp, nlsf2a_flp};

/// Laroia's inverse-distance NLSF weights, Q2 (libopus
/// `silk_NLSF_VQ_weights_laroia`). `d` is even.
pub fn nlsf_vq_weights_laroia(w_q_out: &mut [i16], nlsf_q15: &[i16], d: usize) {
    let one = 1i32 << (15 + NLSF_W_Q);
    let mut tmp1 = (nlsf_q15[0] as i32).max(1);
    tmp1 = one / tmp1;
    let mut tmp2 = (nlsf_q15[1] as i32 - nlsf_q15[0] as i32).max(1);
    tmp2 = one / tmp2;
    w_q_out[0] = (tmp1 + tmp2).min(i16::MAX as i32) as i16;
    let mut k = 1;
    while k < d - 1 {
        tmp1 = (nlsf_q15[k + 1] as i32 - nlsf_q15[k] as i32).max(1);
        tmp1 = one / tmp1;
        w_q_out[k] = (tmp1 + tmp2).min(i16::MAX as i32) as i16;
        tmp2 = (nlsf_q15[k + 2] as i32 - nlsf_q15[k + 1] as i32).max(1);
        tmp2 = one / tmp2;
        w_q_out[k + 1] = (tmp1 + tmp2).min(i16::MAX as i32) as i16;
        k += 2;
    }
    tmp1 = ((1 << 15) - nlsf_q15[d - 1] as i32).max(1);
    tmp1 = one / tmp1;
    w_q_out[d - 1] = (tmp1 + tmp2).min(i16::MAX as i32) as i16;
}

/// Weighted first-stage errors of all `k` codebook vectors, Q24 (libopus
/// `silk_NLSF_VQ`).
pub fn nlsf_vq(
    err_q24: &mut [i32],
    in_q15: &[i16],
    cb_q8: &[u8],
    wght_q9: &[i16],
    k: usize,
    lpc_order: usize,
) {
    for i in 0..k {
        let cb = &cb_q8[i * lpc_order..];
        let w = &wght_q9[i * lpc_order..];
        let mut sum_error_q24 = 0i32;
        let mut pred_q24 = 0i32;
        let mut m = lpc_order as isize - 2;
        while m >= 0 {
            let mu = m as usize;
            let diff_q15 = sub_lshift32(in_q15[mu + 1] as i32, cb[mu + 1] as i32, 7);
            let diffw_q24 = smulbb(diff_q15, w[mu + 1] as i32);
            sum_error_q24 += abs(sub_rshift32(diffw_q24, pred_q24, 1));
            pred_q24 = diffw_q24;
            let diff_q15 = sub_lshift32(in_q15[mu] as i32, cb[mu] as i32, 7);
            let diffw_q24 = smulbb(diff_q15, w[mu] as i32);
            sum_error_q24 += abs(sub_rshift32(diffw_q24, pred_q24, 1));
            pred_q24 = diffw_q24;
            m -= 2;
        }
        err_q24[i] = sum_error_q24;
    }
}

/// Sorts the `k` smallest of `a[..l]` into `a[..k]`, increasing, and writes
/// their original positions to `idx` (libopus `silk_insertion_sort_increasing`).
pub fn insertion_sort_increasing(a: &mut [i32], idx: &mut [usize], l: usize, k: usize) {
    debug_assert!(k > 0 && l >= k);
    for (i, v) in idx.iter_mut().enumerate().take(k) {
        *v = i;
    }
    for i in 1..k {
        let value = a[i];
        let mut j = i as isize - 1;
        while j >= 0 && value < a[j as usize] {
            a[j as usize + 1] = a[j as usize];
            idx[j as usize + 1] = idx[j as usize];
            j -= 1;
        }
        a[(j + 1) as usize] = value;
        idx[(j + 1) as usize] = i;
    }
    for i in k..l {
        let value = a[i];
        if value < a[k - 1] {
            let mut j = k as isize - 2;
            while j >= 0 && value < a[j as usize] {
                a[j as usize + 1] = a[j as usize];
                idx[j as usize + 1] = idx[j as usize];
                j -= 1;
            }
            a[(j + 1) as usize] = value;
            idx[(j + 1) as usize] = i;
        }
    }
}

const NLSF_QUANT_LEVEL_ADJ_Q10: i32 = fix_const(NLSF_QUANT_LEVEL_ADJ, 10);
const AMP_EXT: i32 = NLSF_QUANT_MAX_AMPLITUDE_EXT;
const N_STATES: usize = NLSF_QUANT_DEL_DEC_STATES;

/// Trellis quantiser of the NLSF residual with predictive coding; returns
/// the rate-distortion of the best path, Q25 (libopus `silk_NLSF_del_dec_quant`).
#[allow(clippy::too_many_arguments)]
pub fn nlsf_del_dec_quant(
    indices: &mut [i8],
    x_q10: &[i16],
    w_q5: &[i16],
    pred_coef_q8: &[u8],
    ec_ix: &[i16],
    ec_rates_q5: &[u8],
    quant_step_size_q16: i32,
    inv_quant_step_size_q6: i16,
    mu_q20: i32,
    order: usize,
) -> i32 {
    let mut out0_table = [0i32; 2 * AMP_EXT as usize];
    let mut out1_table = [0i32; 2 * AMP_EXT as usize];
    for i in -AMP_EXT..AMP_EXT {
        let mut out0 = (i << 10) as i16 as i32;
        let mut out1 = (out0 + 1024) as i16 as i32;
        if i > 0 {
            out0 = (out0 - NLSF_QUANT_LEVEL_ADJ_Q10) as i16 as i32;
            out1 = (out1 - NLSF_QUANT_LEVEL_ADJ_Q10) as i16 as i32;
        } else if i == 0 {
            out1 = (out1 - NLSF_QUANT_LEVEL_ADJ_Q10) as i16 as i32;
        } else if i == -1 {
            out0 = (out0 + NLSF_QUANT_LEVEL_ADJ_Q10) as i16 as i32;
        } else {
            out0 = (out0 + NLSF_QUANT_LEVEL_ADJ_Q10) as i16 as i32;
            out1 = (out1 + NLSF_QUANT_LEVEL_ADJ_Q10) as i16 as i32;
        }
        out0_table[(i + AMP_EXT) as usize] = smulbb(out0, quant_step_size_q16) >> 16;
        out1_table[(i + AMP_EXT) as usize] = smulbb(out1, quant_step_size_q16) >> 16;
    }

    let mut ind_sort = [0usize; N_STATES];
    let mut ind = [[0i8; MAX_LPC_ORDER]; N_STATES];
    let mut prev_out_q10 = [0i16; 2 * N_STATES];
    let mut rd_q25 = [0i32; 2 * N_STATES];
    let mut rd_min_q25 = [0i32; N_STATES];
    let mut rd_max_q25 = [0i32; N_STATES];

    let mut n_states = 1usize;
    for i in (0..order).rev() {
        let rates_q5 = &ec_rates_q5[ec_ix[i] as usize..];
        let in_q10 = x_q10[i] as i32;
        for j in 0..n_states {
            let pred_q10 = smulbb(pred_coef_q8[i] as i16 as i32, prev_out_q10[j] as i32) >> 8;
            let res_q10 = in_q10 - pred_q10;
            let mut ind_tmp = smulbb(inv_quant_step_size_q6 as i32, res_q10) >> 16;
            ind_tmp = limit(ind_tmp, -AMP_EXT, AMP_EXT - 1);
            ind[j][i] = ind_tmp as i8;

            let out0 = (out0_table[(ind_tmp + AMP_EXT) as usize] + pred_q10) as i16;
            let out1 = (out1_table[(ind_tmp + AMP_EXT) as usize] + pred_q10) as i16;
            prev_out_q10[j] = out0;
            prev_out_q10[j + n_states] = out1;

            let (rate0_q5, rate1_q5);
            if ind_tmp + 1 >= NLSF_QUANT_MAX_AMPLITUDE {
                if ind_tmp + 1 == NLSF_QUANT_MAX_AMPLITUDE {
                    rate0_q5 = rates_q5[(ind_tmp + NLSF_QUANT_MAX_AMPLITUDE) as usize] as i32;
                    rate1_q5 = 280;
                } else {
                    rate0_q5 = smlabb(280 - 43 * NLSF_QUANT_MAX_AMPLITUDE, 43, ind_tmp);
                    rate1_q5 = rate0_q5 + 43;
                }
            } else if ind_tmp <= -NLSF_QUANT_MAX_AMPLITUDE {
                if ind_tmp == -NLSF_QUANT_MAX_AMPLITUDE {
                    rate0_q5 = 280;
                    rate1_q5 = rates_q5[(ind_tmp + 1 + NLSF_QUANT_MAX_AMPLITUDE) as usize] as i32;
                } else {
                    rate0_q5 = smlabb(280 - 43 * NLSF_QUANT_MAX_AMPLITUDE, -43, ind_tmp);
                    rate1_q5 = rate0_q5 - 43;
                }
            } else {
                rate0_q5 = rates_q5[(ind_tmp + NLSF_QUANT_MAX_AMPLITUDE) as usize] as i32;
                rate1_q5 = rates_q5[(ind_tmp + 1 + NLSF_QUANT_MAX_AMPLITUDE) as usize] as i32;
            }
            let rd_tmp_q25 = rd_q25[j];
            let diff_q10 = in_q10 - out0 as i32;
            rd_q25[j] = smlabb(
                rd_tmp_q25 + smulbb(diff_q10, diff_q10) * w_q5[i] as i32,
                mu_q20,
                rate0_q5,
            );
            let diff_q10 = in_q10 - out1 as i32;
            rd_q25[j + n_states] = smlabb(
                rd_tmp_q25 + smulbb(diff_q10, diff_q10) * w_q5[i] as i32,
                mu_q20,
                rate1_q5,
            );
        }

        if n_states <= N_STATES / 2 {
            // Still growing the trellis: double the states.
            for j in 0..n_states {
                ind[j + n_states][i] = ind[j][i] + 1;
            }
            n_states <<= 1;
            for j in n_states..N_STATES {
                ind[j][i] = ind[j - n_states][i];
            }
        } else {
            // Keep the best N_STATES of the 2 * N_STATES candidates.
            for j in 0..N_STATES {
                if rd_q25[j] > rd_q25[j + N_STATES] {
                    rd_max_q25[j] = rd_q25[j];
                    rd_min_q25[j] = rd_q25[j + N_STATES];
                    rd_q25[j] = rd_min_q25[j];
                    rd_q25[j + N_STATES] = rd_max_q25[j];
                    prev_out_q10.swap(j, j + N_STATES);
                    ind_sort[j] = j + N_STATES;
                } else {
                    rd_min_q25[j] = rd_q25[j];
                    rd_max_q25[j] = rd_q25[j + N_STATES];
                    ind_sort[j] = j;
                }
            }
            loop {
                let mut min_max_q25 = i32::MAX;
                let mut max_min_q25 = 0i32;
                let mut ind_min_max = 0usize;
                let mut ind_max_min = 0usize;
                for j in 0..N_STATES {
                    if min_max_q25 > rd_max_q25[j] {
                        min_max_q25 = rd_max_q25[j];
                        ind_min_max = j;
                    }
                    if max_min_q25 < rd_min_q25[j] {
                        max_min_q25 = rd_min_q25[j];
                        ind_max_min = j;
                    }
                }
                if min_max_q25 >= max_min_q25 {
                    break;
                }
                ind_sort[ind_max_min] = ind_sort[ind_min_max] ^ N_STATES;
                rd_q25[ind_max_min] = rd_q25[ind_min_max + N_STATES];
                prev_out_q10[ind_max_min] = prev_out_q10[ind_min_max + N_STATES];
                rd_min_q25[ind_max_min] = 0;
                rd_max_q25[ind_min_max] = i32::MAX;
                ind[ind_max_min] = ind[ind_min_max];
            }
            for j in 0..N_STATES {
                ind[j][i] += (ind_sort[j] >> NLSF_QUANT_DEL_DEC_STATES_LOG2) as i8;
            }
        }
    }

    // The best of all candidates.
    let mut ind_tmp = 0usize;
    let mut min_q25 = i32::MAX;
    for j in 0..2 * N_STATES {
        if min_q25 > rd_q25[j] {
            min_q25 = rd_q25[j];
            ind_tmp = j;
        }
    }
    for j in 0..order {
        indices[j] = ind[ind_tmp & (N_STATES - 1)][j];
    }
    indices[0] += (ind_tmp >> NLSF_QUANT_DEL_DEC_STATES_LOG2) as i8;
    min_q25
}

/// Most survivors of the first stage (complexity 10 uses 16).
const MAX_SURVIVORS: usize = 16;

/// Quantises an NLSF vector: stabilise, first-stage search, trellis for
/// each survivor, rate-distortion choice; `nlsf_q15` is replaced by the
/// decoded result (libopus `silk_NLSF_encode`). Returns the RD value, Q25.
pub fn nlsf_encode(
    nlsf_indices: &mut [i8; MAX_LPC_ORDER + 1],
    nlsf_q15: &mut [i16; MAX_LPC_ORDER],
    cb: &NlsfCodebook,
    w_q2: &[i16],
    nlsf_mu_q20: i32,
    n_survivors: usize,
    signal_type: i32,
) -> i32 {
    let order = cb.order as usize;
    let n_vectors = cb.n_vectors as usize;
    let n_survivors = n_survivors.min(MAX_SURVIVORS).min(n_vectors);
    nlsf_stabilize(&mut nlsf_q15[..order], cb.delta_min_q15);

    let mut err_q24 = [0i32; NLSF_VQ_MAX_VECTORS];
    nlsf_vq(
        &mut err_q24,
        &nlsf_q15[..],
        cb.cb1_nlsf_q8,
        cb.cb1_wght_q9,
        n_vectors,
        order,
    );
    let mut temp_indices1 = [0usize; MAX_SURVIVORS];
    insertion_sort_increasing(&mut err_q24, &mut temp_indices1, n_vectors, n_survivors);

    let mut rd_q25 = [0i32; MAX_SURVIVORS];
    let mut temp_indices2 = [[0i8; MAX_LPC_ORDER]; MAX_SURVIVORS];
    let mut res_q10 = [0i16; MAX_LPC_ORDER];
    let mut w_adj_q5 = [0i16; MAX_LPC_ORDER];
    let mut pred_q8 = [0u8; MAX_LPC_ORDER];
    let mut ec_ix = [0i16; MAX_LPC_ORDER];
    let icdf = &cb.cb1_icdf[(signal_type as usize >> 1) * n_vectors..];
    for s in 0..n_survivors {
        let ind1 = temp_indices1[s];
        let cb_element = &cb.cb1_nlsf_q8[ind1 * order..];
        let cb_wght_q9 = &cb.cb1_wght_q9[ind1 * order..];
        for i in 0..order {
            let nlsf_tmp_q15 = ((cb_element[i] as i32) << 7) as i16 as i32;
            let w_tmp_q9 = cb_wght_q9[i] as i32;
            res_q10[i] = (smulbb(nlsf_q15[i] as i32 - nlsf_tmp_q15, w_tmp_q9) >> 14) as i16;
            w_adj_q5[i] = div32_varq(w_q2[i] as i32, smulbb(w_tmp_q9, w_tmp_q9), 21) as i16;
        }
        nlsf_unpack(&mut ec_ix, &mut pred_q8, cb, ind1);
        rd_q25[s] = nlsf_del_dec_quant(
            &mut temp_indices2[s],
            &res_q10,
            &w_adj_q5,
            &pred_q8,
            &ec_ix,
            cb.ec_rates_q5,
            cb.quant_step_size_q16 as i32,
            cb.inv_quant_step_size_q6,
            nlsf_mu_q20,
            order,
        );
        // Add the rate of the first-stage index.
        let prob_q8 = if ind1 == 0 {
            256 - icdf[ind1] as i32
        } else {
            icdf[ind1 - 1] as i32 - icdf[ind1] as i32
        };
        let bits_q7 = (8 << 7) - lin2log(prob_q8);
        rd_q25[s] = smlabb(rd_q25[s], bits_q7, nlsf_mu_q20 >> 2);
    }

    let mut best_index = [0usize; 1];
    insertion_sort_increasing(&mut rd_q25, &mut best_index, n_survivors, 1);
    nlsf_indices[0] = temp_indices1[best_index[0]] as i8;
    nlsf_indices[1..=order].copy_from_slice(&temp_indices2[best_index[0]][..order]);
    nlsf_decode(nlsf_q15, nlsf_indices, cb);
    rd_q25[0]
}

/// Quantises the frame's NLSFs and builds the prediction filters of both
/// frame halves, Q12 (libopus `silk_process_NLSFs`).
pub fn process_nlsfs(
    st: &mut EncoderState,
    pred_coef_q12: &mut [[i16; MAX_LPC_ORDER]; 2],
    nlsf_q15: &mut [i16; MAX_LPC_ORDER],
    prev_nlsfq_q15: &[i16; MAX_LPC_ORDER],
) {
    let order = st.predict_lpc_order;
    let mut nlsf_mu_q20 = smlawb(fix_const(0.003, 20), fix_const(-0.001, 28), st.speech_activity_q8);
    if st.nb_subfr == 2 {
        nlsf_mu_q20 = add_rshift32(nlsf_mu_q20, nlsf_mu_q20, 1);
    }

    let mut w_qw = [0i16; MAX_LPC_ORDER];
    nlsf_vq_weights_laroia(&mut w_qw, &nlsf_q15[..], order);

    let interp = st.indices.nlsf_interp_coef_q2 as i32;
    let do_interpolate = st.use_interpolated_nlsfs && interp < 4;
    let mut nlsf0_temp_q15 = [0i16; MAX_LPC_ORDER];
    if do_interpolate {
        interpolate(&mut nlsf0_temp_q15, prev_nlsfq_q15, &nlsf_q15[..], interp, order);
        let mut w0_temp_qw = [0i16; MAX_LPC_ORDER];
        nlsf_vq_weights_laroia(&mut w0_temp_qw, &nlsf0_temp_q15, order);
        // Weight the interpolated half by the square of the factor.
        let i_sqr_q15 = (smulbb(interp, interp) << 11) as i16 as i32;
        for i in 0..order {
            w_qw[i] = ((w_qw[i] as i32 >> 1) + (smulbb(w0_temp_qw[i] as i32, i_sqr_q15) >> 16)) as i16;
        }
    }

    let signal_type = st.indices.signal_type as i32;
    nlsf_encode(
        &mut st.indices.nlsf_indices,
        nlsf_q15,
        st.ps_nlsf_cb,
        &w_qw,
        nlsf_mu_q20,
        st.nlsf_msvq_survivors as usize,
        signal_type,
    );

    nlsf2a(&mut pred_coef_q12[1], &nlsf_q15[..], order);
    if do_interpolate {
        interpolate(&mut nlsf0_temp_q15, prev_nlsfq_q15, &nlsf_q15[..], interp, order);
        nlsf2a(&mut pred_coef_q12[0], &nlsf0_temp_q15, order);
    } else {
        let (a, b) = pred_coef_q12.split_at_mut(1);
        a[0][..order].copy_from_slice(&b[0][..order]);
    }
}

/// [`process_nlsfs`] with float prediction filters (libopus
/// `silk_process_NLSFs_FLP`).
pub fn process_nlsfs_flp(
    st: &mut EncoderState,
    pred_coef: &mut [[f32; MAX_LPC_ORDER]; 2],
    nlsf_q15: &mut [i16; MAX_LPC_ORDER],
    prev_nlsf_q15: &[i16; MAX_LPC_ORDER],
) {
    let mut pred_coef_q12 = [[0i16; MAX_LPC_ORDER]; 2];
    process_nlsfs(st, &mut pred_coef_q12, nlsf_q15, prev_nlsf_q15);
    for j in 0..2 {
        for i in 0..st.predict_lpc_order {
            pred_coef[j][i] = pred_coef_q12[j][i] as f32 * (1.0f32 / 4096.0);
        }
    }
}
