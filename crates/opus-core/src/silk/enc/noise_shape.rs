//! Noise-shaping analysis (libopus `silk/float/noise_shape_analysis_FLP.c`).
//!
//! Per subframe, a (possibly frequency-warped) LPC fit of the windowed input
//! gives the noise-shaping AR filter and an initial gain. The frame-level
//! controls set the quantisation offset type from the sparseness of the
//! pitch residual, the low-frequency shaping, the spectral tilt and the
//! harmonic shaping gain, the latter two smoothed across subframes.

use super::float::{
    apply_sine_window_flp, autocorrelation_flp, bwexpander_flp, energy_flp, k2a_flp, schur_flp,
    silk_log2, silk_sigmoid, warped_autocorrelation_flp,
};
use super::structs::{
    EncoderControlFlp, EncoderStateFlp, BANDWIDTH_EXPANSION, BG_SNR_DECR_DB,
    ENERGY_VARIATION_THRESHOLD_QNT_OFFSET, FIND_PITCH_WHITE_NOISE_FRACTION, HARMONIC_SHAPING,
    HARM_HP_NOISE_COEF, HARM_SNR_INCR_DB, HIGH_RATE_OR_LOW_QUALITY_HARMONIC_SHAPING, HP_NOISE_COEF,
    LOW_FREQ_SHAPING, LOW_QUALITY_LOW_FREQ_SHAPING_DECR, MAX_SHAPE_LPC_ORDER, SHAPE_LPC_WIN_MAX,
    SHAPE_WHITE_NOISE_FRACTION, SUBFR_SMTH_COEF, USE_HARM_SHAPING,
};
use crate::silk::structs::{MIN_QGAIN_DB, SUB_FRAME_LENGTH_MS, TYPE_VOICED};

/// Largest coefficient magnitude the shaping filters may have.
const SHAPE_COEF_LIMIT: f32 = 3.999;

/// Gain that gives the warped filter `coefs` a zero-mean log response on the
/// unwarped axis, so it can run as a monic filter (libopus `warped_gain`).
fn warped_gain(coefs: &[f32], lambda: f32) -> f32 {
    let lambda = -lambda;
    let order = coefs.len();
    let mut gain = coefs[order - 1];
    for i in (0..order - 1).rev() {
        gain = lambda * gain + coefs[i];
    }
    1.0f32 / (1.0f32 - lambda * gain)
}

/// Turns warped coefficients into monic form, scaled by the gain that
/// conversion implies; returns that gain.
fn to_monic(coefs: &mut [f32], lambda: f32) -> f32 {
    for i in (1..coefs.len()).rev() {
        coefs[i - 1] -= lambda * coefs[i];
    }
    let gain = (1.0f32 - lambda * lambda) / (1.0f32 + lambda * coefs[0]);
    for c in coefs.iter_mut() {
        *c *= gain;
    }
    gain
}

/// Largest magnitude of `coefs` and its first index.
fn max_abs(coefs: &[f32]) -> (f32, usize) {
    let mut maxabs = -1.0f32;
    let mut ind = 0;
    for (i, &c) in coefs.iter().enumerate() {
        let tmp = c.abs();
        if tmp > maxabs {
            maxabs = tmp;
            ind = i;
        }
    }
    (maxabs, ind)
}

/// Chirp for one round of the limiting loops: stronger for larger excess,
/// for excess on early coefficients and in later rounds.
fn limit_chirp(iter: i32, maxabs: f32, limit: f32, ind: usize) -> f32 {
    0.99f32 - (0.8f32 + 0.1f32 * iter as f32) * (maxabs - limit) / (maxabs * (ind + 1) as f32)
}

/// Converts warped coefficients to monic pseudo-warped ones, bandwidth
/// expanding the true coefficients (up to ten rounds) until all monic ones
/// are within `limit` (libopus `warped_true2monic_coefs`).
fn warped_true2monic_coefs(coefs: &mut [f32], lambda: f32, limit: f32) {
    let mut gain = to_monic(coefs, lambda);
    for iter in 0..10 {
        let (maxabs, ind) = max_abs(coefs);
        if maxabs <= limit {
            return;
        }
        // Back to true warped coefficients.
        for i in 1..coefs.len() {
            coefs[i - 1] += lambda * coefs[i];
        }
        gain = 1.0f32 / gain;
        for c in coefs.iter_mut() {
            *c *= gain;
        }
        bwexpander_flp(coefs, limit_chirp(iter, maxabs, limit, ind));
        gain = to_monic(coefs, lambda);
    }
}

/// Bandwidth expands `coefs` (up to ten rounds) until all are within
/// `limit` (libopus `limit_coefs`).
fn limit_coefs(coefs: &mut [f32], limit: f32) {
    for iter in 0..10 {
        let (maxabs, ind) = max_abs(coefs);
        if maxabs <= limit {
            return;
        }
        bwexpander_flp(coefs, limit_chirp(iter, maxabs, limit, ind));
    }
}

