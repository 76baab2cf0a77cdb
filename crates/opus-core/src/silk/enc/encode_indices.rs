//! Side-information encoding, RFC 6716 §4.2.7.3–§4.2.7.7 (libopus
//! `silk/encode_indices.c`); the mirror of `decode_indices`.

use super::super::nlsf::nlsf_unpack;
use super::super::structs::{
    CondCoding, SideInfoIndices, MAX_LPC_ORDER, MAX_NB_SUBFR, NLSF_QUANT_MAX_AMPLITUDE,
    TYPE_VOICED,
};
use super::super::tables_gain::{DELTA_GAIN_ICDF, GAIN_ICDF};
use super::super::tables_ltp::{LTP_GAIN_ICDF_PTRS, LTP_PER_INDEX_ICDF};
use super::super::tables_other::{
    LTP_SCALE_ICDF, NLSF_EXT_ICDF, NLSF_INTERPOLATION_FACTOR_ICDF, TYPE_OFFSET_NO_VAD_ICDF,
    TYPE_OFFSET_VAD_ICDF, UNIFORM4_ICDF, UNIFORM8_ICDF,
};
use super::super::tables_pitch_lag::{PITCH_DELTA_ICDF, PITCH_LAG_ICDF};
use super::structs::EncoderState;
use crate::range_coder::RangeEncoder;

/// Writes the side information of the current frame (`encode_lbrr == false`)
/// or of LBRR frame `frame_index` (libopus `silk_encode_indices`).
///
/// Updates the entropy-coding context (`ec_prev_signal_type`,
/// `ec_prev_lag_index`) as the decoder will.
pub fn encode_indices(
    st: &mut EncoderState,
    enc: &mut RangeEncoder<'_>,
    frame_index: usize,
    encode_lbrr: bool,
    cond_coding: CondCoding,
) {
    let ind: SideInfoIndices = if encode_lbrr {
        st.indices_lbrr[frame_index]
    } else {
        st.indices
    };

    // Signal type and quantisation offset type.
    let type_offset = 2 * ind.signal_type as i32 + ind.quant_offset_type as i32;
    debug_assert!((0..6).contains(&type_offset));
    if encode_lbrr || type_offset >= 2 {
        enc.icdf((type_offset - 2) as usize, &TYPE_OFFSET_VAD_ICDF, 8);
    } else {
        enc.icdf(type_offset as usize, &TYPE_OFFSET_NO_VAD_ICDF, 8);
    }

    // Gains: the first absolute or delta, the rest delta.
    if cond_coding == CondCoding::Conditionally {
        enc.icdf(ind.gains_indices[0] as usize, &DELTA_GAIN_ICDF, 8);
    } else {
        let g = ind.gains_indices[0] as i32;
        enc.icdf((g >> 3) as usize, &GAIN_ICDF[ind.signal_type as usize], 8);
        enc.icdf((g & 7) as usize, &UNIFORM8_ICDF, 8);
    }
    for i in 1..st.nb_subfr.min(MAX_NB_SUBFR) {
        enc.icdf(ind.gains_indices[i] as usize, &DELTA_GAIN_ICDF, 8);
    }

    // NLSFs: first-stage index, then residuals with escape codes.
    let cb = st.ps_nlsf_cb;
    let n_vectors = cb.n_vectors as usize;
    let cb1_off = (ind.signal_type as usize >> 1) * n_vectors;
    enc.icdf(ind.nlsf_indices[0] as usize, &cb.cb1_icdf[cb1_off..], 8);
    let mut ec_ix = [0i16; MAX_LPC_ORDER];
    let mut pred_q8 = [0u8; MAX_LPC_ORDER];
    nlsf_unpack(&mut ec_ix, &mut pred_q8, cb, ind.nlsf_indices[0] as usize);
    for i in 0..cb.order as usize {
        let ix = ind.nlsf_indices[i + 1] as i32;
        let icdf = &cb.ec_icdf[ec_ix[i] as usize..];
        if ix >= NLSF_QUANT_MAX_AMPLITUDE {
            enc.icdf((2 * NLSF_QUANT_MAX_AMPLITUDE) as usize, icdf, 8);
            enc.icdf((ix - NLSF_QUANT_MAX_AMPLITUDE) as usize, &NLSF_EXT_ICDF, 8);
        } else if ix <= -NLSF_QUANT_MAX_AMPLITUDE {
            enc.icdf(0, icdf, 8);
            enc.icdf((-ix - NLSF_QUANT_MAX_AMPLITUDE) as usize, &NLSF_EXT_ICDF, 8);
        } else {
            enc.icdf((ix + NLSF_QUANT_MAX_AMPLITUDE) as usize, icdf, 8);
        }
    }

    // NLSF interpolation factor, 20 ms frames only.
    if st.nb_subfr == MAX_NB_SUBFR {
        enc.icdf(
            ind.nlsf_interp_coef_q2 as usize,
            &NLSF_INTERPOLATION_FACTOR_ICDF,
            8,
        );
    }

    if ind.signal_type as i32 == TYPE_VOICED {
        // Pitch lag: delta coded when possible, else high and low parts.
        let mut encode_absolute = true;
        if cond_coding == CondCoding::Conditionally && st.ec_prev_signal_type == TYPE_VOICED {
            let mut delta = ind.lag_index as i32 - st.ec_prev_lag_index as i32;
            if !(-8..=11).contains(&delta) {
                delta = 0;
            } else {
                delta += 9;
                encode_absolute = false;
            }
            enc.icdf(delta as usize, &PITCH_DELTA_ICDF, 8);
        }
        if encode_absolute {
            let half = st.fs_khz >> 1;
            let high = ind.lag_index as i32 / half;
            let low = ind.lag_index as i32 - high * half;
            enc.icdf(high as usize, &PITCH_LAG_ICDF, 8);
            enc.icdf(low as usize, st.pitch_lag_low_bits_icdf, 8);
        }
        st.ec_prev_lag_index = ind.lag_index;

        enc.icdf(ind.contour_index as usize, st.pitch_contour_icdf, 8);

        // LTP filters and scaling.
        enc.icdf(ind.per_index as usize, &LTP_PER_INDEX_ICDF, 8);
        let ltp_icdf = LTP_GAIN_ICDF_PTRS[ind.per_index as usize];
        for k in 0..st.nb_subfr.min(MAX_NB_SUBFR) {
            enc.icdf(ind.ltp_index[k] as usize, ltp_icdf, 8);
        }
        if cond_coding == CondCoding::Independently {
            enc.icdf(ind.ltp_scale_index as usize, &LTP_SCALE_ICDF, 8);
        }
    }
    st.ec_prev_signal_type = ind.signal_type as i32;

    enc.icdf(ind.seed as usize, &UNIFORM4_ICDF, 8);
}
