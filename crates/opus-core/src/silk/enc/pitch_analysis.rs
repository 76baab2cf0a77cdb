//! Pitch analysis of one frame (libopus `silk/float/find_pitch_lags_FLP.c`).
//!
//! A low-order LPC filter, fitted on a windowed stretch of the analysis
//! buffer, whitens the signal; the residual goes to the three-stage pitch
//! estimator ([`pitch_analysis_core_flp`]), which classifies the frame as
//! voiced or unvoiced and picks the lags. The residual is kept: noise shaping
//! and the LTP analysis use it too.

use super::float::{
    apply_sine_window_flp, autocorrelation_flp, bwexpander_flp, k2a_flp, lpc_analysis_filter_flp,
    pitch_analysis_core_flp, schur_flp, PitchEstimate,
};
use super::structs::{
    EncoderControlFlp, EncoderStateFlp, FIND_PITCH_BANDWIDTH_EXPANSION, FIND_PITCH_LPC_WIN_MAX,
    FIND_PITCH_WHITE_NOISE_FRACTION, MAX_FIND_PITCH_LPC_ORDER,
};
use crate::silk::structs::{TYPE_NO_VOICE_ACTIVITY, TYPE_UNVOICED, TYPE_VOICED};

pub use super::float::pitch_analysis_core::{
    LAG_RANGE_STAGE3, LAG_RANGE_STAGE3_10_MS, NB_CBK_SEARCHS_STAGE3,
};

/// Whitens the analysis buffer into `res_pitch` and estimates the pitch of
/// the frame (libopus `silk_find_pitch_lags_FLP`).
///
/// `x_buf` is the analysis buffer: `ltp_mem_length` samples of history, the
/// frame, then `la_pitch` samples of look-ahead. `res_pitch` receives the
/// residual of all `ltp_mem_length + frame_length + la_pitch` samples (the
/// first `pitch_estimation_lpc_order` are zero). Sets `ctrl.pred_gain`; for
/// frames with voice activity (and not right after a reset) it runs the
/// estimator and sets `indices.signal_type` to voiced or unvoiced, the lags
/// `ctrl.pitch_l`, `indices.lag_index`, `indices.contour_index` and
/// `enc.ltp_corr`; otherwise those are zeroed.
///
/// # Panics
/// If the buffers are shorter than the lengths above, or the encoder
/// configuration is not one `control_encoder` sets (sample rate 8, 12 or 16
/// kHz, 2 or 4 subframes, window no longer than the buffer).
pub fn find_pitch_lags_flp(
    enc: &mut EncoderStateFlp,
    ctrl: &mut EncoderControlFlp,
    res_pitch: &mut [f32],
    x_buf: &[f32],
) {
    let cmn = &mut enc.s_cmn;
    let la_pitch = cmn.la_pitch;
    let win_length = cmn.pitch_lpc_win_length;
    let order = cmn.pitch_estimation_lpc_order.min(MAX_FIND_PITCH_LPC_ORDER);
    let buf_len = la_pitch + cmn.frame_length + cmn.ltp_mem_length;
    assert!(
        buf_len >= win_length && win_length >= 2 * la_pitch && win_length <= FIND_PITCH_LPC_WIN_MAX
    );
    let x_buf = &x_buf[..buf_len];

    // Window: sine slopes of la_pitch samples around a flat middle.
    let mut wsig = [0f32; FIND_PITCH_LPC_WIN_MAX];
    let x_win = &x_buf[buf_len - win_length..];
    let mid = win_length - 2 * la_pitch;
    apply_sine_window_flp(&mut wsig, x_win, 1, la_pitch);
    wsig[la_pitch..la_pitch + mid].copy_from_slice(&x_win[la_pitch..la_pitch + mid]);
    apply_sine_window_flp(
        &mut wsig[la_pitch + mid..],
        &x_win[la_pitch + mid..],
        2,
        la_pitch,
    );

    let mut auto_corr = [0f32; MAX_FIND_PITCH_LPC_ORDER + 1];
    autocorrelation_flp(&mut auto_corr, &wsig[..win_length], order + 1);
    // White-noise floor, relative to the energy.
    auto_corr[0] += auto_corr[0] * FIND_PITCH_WHITE_NOISE_FRACTION + 1.0f32;

    let mut refl_coef = [0f32; MAX_FIND_PITCH_LPC_ORDER];
    let res_nrg = schur_flp(&mut refl_coef, &auto_corr, order);
    ctrl.pred_gain = auto_corr[0] / if res_nrg > 1.0f32 { res_nrg } else { 1.0f32 };

    let mut a = [0f32; MAX_FIND_PITCH_LPC_ORDER];
    k2a_flp(&mut a, &refl_coef, order);
    bwexpander_flp(&mut a[..order], FIND_PITCH_BANDWIDTH_EXPANSION);

    lpc_analysis_filter_flp(res_pitch, &a, x_buf, buf_len, order);

    if cmn.indices.signal_type as i32 != TYPE_NO_VOICE_ACTIVITY && !cmn.first_frame_after_reset {
        // Lower the voicing threshold for higher orders, more activity, a
        // voiced previous frame and a low-pass tilt.
        let mut thrhld = 0.6f32;
        thrhld -= 0.004f32 * order as f32;
        thrhld -= 0.1f32 * cmn.speech_activity_q8 as f32 * (1.0f32 / 256.0f32);
        thrhld -= 0.15f32 * (cmn.prev_signal_type as i32 >> 1) as f32;
        thrhld -= 0.1f32 * cmn.input_tilt_q15 as f32 * (1.0f32 / 32768.0f32);

        let mut est = PitchEstimate {
            pitch_l: ctrl.pitch_l,
            lag_index: cmn.indices.lag_index,
            contour_index: cmn.indices.contour_index,
        };
        let voiced = pitch_analysis_core_flp(
            res_pitch,
            &mut est,
            &mut enc.ltp_corr,
            cmn.prev_lag,
            cmn.pitch_estimation_threshold_q16 as f32 / 65536.0f32,
            thrhld,
            cmn.fs_khz,
            cmn.pitch_estimation_complexity,
            cmn.nb_subfr,
        );
        ctrl.pitch_l = est.pitch_l;
        cmn.indices.lag_index = est.lag_index;
        cmn.indices.contour_index = est.contour_index;
        cmn.indices.signal_type = if voiced { TYPE_VOICED } else { TYPE_UNVOICED } as i8;
    } else {
        ctrl.pitch_l = [0; 4];
        cmn.indices.lag_index = 0;
        cmn.indices.contour_index = 0;
        enc.ltp_corr = 0.0;
    }
}
