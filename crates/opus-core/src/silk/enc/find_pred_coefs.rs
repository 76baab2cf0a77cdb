//! Short- and long-term prediction coefficients of a frame (libopus
//! `silk/float/find_pred_coefs_FLP.c`, `find_LPC_FLP.c`, `find_LTP_FLP.c`,
//! `LTP_scale_ctrl_FLP.c`).
//!
//! Voiced frames first get LTP correlations from the pitch residual, which
//! the LTP quantiser turns into filter taps; the LTP residual (or, unvoiced,
//! the plain input), scaled by the inverse gains, then goes to Burg's method
//! for the LPC filter, whose NLSFs are quantised. The residual energies with
//! the quantised filters feed the gain processing.

use super::float::{
    a2nlsf_flp, burg_modified_flp, corr_matrix_flp, corr_vector_flp, energy_flp,
    lpc_analysis_filter_flp, ltp_analysis_filter_flp, nlsf2a_flp, residual_energy_flp,
    scale_copy_vector_flp, scale_vector_flp,
};
use super::ltp_quant::quant_ltp_gains_flp;
use super::nlsf_encode::process_nlsfs_flp;
use super::structs::{
    EncoderControlFlp, EncoderState, EncoderStateFlp, LTP_CORR_INV_MAX, MAX_PREDICTION_POWER_GAIN,
    MAX_PREDICTION_POWER_GAIN_AFTER_RESET,
};
use crate::silk::fixed::{log2lin, smulbb};
use crate::silk::interpolate::interpolate;
use crate::silk::structs::{
    CondCoding, LTP_ORDER, MAX_FRAME_LENGTH, MAX_LPC_ORDER, MAX_NB_SUBFR, TYPE_VOICED,
};
use crate::silk::tables_other::LTP_SCALES_TABLE_Q14;

/// Finds the LPC filter of `x` (`nb_subfr` subframes of
/// `predict_lpc_order + subfr_length` samples, each led by its history) and
/// returns its NLSFs in `nlsf_q15` (libopus `silk_find_LPC_FLP`).
///
/// For 20 ms frames with interpolation enabled, also tries interpolating the
/// first half's NLSFs between the previous frame's and the second half's,
/// and keeps the factor with the lowest residual energy in
/// `st.indices.nlsf_interp_coef_q2` (4: none).
///
/// # Panics
/// If `x` is shorter than described or the order is not 10 or 16.
pub fn find_lpc_flp(
    st: &mut EncoderState,
    nlsf_q15: &mut [i16; MAX_LPC_ORDER],
    x: &[f32],
    min_inv_gain: f32,
) {
    let order = st.predict_lpc_order;
    let subfr_length = st.subfr_length + order;
    let mut a = [0f32; MAX_LPC_ORDER];
    let mut a_tmp = [0f32; MAX_LPC_ORDER];

    st.indices.nlsf_interp_coef_q2 = 4;

    let mut res_nrg = burg_modified_flp(&mut a, x, min_inv_gain, subfr_length, st.nb_subfr, order);

    if st.use_interpolated_nlsfs && !st.first_frame_after_reset && st.nb_subfr == MAX_NB_SUBFR {
        // Optimum for the second half; its residual energy is subtracted so
        // only first halves are compared below.
        res_nrg -= burg_modified_flp(
            &mut a_tmp,
            &x[(MAX_NB_SUBFR / 2) * subfr_length..],
            min_inv_gain,
            subfr_length,
            MAX_NB_SUBFR / 2,
            order,
        );
        a2nlsf_flp(nlsf_q15, &a_tmp, order);

        let mut nlsf0_q15 = [0i16; MAX_LPC_ORDER];
        let mut lpc_res = [0f32; MAX_FRAME_LENGTH + MAX_NB_SUBFR * MAX_LPC_ORDER];
        let mut res_nrg_2nd = f32::MAX;
        for k in (0..=3).rev() {
            interpolate(&mut nlsf0_q15, &st.prev_nlsfq_q15, nlsf_q15, k, order);
            nlsf2a_flp(&mut a_tmp, &nlsf0_q15, order);
            lpc_analysis_filter_flp(&mut lpc_res, &a_tmp, x, 2 * subfr_length, order);
            let res_nrg_interp = (energy_flp(&lpc_res[order..subfr_length])
                + energy_flp(&lpc_res[order + subfr_length..2 * subfr_length]))
                as f32;
            if res_nrg_interp < res_nrg {
                res_nrg = res_nrg_interp;
                st.indices.nlsf_interp_coef_q2 = k as i8;
            } else if res_nrg_interp > res_nrg_2nd {
                // The energies only grow from here.
                break;
            }
            res_nrg_2nd = res_nrg_interp;
        }
    }

    if st.indices.nlsf_interp_coef_q2 == 4 {
        a2nlsf_flp(nlsf_q15, &a, order);
    }
}