/// Computes the noise-shaping filters and initial gains of the frame
/// (libopus `silk_noise_shape_analysis_FLP`).
///
/// `res_pitch` is the pitch residual and `x_buf` the analysis buffer, both
/// with the frame at `ltp_mem_length` (`x_buf` needs `la_shape` samples
/// before and after it). Sets `ctrl.ar`, `gains`, `lf_ma_shp`, `lf_ar_shp`,
/// `tilt`, `harm_shape_gain`, `input_quality` and `coding_quality`,
/// `indices.quant_offset_type`, and updates the smoothing state
/// `enc.s_shape`. Reads `ctrl.pred_gain` and (voiced) `ctrl.pitch_l`.
///
/// # Panics
/// If the buffers are too short or the configuration is not one
/// `control_encoder` sets.
pub fn noise_shape_analysis_flp(
    enc: &mut EncoderStateFlp,
    ctrl: &mut EncoderControlFlp,
    res_pitch: &[f32],
    x_buf: &[f32],
) {
    let cmn = &mut enc.s_cmn;
    let shape_st = &mut enc.s_shape;
    let fs_khz = cmn.fs_khz;
    let nb_subfr = cmn.nb_subfr;
    let order = cmn.shaping_lpc_order.min(MAX_SHAPE_LPC_ORDER);
    let voiced = cmn.indices.signal_type as i32 == TYPE_VOICED;
    let pitch_res = &res_pitch[cmn.ltp_mem_length..];
    let mut x_pos = cmn.ltp_mem_length - cmn.la_shape;

    // Gain control.
    let mut snr_adj_db = cmn.snr_db_q7 as f32 * (1.0f32 / 128.0f32);
    ctrl.input_quality = 0.5f32
        * (cmn.input_quality_bands_q15[0] + cmn.input_quality_bands_q15[1]) as f32
        * (1.0f32 / 32768.0f32);
    ctrl.coding_quality = silk_sigmoid(0.25f32 * (snr_adj_db - 20.0f32));

    if !cmn.use_cbr {
        // Lower the SNR for low speech activity.
        let b = 1.0f32 - cmn.speech_activity_q8 as f32 * (1.0f32 / 256.0f32);
        snr_adj_db -=
            BG_SNR_DECR_DB * ctrl.coding_quality * (0.5f32 + 0.5f32 * ctrl.input_quality) * b * b;
    }
    if voiced {
        snr_adj_db += HARM_SNR_INCR_DB * enc.ltp_corr;
    } else {
        snr_adj_db += (-0.4f32 * cmn.snr_db_q7 as f32 * (1.0f32 / 128.0f32) + 6.0f32)
            * (1.0f32 - ctrl.input_quality);
    }

    // Quantisation offset: from the energy fluctuation of the residual in
    // 2 ms segments for unvoiced frames.
    if voiced {
        cmn.indices.quant_offset_type = 0;
    } else {
        let n_samples = 2 * fs_khz as usize;
        let mut energy_variation = 0.0f32;
        let mut log_energy_prev = 0.0f32;
        let n_segs = (SUB_FRAME_LENGTH_MS * nb_subfr) / 2;
        for k in 0..n_segs {
            let seg = &pitch_res[k * n_samples..(k + 1) * n_samples];
            let nrg = n_samples as f32 + energy_flp(seg) as f32;
            let log_energy = silk_log2(nrg as f64);
            if k > 0 {
                energy_variation += (log_energy - log_energy_prev).abs();
            }
            log_energy_prev = log_energy;
        }
        cmn.indices.quant_offset_type = if energy_variation
            > ENERGY_VARIATION_THRESHOLD_QNT_OFFSET * (n_segs as i32 - 1) as f32
        {
            0
        } else {
            1
        };
    }

    // More bandwidth expansion for strongly predictable signals.
    let strength = FIND_PITCH_WHITE_NOISE_FRACTION * ctrl.pred_gain;
    let bw_exp = BANDWIDTH_EXPANSION / (1.0f32 + strength * strength);

    // A little extra warping moves the noise up in frequency.
    let warping = cmn.warping_q16 as f32 / 65536.0f32 + 0.01f32 * ctrl.coding_quality;

    // Shaping filter and gain per subframe.
    let shape_win = cmn.shape_win_length;
    let flat_part = fs_khz as usize * 3;
    let slope_part = (shape_win - flat_part) / 2;
    let mut x_windowed = [0f32; SHAPE_LPC_WIN_MAX];
    let mut auto_corr = [0f32; MAX_SHAPE_LPC_ORDER + 1];
    let mut rc = [0f32; MAX_SHAPE_LPC_ORDER + 1];
    for k in 0..nb_subfr {
        let x = &x_buf[x_pos..x_pos + shape_win];
        apply_sine_window_flp(&mut x_windowed, x, 1, slope_part);
        let mut shift = slope_part;
        x_windowed[shift..shift + flat_part].copy_from_slice(&x[shift..shift + flat_part]);
        shift += flat_part;
        apply_sine_window_flp(&mut x_windowed[shift..], &x[shift..], 2, slope_part);
        x_pos += cmn.subfr_length;

        let xw = &x_windowed[..shape_win];
        if cmn.warping_q16 > 0 {
            warped_autocorrelation_flp(&mut auto_corr, xw, warping, order);
        } else {
            autocorrelation_flp(&mut auto_corr, xw, order + 1);
        }
        auto_corr[0] += auto_corr[0] * SHAPE_WHITE_NOISE_FRACTION + 1.0f32;

        let nrg = schur_flp(&mut rc, &auto_corr, order);
        let ar = &mut ctrl.ar[k * MAX_SHAPE_LPC_ORDER..k * MAX_SHAPE_LPC_ORDER + order];
        k2a_flp(ar, &rc, order);
        ctrl.gains[k] = (nrg as f64).sqrt() as f32;
        if cmn.warping_q16 > 0 && order > 0 {
            ctrl.gains[k] *= warped_gain(ar, warping);
        }

        bwexpander_flp(ar, bw_exp);

        if order > 0 {
            if cmn.warping_q16 > 0 {
                warped_true2monic_coefs(ar, warping, SHAPE_COEF_LIMIT);
            } else {
                limit_coefs(ar, SHAPE_COEF_LIMIT);
            }
        }
    }

    // Raise the gains when the SNR target is low.
    let gain_mult = 2.0f64.powf((-0.16f32 * snr_adj_db) as f64) as f32;
    let gain_add = 2.0f64.powf((0.16f32 * MIN_QGAIN_DB as f32) as f64) as f32;
    for g in &mut ctrl.gains[..nb_subfr] {
        *g *= gain_mult;
        *g += gain_add;
    }

    // Low-frequency shaping (less for noisy input) and tilt.
    let mut strength = LOW_FREQ_SHAPING
        * (1.0f32
            + LOW_QUALITY_LOW_FREQ_SHAPING_DECR
                * (cmn.input_quality_bands_q15[0] as f32 * (1.0f32 / 32768.0f32) - 1.0f32));
    strength *= cmn.speech_activity_q8 as f32 * (1.0f32 / 256.0f32);
    let tilt;
    if voiced {
        // Lower quantisation noise at low frequencies for periodic signals,
        // the more so the shorter the lag.
        for k in 0..nb_subfr {
            let b = 0.2f32 / fs_khz as f32 + 3.0f32 / ctrl.pitch_l[k] as f32;
            ctrl.lf_ma_shp[k] = -1.0f32 + b;
            ctrl.lf_ar_shp[k] = 1.0f32 - b - b * strength;
        }
        tilt = -HP_NOISE_COEF
            - (1.0f32 - HP_NOISE_COEF)
                * HARM_HP_NOISE_COEF
                * cmn.speech_activity_q8 as f32
                * (1.0f32 / 256.0f32);
    } else {
        let b = 1.3f32 / fs_khz as f32;
        ctrl.lf_ma_shp[0] = -1.0f32 + b;
        ctrl.lf_ar_shp[0] = 1.0f32 - b - b * strength * 0.6f32;
        for k in 1..nb_subfr {
            ctrl.lf_ma_shp[k] = ctrl.lf_ma_shp[0];
            ctrl.lf_ar_shp[k] = ctrl.lf_ar_shp[0];
        }
        tilt = -HP_NOISE_COEF;
    }

    // Harmonic shaping: more for high rates or noisy input, less for weakly
    // periodic signals.
    let harm_shape_gain = if USE_HARM_SHAPING && voiced {
        let mut g = HARMONIC_SHAPING;
        g += HIGH_RATE_OR_LOW_QUALITY_HARMONIC_SHAPING
            * (1.0f32 - (1.0f32 - ctrl.coding_quality) * ctrl.input_quality);
        g *= (enc.ltp_corr as f64).sqrt() as f32;
        g
    } else {
        0.0f32
    };

    // Smooth over subframes.
    for k in 0..nb_subfr {
        shape_st.harm_shape_gain_smth +=
            SUBFR_SMTH_COEF * (harm_shape_gain - shape_st.harm_shape_gain_smth);
        ctrl.harm_shape_gain[k] = shape_st.harm_shape_gain_smth;
        shape_st.tilt_smth += SUBFR_SMTH_COEF * (tilt - shape_st.tilt_smth);
        ctrl.tilt[k] = shape_st.tilt_smth;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiting_brings_coefficients_in_range() {
        let mut c = [5.0f32, -4.5, 3.0, 0.5];
        limit_coefs(&mut c, SHAPE_COEF_LIMIT);
        assert!(c.iter().all(|v| v.abs() <= SHAPE_COEF_LIMIT + 0.5));
        let mut c = [3.0f32, -2.5, 2.0, 0.5, 0.1, 0.0];
        warped_true2monic_coefs(&mut c, 0.2, SHAPE_COEF_LIMIT);
        assert!(c.iter().all(|v| v.is_finite()));
        assert!(warped_gain(&[0.0, 0.0], 0.3) == 1.0);
    }
}
