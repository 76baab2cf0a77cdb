//! The analysis stages `encode_frame` calls, in one place (libopus
//! `silk/VAD.c`, `silk/float/find_pitch_lags_FLP.c`,
//! `noise_shape_analysis_FLP.c`, `find_pred_coefs_FLP.c`,
//! `process_gains_FLP.c`), with the buffers passed as described in the
//! module docs of [`enc`](super).
//!
//! All stages are infallible today; the `Result`s leave room for checks.

use super::super::structs::CondCoding;
use super::structs::{EncoderControlFlp, EncoderState, EncoderStateFlp};
use crate::error::Error;

/// Speech activity of the frame (libopus `silk_VAD_GetSA_Q8`).
pub fn vad_get_sa_q8(st: &mut EncoderState, input: &[i16]) {
    super::vad::vad_get_sa_q8(st, input);
}

/// Pitch analysis (libopus `silk_find_pitch_lags_FLP`).
///
/// # Errors
///
/// None at present.
pub fn find_pitch_lags_flp(
    enc: &mut EncoderStateFlp,
    ctrl: &mut EncoderControlFlp,
    res_pitch: &mut [f32],
    x_buf: &[f32],
) -> Result<(), Error> {
    super::pitch_analysis::find_pitch_lags_flp(enc, ctrl, res_pitch, x_buf);
    Ok(())
}

/// Noise-shaping analysis (libopus `silk_noise_shape_analysis_FLP`).
///
/// # Errors
///
/// None at present.
pub fn noise_shape_analysis_flp(
    enc: &mut EncoderStateFlp,
    ctrl: &mut EncoderControlFlp,
    res_pitch: &[f32],
    x_buf: &[f32],
) -> Result<(), Error> {
    super::noise_shape::noise_shape_analysis_flp(enc, ctrl, res_pitch, x_buf);
    Ok(())
}

/// LPC and LTP analysis and quantisation (libopus `silk_find_pred_coefs_FLP`).
///
/// # Errors
///
/// None at present.
pub fn find_pred_coefs_flp(
    enc: &mut EncoderStateFlp,
    ctrl: &mut EncoderControlFlp,
    res_pitch: &[f32],
    x_buf: &[f32],
    cond_coding: CondCoding,
) -> Result<(), Error> {
    super::find_pred_coefs::find_pred_coefs_flp(enc, ctrl, res_pitch, x_buf, cond_coding);
    Ok(())
}

/// Gain processing and quantisation (libopus `silk_process_gains_FLP`).
///
/// # Errors
///
/// None at present.
pub fn process_gains_flp(
    enc: &mut EncoderStateFlp,
    ctrl: &mut EncoderControlFlp,
    cond_coding: CondCoding,
) -> Result<(), Error> {
    super::process_gains::process_gains_flp(enc, ctrl, cond_coding);
    Ok(())
}