/// LTP correlation matrices `xx` (5 x 5 per subframe) and vectors `x_x` of
/// the residual `r` around each subframe's lag, normalised by the subframe
/// energy (libopus `silk_find_LTP_FLP`).
///
/// `r` is the residual buffer and `r_start` the index of the frame in it;
/// the lags reach `lag[k] + LTP_ORDER / 2` samples before each subframe.
///
/// # Panics
/// If a lag reaches before the start of `r`, or a slice is too short.
pub fn find_ltp_flp(
    xx: &mut [f32; MAX_NB_SUBFR * LTP_ORDER * LTP_ORDER],
    x_x: &mut [f32; MAX_NB_SUBFR * LTP_ORDER],
    r: &[f32],
    r_start: usize,
    lag: &[i32; MAX_NB_SUBFR],
    subfr_length: usize,
    nb_subfr: usize,
) {
    let mut r_pos = r_start;
    for k in 0..nb_subfr {
        let lag_pos = r_pos - (lag[k].max(0) as usize + LTP_ORDER / 2);
        let xx_k = &mut xx[k * LTP_ORDER * LTP_ORDER..(k + 1) * LTP_ORDER * LTP_ORDER];
        let x_x_k = &mut x_x[k * LTP_ORDER..(k + 1) * LTP_ORDER];
        corr_matrix_flp(&r[lag_pos..], subfr_length, LTP_ORDER, xx_k);
        corr_vector_flp(&r[lag_pos..], &r[r_pos..], subfr_length, LTP_ORDER, x_x_k);
        let energy = energy_flp(&r[r_pos..r_pos + subfr_length + LTP_ORDER]) as f32;
        let floor = LTP_CORR_INV_MAX * 0.5f32 * (xx_k[0] + xx_k[24]) + 1.0f32;
        let temp = 1.0f32 / if energy > floor { energy } else { floor };
        scale_vector_flp(xx_k, temp);
        scale_vector_flp(x_x_k, temp);
        r_pos += subfr_length;
    }
}

/// Chooses the LTP state scaling for the frame from the expected loss and
/// the LTP gain, and sets `indices.ltp_scale_index` and `ctrl.ltp_scale`
/// (libopus `silk_LTP_scale_ctrl_FLP`). Only frames coded independently are
/// scaled.
pub fn ltp_scale_ctrl_flp(
    enc: &mut EncoderStateFlp,
    ctrl: &mut EncoderControlFlp,
    cond_coding: CondCoding,
) {
    let cmn = &mut enc.s_cmn;
    if cond_coding == CondCoding::Independently {
        let mut round_loss = cmn.packet_loss_perc * cmn.n_frames_per_packet as i32;
        if cmn.lbrr_flag {
            // LBRR lowers the effective loss; at least 2 %.
            round_loss = 2 + smulbb(round_loss, round_loss) / 100;
        }
        // libopus feeds the float gain to a 16-bit multiply: truncated, low 16 bits.
        let gain = smulbb(ctrl.lt_pred_cod_gain as i32, round_loss);
        let mut idx = (gain > log2lin(2900 - cmn.snr_db_q7)) as i8;
        idx += (gain > log2lin(3900 - cmn.snr_db_q7)) as i8;
        cmn.indices.ltp_scale_index = idx;
    } else {
        cmn.indices.ltp_scale_index = 0;
    }
    let ix = (cmn.indices.ltp_scale_index.clamp(0, 2)) as usize;
    ctrl.ltp_scale = LTP_SCALES_TABLE_Q14[ix] as f32 / 16384.0f32;
}

