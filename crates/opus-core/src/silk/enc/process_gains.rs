//! Final gains of a frame (libopus `silk/float/process_gains_FLP.c`).
//!
//! Lowers the gains of strongly predictable voiced frames, soft-limits the
//! ratio of residual energy to squared gain, quantises the gains, and sets
//! the quantisation offset type and the rate-distortion trade-off `lambda`
//! for the noise-shaping quantiser.

use super::float::silk_sigmoid;
use super::gain_quant::gains_quant;
use super::structs::{
    EncoderControlFlp, EncoderStateFlp, LAMBDA_CODING_QUALITY, LAMBDA_DELAYED_DECISIONS,
    LAMBDA_INPUT_QUALITY, LAMBDA_OFFSET, LAMBDA_QUANT_OFFSET, LAMBDA_SPEECH_ACT,
};
use crate::silk::structs::{CondCoding, MAX_NB_SUBFR, TYPE_VOICED};
use crate::silk::tables_other::QUANTIZATION_OFFSETS_Q10;

/// Adjusts, limits and quantises `ctrl.gains`, and sets `ctrl.lambda`,
/// `ctrl.gains_unq_q16`, `ctrl.last_gain_index_prev`,
/// `indices.gains_indices` and (voiced) `indices.quant_offset_type`
/// (libopus `silk_process_gains_FLP`). Reads `ctrl.res_nrg`,
/// `ctrl.lt_pred_cod_gain`, `ctrl.input_quality` and `ctrl.coding_quality`.
/// With `CondCoding::Conditionally` the first gain is coded relative to the
/// previous frame's.
#[allow(clippy::needless_range_loop)]
pub fn process_gains_flp(
    enc: &mut EncoderStateFlp,
    ctrl: &mut EncoderControlFlp,
    cond_coding: CondCoding,
) {
    let cmn = &mut enc.s_cmn;
    let shape_st = &mut enc.s_shape;
    let nb_subfr = cmn.nb_subfr.min(MAX_NB_SUBFR);
    let voiced = cmn.indices.signal_type as i32 == TYPE_VOICED;

    // Lower the gains when the long-term prediction gain is high.
    if voiced {
        let s = 1.0f32 - 0.5f32 * silk_sigmoid(0.25f32 * (ctrl.lt_pred_cod_gain - 12.0f32));
        for g in &mut ctrl.gains[..nb_subfr] {
            *g *= s;
        }
    }

    // Keep the residual-to-gain ratio, and so the quantised signal, bounded.
    let inv_max_sqr_val = (2.0f64
        .powf((0.33f32 * (21.0f32 - cmn.snr_db_q7 as f32 * (1.0f32 / 128.0f32))) as f64)
        / cmn.subfr_length as f64) as f32;
    for k in 0..nb_subfr {
        let gain = ctrl.gains[k];
        let gain = ((gain * gain + ctrl.res_nrg[k] * inv_max_sqr_val) as f64).sqrt() as f32;
        ctrl.gains[k] = if gain < 32767.0f32 { gain } else { 32767.0f32 };
    }

    let mut gains_q16 = [0i32; MAX_NB_SUBFR];
    for k in 0..nb_subfr {
        gains_q16[k] = (ctrl.gains[k] * 65536.0f32) as i32;
    }
    ctrl.gains_unq_q16[..nb_subfr].copy_from_slice(&gains_q16[..nb_subfr]);
    ctrl.last_gain_index_prev = shape_st.last_gain_index;

    gains_quant(
        &mut cmn.indices.gains_indices,
        &mut gains_q16,
        &mut shape_st.last_gain_index,
        cond_coding == CondCoding::Conditionally,
        nb_subfr,
    );
    for k in 0..nb_subfr {
        ctrl.gains[k] = gains_q16[k] as f32 / 65536.0f32;
    }

    // Larger offset for weak long-term prediction or low-pass input.
    if voiced {
        cmn.indices.quant_offset_type =
            if ctrl.lt_pred_cod_gain + cmn.input_tilt_q15 as f32 * (1.0f32 / 32768.0f32) > 1.0f32 {
                0
            } else {
                1
            };
    }

    let type_ix = ((cmn.indices.signal_type as i32 >> 1) & 1) as usize;
    let offset_ix = (cmn.indices.quant_offset_type & 1) as usize;
    let quant_offset = QUANTIZATION_OFFSETS_Q10[type_ix][offset_ix] as f32 / 1024.0f32;
    ctrl.lambda = LAMBDA_OFFSET
        + LAMBDA_DELAYED_DECISIONS * cmn.n_states_delayed_decision as f32
        + LAMBDA_SPEECH_ACT * cmn.speech_activity_q8 as f32 * (1.0f32 / 256.0f32)
        + LAMBDA_INPUT_QUALITY * ctrl.input_quality
        + LAMBDA_CODING_QUALITY * ctrl.coding_quality
        + LAMBDA_QUANT_OFFSET * quant_offset;
}
