//! Per-frame parameter reconstruction, RFC 6716 §4.2.7.4–§4.2.7.6 (libopus
//! `silk/decode_parameters.c`).
//!
//! Input: the frame's indices in `DecoderState::indices`. Output: a
//! [`DecoderControl`] with gains, the two LPC filters (first and second half
//! of the frame), pitch lags, LTP taps and LTP scaling.

use super::decode_pitch::decode_pitch;
use super::gain_quant::gains_dequant;
use super::nlsf::{bwexpander, nlsf2a, nlsf_decode};
use super::structs::{
    CondCoding, DecoderControl, DecoderState, BWE_AFTER_LOSS_Q16, LTP_ORDER, MAX_LPC_ORDER,
    TYPE_VOICED,
};
use super::tables_ltp::LTP_VQ_PTRS_Q7;
use super::tables_other::LTP_SCALES_TABLE_Q14;

/// Fills `ctrl` from `st.indices` and updates the gain index, the previous
/// NLSFs and the interpolation factor in `st` (libopus `silk_decode_parameters`).
// Index loops walk several arrays in step, as libopus does.
#[allow(clippy::needless_range_loop)]
pub fn decode_parameters(
    st: &mut DecoderState,
    ctrl: &mut DecoderControl,
    cond_coding: CondCoding,
) {
    let order = st.lpc_order;

    // §4.2.7.4: gains.
    gains_dequant(
        &mut ctrl.gains_q16,
        &st.indices.gains_indices,
        &mut st.last_gain_index,
        cond_coding == CondCoding::Conditionally,
        st.nb_subfr,
    );

    // §4.2.7.5: NLSFs and the second-half LPC filter.
    let mut nlsf_q15 = [0i16; MAX_LPC_ORDER];
    nlsf_decode(&mut nlsf_q15, &st.indices.nlsf_indices, st.nlsf_cb);
    nlsf2a(
        &mut ctrl.pred_coef_q12[1][..order],
        &nlsf_q15[..order],
        order,
    );

    // No interpolation right after a reset (a rate switch, say): it helps
    // when the first frame after the switch is lost.
    if st.first_frame_after_reset {
        st.indices.nlsf_interp_coef_q2 = 4;
    }

    // §4.2.7.5.5: first-half filter from interpolated NLSFs, or the same filter.
    if st.indices.nlsf_interp_coef_q2 < 4 {
        let f = st.indices.nlsf_interp_coef_q2 as i32;
        let mut nlsf0_q15 = [0i16; MAX_LPC_ORDER];
        for i in 0..order {
            let prev = st.prev_nlsf_q15[i] as i32;
            nlsf0_q15[i] = (prev + ((f * (nlsf_q15[i] as i32 - prev)) >> 2)) as i16;
        }
        nlsf2a(
            &mut ctrl.pred_coef_q12[0][..order],
            &nlsf0_q15[..order],
            order,
        );
    } else {
        ctrl.pred_coef_q12[0] = ctrl.pred_coef_q12[1];
    }
    st.prev_nlsf_q15[..order].copy_from_slice(&nlsf_q15[..order]);

    // Widen the filters' bandwidth after a loss.
    if st.loss_cnt != 0 {
        bwexpander(&mut ctrl.pred_coef_q12[0][..order], BWE_AFTER_LOSS_Q16);
        bwexpander(&mut ctrl.pred_coef_q12[1][..order], BWE_AFTER_LOSS_Q16);
    }

    if st.indices.signal_type as i32 == TYPE_VOICED {
        // §4.2.7.6.1: pitch lags.
        decode_pitch(
            st.indices.lag_index,
            st.indices.contour_index,
            &mut ctrl.pitch_l,
            st.fs_khz,
            st.nb_subfr,
        );
        // §4.2.7.6.2: LTP taps from the selected codebook, Q7 to Q14.
        let cbk_q7 = LTP_VQ_PTRS_Q7[st.indices.per_index as usize];
        for k in 0..st.nb_subfr {
            let row = &cbk_q7[st.indices.ltp_index[k] as usize];
            for i in 0..LTP_ORDER {
                ctrl.ltp_coef_q14[k * LTP_ORDER + i] = ((row[i] as i32) << 7) as i16;
            }
        }
        // §4.2.7.6.3: LTP scaling.
        ctrl.ltp_scale_q14 = LTP_SCALES_TABLE_Q14[st.indices.ltp_scale_index as usize] as i32;
    } else {
        ctrl.pitch_l[..st.nb_subfr].fill(0);
        ctrl.ltp_coef_q14[..LTP_ORDER * st.nb_subfr].fill(0);
        st.indices.per_index = 0;
        ctrl.ltp_scale_q14 = 0;
    }
}