/// Finds and quantises the LTP (voiced) and LPC filters of the frame and the
/// residual energies (libopus `silk_find_pred_coefs_FLP`).
///
/// `res_pitch` is the pitch residual and `x_buf` the analysis buffer, both
/// with the frame at `ltp_mem_length`. Sets `ctrl.ltp_coef`,
/// `lt_pred_cod_gain`, `ltp_scale`, `pred_coef` and `res_nrg`, the LTP and
/// NLSF indices, `sum_log_gain_q7` and `prev_nlsfq_q15`. Needs `ctrl.gains`
/// (positive) and, for voiced frames, `ctrl.pitch_l`.
///
/// # Panics
/// If the buffers are too short for the configuration and lags.
#[allow(clippy::needless_range_loop)]
pub fn find_pred_coefs_flp(
    enc: &mut EncoderStateFlp,
    ctrl: &mut EncoderControlFlp,
    res_pitch: &[f32],
    x_buf: &[f32],
    cond_coding: CondCoding,
) {
    let nb_subfr = enc.s_cmn.nb_subfr.min(MAX_NB_SUBFR);
    let subfr_length = enc.s_cmn.subfr_length;
    let order = enc.s_cmn.predict_lpc_order;
    let x_start = enc.s_cmn.ltp_mem_length;

    let mut inv_gains = [0f32; MAX_NB_SUBFR];
    for k in 0..nb_subfr {
        inv_gains[k] = 1.0f32 / ctrl.gains[k];
    }

    let mut lpc_in_pre = [0f32; MAX_NB_SUBFR * MAX_LPC_ORDER + MAX_FRAME_LENGTH];
    if enc.s_cmn.indices.signal_type as i32 == TYPE_VOICED {
        let mut xx_ltp = [0f32; MAX_NB_SUBFR * LTP_ORDER * LTP_ORDER];
        let mut x_x_ltp = [0f32; MAX_NB_SUBFR * LTP_ORDER];
        find_ltp_flp(
            &mut xx_ltp,
            &mut x_x_ltp,
            res_pitch,
            x_start,
            &ctrl.pitch_l,
            subfr_length,
            nb_subfr,
        );

        let cmn = &mut enc.s_cmn;
        ctrl.lt_pred_cod_gain = quant_ltp_gains_flp(
            &mut ctrl.ltp_coef,
            &mut cmn.indices.ltp_index,
            &mut cmn.indices.per_index,
            &mut cmn.sum_log_gain_q7,
            &xx_ltp,
            &x_x_ltp,
            subfr_length,
            nb_subfr,
        );

        ltp_scale_ctrl_flp(enc, ctrl, cond_coding);

        ltp_analysis_filter_flp(
            &mut lpc_in_pre,
            x_buf,
            x_start - order,
            &ctrl.ltp_coef,
            &ctrl.pitch_l,
            &inv_gains,
            subfr_length,
            nb_subfr,
            order,
        );
    } else {
        // Each subframe with its history, scaled by the inverse gain.
        let len = subfr_length + order;
        for k in 0..nb_subfr {
            let src = x_start - order + k * subfr_length;
            scale_copy_vector_flp(
                &mut lpc_in_pre[k * len..(k + 1) * len],
                &x_buf[src..],
                inv_gains[k],
            );
        }
        ctrl.ltp_coef[..nb_subfr * LTP_ORDER].fill(0.0);
        ctrl.lt_pred_cod_gain = 0.0;
        enc.s_cmn.sum_log_gain_q7 = 0;
    }

    // Cap the total prediction gain.
    let min_inv_gain = if enc.s_cmn.first_frame_after_reset {
        1.0f32 / MAX_PREDICTION_POWER_GAIN_AFTER_RESET
    } else {
        let g =
            2.0f64.powf((ctrl.lt_pred_cod_gain / 3.0f32) as f64) as f32 / MAX_PREDICTION_POWER_GAIN;
        g / (0.25f32 + 0.75f32 * ctrl.coding_quality)
    };

    let cmn = &mut enc.s_cmn;
    let mut nlsf_q15 = [0i16; MAX_LPC_ORDER];
    find_lpc_flp(cmn, &mut nlsf_q15, &lpc_in_pre, min_inv_gain);

    let prev_nlsfq_q15 = cmn.prev_nlsfq_q15;
    process_nlsfs_flp(cmn, &mut ctrl.pred_coef, &mut nlsf_q15, &prev_nlsfq_q15);

    residual_energy_flp(
        &mut ctrl.res_nrg,
        &lpc_in_pre,
        &ctrl.pred_coef,
        &ctrl.gains,
        subfr_length,
        nb_subfr,
        order,
    );

    cmn.prev_nlsfq_q15 = nlsf_q15;
}

