//! Side-information decoding, RFC 6716 §4.2.7.3–§4.2.7.7 (libopus
//! `silk/decode_indices.c`).
//!
//! Input: the range decoder positioned at a SILK frame. Output: the frame's
//! [`SideInfoIndices`](super::SideInfoIndices) in `DecoderState::indices`:
//! signal type and offset, gains, NLSF path, interpolation factor, pitch
//! lag and contour, LTP filters and scaling, and the excitation seed.

use super::nlsf::nlsf_unpack;
use super::structs::{
    CondCoding, DecoderState, MAX_LPC_ORDER, MAX_NB_SUBFR, NLSF_QUANT_MAX_AMPLITUDE, TYPE_VOICED,
};
use super::tables_gain::{DELTA_GAIN_ICDF, GAIN_ICDF};
use super::tables_ltp::{LTP_GAIN_ICDF_PTRS, LTP_PER_INDEX_ICDF};
use super::tables_other::{
    LTP_SCALE_ICDF, NLSF_EXT_ICDF, NLSF_INTERPOLATION_FACTOR_ICDF, TYPE_OFFSET_NO_VAD_ICDF,
    TYPE_OFFSET_VAD_ICDF, UNIFORM4_ICDF, UNIFORM8_ICDF,
};
use super::tables_pitch_lag::{PITCH_DELTA_ICDF, PITCH_LAG_ICDF};
use crate::range_coder::RangeDecoder;

/// Reads the side information of frame `frame_index` of the packet into
/// `st.indices` (libopus `silk_decode_indices`).
///
/// `decode_lbrr` selects the LBRR copy (always coded as active speech). The
/// state's rate-dependent fields (`nb_subfr`, `fs_khz`, `nlsf_cb`, the pitch
/// iCDFs) must have been set up. Updates the entropy-coding context
/// (`ec_prev_signal_type`, `ec_prev_lag_index`). Never fails: a damaged
/// stream gives in-range indices and sets the range decoder's error flag.
// Index loops walk several arrays in step, as libopus does.
#[allow(clippy::needless_range_loop)]
pub fn decode_indices(
    st: &mut DecoderState,
    rd: &mut RangeDecoder<'_>,
    frame_index: usize,
    decode_lbrr: bool,
    cond_coding: CondCoding,
) {
    // §4.2.7.3: signal type and quantisation offset type.
    let ix = if decode_lbrr || st.vad_flags[frame_index] {
        rd.icdf(&TYPE_OFFSET_VAD_ICDF, 8) + 2
    } else {
        rd.icdf(&TYPE_OFFSET_NO_VAD_ICDF, 8)
    };
    st.indices.signal_type = (ix >> 1) as i8;
    st.indices.quant_offset_type = (ix & 1) as i8;

    // §4.2.7.4: gains, the first absolute (MSBs then 3 LSBs) or delta.
    if cond_coding == CondCoding::Conditionally {
        st.indices.gains_indices[0] = rd.icdf(&DELTA_GAIN_ICDF, 8) as i8;
    } else {
        let msb = rd.icdf(&GAIN_ICDF[st.indices.signal_type as usize], 8) as i32;
        let lsb = rd.icdf(&UNIFORM8_ICDF, 8) as i32;
        st.indices.gains_indices[0] = ((msb << 3) + lsb) as i8;
    }
    for i in 1..st.nb_subfr.min(MAX_NB_SUBFR) {
        st.indices.gains_indices[i] = rd.icdf(&DELTA_GAIN_ICDF, 8) as i8;
    }

    // §4.2.7.5: NLSF first-stage index, then the residuals with escapes.
    let cb = st.nlsf_cb;
    let n_vectors = cb.n_vectors as usize;
    let cb1_off = (st.indices.signal_type as usize >> 1) * n_vectors;
    st.indices.nlsf_indices[0] = rd.icdf(&cb.cb1_icdf[cb1_off..], 8) as i8;
    let mut ec_ix = [0i16; MAX_LPC_ORDER];
    let mut pred_q8 = [0u8; MAX_LPC_ORDER];
    nlsf_unpack(
        &mut ec_ix,
        &mut pred_q8,
        cb,
        st.indices.nlsf_indices[0] as usize,
    );
    debug_assert_eq!(cb.order as usize, st.lpc_order);
    for i in 0..cb.order as usize {
        let mut ix = rd.icdf(&cb.ec_icdf[ec_ix[i] as usize..], 8) as i32;
        if ix == 0 {
            ix -= rd.icdf(&NLSF_EXT_ICDF, 8) as i32;
        } else if ix == 2 * NLSF_QUANT_MAX_AMPLITUDE {
            ix += rd.icdf(&NLSF_EXT_ICDF, 8) as i32;
        }
        st.indices.nlsf_indices[i + 1] = (ix - NLSF_QUANT_MAX_AMPLITUDE) as i8;
    }

    // §4.2.7.5.5: interpolation factor, 20 ms frames only.
    st.indices.nlsf_interp_coef_q2 = if st.nb_subfr == MAX_NB_SUBFR {
        rd.icdf(&NLSF_INTERPOLATION_FACTOR_ICDF, 8) as i8
    } else {
        4
    };

    if st.indices.signal_type as i32 == TYPE_VOICED {
        // §4.2.7.6.1: pitch lag, delta coded when the previous frame of the
        // packet was voiced too.
        let mut decode_absolute_lag_index = true;
        if cond_coding == CondCoding::Conditionally && st.ec_prev_signal_type == TYPE_VOICED {
            let delta_lag_index = rd.icdf(&PITCH_DELTA_ICDF, 8) as i32;
            if delta_lag_index > 0 {
                st.indices.lag_index = (st.ec_prev_lag_index as i32 + delta_lag_index - 9) as i16;
                decode_absolute_lag_index = false;
            }
        }
        if decode_absolute_lag_index {
            let high = rd.icdf(&PITCH_LAG_ICDF, 8) as i32 * (st.fs_khz >> 1);
            let low = rd.icdf(st.pitch_lag_low_bits_icdf, 8) as i32;
            st.indices.lag_index = (high + low) as i16;
        }
        st.ec_prev_lag_index = st.indices.lag_index;
        st.indices.contour_index = rd.icdf(st.pitch_contour_icdf, 8) as i8;

        // §4.2.7.6.2: LTP filter codebook and one filter per subframe.
        st.indices.per_index = rd.icdf(&LTP_PER_INDEX_ICDF, 8) as i8;
        let ltp_icdf = LTP_GAIN_ICDF_PTRS[st.indices.per_index as usize];
        for k in 0..st.nb_subfr.min(MAX_NB_SUBFR) {
            st.indices.ltp_index[k] = rd.icdf(ltp_icdf, 8) as i8;
        }

        // §4.2.7.6.3: LTP scaling, only in independently coded frames.
        st.indices.ltp_scale_index = if cond_coding == CondCoding::Independently {
            rd.icdf(&LTP_SCALE_ICDF, 8) as i8
        } else {
            0
        };
    }
    st.ec_prev_signal_type = st.indices.signal_type as i32;

    // §4.2.7.7: seed of the excitation sign randomiser.
    st.indices.seed = rd.icdf(&UNIFORM4_ICDF, 8) as i8;
}
