//! The SILK encoder, float build (libopus 1.6.1 `silk/enc_API.c`,
//! `silk/float/encode_frame_FLP.c` and the stages they call).
//!
//! The analysis half (VAD, pitch, noise shaping, prediction coefficients,
//! gain processing) lives in the analysis modules; the quantisation and
//! coding half (NLSF and LTP quantisers, noise-shaping quantiser, gains,
//! indices and pulses coding, stereo, rate control) and the API live here.
//!
//! `encode_frame` calls the analysis stages with these signatures (the
//! analysis buffer is passed as a copy, so no argument aliases `enc`; in
//! both `x_buf` and `res_pitch` the current frame starts at
//! `enc.s_cmn.ltp_mem_length`, as libopus's `x_frame` / `res_pitch_frame`):
//!
//! - `vad::vad_get_sa_q8(st: &mut EncoderState, input: &[i16])`
//! - `pitch_analysis::find_pitch_lags_flp(enc: &mut EncoderStateFlp,
//!   ctrl: &mut EncoderControlFlp, res_pitch: &mut [f32], x_buf: &[f32])`
//! - `noise_shape::noise_shape_analysis_flp(enc, ctrl, res_pitch: &[f32], x_buf: &[f32])`
//! - `find_pred_coefs::find_pred_coefs_flp(enc, ctrl, res_pitch: &[f32],
//!   x_buf: &[f32], cond_coding: CondCoding)`
//! - `process_gains::process_gains_flp(enc, ctrl, cond_coding: CondCoding)`

pub mod structs;

// Analysis modules (written alongside; uncomment as they land).
pub mod float;
pub mod vad;
pub mod pitch_analysis;
pub mod noise_shape;
pub mod find_pred_coefs;
pub mod process_gains;

pub mod encode_indices;
pub mod encode_pulses;
pub mod gain_quant;
pub mod nlsf_encode;

/// Rounds to the nearest integer, ties to even, as `lrintf` does under the
/// default rounding mode (libopus `silk_float2int`).
#[inline]
pub fn float2int(x: f32) -> i32 {
    x.round_ties_even() as i32
}
pub mod ltp_quant;
pub mod nsq;
pub mod stereo_enc;
pub mod filters;
pub mod analysis;
pub mod encode_frame;
pub mod api;