#[cfg(test)]
mod tests {
    use super::super::noise_shape::noise_shape_analysis_flp;
    use super::super::pitch_analysis::find_pitch_lags_flp;
    use super::super::process_gains::process_gains_flp;
    use super::super::vad::{vad_get_sa_q8, vad_init};
    use super::*;
    use crate::silk::tables_nlsf_cb_wb::NLSF_CB_WB;

    /// A 20 ms (or 10 ms) configuration at the highest complexity.
    fn state(fs: usize, nb_subfr: usize, warped: bool) -> EncoderStateFlp {
        let mut e = EncoderStateFlp::zeroed();
        let s = &mut e.s_cmn;
        s.fs_khz = fs as i32;
        s.nb_subfr = nb_subfr;
        s.frame_length = 5 * nb_subfr * fs;
        s.subfr_length = 5 * fs;
        s.ltp_mem_length = 20 * fs;
        s.la_pitch = 2 * fs;
        s.la_shape = 5 * fs;
        s.shape_win_length = 15 * fs;
        s.pitch_lpc_win_length = if nb_subfr == 4 { 24 * fs } else { 14 * fs };
        s.predict_lpc_order = if fs == 16 { 16 } else { 10 };
        if fs == 16 {
            s.ps_nlsf_cb = &NLSF_CB_WB;
        }
        s.pitch_estimation_complexity = 2;
        s.pitch_estimation_threshold_q16 = 45875;
        s.pitch_estimation_lpc_order = s.predict_lpc_order;
        s.shaping_lpc_order = 24;
        s.n_states_delayed_decision = 4;
        s.use_interpolated_nlsfs = true;
        s.nlsf_msvq_survivors = 16;
        s.warping_q16 = if warped { fs as i32 * 983 } else { 0 };
        s.snr_db_q7 = 25 * 128;
        s.n_frames_per_packet = 1;
        s.packet_loss_perc = 10;
        s.first_frame_after_reset = true;
        vad_init(&mut s.s_vad);
        e
    }

    #[test]
    fn analysis_chain_survives_hostile_input() {
        let mut seed = 0x1234_5678u32;
        let mut rnd = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        for &(fs, nb, warped) in &[
            (16usize, 4usize, true),
            (12, 2, false),
            (8, 4, false),
            (16, 2, true),
        ] {
            let mut e = state(fs, nb, warped);
            let n = e.s_cmn.frame_length;
            let mut x_buf = [0f32; 2 * MAX_FRAME_LENGTH + 80];
            let mut res = [0f32; 2 * MAX_FRAME_LENGTH + 32];
            for frame in 0..24 {
                let pcm: Vec<i16> = (0..n).map(|_| (rnd() * 65535.0) as i16).collect();
                vad_get_sa_q8(&mut e.s_cmn, &pcm);
                e.s_cmn.indices.signal_type = 1;
                let at = e.s_cmn.ltp_mem_length + 5 * fs;
                for (i, v) in x_buf[at..at + n].iter_mut().enumerate() {
                    *v = match frame % 6 {
                        0 => pcm[i] as f32,
                        1 => f32::NAN,
                        2 => {
                            if i % 3 == 0 {
                                f32::INFINITY
                            } else {
                                -3e38
                            }
                        }
                        3 => 0.0,
                        4 => ((i as f32) * 0.3).sin() * 30000.0,
                        _ => rnd() * 1e-30,
                    };
                }
                let mut ctrl = EncoderControlFlp::zeroed();
                find_pitch_lags_flp(&mut e, &mut ctrl, &mut res, &x_buf);
                noise_shape_analysis_flp(&mut e, &mut ctrl, &res, &x_buf);
                // Gains must be positive for the prediction step.
                for g in &mut ctrl.gains {
                    if !(*g > 0.0) {
                        *g = 1.0;
                    }
                }
                let cond = if frame == 0 {
                    CondCoding::Independently
                } else {
                    CondCoding::Conditionally
                };
                find_pred_coefs_flp(&mut e, &mut ctrl, &res, &x_buf, cond);
                process_gains_flp(&mut e, &mut ctrl, cond);
                let voiced = e.s_cmn.indices.signal_type as i32 == TYPE_VOICED;
                e.s_cmn.prev_lag = if voiced { ctrl.pitch_l[nb - 1] } else { 0 };
                e.s_cmn.prev_signal_type = e.s_cmn.indices.signal_type;
                e.s_cmn.first_frame_after_reset = false;
                x_buf.copy_within(n.., 0);
            }
        }
    }
}
